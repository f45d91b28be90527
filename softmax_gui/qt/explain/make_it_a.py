"""Explain's "Make it a ...": the smallest change of the examined image that makes the
model predict another class, drawn as the change, the changed image and the
probabilities along the way, and put on the canvas at a click.

For softmax regression the change is exact (the dual of its QP,
``softmax_gui.explain.linear_counterfactual``); for the MLP and CNN it is projected
gradient steps, computed as a task on a copy of the model.
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
from softmax_gui.qt.explain.evidence import PixelImage, diverging, overlay
from softmax_gui.qt.shell import theme


class MakeItA(QWidget):
    """The smallest change to the session's example that makes it the chosen class."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.state, self.tasks = session.state, session.tasks
        self.canvas_image_requested = session.canvas_image_requested
        self.example: Example | None = None
        self.linear: explain.Linear | None = None
        self.result: explain.Counterfactual | None = None
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

        self.pictures = self._build_pictures()  # shown once there is a change to show
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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(make)
        layout.addWidget(self.pictures)
        layout.addLayout(end)
        self.state.events.example.connect(self._example_changed)
        self.state.events.weights.connect(self._weights_changed)
        self.state.events.dataset.connect(self._classes_changed)
        self._set_enabled()

    def _build_pictures(self) -> QWidget:
        """The change, the changed image and the probabilities along the way."""
        self.change = PixelImage(56, "The change: red brighter, blue darker")
        self.changed = PixelImage(56, "The changed image: what the model now sees")
        self.path = pg.PlotWidget(background=theme.colors().background)
        self.path.setAccessibleName("Probabilities along the change")
        self.path.setFixedHeight(96)
        self.path.setMinimumWidth(80)
        self.path.setMenuEnabled(False)
        self.path.setMouseEnabled(False, False)
        self.path.hideButtons()
        self.path_from = self.path.plot(pen=pg.mkPen("#1f77b4", width=2))
        self.path_to = self.path.plot(pen=pg.mkPen("#d62728", width=2,
                                                   style=Qt.PenStyle.DashLine))
        self.path.setYRange(0, 1, padding=0.08)  # "1.0" whole at the top
        self.path.setLabel("bottom", "original → changed")
        self.path.getAxis("bottom").setTicks([[]])
        pictures = QWidget()
        grid = QGridLayout(pictures)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.change, 0, 0)
        grid.addWidget(self.changed, 0, 1)
        grid.addWidget(self.path, 0, 2)
        grid.setColumnStretch(2, 1)
        pictures.hide()
        return pictures

    def _classes_changed(self, dataset) -> None:
        if dataset is not None:
            self.target.clear()
            self.target.addItems(list(dataset.classes))

    def _weights_changed(self, weights) -> None:
        self.linear = explain.linear_form(weights.snapshot) if weights is not None else None
        self._clear_result()
        self._set_enabled()

    def _example_changed(self, example: Example | None) -> None:
        if example is None or self.example is None or not example.same_image(self.example):
            self._clear_result()  # another image: its change is not this one's
        self.example = example
        self._set_enabled()

    def _set_enabled(self) -> None:
        ready = self.example is not None and self.state.weights is not None
        self.find_button.setEnabled(ready)
        self.target.setEnabled(ready)

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

        self.tasks.run("Looking for the smallest change…", work, done, failed)

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
        self.canvas_image_requested.emit(Example(
            f"{classes[result.original]} changed into a {classes[result.target]}", pixels,
            weights.predictor.logits(pixels)))
