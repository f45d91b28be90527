"""What the window shows, in one evented object with no Qt: :class:`AppState`.

Each field has one writer (docs/ARCHITECTURE.md lists them) and any number of readers:
a view takes the state, reads the fields it shows and connects to their events
(``state.events.weights.connect(...)``), the pattern of napari's ``ViewerModel`` and
``QtDims(dims)``. An event fires only when a field really changes: the same temperature
set twice is one event, and objects (weights, datasets, examples, runs) compare by
identity, never element by element. What follows from the fields (the weights the
insight tabs show) is a property here, computed in this one place.

psygnal calls the connected callbacks at once, in the thread that set the field: only
the GUI thread writes these fields (background work hands its results to it first). A
callback that takes one argument gets the new value; one that takes two (a lambda with
a default argument counts) also gets the old one.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
from psygnal import evented

from softmax_gui.active_weights import ActiveWeights
from softmax_gui.config import TrainConfig
from softmax_gui.data import Dataset
from softmax_gui.run_history import RunHistory


@dataclass(frozen=True, eq=False)
class Example:
    """The image under examination: a test image (``index``, ``label``) or the drawing."""

    title: str
    pixels: np.ndarray  # (28, 28) float in [0, 1]: the model's input
    logits: np.ndarray
    label: int | None = None
    index: int | None = None
    on_canvas: bool = False  # the canvas's bars (and so the Softmax tab) use its T

    def same_image(self, other: Example) -> bool:
        """Whether ``other`` shows the same image (a stroke that changed no pixel of the
        model's input, a test image selected again)."""
        return (self.index, self.on_canvas) == (other.index, other.on_canvas) and \
            np.array_equal(self.pixels, other.pixels)


_BY_IDENTITY = ("dataset", "test_images", "weights", "previous", "example", "viewed",
                "runs")


@evented(equality_operators={name: operator.is_ for name in _BY_IDENTITY})
@dataclass
class AppState:
    """The state of one window. Who writes each field is in docs/ARCHITECTURE.md."""

    dataset: Dataset | None = None
    test_images: np.ndarray | None = None  # the dataset's test images as floats, once
    weights: ActiveWeights | None = None  # active: the grid, canvas and exports use them
    previous: ActiveWeights | None = None  # what Revert brings back
    selected: int | None = None  # the test image clicked in the grid
    example: Example | None = None  # under examination: a test image, or the drawing
    # T of softmax(o / T) on the canvas and in the Softmax tab. Not remembered: a T of
    # 0.1 coming back at the next launch made every prediction on the canvas read 100%.
    temperature: float = 1.0
    explained_class: int | None = None  # a class clicked in the bars: explain it
    viewed: ActiveWeights | None = None  # an epoch looked back at on the timeline
    runs: tuple[RunHistory, ...] = field(default=())  # every run on the plots
    running: int | None = None  # the number of the run in progress
    panel: TrainConfig | None = None  # the training panel's settings (None: invalid)

    @property
    def shown_weights(self) -> ActiveWeights | None:
        """The weights the Weights, Confusion and Calibration tabs show: the timeline's
        viewed epoch, else the active ones."""
        return self.viewed or self.weights

    @property
    def can_revert(self) -> bool:
        return self.previous is not None and self.running is None

    def announce_runs(self) -> None:
        """One of ``runs`` changed in place (its label, its status): tell their readers,
        as if the tuple had been replaced."""
        self.events.runs.emit(self.runs, self.runs)

    def run(self, number: int | None) -> RunHistory | None:
        """The run numbered ``number`` on the plots, if it is there."""
        return next((r for r in self.runs if r.number == number), None)

    def class_names(self) -> tuple[str, ...]:
        return tuple(self.dataset.classes) if self.dataset is not None else ()
