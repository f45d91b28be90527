"""Background tasks: results come back on the GUI thread; shutdown loses no task."""

import threading
import time

from softmax_gui.qt.state.tasks import Tasks


def test_results_and_errors_come_back_on_the_gui_thread(qtbot):
    tasks = Tasks()
    seen, busy = [], []
    tasks.busy_changed.connect(busy.append)
    tasks.run("Adding…", lambda: 1 + 1, lambda r: seen.append((r, threading.get_ident())),
              seen.append)
    tasks.run("Failing…", lambda: 1 / 0, seen.append, lambda e: seen.append(type(e)))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert (2, threading.get_ident()) in seen and ZeroDivisionError in seen
    assert busy[0] in ("Adding…", "Failing…") and busy[-1] == "" and tasks.busy == ""
    tasks.shutdown()


def test_shutdown_finishes_every_task_already_asked_for(qtbot):
    tasks = Tasks()
    done = []
    for k in range(6):  # more than the pool's threads: some are still queued
        tasks.run("Saving…", lambda k=k: (time.sleep(0.05), done.append(k)), print, print)
    tasks.shutdown()
    assert sorted(done) == list(range(6))


def test_work_in_the_helper_process(qtbot):
    tasks = Tasks()
    results = []
    tasks.run_in_process("Summing…", sum, ([1, 2, 3],), results.append, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=60_000)
    assert results == [6]
    tasks.shutdown()


def test_collection_is_the_gui_thread_s_timer_s_job(qtbot):
    """A background thread never starts a collection (it could destroy a Qt wrapper
    there and deadlock with the GUI thread): automatic collection is off and a timer
    of the GUI thread collects instead. (It checked only that gc was off, which the
    suite's own fixture had already made so; now the timer must be running too.)"""
    import gc

    from softmax_gui.qt.state.tasks import collect_garbage_on_the_gui_thread

    tasks = Tasks()
    collector = collect_garbage_on_the_gui_thread()
    assert not gc.isenabled()
    from PySide6.QtCore import QCoreApplication

    assert collector.timer.isActive()
    assert collector.timer.thread() == QCoreApplication.instance().thread()
    tasks.shutdown()
