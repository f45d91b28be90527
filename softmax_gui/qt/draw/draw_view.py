"""Draw and classify: the canvas, what the model sees, and the live softmax.

Every edit asks for one inference, at most one a frame (qt/draw/once_a_frame.py), so
drawing never queues work. The model is the active weights' CPU
:class:`~softmax_gui.inference.Predictor`.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import explain
from softmax_gui.evaluation import entropy_bits, softmax_np
from softmax_gui.inference import Predictor
from softmax_gui.preprocess import is_blank, to_model_input
from softmax_gui.qt.draw.canvas import SIDE as CANVAS_SIDE
from softmax_gui.qt.draw.canvas import DrawingCanvas
from softmax_gui.qt.draw.guide import GuideControls
from softmax_gui.qt.draw.image_files import ImageFiles
from softmax_gui.qt.draw.input_view import INPUT_CAPTION, ModelInputView
from softmax_gui.qt.draw.once_a_frame import OnceAFrame
from softmax_gui.qt.draw.teach import TeachButton, model_input_of
from softmax_gui.qt.draw.temperature import TemperatureRow
from softmax_gui.qt.draw.tools import DrawTools
from softmax_gui.qt.explain.evidence import Attributions
from softmax_gui.qt.shell import theme
from softmax_gui.qt.test_images.probability_bars import ProbabilityBars

HINT = ("Draw one item, filled, centred and as large as the frame; tick Guide to see "
        "where.")
# The canvas gives up width to the bars' column so that each class's logit shows beside
# its bar, when it keeps at least this much (a 1366-pixel screen's Draw dock: ~155 px).
MIN_CANVAS_FOR_LOGITS = 150


def wrapping(text: str = "") -> QLabel:
    """A label that wraps its words instead of widening the dock."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setMinimumWidth(60)
    return label


