"""Long work off the GUI thread: a thread pool, a helper process, and a busy indicator.

Loading a dataset, opening an image or weights and exporting them take from tens of
milliseconds to seconds; on the GUI thread the window would freeze for that long. Each
runs as a task here, and its result (or error) comes back to a callback on the GUI
thread. While any task runs, ``busy_changed`` carries its description for the status
bar.

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


class Tasks(QObject):
    """Runs callables in background threads and reports back on the GUI thread."""

    busy_changed = Signal(str)  # the running task's description, "" when none runs
    _finished = Signal(object, object, object, object)  # task id, callbacks, result, error

    def __init__(self, parent=None):
        super().__init__(parent)
        collect_garbage_on_the_gui_thread()
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="softmax-task")
        self._process: concurrent.futures.ProcessPoolExecutor | None = None
        self._running: dict[int, str] = {}
        self._next_id = 0
        self._closed = False
        self._cancels: set[threading.Event] = set()
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> str:
        """The description of the newest running task, or "" when idle."""
        return next(reversed(self._running.values()), "")

    def run(self, description: str, work: Callable[[], object],
            done: Callable[[object], None], failed: Callable[[BaseException], None],
            cancel: threading.Event | None = None) -> None:
        """Run ``work()`` in a thread; then ``done(result)`` or ``failed(error)`` here.

        ``cancel`` is an event ``work`` checks: shutting down sets it, so long work (the
        Lab's training) ends instead of holding the closing window.
        """
        if self._closed:
            return
        if cancel is not None:
            self._cancels.add(cancel)
        task_id = self._next_id
        self._next_id += 1
        self._running[task_id] = description
        self.busy_changed.emit(self.busy)

        def call() -> None:
            try:
                result, error = work(), None
            except Exception as exc:  # noqa: BLE001 - handed to failed() on the GUI thread
                result, error = None, exc
            self._cancels.discard(cancel)
            try:
                self._finished.emit(task_id, (done, failed), result, error)
            except RuntimeError:
                pass  # the window is gone: nobody is left to tell

        self._threads.submit(call)

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
        self.run(description, lambda: pool.submit(function, *args).result(), done, failed)

    def _deliver(self, task_id, callbacks, result, error) -> None:
        self._running.pop(task_id, None)
        self.busy_changed.emit(self.busy)
        if self._closed:
            return
        done, failed = callbacks
        if error is None:
            done(result)
        else:
            failed(error)

    def shutdown(self) -> None:
        """Finish every task already asked for (a run being saved, an export), then stop
        the helpers; nothing new starts and no callback fires."""
        self._closed = True
        for cancel in list(self._cancels):
            cancel.set()
        # Not cancel_futures: a task still queued (a save submitted a moment before
        # Quit, with the thread that will take it not yet awake) would be lost.
        self._threads.shutdown(wait=True)
        if self._process is not None:
            self._process.shutdown(wait=True)
            self._process = None
