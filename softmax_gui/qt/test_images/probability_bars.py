"""A horizontal bar chart of class probabilities: names on the left, figures on the right.

Names and figures are axis labels, outside the bars: a label inside or after a bar is
clipped whenever the bar is long, and an axis is sized to its longest label (pyqtgraph
skips a label that does not fit, so ``set_classes`` and ``set_probabilities`` widen the
axes to fit theirs).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics

from softmax_gui.qt.shell import theme

TOP = "#d62728"
OTHER = "#7f9fbf"
TRUE_MARK = " (true)"  # the true class is named, not only coloured
# Room the bars keep, with the plot's margins, when the logits are written beside them.
BAR_ROOM = 60
# The widest figure with a logit a trained model gives (|o| < 10, two decimals): what a
# layout makes room for (wider ones, from odd weights, drop the logits).
WIDE_FIGURE = "100.0%  o = -9.99"


class ProbabilityBars(pg.PlotWidget):
    """Bars for ``C`` classes; ``set_probabilities`` updates the persistent items in place.

    ``shown`` is what the bars show: ``(p, true_class, logits)``; ``rows`` the class
    names from top to bottom and ``figures`` the text beside each bar.
    """

    class_clicked = Signal(int)  # the class whose row was clicked

    def __init__(self, classes, parent=None, title: str | None = None,
                 mark_true: bool = True):
        super().__init__(parent=parent, background=theme.colors().background)
        self.setToolTip("Click a class to see its evidence in the Explain panel")
        # Where width is short (the Draw dock) the true class is named beside the bars.
        self.true_mark = TRUE_MARK if mark_true else ""

        self.setAccessibleName(title or "Class probabilities")
        self.plot_item = self.getPlotItem()
        if title:
            self.plot_item.setTitle(title)
        self.plot_item.setMouseEnabled(False, False)
        self.plot_item.hideButtons()
        self.plot_item.setXRange(0, 1, padding=0.01)
        # Every bar carries its figure: an x-axis would only repeat them, squeezed.
        self.plot_item.hideAxis("bottom")
        self.plot_item.showAxis("right")
        self.plot_item.invertY(True)
        self.bars = pg.BarGraphItem(x0=0, y=[], height=0.7, width=[], brushes=[])
        self.plot_item.addItem(self.bars)
        self.sorted = False
        self._percent_width = self._width(["100.0%"])  # measured once: every stroke asks
        self._logit_width = self._width([WIDE_FIGURE])
        self.classes: tuple[str, ...] = ()
        self.set_classes(classes)

    def set_classes(self, classes) -> None:
        """Label the bars with ``classes``; a no-op when they are already these."""
        if self.classes and tuple(classes) == self.classes:
            return
        self.classes = tuple(classes)
        # Three quarters of a row above the first and below the last: pyqtgraph skips a
        # label that would reach past its axis, and the edge rows' labels did.
        self.plot_item.setYRange(-0.75, len(self.classes) - 0.25, padding=0)
        # A line of text per class, no overlap.
        line = QFontMetrics(self.font()).height() + 1
        self.setMinimumHeight(round((len(self.classes) + 0.5) * line) + 6)
        self._fit("left", [name + self.true_mark for name in self.classes])
        self.set_probabilities(np.zeros(len(self.classes)))

    def _width(self, texts) -> int:
        """The axis width its longest label needs, in steps of 16 px (no jitter while
        the figures change with every stroke)."""
        metrics = QFontMetrics(self.font())  # the font the axes paint their labels with
        width = max((metrics.horizontalAdvance(t) for t in texts), default=0) + 14
        return -(-width // 16) * 16

    def width_for_logits(self) -> int:
        """The width at which these bars show each class's logit beside its figure."""
        return self.plot_item.getAxis("left").width() + self._logit_width + BAR_ROOM

    def _fit(self, side: str, texts) -> None:
        axis = self.plot_item.getAxis(side)
        width = self._width(texts)
        if width != axis.width():
            axis.setWidth(width)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if hasattr(self, "shown"):
            self.set_probabilities(*self.shown)  # room for the logits, or not

    def set_probabilities(self, p: np.ndarray, true_class: int | None = None,
                          logits: np.ndarray | None = None) -> None:
        """Show ``p`` (sums to 1), the top class in red, the true class named "(true)".

        With ``logits``, each figure also shows the class's logit ``o``.
        """
        p = np.asarray(p, dtype=float)
        order = np.argsort(-p) if self.sorted else np.arange(len(p))
        top = int(np.argmax(p)) if p.any() else -1
        brushes = [pg.mkBrush(TOP if i == top else OTHER) for i in order]
        self.bars.setOpts(y=np.arange(len(p)), width=p[order], brushes=brushes)
        rows = [self.classes[i] + (self.true_mark if i == true_class else "") for i in order]
        figures = [f"{p[i]:.1%}" if p.any() else "" for i in order]
        # Room for the names, the percentages and some bar; the logits are extra.
        least = self.plot_item.getAxis("left").width() + self._percent_width + 40
        if least != self.minimumWidth():
            self.setMinimumWidth(int(least))
        if logits is not None:
            with_logits = [f"{text}  o = {_logit(float(logits[i]))}"
                           for text, i in zip(figures, order)]
            # In a narrow dock the logits give way to the bars (the Softmax tab has them).
            room = self.width() - self.plot_item.getAxis("left").width() - BAR_ROOM
            if self._width(with_logits) <= room:
                figures = with_logits
        self._fit("right", figures)
        self.plot_item.getAxis("left").setTicks([list(enumerate(rows))])
        self.plot_item.getAxis("right").setTicks([list(enumerate(figures))])
        self.shown = (p, true_class, logits)
        self.rows, self.figures = rows, figures
        self.order = [int(i) for i in order]  # the class in each row, top to bottom

    def set_sorted(self, on: bool) -> None:
        """Order bars by probability (True) or by class index (False)."""
        self.sorted = on
        self.set_probabilities(*self.shown)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton and self.classes:
            scene = self.mapToScene(event.position().toPoint())
            row = round(self.plot_item.vb.mapSceneToView(scene).y())
            order = getattr(self, "order", list(range(len(self.classes))))
            if 0 <= row < len(order):
                self.class_clicked.emit(order[row])
        super().mousePressEvent(event)


def _logit(o: float) -> str:
    """A logit in at most five characters, so that a drawing's large logits (+12.34)
    take no more room than a test image's and the column does not come and go."""
    digits = 2 if abs(o) < 9.995 else 1 if abs(o) < 99.95 else 0
    return f"{round(o, digits) + 0.0:+.{digits}f}"  # + 0.0: no -0.00
