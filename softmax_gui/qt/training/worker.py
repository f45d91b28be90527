"""Background training: a worker object moved to a QThread, and its controller.

The worker drives an engine (``training.train`` in this thread, or
``TrainerProcess.train``, which the window uses: training in a child process, this thread
relaying) through ``throttle.throttle`` and turns the events into queued signals.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from softmax_gui import events
from softmax_gui.config import TrainConfig
from softmax_gui.data import Dataset
from softmax_gui.throttle import throttle


class TrainingWorker(QObject):
    """Runs one training run in whatever thread it lives in.

    ``engine`` is ``training.train`` (the default: training in this thread) or anything
    with its signature, such as ``TrainerProcess.train`` (training in a child process,
    this thread relaying its events). Signals carry the engine's event objects (plain
    numbers and numpy only).
    """

    started = Signal(object)      # events.Started
    batches = Signal(object)      # events.BatchMetrics, coalesced
    epoch = Signal(object)        # events.EpochMetrics
    snapshot = Signal(object)     # events.WeightSnapshot, thinned
    epoch_snapshot = Signal(object)  # every epoch's end WeightSnapshot, for the timeline
    finished = Signal(object)     # events.Finished
    failed = Signal(object)       # events.Failed
    done = Signal()               # always last: the thread may quit

    def __init__(self, config: TrainConfig, data: Dataset,
                 initial: events.WeightSnapshot | None = None, engine=None,
                 epochs: tuple[int, int | None] = (1, None)):
        super().__init__()
        self.config, self.data, self.initial = config, data, initial
        self.epochs = epochs  # training.train's (first_epoch, last_epoch)
        self.engine = engine or train_in_this_thread
        self.stop_flag = threading.Event()
        self.pause_flag = threading.Event()

    @Slot()
    def run(self) -> None:
        signals = {events.Started: self.started, events.BatchMetrics: self.batches,
                   events.EpochMetrics: self.epoch, events.WeightSnapshot: self.snapshot,
                   events.Finished: self.finished, events.Failed: self.failed}
        try:
            for event in throttle(self._keep_epochs(self.engine(
                    self.config, self.data, self.stop_flag, self.pause_flag, self.initial,
                    *self.epochs))):
                signals[type(event)].emit(event)
        except Exception as exc:  # noqa: BLE001 - whatever broke, the window must hear of it
            self.failed.emit(events.Failed(f"Training could not run: {exc}", epoch=0))
        finally:
            self.done.emit()


    def _keep_epochs(self, stream):
        """``stream``, each epoch's end snapshot also sent whole (the throttle thins
        the others): the timeline keeps every epoch, and only stores it."""
        for event in stream:
            if isinstance(event, events.WeightSnapshot) and event.epoch >= 1 \
                    and event.epoch == int(event.epoch):
                self.epoch_snapshot.emit(event)
            yield event


def train_in_this_thread(*args) -> Iterator[events.Event]:
    """``training.train``, imported on first use: the window imports this module before
    torch is loaded (cold start)."""
    from softmax_gui import training

    yield from training.train(*args)


class TrainingController(QObject):
    """Owns the QThread of the current run: start, pause, resume, stop, shut down.

    Cancelling sets a flag the engine checks between batches; the thread is never
    terminated. ``shutdown()`` stops and joins, for closing the window mid-run. ``engine``
    is passed to each run's :class:`TrainingWorker`.
    """

    running_changed = Signal(bool)

    def __init__(self, parent=None, engine=None):
        super().__init__(parent)
        self.engine = engine
        self._thread: QThread | None = None
        self.worker: TrainingWorker | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def paused(self) -> bool:
        return self.worker is not None and self.worker.pause_flag.is_set()

    def start(self, config, data, initial=None,
              epochs: tuple[int, int | None] = (1, None)) -> TrainingWorker:
        """Start a run in a new thread and return its worker (connect before events flow)."""
        if self.running:
            raise RuntimeError("a training run is already in progress")
        # Parented: Qt owns the thread and deleteLater() frees it, so dropping our Python
        # reference can never destroy a thread that is still winding down.
        thread = QThread(self)
        thread.setObjectName("training")
        worker = TrainingWorker(config, data, initial, self.engine, epochs)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Direct: quit() is thread-safe, and a queued call would never run while the GUI
        # thread sits in shutdown()'s wait(), which would then time out.
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        # No worker.deleteLater(): destroyed in its own thread, the worker's ~QObject
        # asks Python for overrides (the GIL) while holding a Qt signal-slot mutex, and
        # the GUI thread, holding the GIL while it laid out the status bar, waited for a
        # mutex of the same pool: a deadlock (seen in CI). The worker is freed on the
        # GUI thread instead, when _on_thread_finished drops the last reference to it
        # after its thread has ended.
        thread.finished.connect(self._on_thread_finished)
        thread.finished.connect(thread.deleteLater)
        self._thread, self.worker = thread, worker
        self.running_changed.emit(True)
        return worker

    def launch(self) -> None:
        """Begin the run prepared by :meth:`start`."""
        self._thread.start()

    def set_paused(self, paused: bool) -> None:
        if self.worker is not None:
            (self.worker.pause_flag.set if paused else self.worker.pause_flag.clear)()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop_flag.set()
            self.worker.pause_flag.clear()

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop the run and wait for its thread; True when no thread is left running."""
        thread = self._thread
        if thread is None:
            return True
        self.stop()
        ok = thread.wait(timeout_ms)
        self._on_thread_finished()
        return ok

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is not None:
            # finished() is emitted from the thread just *before* it exits; wait for it.
            self._thread.wait()
            self._thread = None
            self.worker = None
            self.running_changed.emit(False)
