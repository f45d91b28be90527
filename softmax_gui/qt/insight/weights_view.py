"""What the model learned: the first layer's weights as images, or, for each class, the
input in [0, 1] that maximises its logit or its probability (softmax_gui/explain.py).

Kept items, updated in place (docs/ARCHITECTURE.md, rule 4).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.model_registry import first_layer_size, first_layer_templates, get_model
from softmax_gui.qt.insight.confusion_calibration import DIVERGING
from softmax_gui.qt.shell import theme
from softmax_gui.qt.state.when_shown import follow_shown_weights

GREY = pg.colormap.get("CET-L1")  # black to white
SHOWN = ("Weights (what each class looks for)", "Input that maximises each logit",
         "Input that maximises each probability")


class WeightTemplates(QWidget):
    """The first layer's weights as images: for softmax regression, what each class
    'looks for' (red: evidence for the class, blue: against it)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.tasks = session.tasks
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.colors().background)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.show_what = QComboBox()
        self.show_what.addItems(SHOWN)
        # As narrow as a short item: the longest one made the tab too wide for 1024 px.
        self.show_what.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.show_what.setMinimumContentsLength(14)
        self.show_what.setAccessibleName("Show")
        self.show_what.setToolTip("The weights themselves, or for each class the input in "
                                  "[0, 1] that maximises its logit or its probability")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Show"))
        controls.addWidget(self.show_what, 1)
        self.penalty = self._build_penalty()  # only for the probability-maximising inputs
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.penalty)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)
        for signal in (self.show_what.currentIndexChanged, self.regulariser.currentIndexChanged,
                       self.strength.valueChanged):
            signal.connect(lambda *_: self._snapshot and self.update_from(self._snapshot))
        self._snapshot = None
        self.shown_kind = "weights"
        self.images: list[pg.ImageItem] = []
        self.titles: list[str] = []
        self._shape: tuple = ()
        self._columns = 0
        self._templates = None
        follow_shown_weights(self, session.state, lambda w: self.update_from(w.snapshot))

    def _build_penalty(self) -> QWidget:
        """What the probability-maximising inputs pay for, and how much."""
        self.regulariser = QComboBox()
        self.regulariser.addItems(["total variation", "L2"])
        self.regulariser.setAccessibleName("Regulariser")
        self.regulariser.setToolTip("What the probability-maximising input pays for: "
                                    "edges (total variation) or brightness (L2)")
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(0, 100)
        self.strength.setValue(40)
        self.strength.setAccessibleName("Regularisation strength")
        self.strength.setToolTip("How much smoothness (or darkness) to ask for: 0 none")
        self.strength.setTracking(False)  # a task per release, not per pixel dragged
        self.strength_text = QLabel()
        self.strength_text.setMinimumWidth(self.strength_text.fontMetrics().horizontalAdvance(
            "λ = 0.000") + 4)
        for signal in (self.strength.sliderMoved, self.strength.valueChanged,
                       self.regulariser.currentIndexChanged):
            signal.connect(self._show_weight)
        widget = QWidget()
        penalty = QHBoxLayout(widget)
        penalty.setContentsMargins(0, 0, 0, 0)
        penalty.addWidget(QLabel("Regularise by"))
        penalty.addWidget(self.regulariser)
        penalty.addWidget(self.strength, 1)
        penalty.addWidget(self.strength_text)
        widget.hide()
        self._show_weight()
        return widget

    def update_from(self, snapshot) -> None:
        self._snapshot = snapshot
        mode = self.show_what.currentIndex()
        self.penalty.setVisible(mode == 2)
        if mode:
            self._class_images(snapshot, probability=mode == 2)
            return
        self.shown_kind = "weights"
        templates = first_layer_templates(snapshot.model, snapshot.state)
        kind = get_model(snapshot.model).templates
        if kind == "classes":
            titles = list(snapshot.classes)
            self.caption.setText(
                "Each class's row of W as a 28x28 image. The score of a class is the sum of "
                "the image times these weights (plus b): red pixels are evidence for the "
                "class, blue against it, white neutral.")
        else:
            total = first_layer_size(snapshot.model, snapshot.state)
            if kind == "filters":
                titles = [f"filter {i + 1}" for i in range(len(templates))]
                what = f"first convolution's {total} filters (5x5)"
            else:
                titles = [f"unit {i + 1}" for i in range(len(templates))]
                what = f"first layer's {total} hidden units (their input weights, 28x28)"
            self.caption.setText(f"The first {len(templates)} of the {what}; red "
                                 "positive, blue negative. Unlike softmax regression's, "
                                 "they are not classes: later layers combine them.")
        shape = (len(templates), templates.shape[1:], tuple(titles))
        columns = self._best_columns(len(titles))
        if shape != self._shape or columns != self._columns:
            self._build(titles, columns)
            self._shape, self._columns = shape, columns
        self._templates = templates
        self._show(templates)

    def _show(self, templates) -> None:
        for image, template in zip(self.images, templates):
            if self.shown_kind == "weights":
                m = float(np.abs(template).max()) or 1.0
                image.setColorMap(DIVERGING)
                image.setImage(template, autoLevels=False, levels=(-m, m))
            else:  # an input: black 0 to white 1
                image.setColorMap(GREY)
                image.setImage(template, autoLevels=False, levels=(0, 1))

    def _show_weight(self, *_) -> None:
        self.strength_text.setText(f"λ = {self.penalty_weight():.3g}")

    def penalty_weight(self) -> float:
        """λ of the regulariser: up to 0.4 for total variation, 1 for L2 (where each
        starts to outweigh the log-odds' pull, measured on softmax regression)."""
        strength = (self.strength.sliderPosition() if self.strength.isSliderDown() else
                    self.strength.value()) / 100
        return (0.4 if self.regulariser.currentIndex() == 0 else 1.0) * strength

    def _class_images(self, snapshot, probability: bool) -> None:
        """Each class's most typical input, computed as a task (0.2 s for softmax
        regression's probability images, seconds for the CNN's)."""
        from softmax_gui import explain

        weight = self.penalty_weight()
        tv, l2 = (weight, 0.0) if self.regulariser.currentIndex() == 0 else (0.0, weight)
        exact = explain.linear_form(snapshot) is not None
        self.caption.setText("Computing the inputs…")

        def work(_task):
            from softmax_gui.inference import Predictor

            predictor = Predictor(snapshot)
            images = explain.class_images(snapshot, None if exact else predictor.module,
                                          probability, l2, tv)
            reached = np.diag(predictor.probabilities(images.astype(np.float32)))
            return images, reached

        def done(result) -> None:
            images, reached = result
            self.shown_kind = "inputs"
            titles = [f"{name} {p:.2f}" for name, p in zip(snapshot.classes, reached)]
            if probability:
                what = (f"an input in [0, 1] that maximises the log-odds log(p_k / (1 − "
                        f"p_k)) (the same maximiser as p_k, but it does not flatten at p ≈ "
                        f"1) minus {self.regulariser.currentText()} × {tv or l2:.3g}, by "
                        "projected gradient ascent from grey")
            elif exact:
                what = ("the input in [0, 1] that maximises the logit o_k: exactly "
                        "x_i = 1 where w_ki > 0, else 0")
            else:
                what = ("an input in [0, 1] with a large logit o_k, by projected gradient "
                        "ascent from grey (a local optimum)")
            self.caption.setText(f"For each class, {what}. Beside each name: the p it "
                                 "reaches. White 1, black 0.")
            columns = self._best_columns(len(titles))
            shape = (len(images), images.shape[1:], tuple(titles))
            if shape != self._shape or columns != self._columns:
                self._build(titles, columns)
                self._shape, self._columns = shape, columns
            self._templates = images
            self._show(images)

        def failed(error: BaseException) -> None:
            self.caption.setText(f"Could not compute the inputs: {error}")

        # Latest only: what the user asked for since replaces it.
        self.tasks.run("Computing each class's input…", work, done, failed,
                       latest=f"class inputs {id(self)}")

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
            # A label renders HTML: the names come from a file, shown as text only.
            self.graphics.addLabel(html.escape(title), row=2 * (k // columns),
                                   col=k % columns, size="9pt")
            # Title rows stay one line high; the image rows take the rest.
            self.graphics.ci.layout.setRowMaximumHeight(2 * (k // columns), 18)
            self.images.append(image)
