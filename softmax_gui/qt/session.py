"""The window's state in one place: what is loaded, what is active, what is running.

Widgets never read or change each other: they call the session and listen to its
signals (the pattern of napari's ``ViewerModel``; docs/ARCHITECTURE.md draws it). The
session owns

* the dataset (loaded off the GUI thread) and the folder chosen for each dataset;
* the active weights with their CPU predictor and test-set probabilities, the weights
  active before them (Revert), and each dataset's weights while another is loaded;
* the run in progress and the curves of every run of this window;
* the selected test image and the example under examination (a test image or the
  drawing), which the details, the softmax steps and the grid show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QSettings, Signal

from softmax_gui import data, events
from softmax_gui.config import TrainConfig
from softmax_gui.datasets_registry import DATASETS, get_spec
from softmax_gui.evaluation import softmax_np
from softmax_gui.model_registry import can_continue
from softmax_gui.qt.tasks import Tasks
from softmax_gui.qt.worker import TrainingController
from softmax_gui.run_history import RunHistory, write_csv
from softmax_gui.runs import RunStore, SavedRun


@dataclass(frozen=True)
class ActiveWeights:
    """Weights the grid, the canvas and the insight views use, ready for them."""

    snapshot: events.WeightSnapshot
    predictor: object  # inference.Predictor (it imports torch, loaded after the window)
    probabilities: np.ndarray  # on the loaded test set
    label: str  # "bundled default", "mine.onnx", "run #2, epoch 3"
    config: dict  # how they were trained: export metadata, and what Step continues
    run: int | None = None  # the RunHistory they belong to, if trained in this window

    @property
    def description(self) -> str:
        accuracy = self.snapshot.test_acc
        return self.label + (f", {accuracy:.1%}" if accuracy is not None else "")


@dataclass(frozen=True)
class Example:
    """The image under examination: a test image (``index``, ``label``) or the drawing."""

    title: str
    pixels: np.ndarray  # (28, 28) float in [0, 1]: the model's input
    logits: np.ndarray
    label: int | None = None
    index: int | None = None


@dataclass(frozen=True)
class Problem:
    """Something the user must know, and the action that remedies it, if there is one."""

    text: str
    action: str = ""
    remedy: Callable[[], None] | None = None


@dataclass
class _Run:
    """The run in progress."""

    history: RunHistory
    config: TrainConfig
    first_epoch: int
    before: ActiveWeights | None  # active when it started
    delivered: bool = False  # whether it has handed over weights yet
    result: events.Finished | events.Failed | None = None


class Session(QObject):
    """The state of one window (see the module docstring)."""

    ready = Signal()  # torch imported, the first dataset loaded (or failed to)
    cuda_found = Signal(str)  # a CUDA GPU's name
    dataset_requested = Signal(str)  # the dataset asked for, or back to the loaded one
    dataset_changed = Signal(object)  # data.Dataset
    dataset_folder_wanted = Signal(str)  # the user should choose a folder for it
    weights_changed = Signal(object)  # ActiveWeights or None
    revert_available = Signal(bool)
    switch_offered = Signal(object, object, str)  # snapshot, metadata, file name
    selection_changed = Signal(object)  # index of the selected test image, or None
    example_changed = Signal(object)  # Example
    examples_requested = Signal(object, str)  # test indices for the grid (None: all), why
    canvas_image_requested = Signal(object)  # uint8 image to put on the drawing canvas
    run_started = Signal(object)  # RunHistory of the run, new or continued
    engine_started = Signal(object)  # events.Started
    batches = Signal(object, object)  # RunHistory, events.BatchMetrics
    epoch_ended = Signal(object, object)  # RunHistory, events.EpochMetrics
    running_changed = Signal(bool)
    paused_changed = Signal(bool)
    run_finished = Signal(object)  # events.Finished or Failed, once the controls are free
    histories_changed = Signal()
    saved_runs_changed = Signal()
    problem = Signal(object)  # Problem
    message = Signal(str)  # a passing status message

    def __init__(self, settings: QSettings, runs: RunStore | None = None, engine=None,
                 data_dir: str | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.run_store = runs or RunStore()
        self.tasks = Tasks(self)
        self.controller = TrainingController(self, engine)
        self.controller.running_changed.connect(self._running_changed)
        self.dataset: data.Dataset | None = None
        self.test_images: np.ndarray | None = None  # float copy, made once per dataset
        self.weights: ActiveWeights | None = None
        self.previous: ActiveWeights | None = None
        self._parked: dict[str, ActiveWeights] = {}  # each dataset's weights while away
        self.selected: int | None = None
        self.histories: list[RunHistory] = []
        self._saved: dict[int, SavedRun] = {}  # history number -> its entry on disk
        self.run: _Run | None = None
        self.is_ready = False
        self._first_data_dir = data_dir

    # --- start-up and datasets ------------------------------------------------------------

    def start_up(self, dataset: str) -> None:
        """Import torch (~2 s) off the GUI thread, then load ``dataset``."""
        def import_torch() -> str:
            import torch

            return torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""

        def imported(cuda_name: str) -> None:
            if cuda_name:
                self.cuda_found.emit(cuda_name)
            self.load_dataset(dataset, self._first_data_dir)

        def failed(error: BaseException) -> None:
            self.problem.emit(Problem(f"PyTorch could not be loaded: {error}"))
            self._set_ready()

        self.tasks.run("Loading PyTorch…", import_torch, imported, failed)

    def _set_ready(self) -> None:
        if not self.is_ready:
            self.is_ready = True
            self.ready.emit()

    def data_dir(self, name: str) -> str | None:
        """The folder the user chose for dataset ``name``, if any."""
        return self.settings.value(f"data_dir/{name}") or None

    def load_dataset(self, name: str, folder: str | None = None,
                     then: tuple | None = None) -> None:
        """Load ``name`` in the background (from ``folder``, else the usual sources).

        The active weights stay when they fit it; otherwise its weights from before
        come back, or its bundled default. ``then`` = ``(snapshot, label, config)``
        activates those weights instead, once it is loaded.
        """
        self.dataset_requested.emit(name)
        folder = folder or self.data_dir(name)
        if self.weights is not None and self.dataset is not None:
            self._parked[self.dataset.name] = self.weights
        keep = self.weights if self.weights and _fits(self.weights.snapshot, name) else \
            self._parked.get(name)

        def work():
            dataset = data.load(name, folder)
            test_images = dataset.test_images.numpy().astype(np.float32) / 255.0
            if then is not None:
                weights = _prepare(*then, None, test_images)
            elif keep is not None:
                weights = _prepare(keep.snapshot, keep.label, keep.config, keep.run,
                                   test_images)
            else:
                weights = _default_weights(dataset, test_images)
            return dataset, test_images, weights

        def done(result) -> None:
            if folder:
                self.settings.setValue(f"data_dir/{name}", folder)
            self.dataset, self.test_images, weights = result
            self.previous, self.selected = None, None  # they belonged to the old test set
            self.revert_available.emit(False)
            self.dataset_requested.emit(name)
            self.dataset_changed.emit(self.dataset)
            self._set_weights(weights)
            self.selection_changed.emit(None)
            self._set_ready()

        def failed(error: BaseException) -> None:
            if self.dataset is not None:
                self.dataset_requested.emit(self.dataset.name)  # back to what is loaded
            title = get_spec(name).title
            self.problem.emit(Problem(
                f"Could not load {title}: {error}", f"Choose the {title} folder…",
                lambda: self.dataset_folder_wanted.emit(name)))
            self._set_ready()

        self.tasks.run(f"Loading {get_spec(name).title}…", work, done, failed)

    # --- weights --------------------------------------------------------------------------

    def activate(self, weights: ActiveWeights) -> None:
        """Make ``weights`` active; the ones they replace are kept for Revert."""
        if self.weights is not None:
            self.previous = self.weights
            self.revert_available.emit(True)
        self._set_weights(weights)

    def _set_weights(self, weights: ActiveWeights | None) -> None:
        self.weights = weights
        self.weights_changed.emit(weights)
        if self.selected is not None:
            self.select(self.selected)  # keep the details and the softmax steps live

    def revert(self) -> None:
        """Swap the active weights with the previous ones (Revert again swaps back)."""
        if self.previous is None or self.run is not None:
            return
        restored, self.previous = self.previous, self.weights
        self._set_weights(restored)
        self.revert_available.emit(self.previous is not None)
        self.message.emit(f"Restored {restored.label}."
                          + (f" Revert again for {self.previous.label}." if self.previous
                             else ""))

    def open_weights(self, path: str) -> None:
        """Validate and prepare the weights in ``path`` in the background; activate them
        if they fit, offer to switch datasets if they were trained on another."""
        from pathlib import Path

        name, dataset, test_images = Path(path).name, self.dataset, self.test_images

        def work():
            from softmax_gui import weights_io

            snapshot, meta = weights_io.load_snapshot(path)
            if meta.get("dataset") in DATASETS and meta["dataset"] != dataset.name:
                return snapshot, meta, None
            if len(snapshot.classes) != len(dataset.classes):
                raise weights_io.WeightsError(
                    f"{name} predicts {len(snapshot.classes)} classes, {dataset.spec.title} "
                    f"has {len(dataset.classes)}: these weights do not fit it.")
            if meta.get("dataset") is None:  # a bare file from elsewhere that fits
                snapshot = _replace(snapshot, classes=dataset.classes, dataset=dataset.name)
            return snapshot, meta, _prepare(snapshot, name, meta.get("config") or {}, None,
                                            test_images)

        def done(result) -> None:
            snapshot, meta, weights = result
            if weights is None:
                self.switch_offered.emit(snapshot, meta, name)
            else:
                self.activate(weights)
                self.message.emit(f"Opened {name}")

        self.tasks.run(f"Opening {name}…", work, done, self._weights_failed("open", name))

    def switch_and_activate(self, snapshot, meta: dict, name: str) -> None:
        """Load the dataset ``snapshot`` was trained on, then make it active."""
        self.load_dataset(meta["dataset"], then=(snapshot, name, meta.get("config") or {}))

    def export_weights(self, path: str) -> None:
        """Save the active weights to ``path`` (the format by its extension)."""
        from pathlib import Path

        from softmax_gui import weights_io

        args = (self.weights.snapshot, path, self.weights.config)
        done = lambda _: self.message.emit(f"Exported the weights to {path}")  # noqa: E731
        failed = self._weights_failed("export", Path(path).name)
        description = f"Exporting {Path(path).name}…"
        if Path(path).suffix.lower() == ".onnx":
            # The ONNX exporter holds the GIL for seconds: in a process of its own.
            self.tasks.run_in_process(description, weights_io.save, args, done, failed)
        else:
            self.tasks.run(description, lambda: weights_io.save(*args), done, failed)

    def _weights_failed(self, verb: str, name: str):
        def failed(error: BaseException) -> None:
            self.problem.emit(Problem(f"Could not {verb} {name}: {error}"))
        return failed

    # --- runs -----------------------------------------------------------------------------

    def start(self, config: TrainConfig) -> bool:
        """Train a new run of ``config``; False (with a problem reported) if it can't."""
        if not self._can_train(config):
            return False
        history = self._new_history(f"#{self._next_number()} {config.summary()}", config)
        self._launch(history, config, 1, config.epochs, None)
        return True

    def step(self, config: TrainConfig) -> bool:
        """Train one more epoch of the active weights' run, its schedule continuing.

        With no active weights, train the first epoch of ``config`` (the panel's). The
        device always comes from ``config``: it is where the user wants to train now.
        """
        active = self.weights
        if active is None:
            if not self._can_train(config):
                return False
            history = self._new_history(f"#{self._next_number()} {config.summary()}", config)
            self._launch(history, config, 1, 1, None)
            return True
        own = _config_of(active, config)
        done = int(active.snapshot.epoch)
        own = own.replace(epochs=max(own.epochs, done + 1), device=config.device)
        if not self._can_train(own):
            return False
        history = next((h for h in self.histories if h.number == active.run), None)
        if history is None or history.saved:
            history = self._new_history(f"#{self._next_number()} continues {active.label}",
                                        own, start=done)
        history.config = own.to_dict()
        self._launch(history, own, done + 1, done + 1, active.snapshot)
        return True

    def _can_train(self, config: TrainConfig) -> bool:
        if self.run is not None:
            return False
        if self.dataset is None or self.dataset.name != config.dataset:
            self.problem.emit(Problem(f"{get_spec(config.dataset).title} is not loaded yet."))
            return False
        return True

    def _next_number(self) -> int:
        return max((h.number for h in self.histories), default=0) + 1

    def _new_history(self, label: str, config: TrainConfig, start: float = 0) -> RunHistory:
        history = RunHistory(self._next_number(), label, config.to_dict(), start=start)
        self.histories.append(history)
        self.histories_changed.emit()
        return history

    def _launch(self, history, config, first, last, initial) -> None:
        run = self.run = _Run(history, config, first, self.weights)
        worker = self.controller.start(config, self.dataset, initial, (first, last))
        for signal, handler in ((worker.started, self._on_started),
                                (worker.batches, self._on_batches),
                                (worker.epoch, self._on_epoch),
                                (worker.snapshot, self._on_snapshot),
                                (worker.finished, self._on_finished),
                                (worker.failed, self._on_failed)):
            # Events still queued when a run was closed (Quit mid-run) are dropped.
            signal.connect(lambda event, h=handler: run is self.run and h(event))
        self.run_started.emit(history)
        self.controller.launch()

    def _on_started(self, event: events.Started) -> None:
        self.engine_started.emit(event)

    def _on_batches(self, event: events.BatchMetrics) -> None:
        self.run.history.add_batches(event)
        self.batches.emit(self.run.history, event)

    def _on_epoch(self, event: events.EpochMetrics) -> None:
        self.run.history.add_epoch(event)
        self.epoch_ended.emit(self.run.history, event)

    def _on_snapshot(self, snapshot: events.WeightSnapshot) -> None:
        run = self.run
        weights = _prepare(snapshot, f"run #{run.history.number}, epoch {snapshot.epoch:g}",
                           run.config.to_dict(), run.history.number, self.test_images)
        if not run.delivered and run.before is not None:
            self.previous = run.before  # one click away until the next run
            self.revert_available.emit(True)
        run.delivered = True
        self._set_weights(weights)

    def _on_finished(self, event: events.Finished) -> None:
        run = self.run
        run.result = event
        number, trained = run.history.number, event.epoch - (run.first_epoch - 1)
        if not event.stopped:
            self.message.emit(f"Run #{number} finished: {_epochs(trained)}, test accuracy "
                              f"{event.test_acc:.2%}, {event.train_seconds:.1f} s.")
        elif run.delivered:
            at = f" (epoch {event.epoch:.2f})" if run.first_epoch > 1 else ""
            label = f"run #{number}, stopped after {_epochs(trained)}{at}"
            self._set_weights(_replace(self.weights, label=label))
            self.message.emit(f"Run #{number} stopped after {_epochs(trained)}{at}: test "
                              f"accuracy {event.test_acc:.2%}.")
        else:
            self.message.emit(f"Run #{number} stopped before its first batch: "
                              + _kept(run.before))
        if run.delivered:
            self._save(run.history, self.weights.snapshot)

    def _on_failed(self, event: events.Failed) -> None:
        run = self.run
        run.result = event
        if run.delivered:
            kept = (f"Kept the weights after epoch {self.weights.snapshot.epoch:g}"
                    + (f"; Train > Revert restores {run.before.label}." if run.before
                       else "."))
        else:
            kept = _kept(run.before)
        self.problem.emit(Problem(f"{event.message} {kept}"))

    def _save(self, history: RunHistory, snapshot: events.WeightSnapshot) -> None:
        replaced = self._saved.get(history.number)  # a Step extended it: keep one entry

        def work():
            saved = self.run_store.save(history, snapshot)
            if replaced is not None:
                self.run_store.delete(replaced)
            return saved

        def done(saved: SavedRun) -> None:
            self._saved[history.number] = saved
            self.saved_runs_changed.emit()

        def failed(error: BaseException) -> None:
            self.problem.emit(Problem(f"Run #{history.number} finished but could not be "
                                      f"saved: {error}"))

        self.tasks.run("Saving the run…", work, done, failed)

    def set_paused(self, paused: bool) -> None:
        if self.run is not None and paused != self.controller.paused:
            self.controller.set_paused(paused)
            self.paused_changed.emit(paused)

    @property
    def paused(self) -> bool:
        return self.controller.paused

    def stop(self) -> None:
        self.controller.stop()

    def _running_changed(self, running: bool) -> None:
        if running:
            self.running_changed.emit(True)
            return
        # Announced only once the thread has ended and the controls can be freed.
        run, self.run = self.run, None
        self.paused_changed.emit(False)
        self.running_changed.emit(False)
        if run is not None and run.result is not None:
            self.run_finished.emit(run.result)

    # --- runs of this window and on disk --------------------------------------------------

    def overlay(self, saved: SavedRun) -> None:
        """Draw a run from the runs folder beside this window's runs."""
        try:
            history = saved.history(self._next_number())
        except (OSError, ValueError, KeyError) as exc:
            self.problem.emit(Problem(f"Could not read run {saved.id}: {exc}"))
            return
        self.histories.append(history)
        self.histories_changed.emit()

    def remove_history(self, number: int) -> None:
        if self.run is not None and self.run.history.number == number:
            return  # its curves are being drawn
        self.histories = [h for h in self.histories if h.number != number]
        self.histories_changed.emit()

    def load_saved_run(self, saved: SavedRun) -> None:
        """Make a saved run's final weights active (in the background)."""
        label = f"saved run {saved.info.get('label', saved.id)}"
        dataset, test_images = self.dataset.name, self.test_images

        def work():
            snapshot = saved.weights()
            if snapshot.dataset != dataset:
                raise ValueError(f"it was trained on {snapshot.dataset}; load that "
                                 "dataset first")
            return _prepare(snapshot, label, saved.info.get("config", {}), None, test_images)

        self.tasks.run(f"Loading {label}…", work, self.activate,
                       self._weights_failed("load", label))

    def delete_saved_runs(self, runs: list[SavedRun]) -> None:
        for run in runs:
            self.run_store.delete(run)
        self._saved = {n: s for n, s in self._saved.items() if s not in runs}
        self.saved_runs_changed.emit()

    def export_csv(self, path: str) -> None:
        try:
            write_csv(self.histories, path)
        except OSError as exc:
            self.problem.emit(Problem(f"Could not write {path}: {exc.strerror or exc}"))
            return
        self.message.emit(f"Saved the metrics to {path}")

    # --- what is being looked at ----------------------------------------------------------

    def select(self, index: int | None) -> None:
        """Select test image ``index``: the details and the softmax steps show it."""
        self.selected = index
        self.selection_changed.emit(index)
        if index is None or self.weights is None:
            return
        label = int(self.dataset.test_labels[index])
        pixels = self.test_images[index]
        self.example_changed.emit(Example(
            f"Test image #{index} (true class: {self.dataset.classes[label]})", pixels,
            self.weights.predictor.logits(pixels), label, index))

    def examine_drawing(self, pixels: np.ndarray, logits: np.ndarray) -> None:
        self.example_changed.emit(Example("Your drawing on the canvas (no true class: no "
                                          "cross-entropy)", pixels, logits))

    def show_confusion_cell(self, true: int, predicted: int) -> None:
        """Show in the grid the test images of class ``true`` predicted as ``predicted``."""
        if self.weights is None:
            return
        labels = self.dataset.test_labels.numpy()
        chosen = np.flatnonzero((labels == true)
                                & (self.weights.probabilities.argmax(1) == predicted))
        names = self.dataset.classes
        self.examples_requested.emit(chosen, f"{len(chosen)} {names[true]} predicted as "
                                             f"{names[predicted]}")

    def send_to_canvas(self, index: int) -> None:
        self.canvas_image_requested.emit(self.dataset.test_images[index].numpy())

    # --- end ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the run and join its thread; finish background work."""
        self.controller.shutdown()
        self.tasks.shutdown()


