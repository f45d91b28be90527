"""Where the model fails: confusion and calibration (the weights: qt/insight/weights_view.py).

Each view keeps its plot items and updates them in place from the active weights and
their test-set probabilities (docs/ARCHITECTURE.md, rule 4); the statistics come from
``softmax_gui.evaluation``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.evaluation import calibration, confusion_matrix, per_class_metrics
from softmax_gui.qt.shell import theme
from softmax_gui.qt.state.when_shown import follow_shown_weights

DIVERGING = pg.colormap.get("CET-D1")  # blue - white - red: zero in the middle
SEQUENTIAL = pg.colormap.get("viridis")


class ConfusionHeatmap(QWidget):
    """The confusion matrix painted as a heatmap with every class name in full: column
    names turn upright when they are wider than a cell, so none overlap or is cut."""

    cell_clicked = Signal(int, int)  # true class, predicted class
    GAP = 6

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(260, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.classes: tuple[str, ...] = ()
        self.values = np.zeros((0, 0))  # what is shown: counts or row fractions
        self.labels: list[str] = []  # the text in each cell, row by row
        self.counts = np.zeros((0, 0), int)

    def set_matrix(self, classes, counts, values, labels) -> None:
        self.classes, self.counts = tuple(classes), counts
        self.values, self.labels = values, labels
        self.update()

    def layout_rects(self):
        """``(cells, upright)``: the heatmap's rectangle, and whether column names stand."""
        metrics = self.fontMetrics()
        line = metrics.height()
        names = max((metrics.horizontalAdvance(c) for c in self.classes), default=0)
        left = line + self.GAP + names + self.GAP  # axis title, names
        top, n = 4, max(len(self.classes), 1)

        def fit(below: float) -> float:  # the square's side with ``below`` under it
            return min(self.width() - left - self.GAP,
                       self.height() - top - below - self.GAP - line - 2)

        upright = fit(line) / n < names + 4
        # Upright, the names read bottom-up under their columns: they take the height.
        side = max(fit(names if upright else line), n * 8)
        return QRectF(left, top, side, side), upright

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        n = len(self.classes)
        if not n or not self.values.size:
            painter.setPen(text_colour)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Train a model or open weights to see its confusion matrix.")
            return
        area, upright = self.layout_rects()
        cell = area.width() / n
        line = self.fontMetrics().height()
        # sqrt: the mistakes stay visible beside a diagonal a hundred times larger.
        shown = np.sqrt(self.values / max(self.values.max(), 1e-12))
        colours = SEQUENTIAL.map(shown.ravel(), mode="qcolor")
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, min(9.0, cell / 5)))
        for k, (colour, label) in enumerate(zip(colours, self.labels)):
            rect = QRectF(area.left() + (k % n) * cell, area.top() + (k // n) * cell,
                          cell, cell)
            painter.fillRect(rect, colour)
            if label:
                painter.setFont(small)
                # Perceived brightness, not HSL lightness: viridis' yellows are bright.
                bright = (0.299 * colour.redF() + 0.587 * colour.greenF()
                          + 0.114 * colour.blueF()) > 0.5
                painter.setPen(QColor("black") if bright else QColor("white"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        painter.setFont(self.font())
        painter.setPen(text_colour)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for i, name in enumerate(self.classes):
            painter.drawText(QRectF(0, area.top() + i * cell, area.left() - self.GAP, cell),
                             right, name)
            x = area.left() + i * cell
            if upright:
                painter.save()
                painter.translate(x + cell / 2 + line / 2 - 2, area.bottom() + self.GAP)
                painter.rotate(-90)
                painter.drawText(QRectF(-self.height(), -line, self.height(), line), right,
                                 name)
                painter.restore()
            else:
                painter.drawText(QRectF(x, area.bottom() + 2, cell, line),
                                 Qt.AlignmentFlag.AlignHCenter, name)
        painter.drawText(QRectF(area.left(), self.height() - line, area.width(), line),
                         Qt.AlignmentFlag.AlignHCenter, "predicted class")
        painter.save()
        painter.translate(0, area.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-area.height() / 2, 0, area.height(), line),
                         Qt.AlignmentFlag.AlignHCenter, "true class")
        painter.restore()
        painter.end()

    def cell_at(self, pos) -> tuple[int, int] | None:
        area, _ = self.layout_rects()
        n = len(self.classes)
        if not n or not area.contains(pos):
            return None
        cell = area.width() / n
        return (min(int((pos.y() - area.top()) / cell), n - 1),
                min(int((pos.x() - area.left()) / cell), n - 1))

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        where = self.cell_at(event.position())
        if where is not None and event.button() == Qt.MouseButton.LeftButton:
            self.cell_clicked.emit(*where)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        where = self.cell_at(event.position())
        if where is None or not self.counts.size:
            self.setToolTip("Rows: true class. Columns: predicted class. Click a cell to "
                            "show its test images in the grid.")
            return
        true, predicted = where
        count, total = int(self.counts[true, predicted]), int(self.counts[true].sum())
        what = "correct" if true == predicted else f"predicted as {self.classes[predicted]}"
        self.setToolTip(f"{self.classes[true]} {what}: {count} of {total} "
                        f"({count / max(total, 1):.1%}). Click to show them in the grid.")


class ConfusionView(QWidget):
    """Test-set confusion heatmap and per-class table of the weights the insight tabs
    show; clicking a cell shows its images in the grid."""

    cell_clicked = Signal(int, int)  # true class, predicted class
    COLUMNS = ("precision", "recall", "F1", "support")

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.heatmap = ConfusionHeatmap()
        self.heatmap.cell_clicked.connect(self.cell_clicked)
        self.cell_clicked.connect(session.show_confusion_cell)
        self.normalise = QCheckBox("Row-normalised")
        self.normalise.setToolTip("Show each row as fractions of its true class (the "
                                  "diagonal is then per-class recall)")
        self.normalise.toggled.connect(self._draw)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)  # never "recision"

        self.table.setToolTip("precision: of the images predicted as the class, the "
                              "fraction that are; recall: of the class's images, the "
                              "fraction found; F1: their harmonic mean; support: the "
                              "class's test images")
        layout = QVBoxLayout(self)
        layout.addWidget(self.normalise)
        layout.addWidget(self.heatmap, 3)
        layout.addWidget(self.table, 2)
        self.counts = np.zeros((0, 0), int)
        self.classes: tuple[str, ...] = ()
        state = session.state
        follow_shown_weights(self, state, lambda weights: self.update_from(
            state.dataset.test_labels.numpy(), weights.probabilities.argmax(1),
            state.dataset.classes))

    def update_from(self, labels: np.ndarray, predicted: np.ndarray, classes) -> None:
        self.classes = tuple(classes)
        self.counts = confusion_matrix(labels, predicted, len(self.classes))
        metrics = per_class_metrics(self.counts)
        self.table.setRowCount(len(self.classes))
        self.table.setVerticalHeaderLabels(list(self.classes))
        for row in range(len(self.classes)):
            for col, text in enumerate((f"{metrics['precision'][row]:.1%}",
                                        f"{metrics['recall'][row]:.1%}",
                                        f"{metrics['f1'][row]:.3f}",
                                        f"{metrics['support'][row]:,}")):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self._draw()

    def _draw(self) -> None:
        counts = self.counts.astype(float)
        if not counts.size:
            return
        if self.normalise.isChecked():
            values = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
            labels = [f"{v:.0%}" if v >= 0.005 else "" for v in values.ravel()]
        else:
            values = counts
            labels = [str(int(v)) if v else "" for v in values.ravel()]
        self.heatmap.set_matrix(self.classes, self.counts, values, labels)


class CalibrationView(QWidget):
    """Reliability diagram with the diagonal, and the ECE of every epoch of the run."""

    TIP = ("Calibration (d2l §3.4.4): a model is calibrated when, among the predictions made "
           "with confidence 80%, about 80% are right. Bars: accuracy of the test "
           "predictions in each confidence bin; the dashed diagonal is perfect calibration. "
           "ECE, the expected calibration error, is the bin-size-weighted mean gap.")

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.state, self.timeline = session.state, session.runs.timeline
        self.setToolTip(self.TIP)
        background = theme.colors().background
        self.diagram = pg.PlotWidget(background=background, title="Reliability diagram")
        item = self.diagram.getPlotItem()
        item.setLabel("bottom", "confidence (top probability)")
        item.setLabel("left", "accuracy")
        item.setRange(xRange=(0, 1), yRange=(0, 1))
        item.setMouseEnabled(False, False)
        item.plot([0, 1], [0, 1], pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.09, brush="#1f77b4")
        self.gaps = pg.BarGraphItem(x=[], y0=[], height=[], width=0.09,
                                    brush=pg.mkBrush(214, 39, 40, 90), pen=None)
        item.addItem(self.bars)
        item.addItem(self.gaps)
        self.history = pg.PlotWidget(background=background, title="ECE per epoch")
        self.history.setLabel("bottom", "epoch")
        self.history.setLabel("left", "ECE")
        self.history.setMouseEnabled(False, False)
        self.history.getAxis("left").enableAutoSIPrefix(False)
        self.history_curve = self.history.plot(pen=pg.mkPen("#d62728", width=2), symbol="o",
                                               symbolSize=5, symbolBrush="#d62728")
        # The epoch the diagram shows (the timeline's, or the active weights'): ringed.
        self.history_mark = self.history.plot(pen=None, symbol="o", symbolSize=12,
                                              symbolBrush=None,
                                              symbolPen=pg.mkPen("#d62728", width=2))
        self.history.setToolTip("The expected calibration error after each epoch of the "
                                "run; the ring marks the epoch the diagram shows")
        self.shown_epoch = 0.0
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setToolTip(self.TIP)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self.row = row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        row.addWidget(self.diagram, 3)
        row.addWidget(self.history, 2)
        layout.addLayout(row, 1)
        self.epochs: list[float] = []
        self.eces: list[float] = []
        self.result: dict = {}
        follow_shown_weights(self, self.state, self._show)

    def _show(self, weights) -> None:
        """The calibration of ``weights``, on the ECE curve of the run they come from."""
        run, timeline = self.state.run(weights.run), self.timeline
        metrics = run.epochs if run is not None else (
            timeline.metrics if timeline.run == weights.run else [])
        self.update_from(weights.probabilities, self.state.dataset.test_labels.numpy(),
                         weights.snapshot.epoch, metrics)

    def update_from(self, probabilities: np.ndarray, labels: np.ndarray, epoch: float,
                    run_epochs: list[dict] = ()) -> None:
        """The diagram of ``probabilities``; the ECE of each of ``run_epochs`` (the
        trainer's per-epoch figures of the run the weights come from) up to ``epoch``,
        and this one's."""
        confidence = probabilities.max(axis=1)
        correct = probabilities.argmax(axis=1) == labels
        self.result = c = calibration(confidence, correct)
        centres = (c["edges"][:-1] + c["edges"][1:]) / 2
        filled = c["count"] > 0
        accuracy = np.where(filled, c["accuracy"], 0.0)
        mean_conf = np.where(filled, c["confidence"], centres)
        self.bars.setOpts(x=centres, height=accuracy)
        self.gaps.setOpts(x=centres, y0=np.minimum(accuracy, mean_conf),
                          height=np.abs(mean_conf - accuracy) * filled)
        # The run's whole curve, the epoch shown marked on it (an earlier epoch viewed on
        # the timeline keeps the later ones in view).
        known = {row["epoch"]: row["test_ece"] for row in run_epochs
                 if np.isfinite(row.get("test_ece", np.nan))}
        known[epoch] = c["ece"]
        self.epochs, self.eces = sorted(known), [known[e] for e in sorted(known)]
        self.shown_epoch = epoch
        self._draw_history()
        over = "over" if (mean_conf - accuracy)[filled].mean() > 0 else "under"
        ece = c["ece"]
        how = ("well calibrated" if ece < 0.02 else f"slightly {over}confident" if ece < 0.05
               else f"{over}confident" if ece < 0.10 else f"badly {over}confident")
        self.label.setText(f"Expected calibration error (ECE): {ece:.2%} — on average the "
                           f"model is {how}. Blue: each bin's accuracy; red: the gap to its "
                           "confidence (purple where it covers the bar: accuracy above "
                           "confidence).")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # Side by side when there is room, else the history under the diagram.
        self.row.setDirection(QBoxLayout.Direction.LeftToRight if self.width() >= 560
                              else QBoxLayout.Direction.TopToBottom)

    def _draw_history(self) -> None:
        self.history_curve.setData(self.epochs, self.eces)
        top = max(max(self.eces) * 1.2, 0.01)
        self.history.setYRange(0, top, padding=0)
        step = _nice_step(top / 4)
        self.history.getAxis("left").setTicks(
            [[(v, f"{v:.0%}" if step >= 0.01 else f"{v:.1%}")
              for v in np.arange(0, top + 1e-12, step)]])
        first, last = min(self.epochs), max(self.epochs)
        # From epoch 1 (or 0): a single known epoch is not an axis from 9 to 10.
        self.history.setXRange(min(first, 1.0, last - 1), max(last, 1.0), padding=0.08)
        every = max(round(_nice_step(max(last - min(first, 1.0), 1.0) / 5)), 1)
        self.history.getAxis("bottom").setTicks(
            [[(v, f"{v:g}") for v in np.arange(0, last + 1e-9, every)]])
        self.history_mark.setData([self.shown_epoch], [self.eces[self.epochs.index(
            self.shown_epoch)]])
        # Whole epochs as ticks, never "10.010.2": a few, spread over the run.
        whole = range(int(np.floor(min(first, last - 1))), int(np.ceil(last)) + 1)
        stride = max(1, -(-len(whole) // 6))
        self.history.getAxis("bottom").setTicks(
            [[(e, str(e)) for e in whole[::stride]]])


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``raw``."""
    power = 10 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
