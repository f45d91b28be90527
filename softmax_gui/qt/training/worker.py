"""Background training for the window: a Qt adapter over ``runner.Runner``.

The runner (no Qt) queues runs and serves them one after another in its own Python
thread, through an engine: ``TrainerProcess.train``, which the window uses (training in
a child process, the runner's thread relaying), or ``training.train`` in that thread
(:func:`train_in_this_thread`). :class:`TrainingController` carries each ``(run id,
event)`` from that thread to the GUI thread as a queued signal, and there hands it to the
run's :class:`RunSignals`, the typed signals ``session.runs`` connects to.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QObject, Qt, Signal, Slot

from softmax_gui import events
from softmax_gui.runner import Runner


def train_in_this_thread(*args) -> Iterator[events.Event]:
    """``training.train``, imported on first use: the window imports this module before
    torch is loaded (cold start)."""
    from softmax_gui import training

    yield from training.train(*args)


class RunSignals(QObject):
    """One run's events as typed signals, emitted on the GUI thread.

    It lives and dies on the GUI thread: the controller drops it there after the run's
    ``done``. (A QObject destroyed in a worker thread asks Python for overrides, taking
    the GIL, while it holds a Qt signal-slot mutex; the GUI thread, holding the GIL
    while it laid out the status bar, waited for a mutex of the same pool: a deadlock,
    seen in CI when each run's worker was deleted in its own thread.)
    """

    started = Signal(object)      # events.Started
    batches = Signal(object)      # events.BatchMetrics, coalesced
    epoch = Signal(object)        # events.EpochMetrics
    snapshot = Signal(object)     # events.WeightSnapshot, thinned
    epoch_snapshot = Signal(object)  # every epoch's end WeightSnapshot, for the timeline
    finished = Signal(object)     # events.Finished
    failed = Signal(object)       # events.Failed
    cancelled = Signal(object)    # events.Cancelled: dropped from the queue, never began
    done = Signal()               # always last: nothing more comes for this run

    def __init__(self, run_id: int):
        super().__init__()
        self.run_id = run_id

    def relay(self, event) -> None:
        """Emit ``event`` (a runner's event of this run) on its signal."""
        if isinstance(event, events.EpochSnapshot):
            self.epoch_snapshot.emit(event.snapshot)
        elif isinstance(event, events.RunEnded):
            self.done.emit()
        else:
            getattr(self, _SIGNALS[type(event)]).emit(event)


_SIGNALS = {events.Started: "started", events.BatchMetrics: "batches",
            events.EpochMetrics: "epoch", events.WeightSnapshot: "snapshot",
            events.Finished: "finished", events.Failed: "failed",
            events.Cancelled: "cancelled"}


class TrainingController(QObject):
    """Queues runs on a :class:`~softmax_gui.runner.Runner` and relays their events to
    the GUI thread: start (queues; never refuses), cancel, pause, stop, shut down.

    Call it from the GUI thread. Cancelling sets a flag the engine checks between
    batches; no thread is ever terminated. ``shutdown()`` stops every run and joins the
    runner's thread, for closing the window; events still queued for the GUI thread are
    dropped. ``engine`` is the runner's (default :func:`train_in_this_thread`).
    """

    event = Signal(int, object)  # (run id, event) of every run, on the GUI thread
    running_changed = Signal(bool)  # True: a first run was queued; False: none is left
    _relay = Signal(int, object)  # emitted in the runner's thread

    def __init__(self, parent=None, engine=None):
        super().__init__(parent)
        self._runs: dict[int, RunSignals | None] = {}  # not yet ended, in order
        self._closed = False
        # Queued: the slot runs on the GUI thread. Emitting from a Python thread is safe
        # (Tasks does it); the runner's thread touches no other QObject. Its thread ends
        # in shutdown(), which the owner calls, so it never drops the last reference to
        # this object there either.
        self._relay.connect(self._on_relay, Qt.ConnectionType.QueuedConnection)
        self.runner = Runner(engine or train_in_this_thread, self._deliver)

    @property
    def running(self) -> bool:
        """Whether any run is queued or running (its last event not yet relayed)."""
        return bool(self._runs)

    @property
    def paused(self) -> bool:
        return self.runner.paused

    def submit(self, config, data, initial=None,
               epochs: tuple[int, int | None] = (1, None)) -> int:
        """Queue a run; its id (its events come through :attr:`event`)."""
        run_id = self.runner.submit(config, data, initial, epochs)
        first = not self._runs
        self._runs[run_id] = None
        if first:
            self.running_changed.emit(True)
        return run_id

    def start(self, config, data, initial=None,
              epochs: tuple[int, int | None] = (1, None)) -> RunSignals:
        """Queue a run and return its signals (connect them now: no event of it is
        relayed before control returns to the event loop)."""
        run_id = self.submit(config, data, initial, epochs)
        signals = self._runs[run_id] = RunSignals(run_id)
        return signals

    def cancel(self, run_id: int) -> bool:
        return self.runner.cancel(run_id)

    def cancel_all(self) -> None:
        self.runner.cancel_all()

    def set_paused(self, paused: bool) -> None:
        self.runner.set_paused(paused)

    def stop(self) -> None:
        """Stop the running run and drop the queued ones; no longer paused."""
        self.runner.cancel_all()
        self.runner.set_paused(False)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Stop every run and wait for the runner's thread; True when it has ended."""
        self._closed = True
        # The runner's thread only posts queued signals, never waits for this thread, so
        # joining it here cannot deadlock (a queued call would never run while the GUI
        # thread sits in this wait).
        ok = self.runner.shutdown(timeout_ms / 1000)
        was_running, self._runs = bool(self._runs), {}
        if was_running:
            self.running_changed.emit(False)
        return ok

    def _deliver(self, run_id: int, event) -> None:  # the runner's thread
        if not self._closed:
            self._relay.emit(run_id, event)

    @Slot(int, object)
    def _on_relay(self, run_id: int, event) -> None:
        if self._closed or run_id not in self._runs:
            return
        self.event.emit(run_id, event)
        signals = self._runs[run_id]
        if signals is not None:
            signals.relay(event)
        if isinstance(event, events.RunEnded):
            del self._runs[run_id]  # its RunSignals is freed here, on the GUI thread
            if not self._runs:
                # A pause holds runs; with none left (the trainer died while it was
                # paused), the next run must not wait for a Resume nobody can press.
                self.runner.set_paused(False)
                self.running_changed.emit(False)
