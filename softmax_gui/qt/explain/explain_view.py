"""Explain one prediction: the pixels' evidence for a class; below it the smallest change
that makes the model predict another (qt/explain/make_it_a.py) and the test set's
robustness (qt/explain/robustness.py).

The view follows the example under examination (a clicked test image or the drawing,
``state.example``), so beside the Draw dock it updates with every stroke. For
softmax regression the evidence ``W[k] * x`` is exact and costs microseconds on the GUI
thread; for the MLP and CNN it is integrated gradients, computed as a task (the latest
example only: strokes never wait for it). The maths is ``softmax_gui.explain``'s.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import explain
from softmax_gui.app_state import Example
from softmax_gui.qt.explain.evidence import Attributions, PixelImage, overlay
from softmax_gui.qt.explain.make_it_a import MakeItA
from softmax_gui.qt.explain.robustness import Robustness
from softmax_gui.qt.state.when_shown import WhenShown


class ExplainView(QWidget):
    """Evidence for a class, and "Make it a ...", for the example under examination."""

    NOTHING = "Click a test image, or draw on the canvas: its prediction is explained here."
    EVIDENCE_TIP = ("Which pixels argue for the class (red) and against it (blue), over "
                    "the model input. For softmax regression exactly W[k] · x: it sums, "
                    "with the bias, to the logit.")

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session, self.state = session, session.state
        self.example: Example | None = None
        self.linear: explain.Linear | None = None
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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addLayout(top)
        self.make_it = MakeItA(session)
        self.robustness = Robustness(session)
        layout.addWidget(self.make_it)
        layout.addWidget(self.robustness)
        layout.addStretch(1)

        # Behind the Draw tab it would work for nobody on every stroke (integrated
        # gradients for a network): it catches up when shown.
        self._when_shown = WhenShown(self, self._refresh)
        state = self.state
        state.events.example.connect(self.set_example)
        state.events.weights.connect(self._weights_changed)
        state.events.explained_class.connect(self._class_clicked)

    # --- inputs -----------------------------------------------------------------------------

    def _weights_changed(self, weights) -> None:
        self.linear = explain.linear_form(weights.snapshot) if weights is not None else None

    def set_example(self, example: Example | None) -> None:
        """Explain ``example`` (every stroke on the canvas brings a new one)."""
        if example is None:
            self._show_nothing()
            return
        new_image = self.example is None or not example.same_image(self.example)
        self.example = example
        self.heading.setText(example.title)
        if new_image and self.which.count():
            self.which.setCurrentIndex(0)  # a new image: its prediction first
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

    def _show_nothing(self) -> None:
        """Nothing is examined (the canvas was cleared, another dataset loaded)."""
        if self.example is not None:
            self.example = None
            self.heading.setText(self.NOTHING)
            self.summary.setText("")
            self.map.set_rgb(np.zeros((28, 28, 3), np.uint8))