def _fits(snapshot: events.WeightSnapshot, dataset: str) -> bool:
    return snapshot.dataset == dataset


def _prepare(snapshot, label: str, config: dict, run: int | None,
             test_images: np.ndarray) -> ActiveWeights:
    """Predictor and test-set probabilities for ``snapshot`` (safe off the GUI thread)."""
    from softmax_gui.inference import Predictor

    predictor = Predictor(snapshot)
    logits = snapshot.test_logits
    if logits is None or len(logits) != len(test_images):
        logits = predictor.logits(test_images)  # the trainer's, when it sent them
    return ActiveWeights(snapshot, predictor, softmax_np(logits), label, config, run)


def _default_weights(dataset: data.Dataset, test_images) -> ActiveWeights | None:
    path = dataset.spec.default_weights
    if path is None or not path.is_file():
        return None
    from softmax_gui import weights_io

    snapshot, meta = weights_io.load_snapshot(path)
    return _prepare(snapshot, "bundled default", meta.get("config") or {}, None, test_images)


def _config_of(active: ActiveWeights, fallback: TrainConfig) -> TrainConfig:
    """How ``active`` was trained, or ``fallback`` made to fit its model."""
    try:
        config = TrainConfig.from_dict(active.config)
        if can_continue(active.snapshot.model, config.model):
            return config.replace(dataset=fallback.dataset)
    except (TypeError, ValueError):
        pass
    return fallback.replace(model=active.snapshot.model, optimizer="sgd")


def _replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


def _epochs(count: float) -> str:
    return f"{count:.2g} epochs" if count != int(count) else \
        f"{int(count)} epoch{'s' if count != 1 else ''}"


def _kept(before: ActiveWeights | None) -> str:
    return (f"the weights active before it ({before.label}) stay active." if before
            else "no weights were kept.")
