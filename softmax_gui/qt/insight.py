"""What the model learned and where it fails: weight templates, confusion, calibration.

Each view keeps its plot items and updates them in place from the active weights and
their test-set probabilities (docs/ARCHITECTURE.md, rule 4); the statistics come from
``softmax_gui.evaluation``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.evaluation import calibration, confusion_matrix, per_class_metrics
from softmax_gui.model_registry import first_layer_templates, get_model

DIVERGING = pg.colormap.get("CET-D1")  # blue - white - red: zero in the middle
SEQUENTIAL = pg.colormap.get("viridis")


def short(name: str) -> str:
    """A column label that fits under a 10-column heatmap."""
    return name if len(name) <= 6 else name[:5] + "."


class WeightTemplates(QWidget):
    """The first layer's weights as images: for softmax regression, what each class
    'looks for' (red: evidence for the class, blue: against it)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)
        self.images: list[pg.ImageItem] = []
        self.titles: list[str] = []
        self._shape: tuple = ()
        self._columns = 0
        self._templates = None

    def update_from(self, snapshot) -> None:
        templates = first_layer_templates(snapshot.model, snapshot.state)
        kind = get_model(snapshot.model).templates
        if kind == "classes":
            titles = list(snapshot.classes)
            self.caption.setText(
                "Each class's row of W as a 28x28 image. The score of a class is the sum of "
                "the image times these weights (plus b): red pixels are evidence for the "
                "class, blue against it, white neutral.")
        else:
            layer = "first convolution's 5x5 filters" if kind == "filters" else \
                "first hidden units' input weights"
            titles = [f"unit {i}" for i in range(len(templates))]
            self.caption.setText(f"The {layer} (red positive, blue negative).")
        shape = (len(templates), templates.shape[1:], tuple(titles))
        columns = self._best_columns(len(titles))
        if shape != self._shape or columns != self._columns:
            self._build(titles, columns)
            self._shape, self._columns = shape, columns
        self._templates = templates
        self._show(templates)

    def _show(self, templates) -> None:
        for image, template in zip(self.images, templates):
            m = float(np.abs(template).max()) or 1.0
            image.setImage(template, autoLevels=False, levels=(-m, m))

    def _best_columns(self, n: int) -> int:
        """The column count that gives the largest square images in this widget's shape."""
        width, height = max(self.graphics.width(), 1), max(self.graphics.height(), 1)

        def side(columns):
            rows = -(-n // columns)
            return min(width / columns, height / rows - 20)

        return max(range(1, n + 1), key=side)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._templates is not None and self._best_columns(len(self.images)) != \
                self._columns:
            self._columns = self._best_columns(len(self.images))
            self._build(list(self._shape[2]), self._columns)
            self._show(self._templates)

    def _build(self, titles, columns: int) -> None:
        self.graphics.clear()
        self.images = []
        for k, title in enumerate(titles):
            view = self.graphics.addViewBox(row=2 * (k // columns) + 1, col=k % columns,
                                            lockAspect=True, enableMouse=False)
            view.invertY(True)
            image = pg.ImageItem(axisOrder="row-major")
            image.setColorMap(DIVERGING)
            view.addItem(image)
            self.graphics.addLabel(title, row=2 * (k // columns), col=k % columns, size="9pt")
            # Title rows stay one line high; the image rows take the rest.
            self.graphics.ci.layout.setRowMaximumHeight(2 * (k // columns), 18)
            self.images.append(image)


class ConfusionView(QWidget):
    """Test-set confusion heatmap and per-class table; clicking a cell emits it."""

    cell_clicked = Signal(int, int)  # true class, predicted class

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setToolTip("Rows: true class. Columns: predicted class. Click a cell to "
                             "show its test images in the grid.")
        item = self.plot.getPlotItem()
        item.setMouseEnabled(False, False)
        item.hideButtons()
        item.invertY(True)
        item.setLabel("left", "true class")
        item.setLabel("bottom", "predicted class")
        item.getAxis("left").setWidth(72)
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setColorMap(SEQUENTIAL)
        self.heat.mouseClickEvent = self._clicked
        item.addItem(self.heat)
        self.texts: list[pg.TextItem] = []
        self.normalise = QCheckBox("Row-normalised")
        self.normalise.setToolTip("Show each row as fractions of its true class (the "
                                  "diagonal is then per-class recall)")
        self.normalise.toggled.connect(self._draw)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["accuracy", "precision", "recall"])
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("accuracy: one-vs-rest (TP + TN) / N; precision: of the "
                              "images predicted as the class, the fraction that are; recall: "
                              "of the class's images, the fraction found")
        layout = QVBoxLayout(self)
        layout.addWidget(self.normalise)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.table, 2)
        self.counts = np.zeros((0, 0), int)
        self.classes: tuple[str, ...] = ()

    def update_from(self, labels: np.ndarray, predicted: np.ndarray, classes) -> None:
        classes = tuple(classes)
        if classes != self.classes:
            self._set_classes(classes)
        self.counts = confusion_matrix(labels, predicted, len(classes))
        metrics = per_class_metrics(self.counts)
        for row in range(len(classes)):
            for col, key in enumerate(("accuracy", "precision", "recall")):
                self.table.setItem(row, col, QTableWidgetItem(f"{metrics[key][row]:.1%}"))
        self._draw()

    def _set_classes(self, classes) -> None:
        self.classes = classes
        n = len(classes)
        item = self.plot.getPlotItem()
        item.getAxis("left").setTicks([[(i + 0.5, name) for i, name in enumerate(classes)]])
        item.getAxis("bottom").setTicks([[(i + 0.5, short(n_)) for i, n_ in enumerate(classes)]])
        item.setRange(xRange=(0, n), yRange=(0, n), padding=0)
        for text in self.texts:
            item.removeItem(text)
        self.texts = []
        font = self.font()
        font.setPointSizeF(7)
        for k in range(n * n):
            text = pg.TextItem(anchor=(0.5, 0.5))
            text.setFont(font)
            text.setPos(k % n + 0.5, k // n + 0.5)
            item.addItem(text)
            self.texts.append(text)
        self.table.setRowCount(n)
        self.table.setVerticalHeaderLabels(list(classes))

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
        # Log-ish scale so the off-diagonal mistakes are visible beside a big diagonal.
        shown = np.sqrt(values)
        self.heat.setImage(shown, autoLevels=False, levels=(0, max(shown.max(), 1e-9)))
        self.heat.setRect(0, 0, len(self.classes), len(self.classes))
        top = shown.max() or 1
        for text, label, v in zip(self.texts, labels, shown.ravel()):
            text.setText(label)
            text.setColor("k" if v > 0.6 * top else "w")

    def _clicked(self, event) -> None:
        pos = event.pos()
        col, row = int(pos.x()), int(pos.y())
        if 0 <= row < len(self.classes) and 0 <= col < len(self.classes):
            self.cell_clicked.emit(row, col)
            event.accept()


class CalibrationView(QWidget):
    """Reliability diagram with the diagonal, and the ECE of every epoch of the run."""

    TIP = ("Calibration (d2l §3.4.4): a model is calibrated when, among the predictions made "
           "with confidence 80%, about 80% are right. Bars: accuracy of the test "
           "predictions in each confidence bin; the dashed diagonal is perfect calibration. "
           "ECE, the expected calibration error, is the bin-size-weighted mean gap.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setToolTip(self.TIP)
        self.diagram = pg.PlotWidget(background="w", title="Reliability diagram")
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
        self.history = pg.PlotWidget(background="w", title="ECE per epoch")
        self.history.setLabel("bottom", "epoch")
        self.history_curve = self.history.plot(pen=pg.mkPen("#d62728", width=2), symbol="o",
                                               symbolSize=5, symbolBrush="#d62728")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setToolTip(self.TIP)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        row = QHBoxLayout()
        row.addWidget(self.diagram, 3)
        row.addWidget(self.history, 2)
        layout.addLayout(row, 1)
        self.epochs: list[float] = []
        self.eces: list[float] = []
        self.result: dict = {}

    def reset_history(self) -> None:
        self.epochs, self.eces = [], []
        self.history_curve.setData([], [])

    def update_from(self, probabilities: np.ndarray, labels: np.ndarray, epoch: float) -> None:
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
        if self.epochs and epoch <= self.epochs[-1]:
            self.reset_history()
        self.epochs.append(epoch)
        self.eces.append(c["ece"])
        self.history_curve.setData(self.epochs, self.eces)
        over = "over" if (mean_conf - accuracy)[filled].mean() > 0 else "under"
        self.label.setText(f"Expected calibration error (ECE): {c['ece']:.2%} — on average "
                           f"the model is slightly {over}confident. Red: the gap between "
                           "confidence and accuracy in each bin.")