class DrawPanel(QWidget):
    """Canvas, tools, model input and live probabilities of ``session``'s active weights,
    at its temperature; what it shows is the session's example under examination.
    ``inferred`` reports latency."""

    inferred = Signal(float)  # seconds from the input event to the bars updated
    examined = Signal(object, object, object)  # model input (28x28), logits, source
    blanked = Signal()  # nothing on the canvas (cleared): nothing of it to examine
    temperature_chosen = Signal(float)  # the user moved the T slider

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.tasks, self.settings = tasks, settings = session.tasks, session.settings
        self.predictor: Predictor | None = None
        self.linear: explain.Linear | None = None  # the predictor, when it is linear
        self.attributions = Attributions(tasks)
        self.evidence_class: int | None = None  # a clicked bar's class; None: predicted
        self.dataset = "fashion-mnist"
        self.state = session.state  # its temperature is the bars' T
        # A test image sent here (session.Example) and the canvas revision it was put at:
        # until an edit, the model sees exactly its input, not a re-scaled copy.
        self._source: tuple | None = None
        self._opened: tuple | None = None  # (file name, revision) of an opened image
        self.canvas = DrawingCanvas()
        self.input_view = ModelInputView()
        self.bars = ProbabilityBars((), mark_true=False)
        self.status = wrapping()
        self.entropy = wrapping()  # else its text sets the dock's minimum width
        self.entropy.setToolTip("Entropy of the predicted distribution, H = -Σ p log2 p: "
                                "0 bits when the model is certain, log2(10) = 3.32 bits when "
                                "every class is equally likely.")
        # Under the empty canvas: what the dataset's items look like, before a first
        # drawing of an outlined shoe in a corner comes back "bag".
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setMinimumWidth(60)
        policy = self.hint.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # hidden by a stroke, the canvas stays put
        self.hint.setSizePolicy(policy)
        self.guide = GuideControls(tasks, settings, CANVAS_SIDE)
        self.guide.changed.connect(lambda: self.canvas.set_guide(self.guide.image()))
        self.teach = TeachButton(session, lambda: model_input_of(self.canvas, self.dataset),
                                 self.canvas.clear)
        self.files = ImageFiles(tasks, settings, self)
        self.files.opened.connect(self._loaded)
        self.files.failed.connect(lambda error: self._message(error, error=True))
        self.tools = DrawTools(self.canvas, self.files.choose, self)
        self.tools.evidence_box.toggled.connect(self._evidence_toggled)
        self.evidence_box = self.tools.evidence_box
        self._build_layout()
        self._frames = OnceAFrame(self._infer, self)
        self.canvas.changed.connect(self._frames.request)
        self.canvas.file_dropped.connect(self.load_file)
        self.bars.class_clicked.connect(self.explain_class)
        self._bind(session)
        self._frames.request(time.perf_counter())

    def _bind(self, session) -> None:
        """Follow the session's dataset, weights and temperature and the images sent to
        the canvas; tell it what is drawn, the T chosen and the classes clicked."""
        # Bound methods, never lambdas: psygnal holds those weakly, so a closed window's
        # views are not kept alive by the state they listened to.
        state = session.state
        state.events.dataset.connect(self.guide.set_dataset)
        state.events.weights.connect(self._weights_changed)
        state.events.temperature.connect(self.apply_temperature)
        session.canvas_image_requested.connect(self.show_example)
        self.examined.connect(session.examine_drawing)
        self.blanked.connect(session.forget_drawing)
        self.temperature_chosen.connect(session.set_temperature)
        self.bars.class_clicked.connect(session.explain_class)

    # --- building -----------------------------------------------------------------------

    def _build_layout(self) -> None:
        # The tools over the canvas beside one column: narrow enough for a 1024-pixel
        # screen, where this dock shares the width with two others.
        self.t_row = TemperatureRow()
        self.t_row.chosen.connect(self.temperature_chosen)
        self.t_slider, self.t_label = self.t_row.slider, self.t_row.label
        self.sort_box = QCheckBox("Sort")
        self.sort_box.setToolTip("Order bars by probability instead of by class")
        self.sort_box.toggled.connect(self.bars.set_sorted)
        # Sort shares the entropy's line: the temperature's needs the room for its reset.
        below = QHBoxLayout()
        below.addWidget(self.entropy, 1)
        below.addWidget(self.sort_box)
        # The caption beside the input, not above it: a row less, so that on a 700-pixel
        # screen the panels below keep a line per class.
        said = QVBoxLayout()
        self.input_caption = QLabel(INPUT_CAPTION)
        said.addWidget(self.input_caption)
        said.addWidget(self.status, 1)
        seen = QHBoxLayout()
        seen.addWidget(self.input_view)
        seen.addLayout(said, 1)
        column = QVBoxLayout()
        column.addLayout(seen)
        column.addWidget(self.bars, 1)
        column.addWidget(self.t_row)
        column.addLayout(below)
        # The canvas is a square as wide as its column: the height left under it (most
        # screens) holds the hint and the guide.
        drawing = QVBoxLayout()
        drawing.addWidget(self.canvas, 1)
        drawing.addWidget(self.hint)
        drawing.addWidget(self.guide)
        drawing.addWidget(self.teach, 0, Qt.AlignmentFlag.AlignLeft)
        self.body = body = QHBoxLayout()
        body.addLayout(drawing, 1)
        body.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tools)
        layout.addLayout(body, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        # Width for the logits when the canvas can spare it; else half each (the bars
        # then show the percentages only, and the Softmax tab has the logits).
        margins = self.layout().contentsMargins()
        inside = self.width() - margins.left() - margins.right() - self.body.spacing()
        wanted = self.bars.width_for_logits()
        shares = (inside - wanted, wanted) if inside - wanted >= MIN_CANVAS_FOR_LOGITS \
            else (1, 1)
        if (self.body.stretch(0), self.body.stretch(1)) != shares:
            self.body.setStretch(0, shares[0])
            self.body.setStretch(1, shares[1])

    # --- inputs -------------------------------------------------------------------------

    def _weights_changed(self, weights) -> None:
        self.set_predictor(None if weights is None else weights.predictor,
                           self.state.dataset.name)

    def set_predictor(self, predictor: Predictor | None, dataset: str) -> None:
        """Use ``predictor`` (a CPU copy) for ``dataset``'s preprocessing from now on."""
        self.predictor, self.dataset = predictor, dataset
        self.linear = explain.linear_form(predictor.snapshot) if predictor else None
        if predictor is not None:
            self.bars.set_classes(predictor.classes)
        self._frames.request(time.perf_counter())

    def show_example(self, example) -> None:
        """Put a test image (a session ``Example``) on the canvas: the model sees exactly
        its 28x28 input, with its true class, until the drawing is edited."""
        self.canvas.set_image(example.pixels, announce=False)
        self._source = (example, self.canvas.revision)
        self._frames.request(time.perf_counter())

    def load_file(self, path: str) -> None:
        """Put an image file on the canvas, read in the background; a message says why
        if it cannot be read."""
        self._message("Opening the image…")
        self.files.load(path)

    def _loaded(self, image: np.ndarray, name: str) -> None:
        self._opened = (name, self.canvas.revision + 1)  # the revision set_image makes
        self.canvas.set_image(image)

    def apply_temperature(self, temperature: float) -> None:
        """Show the bars at the session's new temperature."""
        self.t_row.show_temperature(temperature)
        self._frames.request(time.perf_counter())

    # --- inference ----------------------------------------------------------------------

    def _infer(self, when: float) -> None:
        source = self._source
        if source is not None and source[1] != self.canvas.revision:
            source = self._source = None  # edited: it is the user's drawing now
        drawing = self.canvas.image()
        blank = source is None and is_blank(drawing)
        self.hint.setVisible(blank)
        if blank:
            self.guide.set_predicted(None)
            self.input_view.set_input(np.zeros((28, 28), np.float32))
            self.input_caption.setText(INPUT_CAPTION)
            self.evidence_class = None  # a new drawing: its prediction's evidence first
            self.blanked.emit()
            self.bars.set_probabilities(np.zeros(len(self.bars.classes)))
            self.entropy.setText("")
            opened = self._opened
            if opened is not None and opened[1] == self.canvas.revision:
                self._message(f"{opened[0]} is blank (all one shade): there is nothing in "
                              "it for the model to see.", error=True)
            else:
                # Short: the hint under the canvas says what to draw, and on a 700-pixel
                # screen this column has no line to spare.
                self._message("Nothing drawn yet: draw, or drop an image.")
        else:
            example = source[0] if source else None
            pixels = example.pixels if example else to_model_input(drawing, self.dataset)
            self.input_view.set_input(pixels)
            if self.predictor is None:
                self._message("No model yet: train one or open weights.")
            else:
                logits = self.predictor.logits(pixels)
                self.examined.emit(pixels, logits, example)
                p = softmax_np(logits, self.state.temperature)
                self.bars.set_probabilities(p, example.label if example else None, logits)
                top = int(np.argmax(p))
                self.guide.set_predicted(top)
                if self.evidence_box.isChecked():
                    self._show_evidence(pixels, top)
                # One line (the tooltip explains): a second would take the bars' height.
                self.entropy.setText(f"H = {float(entropy_bits(p)):.2f} of "
                                     f"{math.log2(len(p)):.2f} bits")
                truth = (f" True class: {self.predictor.classes[example.label]}."
                         if example and example.label is not None else "")
                shown = top if self.evidence_class is None else self.evidence_class
                # The caption names what the input view shows: in its two lines, as the
                # status beside it has no line to spare on a 700-pixel screen.
                self.input_caption.setText(
                    f"Evidence for\n{self.predictor.classes[shown]}"
                    if self.evidence_box.isChecked() else INPUT_CAPTION)
                self._message(f"Looks like: {self.predictor.classes[top]} ({p[top]:.0%})."
                              + truth)
        self.inferred.emit(time.perf_counter() - when)

    def _evidence_toggled(self, on: bool) -> None:
        if not on:
            self.evidence_class = None  # ticked again: the prediction's evidence
        self._frames.request(time.perf_counter())

    def explain_class(self, k: int) -> None:
        """Show the evidence for class ``k`` (a bar was clicked) from now on."""
        self.evidence_class = k
        if self.evidence_box.isChecked():
            self._frames.request(time.perf_counter())
        else:
            self.evidence_box.setChecked(True)

    def _show_evidence(self, pixels: np.ndarray, top: int) -> None:
        k = top if self.evidence_class is None else self.evidence_class
        if self.linear is not None:  # exact, and microseconds: with this stroke
            self.input_view.set_input(pixels, explain.evidence(self.linear, pixels, k))
            return
        revision = self.canvas.revision

        def shown(attribution, _error) -> None:  # the network's, when it is ready
            if self.canvas.revision == revision:
                self.input_view.set_input(pixels, attribution)

        self.attributions.request(self.predictor.module, pixels, k, None, shown)

    def _message(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(theme.error_css() if error else "")

