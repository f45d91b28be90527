"""Long work off the GUI thread, in one shape: a thread pool, a helper process, and a busy
indicator.

Loading a dataset, opening an image or weights and exporting them take from tens of
milliseconds to seconds; on the GUI thread the window would freeze for that long. Each
runs as a task here (Orange's ``ConcurrentWidgetMixin`` / ``TaskState`` shape):
``tasks.run(description, work, done, failed)`` calls ``work(task)`` in a thread, where
``task`` (:class:`TaskState`) says whether it was cancelled and carries its progress and
partial results back; ``done(result)`` or ``failed(error)`` then runs on the GUI thread,
as do the ``progress`` and ``partial`` callbacks. ``latest=key`` makes a task
latest-only: while one with that key runs, only the newest request waits, and a result
nobody wants any more is dropped (a canvas stroke a frame must never queue a second of
work). The handle returned asks a task to end early (``task.cancel()``); shutting down
asks them all and drops what they still report. Work that
uses a model works on its own copy (``softmax_gui.explain.own_copy``), never on the
window's predictor. While any task runs, ``busy_changed`` carries its description for
the status bar.

Some work holds the GIL for a long time: the ONNX exporter runs Python and C++ for
seconds and triggers garbage collections of 100-200 ms (measured), stalls the window
would feel even from another thread. Such work goes to a helper process
(:meth:`Tasks.run_in_process`), spawned on first use and kept for the next.

Python threads and Qt need one more precaution: a garbage collection that starts in a
background thread and reaches a Qt object's wrapper destroys it there, while the GUI
thread may hold the Qt lock it needs; the two deadlock (seen in tests/e2e, and in a
window built without ``app.main()``). So the first ``Tasks`` turns automatic collection
off for the process and collects on a GUI-thread timer instead (pyqtgraph's
``GarbageCollector``; docs/ARCHITECTURE.md, rule 9).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

_collector = None


def collect_garbage_on_the_gui_thread():
    """Collect reference cycles on the GUI thread only, from now on (idempotent).

    Call it from the GUI thread, with a QApplication, before starting Python threads.
    """
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=1.0)
    return _collector


class TaskState:
    """What one task sees while it runs, and its handle for whoever started it."""

    def __init__(self, tasks: Tasks, description: str, callbacks: dict, key: str | None):
        self.description, self.key = description, key
        self._tasks, self._callbacks = tasks, callbacks
        self._cancel = threading.Event()
        # Set while the work should hold (a sweep's Pause): compute code takes it as its
        # ``pause`` flag (``sweep.train_sweep(..., pause=task.pause)``).
        self.pause = threading.Event()
        self.wanted = True  # False once replaced by a newer one: its results are dropped

    @property
    def cancelled(self) -> bool:
        """Whether the work should end early (checked by the work itself)."""
        return self._cancel.is_set()

    def is_set(self) -> bool:
        """``cancelled``, as a ``threading.Event``: the task is a stop flag for compute
        code (``implementations.pitfall_curves(..., stop=task)``)."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the work to end early; what it returns then still comes to ``done``
        (the Lab's Stop shows the epochs trained so far)."""
        self._cancel.set()

    def set_paused(self, paused: bool) -> None:
        """Hold the work (where it checks :attr:`pause`) or let it go on."""
        (self.pause.set if paused else self.pause.clear)()

    def _drop(self) -> None:
        """End it, and drop whatever it still reports: nobody wants it any more."""
        self.wanted = False
        self._cancel.set()

    def set_progress(self, done: float, total: float) -> None:
        """From the work: ``done`` of ``total`` so far (the ``progress`` callback)."""
        self._tasks._report(self, "progress", (done, total))

    def set_partial(self, value) -> None:
        """From the work: a result so far (the ``partial`` callback)."""
        self._tasks._report(self, "partial", (value,))


class Tasks(QObject):
    """Runs callables in background threads and reports back on the GUI thread."""

    busy_changed = Signal(str)  # the running task's description, "" when none runs
    _reported = Signal(object, str, object)  # TaskState, what, arguments: to the GUI thread

    def __init__(self, parent=None):
        super().__init__(parent)
        collect_garbage_on_the_gui_thread()
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="softmax-task")
        self._process: concurrent.futures.ProcessPoolExecutor | None = None
        self._running: list[TaskState] = []
        self._waiting: dict[str, tuple] = {}  # a latest-only key -> the newest request
        self._closed = False
        self._reported.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> str:
        """The description of the newest running task, or "" when idle."""
        return self._running[-1].description if self._running else ""

    def run(self, description: str, work: Callable[[TaskState], object],
            done: Callable[[object], None], failed: Callable[[BaseException], None], *,
            progress: Callable[[float, float], None] | None = None,
            partial: Callable[[object], None] | None = None,
            latest: str | None = None) -> TaskState:
        """Run ``work(task)`` in a thread; then ``done(result)`` or ``failed(error)`` here,
        unless the task was cancelled or (``latest``) a newer one with the same key asked
        since. Returns the task: ``task.cancel()`` ends it."""
        callbacks = {"done": done, "failed": failed, "progress": progress,
                     "partial": partial}
        task = TaskState(self, description, callbacks, latest)
        if self._closed:
            task._drop()
            return task
        if latest is not None:
            for other in self._running:
                if other.key == latest:
                    other._drop()  # its result is stale now: only this one is wanted
                    old = self._waiting.get(latest)
                    if old is not None:
                        old[0]._drop()
                    self._waiting[latest] = (task, work)
                    return task
        self._start(task, work)
        return task

    def _start(self, task: TaskState, work) -> None:
        self._running.append(task)
        self.busy_changed.emit(self.busy)

        def call() -> None:
            try:
                result, error = work(task), None
            except Exception as exc:  # noqa: BLE001 - handed to failed() on the GUI thread
                result, error = None, exc
            self._report(task, "finished", (result, error))

        self._threads.submit(call)

    def _report(self, task: TaskState, what: str, arguments: tuple) -> None:
        try:
            self._reported.emit(task, what, arguments)
        except RuntimeError:
            pass  # the window is gone: nobody is left to tell

    def _deliver(self, task: TaskState, what: str, arguments: tuple) -> None:
        callbacks = task._callbacks
        if what != "finished":
            if task.wanted and not self._closed and callbacks[what] is not None:
                callbacks[what](*arguments)
            return
        self._running.remove(task)
        self.busy_changed.emit(self.busy)
        result, error = arguments
        if task.wanted and not self._closed:
            if error is None:
                callbacks["done"](result)
            else:
                callbacks["failed"](error)
        waiting = self._waiting.pop(task.key, None) if task.key is not None else None
        if waiting is not None and not self._closed:
            self._start(*waiting)

    def run_in_process(self, description: str, function: Callable, args: tuple,
                       done: Callable[[object], None],
                       failed: Callable[[BaseException], None]) -> None:
        """Like :meth:`run`, with ``function(*args)`` in the helper process.

        ``function`` must be importable by name (a module-level function) and ``args``
        picklable.
        """
        if self._process is None:
            self._process = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        pool = self._process
        self.run(description, lambda _: pool.submit(function, *args).result(), done, failed)

    def shutdown(self) -> None:
        """Finish every task already asked for (a run being saved, an export), then stop
        the helpers; nothing new starts and no callback fires."""
        self._closed = True
        for task in self._running:
            task._drop()
        self._waiting.clear()
        # Not cancel_futures: a task still queued (a save submitted a moment before
        # Quit, with the thread that will take it not yet awake) would be lost.
        self._threads.shutdown(wait=True)
        if self._process is not None:
            self._process.shutdown(wait=True)
            self._process = None
