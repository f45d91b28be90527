"""A horizontal bar chart of class probabilities, names and percentages, top class marked."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

TOP = "#d62728"
OTHER = "#7f9fbf"
TRUE = "#2ca02c"


class ProbabilityBars(pg.PlotWidget):
    """Bars for ``C`` classes; ``set_probabilities`` updates the persistent items in place.

    ``shown`` is what the bars show: ``(p, true_class, logits)``; ``rows`` the class
    names from top to bottom.
    """

    def __init__(self, classes, parent=None, title: str | None = None):
        super().__init__(parent=parent, background="w")
        self.setMinimumHeight(130)  # ten rows of 9-point labels, no overlap
        self.plot_item = self.getPlotItem()
        if title:
            self.plot_item.setTitle(title)
        self.plot_item.setMouseEnabled(False, False)
        self.plot_item.hideButtons()
        self.plot_item.setXRange(0, 1.45, padding=0)
        self.plot_item.getAxis("bottom").setTicks([[(v, f"{v:.0%}") for v in (0, .25, .5, .75, 1)]])
        self.plot_item.invertY(True)
        self.bars = pg.BarGraphItem(x0=0, y=[], height=0.7, width=[], brushes=[])
        self.plot_item.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        self.sorted = False
        self.set_classes(classes)

    def set_classes(self, classes) -> None:
        """Label the bars with ``classes``; a no-op when they are already these."""
        if self.labels and tuple(classes) == self.classes:
            return
        self.classes = tuple(classes)
        for label in self.labels:
            self.plot_item.removeItem(label)
        self.labels = []
        for _ in self.classes:
            label = pg.TextItem(color="#222", anchor=(0, 0.5))
            self.plot_item.addItem(label)
            self.labels.append(label)
        self.plot_item.setYRange(-0.6, len(self.classes) - 0.4, padding=0)
        # As wide as the longest name: pyqtgraph skips a label that does not fit inside
        # the axis, and in a narrow dock "pullover" and "ankle boot" went missing.
        names = QFontMetrics(self.font())  # the font the axis paints its labels with
        self.plot_item.getAxis("left").setWidth(
            max((names.horizontalAdvance(name) for name in self.classes), default=0) + 14)
        self.set_probabilities(np.zeros(len(self.classes)))

    def set_probabilities(self, p: np.ndarray, true_class: int | None = None,
                          logits: np.ndarray | None = None) -> None:
        """Show ``p`` (sums to 1); the top class in red, the true class's label in green.

        With ``logits``, each label also shows the class's logit ``o``.
        """
        p = np.asarray(p, dtype=float)
        order = np.argsort(-p) if self.sorted else np.arange(len(p))
        top = int(np.argmax(p)) if p.any() else -1
        brushes = [pg.mkBrush(TOP if i == top else OTHER) for i in order]
        self.bars.setOpts(y=np.arange(len(p)), width=p[order], brushes=brushes)
        ticks = []
        for row, i in enumerate(order):
            name = self.classes[i]
            ticks.append((row, name))
            text = f"{p[i]:.1%}" if p.any() else ""
            if logits is not None:
                text += f"   o = {logits[i]:+.2f}"
            self.labels[row].setText(text)
            inside = p[i] > 0.55  # a long bar leaves no room after it: label inside, white
            colour = TRUE if i == true_class else "#222"
            self.labels[row].setColor("w" if inside else colour)
            self.labels[row].setAnchor((1, 0.5) if inside else (0, 0.5))
            self.labels[row].setPos(p[i] - 0.01 if inside else p[i] + 0.01, row)
        self.plot_item.getAxis("left").setTicks([ticks])

        self.shown = (p, true_class, logits)
        self.rows = [name for _, name in ticks]

    def set_sorted(self, on: bool) -> None:
        """Order bars by probability (True) or by class index (False)."""
        self.sorted = on
        self.set_probabilities(*self.shown)

