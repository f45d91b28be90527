"""The window's actions on its state: loading, activating, selecting, examining.

What the window shows is ``session.state``, an :class:`~softmax_gui.app_state.AppState`
(no Qt): views read its fields and connect to their events; they change it only by
calling the session (or ``session.runs``), never each other (docs/ARCHITECTURE.md). The
session also holds

* the folder chosen for each dataset, and each dataset's weights while another is loaded;
* ``runs`` (qt/training/runs.py): starting, stepping and stopping runs, their curves;
* ``archive`` (qt/runs/run_archive.py): the runs folder: saving, loading, overlaying;
* ``tasks`` (qt/state/tasks.py): long work off the GUI thread;
* the signals that are news rather than state: a problem, a message, a request to show
  something (test images in the grid, an image on the canvas).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSettings, Signal

from softmax_gui import data
from softmax_gui.active_weights import ActiveWeights, default_weights, prepare
from softmax_gui.app_state import AppState, Example
from softmax_gui.datasets_registry import get_spec
from softmax_gui.qt.runs.run_archive import RunArchive
from softmax_gui.qt.state.tasks import Tasks
from softmax_gui.qt.training.runs import Runs
from softmax_gui.runs import RunStore


@dataclass(frozen=True)
class Problem:
    """Something the user must know, and the action that remedies it, if there is one."""

    text: str
    action: str = ""
    remedy: Callable[[], None] | None = None


class Session(QObject):
    """The state of one window (see the module docstring)."""

    ready = Signal()  # torch imported, the first dataset loaded (or failed to)
    cuda_found = Signal(str)  # a CUDA GPU's name
    dataset_requested = Signal(str)  # the dataset asked for, or back to the loaded one
    datasets_changed = Signal()  # one made from the user's images (the combo lists it)
    dataset_folder_wanted = Signal(str)  # the user should choose a folder for it
    examples_requested = Signal(object, str)  # test indices for the grid (None: all), why
    canvas_image_requested = Signal(object)  # an Example (a test image) for the canvas
    problem = Signal(object)  # Problem
    message = Signal(str)  # a passing status message

    def __init__(self, settings: QSettings, runs: RunStore | None = None, engine=None,
                 data_dir: str | None = None, parent=None,
                 loaded: data.Dataset | None = None):
        super().__init__(parent)
        self.settings = settings
        # A dataset already in memory (the tests' windows share one): used instead of
        # reading its files again when no folder is asked for. The trainer process keeps
        # the last dataset it was sent, so it is pickled to it once, not per window.
        self._loaded = loaded
        self.state = AppState()
        self.tasks = Tasks(self)
        self.archive = RunArchive(self, runs)
        self.runs = Runs(self, self.archive, engine)
        self._parked: dict[str, ActiveWeights] = {}  # each dataset's weights while away
        self.is_ready = False
        self._drawn = None  # the canvas's pixels last examined (a re-score is not news)
        self._first_data_dir = data_dir

    # --- start-up and datasets ------------------------------------------------------------

    def start_up(self, dataset: str) -> None:
        """Import torch (~2 s) off the GUI thread, then load ``dataset``."""
        def import_torch(_task) -> str:
            import torch

            return torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""

        def imported(cuda_name: str) -> None:
            if cuda_name:
                self.cuda_found.emit(cuda_name)
            self.load_dataset(dataset, self._first_data_dir)

        def failed(error: BaseException) -> None:
            self.report(f"PyTorch could not be loaded: {error}")
            self._set_ready()

        self.tasks.run("Loading PyTorch…", import_torch, imported, failed)

    def _set_ready(self) -> None:
        if not self.is_ready:
            self.is_ready = True
            self.ready.emit()

    def report(self, text: str, action: str = "", remedy=None) -> None:
        """Tell the user about a problem, with the action that remedies it, if any."""
        self.problem.emit(Problem(text, action, remedy))

    def data_dir(self, name: str) -> tuple[str | None, str]:
        """The folder the user chose for dataset ``name`` if it is still a folder, and
        what to say if it is not (a file, a FIFO, a list or a removed folder there is
        dropped: the usual sources are tried)."""
        key = f"data_dir/{name}"
        value = self.settings.value(key)
        if value is None or value == "":
            return None, ""
        if isinstance(value, str) and Path(value).is_dir():
            return value, ""
        self.settings.remove(key)
        shown = value if isinstance(value, str) else "not a path"
        return None, (f"The folder remembered for {get_spec(name).title} ({shown}) is no "
                      "folder any more: the usual sources were tried instead.")

    def load_dataset(self, name: str, folder: str | None = None,
                     then: tuple | None = None) -> None:
        """Load ``name`` in the background (from ``folder``, else the usual sources).

        The active weights stay when they fit it; otherwise its weights from before
        come back if they fit (one made again may have other classes), or its bundled
        default. ``then`` = ``(snapshot, label, config)`` activates those instead.
        """
        if self.runs.run is not None:  # its snapshots are for the loaded test set
            self.report(f"Stop the run before loading {get_spec(name).title}.")
            return
        self.dataset_requested.emit(name)
        chosen = folder  # a folder the user just chose is the only source tried
        remembered, note = self.data_dir(name)
        folder = folder or remembered
        fell_back = [note] if note and not chosen else []
        state = self.state
        if state.weights is not None and state.dataset is not None:
            self._parked[state.dataset.name] = state.weights
        keep = state.weights if state.weights and state.weights.snapshot.dataset == name \
            else self._parked.get(name)

        def work(_task):
            try:
                loaded = self._loaded
                dataset = loaded if loaded is not None and loaded.name == name and \
                    not folder else data.load(name, folder)
            except data.DatasetError as exc:
                if chosen or not folder:
                    raise
                # A remembered folder that no longer holds the dataset: the next source.
                dataset = data.load(name, None)
                fell_back.append(f"The folder remembered for {get_spec(name).title} "
                                 f"({folder}) no longer holds it ({exc}); loaded "
                                 f"{dataset.source.describe()} instead.")
            test_images = dataset.test_images.numpy().astype(np.float32) / 255.0
            if then is not None:
                weights = prepare(*then, None, test_images)
            elif keep is not None and tuple(keep.snapshot.classes) == dataset.classes:
                weights = prepare(keep.snapshot, keep.label, keep.config, keep.run,
                                   test_images)
            else:
                weights = default_weights(dataset, test_images)
            return dataset, test_images, weights

        def done(result) -> None:
            if chosen:
                self.settings.setValue(f"data_dir/{name}", chosen)
            elif fell_back:
                self.settings.remove(f"data_dir/{name}")
            dataset, test_images, weights = result
            # They belonged to the old test set.
            state.previous, state.selected, state.example = None, None, None
            self.dataset_requested.emit(name)
            state.test_images = test_images
            state.dataset = dataset
            self.set_weights(weights)
            self._set_ready()
            if fell_back:
                self.report(fell_back[0])

        def failed(error: BaseException) -> None:
            if state.dataset is not None:
                self.dataset_requested.emit(state.dataset.name)  # back to what is loaded
            title = get_spec(name).title
            self.report(f"Could not load {title}: {error}", f"Choose the {title} folder…",
                        lambda: self.dataset_folder_wanted.emit(name))
            self._set_ready()

        self.tasks.run(f"Loading {get_spec(name).title}…", work, done, failed)

    # --- weights --------------------------------------------------------------------------

    def activate(self, weights: ActiveWeights, previous: ActiveWeights | None = None) -> None:
        """Make ``weights`` active and keep ``previous`` (default: the ones they replace)
        for Revert."""
        previous = previous or self.state.weights
        if previous is not None:
            self.state.previous = previous
        self.set_weights(weights)

    def set_weights(self, weights: ActiveWeights | None) -> None:
        """Make ``weights`` active, leaving Revert's weights as they are."""
        self.state.weights = weights
        if self.state.selected is not None:
            self.select(self.state.selected)  # keep the details and the softmax steps live

    def revert(self) -> None:
        """Swap the active weights with the previous ones (Revert again swaps back)."""
        state = self.state
        if not state.can_revert:
            return
        restored, state.previous = state.previous, state.weights
        self.set_weights(restored)
        self.message.emit(f"Restored {restored.label}."
                          + (f" Revert again for {state.previous.label}." if state.previous
                             else ""))

    # --- what is being looked at ----------------------------------------------------------

    def select(self, index: int | None) -> None:
        """Select test image ``index``: the details and the softmax steps show it."""
        self.state.selected = index
        if index is not None and self.state.weights is not None:
            self.state.example = self._test_image(index)

    def _test_image(self, index: int) -> Example:
        """Test image ``index``, scored by the active weights (if any)."""
        state = self.state
        label, pixels = int(state.dataset.test_labels[index]), state.test_images[index]
        logits = state.weights.predictor.logits(pixels) if state.weights else np.zeros(0)
        return Example(f"Test image #{index} (true class: {state.dataset.classes[label]})",
                       pixels, logits, label, index)

    def examine_drawing(self, pixels: np.ndarray, logits: np.ndarray,
                        source: Example | None = None) -> None:
        """The canvas shows ``pixels``: a drawing, or ``source``, a test image sent there
        and not edited since (it keeps its true class). The same drawing scored again (new
        weights, another T) never takes the place of a test image picked since."""
        same = self._drawn is not None and np.array_equal(self._drawn, pixels)
        self._drawn = pixels
        if same and source is None and not getattr(self.state.example, "on_canvas", True):
            return
        if source is not None:
            self.state.example = Example(f"{source.title}, on the canvas", pixels, logits,
                                         source.label, source.index, True)
            return
        self.state.example = Example("Your drawing on the canvas (no true class: no "
                                     "cross-entropy)", pixels, logits, on_canvas=True)

    def forget_drawing(self) -> None:
        """The canvas is blank: if the drawing was examined, nothing is now."""
        if self.state.example is not None and self.state.example.on_canvas:
            self.state.example = None

    def set_temperature(self, temperature: float) -> None:
        """T of the tempered softmax shown by the canvas bars and the Softmax tab."""
        self.state.temperature = temperature

    def explain_class(self, k: int) -> None:
        """The user clicked class ``k`` in a bar chart: the Explain view shows its
        evidence (again, if it was the class explained: the user may have chosen another
        in the Explain view since)."""
        self.state.explained_class = None
        self.state.explained_class = k

    def show_confusion_cell(self, true: int, predicted: int) -> None:
        """Show in the grid the test images of class ``true`` predicted as ``predicted``
        (by the weights the Confusion tab shows: an epoch of the timeline, or the active
        ones)."""
        state = self.state
        weights = state.shown_weights
        if weights is None:
            return
        labels = state.dataset.test_labels.numpy()
        chosen = np.flatnonzero((labels == true)
                                & (weights.probabilities.argmax(1) == predicted))
        names = state.dataset.classes
        why = f"{len(chosen)} {names[true]} predicted as {names[predicted]}"
        if weights is not state.weights:  # an earlier epoch: the grid labels are today's
            why += (f" at epoch {weights.snapshot.epoch:g} (timeline); the labels below "
                    "are what the active weights predict now")
        self.examples_requested.emit(chosen, why)

    def send_to_canvas(self, index: int) -> None:
        """Put test image ``index`` on the canvas: exactly its model input and its true
        class, until the user edits it."""
        self.canvas_image_requested.emit(self._test_image(index))

    # --- end ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the run and join its thread; finish background work."""
        self.runs.controller.shutdown()
        self.tasks.shutdown()

