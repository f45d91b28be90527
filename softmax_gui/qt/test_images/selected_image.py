"""The selected test image: its full distribution, and a way to put it on the canvas."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.app_state import Example
from softmax_gui.evaluation import softmax_np
from softmax_gui.qt.state.session import Session
from softmax_gui.qt.test_images.probability_bars import ProbabilityBars


class SelectedImageDetails(QWidget):
    """Title, "Send to canvas" and the probability bars of the selected test image."""

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.state = state = session.state
        self.title = QLabel("Click a test image to see its full distribution.")
        self.title.setWordWrap(True)
        # Two lines reserved: a wrapped label's height is not counted when the docks
        # share a small screen, and the bars below were cut instead.
        self.title.setMinimumHeight(2 * self.title.fontMetrics().lineSpacing())
        self.bars = ProbabilityBars(())
        self.empty = QLabel("No test image selected. Click one under Test images: its "
                            "probabilities show here, its true class marked.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Bare axes say nothing: a hint until an image is chosen. One stack for both, so
        # the dock keeps its size when one gives way to the other.
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.bars)
        self.send_to_canvas = QToolButton()
        self.send_to_canvas.setText("Send to canvas")
        self.send_to_canvas.setToolTip("Put this test image on the drawing canvas to edit it")
        self.send_to_canvas.setEnabled(False)
        self.send_to_canvas.clicked.connect(
            lambda: session.send_to_canvas(state.selected))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.send_to_canvas)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        state.events.dataset.connect(self._dataset_loaded)  # bound: held weakly
        state.events.selected.connect(self._selected)
        state.events.example.connect(self._show)
        self.bars.class_clicked.connect(session.explain_class)

    def _dataset_loaded(self, dataset) -> None:
        self.bars.set_classes(dataset.classes)

    def _selected(self, index: int | None) -> None:
        self.send_to_canvas.setEnabled(index is not None)
        self.stack.setCurrentWidget(self.empty if index is None else self.bars)
        self.title.setToolTip("" if index is None else
                              f"Index {index} of the test split, counted from 0 as in the "
                              f"command line and NumPy (test_images[{index}])")
        if index is None:
            self.title.setText("Click a test image to see its full distribution.")
            self.bars.set_probabilities([0.0] * len(self.bars.classes))
        elif self.state.weights is None:
            label = int(self.state.dataset.test_labels[index])
            self.title.setText(f"Test image #{index}: {self.state.dataset.classes[label]}. "
                               "No model yet: train one or open weights.")

    def _show(self, example: Example | None) -> None:
        if example is None or example.index is None:
            return  # nothing, or the drawing: the Draw dock shows it
        classes = self.state.dataset.classes
        p = softmax_np(example.logits)
        verdict = "right" if p.argmax() == example.label else "WRONG"
        self.title.setText(f"Test image #{example.index}: {classes[example.label]}. "
                           f"Model: {classes[p.argmax()]} ({verdict}).")
        self.bars.set_probabilities(p, true_class=example.label)
