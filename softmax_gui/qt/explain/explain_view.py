"""Explain one prediction: the pixels' evidence for a class, and the smallest change that
makes the model predict another ("Make it a ...").

The view follows the example under examination (a clicked test image or the drawing,
``state.example``), so beside the Draw dock it updates with every stroke. For
softmax regression the evidence ``W[k] * x`` is exact and costs microseconds on the GUI
thread; for the MLP and CNN it is integrated gradients, computed as a task (the latest
example only: strokes never wait for it). The maths is ``softmax_gui.explain``'s.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import explain
from softmax_gui.app_state import Example
from softmax_gui.qt.explain.evidence import Attributions, PixelImage, diverging, overlay
from softmax_gui.qt.shell import theme
from softmax_gui.qt.state.when_shown import WhenShown


class ExplainView(QWidget):
    """Evidence for a class, and "Make it a ...", for the example under examination."""

    ROBUST_HINT = ("Test set: how fast accuracy falls when each image is pushed towards a "
                   "mistake.")
    NOTHING = "Click a test image, or draw on the canvas: its prediction is explained here."
    EVIDENCE_TIP = ("Which pixels argue for the class (red) and against it (blue), over "
                    "the model input. For softmax regression exactly W[k] · x: it sums, "
                    "with the bias, to the logit.")

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session, self.state = session, session.state
        self.example: Example | None = None
        self.linear: explain.Linear | None = None
        self.result: explain.Counterfactual | None = None
        self.attributions = Attributions(session.tasks)

        self.heading = QLabel(self.NOTHING)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setMinimumHeight(self.heading.fontMetrics().lineSpacing() * 2 + 2)
        self.map = PixelImage(112, self.EVIDENCE_TIP)
        self.map.setAccessibleName("Evidence map")
        self.which = QComboBox()
        self.which.setAccessibleName("Evidence for")
        self.which.setToolTip("The class whose evidence is shown; \"vs runner-up\" shows "
                              "why the prediction beat the second most likely class")
        self.which.setPlaceholderText("Pick an image first")
        self.which.currentIndexChanged.connect(lambda _: self._draw_evidence())
        # Chosen here, a class is no longer the one a bar click asked for.
        self.which.activated.connect(lambda _: setattr(self.state, "explained_class", None))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # class names come from files
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * 4 + 4)
        side = QVBoxLayout()
        side.addWidget(self.which)
        side.addWidget(self.summary, 1)
        top = QHBoxLayout()
        top.addWidget(self.map)
        top.addLayout(side, 1)

        self.target = QComboBox()
        self.target.setAccessibleName("Make it a")
        self.target.setToolTip("The class the model should predict instead")
        self.target.setPlaceholderText("A class")
        self.find_button = QPushButton("Find change")
        self.find_button.setToolTip("The smallest change (L2) of this image, pixels kept in "
                                    "[0, 1], that makes the model predict the chosen class")
        self.find_button.clicked.connect(self.find_change)
        make = QHBoxLayout()
        make.addWidget(QLabel("Make it a"))
        make.addWidget(self.target, 1)
        make.addWidget(self.find_button)

        self.change = PixelImage(56, "The change: red brighter, blue darker")
        self.changed = PixelImage(56, "The changed image: what the model now sees")
        self.path = pg.PlotWidget(background=theme.colors().background)
        self.path.setAccessibleName("Probabilities along the change")
        self.path.setFixedHeight(96)
        self.path.setMinimumWidth(80)
        self.path.setMenuEnabled(False)
        self.path.setMouseEnabled(False, False)
        self.path.hideButtons()
        self.path.setYRange(0, 1, padding=0.02)
        self.path.getPlotItem().hideAxis("bottom")
        self.path_from = self.path.plot(pen=pg.mkPen("#1f77b4", width=2))
        self.path_to = self.path.plot(pen=pg.mkPen("#d62728", width=2,
                                                   style=Qt.PenStyle.DashLine))
        self.path.setYRange(0, 1, padding=0.08)  # "1.0" whole at the top
        self.path.setLabel("bottom", "original → changed")
        self.path.getPlotItem().showAxis("bottom")
        self.path.getAxis("bottom").setTicks([[]])
        self.pictures = QWidget()  # shown once there is a change to show
        pictures = QGridLayout(self.pictures)
        pictures.setContentsMargins(0, 0, 0, 0)
        pictures.addWidget(self.change, 0, 0)
        pictures.addWidget(self.changed, 0, 1)
        pictures.addWidget(self.path, 0, 2)
        pictures.setColumnStretch(2, 1)
        self.pictures.hide()
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome.setMinimumHeight(self.outcome.fontMetrics().lineSpacing() * 2 + 4)
        self.to_canvas = QPushButton("Put on canvas")
        self.to_canvas.setToolTip("Put the changed image on the drawing canvas")
        self.to_canvas.setEnabled(False)
        self.to_canvas.clicked.connect(self.put_on_canvas)
        end = QHBoxLayout()
        end.addWidget(self.outcome, 1)
        end.addWidget(self.to_canvas)

        self.robust_button = QPushButton("Measure")
        self.robust_button.setToolTip("Test accuracy after every test image is changed by "
                                      "ε in the direction that raises its loss most (one "
                                      "signed-gradient step), for several ε")
        self.robust_button.clicked.connect(self.measure_robustness)
        self.robustness = pg.PlotWidget(background=theme.colors().background)
        self.robustness.setAccessibleName("Accuracy against change size")
        self.robustness.setFixedHeight(130)
        self.robustness.setMenuEnabled(False)
        self.robustness.setMouseEnabled(False, False)
        self.robustness.hideButtons()
        self.robustness.setLabel("bottom", "ε (per pixel)")
        self.robustness.getAxis("bottom").enableAutoSIPrefix(False)  # no "(x0.001)"
        self.robustness.setYRange(0, 1, padding=0.08)
        self.robustness.setLabel("left", "accuracy")
        self.robust_curve = self.robustness.plot(pen=pg.mkPen("#1f77b4", width=2),
                                                 symbol="o", symbolSize=5)
        self.robust_text = QLabel(self.ROBUST_HINT)
        self.robust_text.setWordWrap(True)
        self.robust_text.setMinimumHeight(self.robust_text.fontMetrics().lineSpacing() * 2 + 4)
        robust = QHBoxLayout()
        robust.addWidget(self.robust_text, 1)
        robust.addWidget(self.robust_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addLayout(top)
        layout.addLayout(make)
        layout.addWidget(self.pictures)
        layout.addLayout(end)
        layout.addLayout(robust)
        layout.addWidget(self.robustness)
        layout.addStretch(1)

        # Behind the Draw tab it would work for nobody on every stroke (integrated
        # gradients for a network): it catches up when shown.
        self._when_shown = WhenShown(self, self._refresh)
        state = self.state
        state.events.example.connect(self.set_example)
        state.events.weights.connect(self._weights_changed)
        state.events.dataset.connect(self._classes_changed)
        state.events.explained_class.connect(self._class_clicked)
        self._set_enabled()

    # --- inputs -----------------------------------------------------------------------------

    def _classes_changed(self, dataset) -> None:
        if dataset is None:
            return
        self.target.clear()
        self.target.addItems(list(dataset.classes))
        self.example = None
        self._set_enabled()

    def _weights_changed(self, weights) -> None:
        self.linear = explain.linear_form(weights.snapshot) if weights is not None else None
        self._clear_result()
        self._set_enabled()
        self.robust_curve.setData([], [])
        self.robust_button.setEnabled(weights is not None)
        self.robust_text.setText(self.ROBUST_HINT)

    def _set_enabled(self) -> None:
        ready = self.example is not None and self.state.weights is not None
        self.find_button.setEnabled(ready)
        self.target.setEnabled(ready)

    def set_example(self, example: Example | None) -> None:
        """Explain ``example`` (every stroke on the canvas brings a new one)."""
        if example is None:
            self._show_nothing()
            return
        new_image = self.example is None or self.example.index != example.index or \
            self.example.on_canvas != example.on_canvas or \
            not np.array_equal(self.example.pixels, example.pixels)
        self.example = example
        self.heading.setText(example.title)
        if new_image:
            self._clear_result()
            if self.which.count():
                self.which.setCurrentIndex(0)  # a new image: its prediction first
        self._set_enabled()
        self._when_shown.request()

    def _refresh(self) -> None:
        if self.example is None:
            return
        self._fill_choices()
        self._draw_evidence()

    def _class_clicked(self, k: int | None) -> None:
        if k is None:
            return
        index = self.which.findData(f"class {k}")
        if index >= 0:
            self.which.setCurrentIndex(index)

    def _fill_choices(self) -> None:
        """"Predicted", "vs runner-up" and each class, named for this example."""
        classes = self.state.dataset.classes
        order = np.argsort(-self.example.logits)
        top, second = int(order[0]), int(order[1])
        # Plain strings as item data: a tuple came back from Qt as a list after
        # setItemData, and findData no longer found it.
        choices = [(f"Predicted: {classes[top]}", f"class {top}"),
                   (f"{classes[top]} vs {classes[second]} (runner-up)", f"vs {top} {second}")]
        choices += [(f"Class: {name}", f"class {k}") for k, name in enumerate(classes)]
        keep = self.which.currentIndex()
        blocked = self.which.blockSignals(True)
        if self.which.count() != len(choices):
            self.which.clear()
            for text, data in choices:
                self.which.addItem(text, data)
        else:
            for i, (text, data) in enumerate(choices):
                self.which.setItemText(i, text)
                self.which.setItemData(i, data)
        self.which.setCurrentIndex(max(keep, 0))
        self.which.blockSignals(blocked)

    # --- evidence ---------------------------------------------------------------------------

    def _draw_evidence(self) -> None:
        example = self.example
        if example is None or self.state.weights is None or self.which.currentIndex() < 0:
            return
        kind, *numbers = self.which.currentData().split()
        choice = (kind, *map(int, numbers))
        classes = self.state.dataset.classes
        if self.linear is None:
            self.map.set_rgb(overlay(example.pixels, None))
            self.summary.setText("Integrated gradients from a black image (an "
                                 "approximation for this network)…")
            self._integrate(example, choice)
            return
        x = example.pixels
        if choice[0] == "vs":
            k, j = choice[1], choice[2]
            evidence = explain.evidence_between(self.linear, x, k, j)
            gap = self.linear.b[k] - self.linear.b[j]
            self.summary.setText(
                f"Why {classes[k]} and not {classes[j]}: (w_{classes[k]} − w_{classes[j]}) "
                f"· x sums to {evidence.sum():.3f}; with the biases' difference "
                f"{gap:+.3f} that is o_{classes[k]} − o_{classes[j]} = "
                f"{evidence.sum() + gap:.3f} (exact).")
        else:
            k = choice[1]
            evidence = explain.evidence(self.linear, x, k)
            total = evidence.sum()
            self.summary.setText(
                f"{classes[k]}: the pixels' evidence sums to {total:.3f}; with the bias "
                f"{self.linear.b[k]:+.3f} that is its logit o = {total + self.linear.b[k]:.3f}"
                " (exact: o = w · x + b).")
        self.map.set_rgb(overlay(x, evidence))

    def _integrate(self, example: Example, choice) -> None:
        """Integrated gradients of the chosen logit (or the difference of two), off the
        GUI thread; only the newest example's are computed and shown."""
        classes = self.state.dataset.classes

        def shown(attribution: np.ndarray, error: float) -> None:
            if self.example is not example:
                return
            self.map.set_rgb(overlay(example.pixels, attribution))
            what = classes[choice[1]] + (f" − {classes[choice[2]]}" if choice[0] == "vs"
                                         else "")
            o = example.logits
            change = o[choice[1]] - (o[choice[2]] if choice[0] == "vs" else 0)
            self.summary.setText(
                f"{what}: integrated gradients from a black image sum to "
                f"{attribution.sum():.3f}; the logit{' difference' if choice[0] == 'vs' else ''}"
                f" is {change:.3f} here, and the sum is its change from a black image "
                f"(an approximation for this network; completeness error {error:.2%}).")

        def failed(error: BaseException) -> None:
            if self.example is example:
                self.summary.setText(f"Could not explain this prediction: {error}")

        self.attributions.request(self.state.weights.predictor.module, example.pixels,
                                  choice[1], choice[2] if choice[0] == "vs" else None, shown,
                                  failed)

    # --- make it a ... ------------------------------------------------------------------------

    def find_change(self) -> None:
        example, weights = self.example, self.state.weights
        target = self.target.currentIndex()
        classes = self.state.dataset.classes
        if example is None or weights is None:
            return
        if int(np.argmax(example.logits)) == target:
            self._clear_result()
            self.outcome.setText(f"It is already predicted {classes[target]}: choose "
                                 "another class.")
            return
        linear, module = self.linear, weights.predictor.module
        self.find_button.setEnabled(False)
        self.outcome.setText(f"Looking for the smallest change to a {classes[target]}…")

        def work(_task):
            if linear is not None:
                return explain.linear_counterfactual(linear, example.pixels, target)
            return explain.gradient_counterfactual(explain.own_copy(module), example.pixels,
                                                   target)

        def done(result: explain.Counterfactual) -> None:
            self._set_enabled()
            if self.example is not example:
                return  # the image changed meanwhile
            self.show_result(result)

        def failed(error: BaseException) -> None:
            self._set_enabled()
            self.outcome.setText(f"Could not find a change: {error}")

        self.session.tasks.run("Looking for the smallest change…", work, done, failed)

    def show_result(self, result: explain.Counterfactual) -> None:
        self.result = result
        self.pictures.show()
        classes = self.state.dataset.classes
        self.change.set_rgb(diverging(result.change))
        self.changed.set_rgb(overlay(result.image, None))
        steps = np.linspace(0, 1, len(result.path))
        self.path_from.setData(steps, result.path[:, result.original])
        self.path_to.setData(steps, result.path[:, result.target])
        flipped = result.predicted == result.target
        p = result.path[-1]
        runner_up = float(np.sort(p)[-2])
        method = "the smallest L2 change, exact" if self.linear is not None else \
            "projected gradient steps"
        self.outcome.setText(
            (f"L2 = {result.l2:.3f} ({method}): now {classes[result.predicted]}, "
             f"{p[result.predicted]:.0%}, the most likely of ten "
             f"({p[result.predicted] / runner_up:.2f}x the next). Solid: "
             f"p({classes[result.original]}), dashed: p({classes[result.target]}).")
            if flipped else
            f"{len(result.path)} gradient steps (a local search, not an exact one) "
            f"reached L2 {result.l2:.3f} without making it a {classes[result.target]}: a "
            "change may still exist that they did not find.")
        self.to_canvas.setEnabled(flipped)

    def _clear_result(self) -> None:
        self.result = None
        self.pictures.hide()
        self.change.set_rgb(diverging(np.zeros(784)))
        self.changed.set_rgb(np.zeros((28, 28, 3), np.uint8))
        self.path_from.setData([], [])
        self.path_to.setData([], [])
        self.outcome.setText("")
        self.to_canvas.setEnabled(False)

    def put_on_canvas(self) -> None:
        result, weights = self.result, self.state.weights
        if result is None or weights is None:
            return
        pixels = result.image.reshape(28, 28).astype(np.float32)
        classes = self.state.dataset.classes
        self.session.canvas_image_requested.emit(Example(
            f"{classes[result.original]} changed into a {classes[result.target]}", pixels,
            weights.predictor.logits(pixels)))

    # --- robustness -----------------------------------------------------------------------

    SIZES = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)

    def measure_robustness(self) -> None:
        weights, images = self.state.weights, self.state.test_images
        labels = self.state.dataset.test_labels.numpy()
        module = weights.predictor.module
        self.robust_button.setEnabled(False)
        self.robust_text.setText("Changing all 10,000 test images…")

        def work(_task):
            return explain.accuracy_under_perturbation(explain.own_copy(module), images,
                                                       labels, self.SIZES)

        def done(accuracies) -> None:
            self.robust_button.setEnabled(True)
            if self.state.weights is not weights:
                return
            self.robust_curve.setData(list(self.SIZES), accuracies)
            self.robust_text.setText(
                f"Test accuracy {accuracies[0]:.1%} on the images as they are; "
                f"{accuracies[2]:.1%} when each pixel moves by ε = 0.01, {accuracies[4]:.1%} "
                "at ε = 0.05 (one signed-gradient step).")

        def failed(error: BaseException) -> None:
            self.robust_button.setEnabled(True)
            self.robust_text.setText(f"Could not measure it: {error}")

        self.session.tasks.run("Measuring accuracy under small changes…", work, done, failed)

    def _show_nothing(self) -> None:
        """Nothing is examined (the canvas was cleared, another dataset loaded)."""
        if self.example is not None:
            self.example = None
            self.heading.setText(self.NOTHING)
            self.summary.setText("")
            self.map.set_rgb(np.zeros((28, 28, 3), np.uint8))
            self._clear_result()
            self._set_enabled()
