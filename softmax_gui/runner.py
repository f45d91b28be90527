"""A queue of training runs served one after another by one background thread; no Qt.

:class:`Runner` takes runs (``submit`` returns a run id at once), trains them in order
through an engine with ``training.train``'s signature (``training.train`` itself, in the
runner's thread, or ``TrainerProcess.train``: in the trainer process, the thread
relaying), and hands each event to ``deliver(run_id, event)``. Each run's stream is the
engine's events through ``throttle.throttle``, with every whole epoch's snapshot also
sent whole as an ``events.EpochSnapshot`` (before the throttle sees it). It ends with
exactly one ``Finished``, ``Failed`` or ``Cancelled``, and then ``RunEnded``.

A queued run that is cancelled is dropped (``Cancelled``, never a ``Started``); the
running one has its stop flag set and ends as its engine ends a stopped run
(``Finished(stopped=True)``). Pausing holds the running run and keeps queued ones waiting.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from softmax_gui import events
from softmax_gui.throttle import throttle

Deliver = Callable[[int, "events.RunnerEvent"], None]


@dataclass(eq=False)
class _Job:
    id: int
    config: object  # TrainConfig
    data: object  # Dataset
    initial: events.WeightSnapshot | None
    epochs: tuple[int, int | None]  # the engine's (first_epoch, last_epoch)
    stop: _StopFlag = field(repr=False)


class _StopFlag:
    """A run's stop flag as its engine sees it (``is_set()``, like ``threading.Event``).

    Both engines poll it in the runner's thread: between batches, and every few
    milliseconds while paused or waiting for the trainer process, when they yield
    nothing. Each poll is also when the runner tells queued runs cancelled meanwhile
    that they are (``Cancelled``), so they hear of it at once, from the runner's thread,
    even while the running run is paused.
    """

    def __init__(self, runner: Runner):
        self._event = threading.Event()
        self._runner = runner

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        runner = self._runner
        if runner._dropped and threading.current_thread() is runner._thread:
            runner._announce_dropped()
        return self._event.is_set()


class Runner:
    """Runs submitted to ``engine`` one at a time, in order; events to ``deliver``.

    Parameters
    ----------
    engine : callable
        ``engine(config, data, stop, pause, initial, first_epoch, last_epoch)``, a
        generator of ``events`` (``training.train``, ``TrainerProcess.train``).
    deliver : callable
        ``deliver(run_id, event)``, called from the runner's thread only, one call at a
        time, each run's events in order. It may call the runner (submit, cancel); it
        should return quickly (the runner waits for it). An exception it raises is
        printed and the runner goes on.

    The thread starts with the first :meth:`submit` and serves until :meth:`shutdown`
    (a daemon: a runner never shut down does not keep the interpreter alive). Every
    method may be called from any thread.
    """

    def __init__(self, engine: Callable[..., Iterable[events.Event]], deliver: Deliver):
        self._engine, self._deliver = engine, deliver
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: deque[_Job] = deque()
        self._dropped: deque[_Job] = deque()  # cancelled while queued, not yet told
        self._current: _Job | None = None
        self._pause = threading.Event()  # every run's pause flag: only one runs at a time
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def running(self) -> int | None:
        """The id of the run in progress, or None."""
        job = self._current
        return job.id if job is not None else None

    @property
    def queued(self) -> list[int]:
        """The ids of the runs waiting, in the order they will run."""
        with self._lock:
            return [job.id for job in self._queue]

    @property
    def paused(self) -> bool:
        return self._pause.is_set()

    def submit(self, config, data, initial: events.WeightSnapshot | None = None,
               epochs: tuple[int, int | None] = (1, None)) -> int:
        """Queue a run of ``engine(config, data, ..., initial, *epochs)``; its id.

        Returns at once. Raises RuntimeError after :meth:`shutdown`.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the runner has been shut down")
            job = _Job(next(self._ids), config, data, initial, tuple(epochs), _StopFlag(self))
            self._queue.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="softmax-runner",
                                                daemon=True)
                self._thread.start()
            self._wake.notify_all()
            return job.id

    def cancel(self, run_id: int) -> bool:
        """Cancel run ``run_id``: dropped if queued, stopped if running. False if it is
        neither (unknown, or already over)."""
        with self._lock:
            if self._current is not None and self._current.id == run_id:
                self._current.stop.set()
                return True
            for job in self._queue:
                if job.id == run_id:
                    self._queue.remove(job)
                    self._drop(job)
                    return True
        return False

    def cancel_all(self) -> None:
        """Drop every queued run and stop the running one."""
        with self._lock:
            self._cancel_all()

    def set_paused(self, paused: bool) -> None:
        """Hold the running run (between batches) and keep queued runs waiting, or go on.

        A stop beats a pause: a paused run that is cancelled ends at once.
        """
        with self._lock:
            (self._pause.set if paused else self._pause.clear)()
            self._wake.notify_all()

    def shutdown(self, timeout: float | None = None) -> bool:
        """Cancel every run and wait up to ``timeout`` seconds for the thread to end
        (each run still ends with its last events). True when no thread is left
        running. The runner takes no run after this."""
        with self._lock:
            self._closed = True
            self._cancel_all()
            self._wake.notify_all()
            thread = self._thread
        if thread is None:
            return True
        if thread is not threading.current_thread():  # deliver() may call this
            thread.join(timeout)
        return not thread.is_alive()

    # --- the runner's thread --------------------------------------------------------------

    def _cancel_all(self) -> None:
        while self._queue:
            self._drop(self._queue.popleft())
        if self._current is not None:
            self._current.stop.set()

    def _drop(self, job: _Job) -> None:
        self._dropped.append(job)
        self._wake.notify_all()

    def _serve(self) -> None:
        while True:
            self._announce_dropped()
            with self._lock:
                while not (self._dropped or self._closed
                           or (self._queue and not self._pause.is_set())):
                    self._wake.wait()
                if self._dropped:
                    continue
                if self._closed:  # every run it had has been told that it ended
                    return
                job = self._current = self._queue.popleft()
            self._run(job)

    def _announce_dropped(self) -> None:
        while True:
            with self._lock:
                if not self._dropped:
                    return
                job = self._dropped.popleft()
            self._send(job.id, events.Cancelled())
            self._send(job.id, events.RunEnded())

    def _run(self, job: _Job) -> None:
        ended = False
        try:
            stream = self._engine(job.config, job.data, job.stop, self._pause, job.initial,
                                  *job.epochs)
            for event in throttle(self._keep_epochs(job.id, stream)):
                if ended:  # past its end: an engine that went on is not believed
                    continue
                self._send(job.id, event)
                ended = isinstance(event, (events.Finished, events.Failed))
        except Exception as exc:  # noqa: BLE001 - whatever broke, the receiver must hear of it
            if ended:
                traceback.print_exc()
            else:
                self._send(job.id, events.Failed(f"Training could not run: {exc}", epoch=0))
                ended = True
        if not ended:
            self._send(job.id, events.Failed("Training ended without a result.", epoch=0))
        with self._lock:
            self._current = None
        self._send(job.id, events.RunEnded())

    def _keep_epochs(self, run_id: int, stream: Iterable[events.Event]) \
            -> Iterator[events.Event]:
        """``stream``, each whole epoch's snapshot also sent at once, whole (the throttle
        thins the others): a timeline keeps every epoch."""
        for event in stream:
            if isinstance(event, events.WeightSnapshot) and event.epoch >= 1 \
                    and event.epoch == int(event.epoch):
                self._send(run_id, events.EpochSnapshot(event))
            yield event

    def _send(self, run_id: int, event) -> None:
        try:
            self._deliver(run_id, event)
        except Exception:  # noqa: BLE001 - one receiver's bug must not stop every run
            traceback.print_exc()
