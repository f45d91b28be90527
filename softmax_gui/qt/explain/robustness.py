"""Explain's robustness measure: test accuracy after every test image is pushed by a
signed-gradient step of each size ε (``softmax_gui.explain.accuracy_under_perturbation``),
computed as a task on a copy of the model."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from softmax_gui import explain
from softmax_gui.qt.shell import theme

HINT = "Test set: how fast accuracy falls when each image is pushed towards a mistake."


class Robustness(QWidget):
    """Measure, and accuracy against ε, for the session's active weights."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.state, self.tasks = session.state, session.tasks
        self.robust_button = QPushButton("Measure")
        self.robust_button.setToolTip("Test accuracy after every test image is changed by "
                                      "ε in the direction that raises its loss most (one "
                                      "signed-gradient step), for several ε")
        self.robust_button.clicked.connect(self.measure)
        self.plot = pg.PlotWidget(background=theme.colors().background)
        self.plot.setAccessibleName("Accuracy against change size")
        self.plot.setFixedHeight(130)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "ε (per pixel)")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)  # no "(x0.001)"
        self.plot.setYRange(0, 1, padding=0.08)
        self.plot.setLabel("left", "accuracy")
        self.robust_curve = self.plot.plot(pen=pg.mkPen("#1f77b4", width=2),
                                                 symbol="o", symbolSize=5)
        self.robust_text = QLabel(HINT)
        self.robust_text.setWordWrap(True)
        self.robust_text.setMinimumHeight(self.robust_text.fontMetrics().lineSpacing() * 2 + 4)
        robust = QHBoxLayout()
        robust.addWidget(self.robust_text, 1)
        robust.addWidget(self.robust_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(robust)
        layout.addWidget(self.plot)
        self.state.events.weights.connect(self._weights_changed)

    def _weights_changed(self, weights) -> None:
        """Other weights: the last measure was of the old ones."""
        self.robust_curve.setData([], [])
        self.robust_button.setEnabled(weights is not None)
        self.robust_text.setText(HINT)

    SIZES = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)

    def measure(self) -> None:
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

        self.tasks.run("Measuring accuracy under small changes…", work, done, failed)
