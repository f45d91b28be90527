"""A persistent trainer process: ``training.train`` in a child, its events streamed back.

Why a process: in the window, the GUI thread paints in Python (pyqtgraph) about a quarter
of the time, and a trainer thread in the same interpreter waits for the GIL after every
torch op; training in the window took ~2x as long as headless. In its own process the
trainer keeps its own GIL. The process is spawned once and reused by every run (spawning
costs seconds: it imports torch); the dataset is sent once per dataset.

:meth:`TrainerProcess.train` has the signature of ``training.train`` and yields the same
events, so a caller (the Qt worker, a test) does not care which one it drives. Nothing
here touches Qt.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Iterator

from softmax_gui import events

# How often the parent, waiting for the child's next event, copies the caller's stop and
# pause flags across: it bounds the added stop latency (the engine checks every batch).
FLAG_POLL_S = 0.02
# Training is background work: when the window needs the CPU (a canvas stroke, a repaint)
# it gets it first, and the trainer has all the rest. With the trainer at the window's
# priority, on 2 cores, canvas strokes while training took p95 21-24 ms (target 16); at
# +10, 12-13 ms, with no measurable cost to training speed (bench/canvas_latency.py).
TRAINER_NICENESS = 10


class TrainerProcess:
    """One child process that runs training runs, one at a time, on request.

    It starts on :meth:`start` (returns at once; the child imports torch in the
    background) or on the first :meth:`train`. If the child dies, the run in progress
    ends with a ``Failed`` event and the next run starts a new child.
    """

    def __init__(self):
        self._ctx = multiprocessing.get_context("spawn")
        self._process = None
        self._conn = None
        self._stop = self._pause = None
        self._sent_data = None
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.alive else None

    def start(self) -> None:
        """Spawn the child if it is not running (does not wait for it to be ready)."""
        with self._lock:
            if self.alive:
                return
            self._discard()
            parent_conn, child_conn = self._ctx.Pipe()
            self._stop, self._pause = self._ctx.Event(), self._ctx.Event()
            self._process = self._ctx.Process(
                target=_serve, args=(child_conn, self._stop, self._pause),
                name="softmax-studio-trainer", daemon=True,
            )
            self._process.start()
            child_conn.close()
            self._conn = parent_conn

    def train(self, config, data, stop=None, pause=None, initial=None, first_epoch: int = 1,
              last_epoch: int | None = None) -> Iterator[events.Event]:
        """Run ``training.train(config, data, ..., initial, first_epoch, last_epoch)`` in
        the child; yield its events.

        ``stop`` and ``pause`` are the caller's flags (``threading.Event``-like), mirrored
        into the child every :data:`FLAG_POLL_S` seconds.
        """
        self.start()
        self._stop.clear()
        self._pause.clear()
        try:
            if data is not self._sent_data:
                self._conn.send_bytes(pickle.dumps(("data", data), pickle.HIGHEST_PROTOCOL))
                self._sent_data = data
            self._conn.send_bytes(pickle.dumps(("train", config, initial, first_epoch, last_epoch),
                                               pickle.HIGHEST_PROTOCOL))
            while True:
                while not self._conn.poll(FLAG_POLL_S):
                    self._mirror(stop, pause)
                    if not self._process.is_alive():
                        raise EOFError
                self._mirror(stop, pause)
                event = self._conn.recv()
                yield event
                if isinstance(event, (events.Finished, events.Failed)):
                    return
        except (EOFError, OSError):
            code = None
            if self._process is not None:
                self._process.join(2.0)  # reap it: the pipe can close before it is reaped
                code = self._process.exitcode
            self._discard()
            yield events.Failed(
                "The training process stopped unexpectedly"
                + (f" (exit code {code})" if code is not None else "")
                + ". The last good weights were kept; the next run starts a new one.",
                epoch=0,
            )

    def _mirror(self, stop, pause) -> None:
        for ours, theirs in ((stop, self._stop), (pause, self._pause)):
            if ours is not None and ours.is_set() != theirs.is_set():
                (theirs.set if ours.is_set() else theirs.clear)()

    def close(self, timeout: float = 5.0) -> None:
        """Ask the child to exit (killing it if it does not within ``timeout``)."""
        with self._lock:
            if self._process is None:
                return
            if self._stop is not None:
                self._stop.set()
            try:
                self._conn.send_bytes(pickle.dumps(None))
            except OSError:
                pass
            self._process.join(timeout)
            self._discard()

    def _discard(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None
        self._sent_data = None


def _serve(conn, stop, pause) -> None:
    """The child's loop: receive a dataset or a run, stream the run's events, repeat."""
    # Ctrl+C in the terminal reaches the whole process group; the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(TRAINER_NICENESS)
    except (AttributeError, OSError):
        pass  # no nice() on this platform: the trainer competes with the window as equals
    from softmax_gui import training

    data = None
    while True:
        try:
            message = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the parent has gone
        if message is None:
            return
        if message[0] == "data":
            data = message[1]
            continue
        _, config, *run = message
        try:
            for event in training.train(config, data, stop, pause, *run):
                conn.send(event)
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception as exc:  # noqa: BLE001 - any failure must reach the window
            conn.send(events.Failed(f"Training failed: {exc!r}", epoch=0))


_shared: TrainerProcess | None = None


def shared() -> TrainerProcess:
    """The application's trainer process (one per interpreter), created on first use."""
    global _shared
    if _shared is None:
        _shared = TrainerProcess()
    return _shared
