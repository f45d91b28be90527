"""Background tasks, one shape for all (qt/state/tasks.py): results, progress and partial
results come back on the GUI thread; a task can be asked to end early; latest-only keeps
the newest request only; shutdown loses no task."""

import threading
import time

from softmax_gui.qt.state.tasks import Tasks


def test_results_and_errors_come_back_on_the_gui_thread(qtbot):
    tasks = Tasks()
    seen, busy = [], []
    tasks.busy_changed.connect(busy.append)
    tasks.run("Adding…", lambda _: 1 + 1, lambda r: seen.append((r, threading.get_ident())),
              seen.append)
    tasks.run("Failing…", lambda _: 1 / 0, seen.append, lambda e: seen.append(type(e)))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert (2, threading.get_ident()) in seen and ZeroDivisionError in seen
    assert busy[0] in ("Adding…", "Failing…") and busy[-1] == "" and tasks.busy == ""
    tasks.shutdown()


def test_shutdown_finishes_every_task_already_asked_for(qtbot):
    tasks = Tasks()
    done = []
    for k in range(6):  # more than the pool's threads: some are still queued
        tasks.run("Saving…", lambda _, k=k: (time.sleep(0.05), done.append(k)), print, print)
    tasks.shutdown()
    assert sorted(done) == list(range(6))


def test_work_in_the_helper_process(qtbot):
    tasks = Tasks()
    results = []
    tasks.run_in_process("Summing…", sum, ([1, 2, 3],), results.append, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=60_000)
    assert results == [6]
    tasks.shutdown()


def test_collection_is_the_gui_thread_s_timer_s_job(qtbot, monkeypatch):
    """A background thread never starts a collection (it could destroy a Qt wrapper
    there and deadlock with the GUI thread): the first Tasks turns automatic collection
    off and a timer of the GUI thread collects instead. (It asked
    collect_garbage_on_the_gui_thread() itself, after the suite's own fixture had, so it
    passed whatever Tasks did; now it starts from no collector and gc on, as a fresh
    process does, and only Tasks() may change that.)"""
    import gc

    from PySide6.QtCore import QCoreApplication

    from softmax_gui.qt.state import tasks as tasks_module

    monkeypatch.setattr(tasks_module, "_collector", None)
    gc.enable()
    try:
        tasks = Tasks()
        collector = tasks_module._collector
        assert collector is not None and not gc.isenabled()
        assert collector.timer.isActive()
        assert collector.timer.thread() == QCoreApplication.instance().thread()
        tasks.shutdown()
    finally:
        gc.disable()  # as the suite's collector keeps it
        if tasks_module._collector is not None:
            tasks_module._collector.timer.stop()  # the suite's own collector goes on


def test_progress_and_partial_results_come_back_and_cancel_ends_the_work_early(qtbot):
    """The Lab's pitfall shape: epochs reported as they end, Stop keeps what was done."""
    tasks = Tasks()
    gate, heard = threading.Event(), []

    def work(task):
        done = 0
        while not task.cancelled and done < 1000:
            done += 1
            task.set_progress(done, 1000)
            task.set_partial(list(range(done)))
            gate.wait(0.01)
        return done

    task = tasks.run("Counting…", work, lambda n: heard.append(("done", n)), heard.append,
                     progress=lambda done, total: heard.append(("progress", done, total)),
                     partial=lambda values: heard.append(("partial", len(values))))
    qtbot.waitUntil(lambda: sum(h[0] == "progress" for h in heard) >= 3, timeout=10_000)
    task.cancel()
    qtbot.waitUntil(lambda: heard[-1][0] == "done", timeout=10_000)
    ended = heard[-1][1]
    assert task.cancelled and 3 <= ended < 1000  # it ended early, and said how far
    progress = [h for h in heard if h[0] == "progress"]
    assert progress[0] == ("progress", 1, 1000) and progress == sorted(progress)
    assert ("partial", progress[-1][1]) in heard
    tasks.shutdown()


def test_latest_only_runs_the_newest_waiting_request_and_drops_stale_results(qtbot):
    """A stroke a frame: while one request runs, later ones replace each other; the one
    that ran is not shown, as a newer one was asked for; only the newest is."""
    tasks = Tasks()
    started, shown = [], []
    release = threading.Event()

    def work_for(k):
        def work(task):
            started.append(k)
            if k == 0:
                release.wait(10)
            return k
        return work

    for k in range(5):
        tasks.run("Explaining…", work_for(k), shown.append, shown.append, latest="ig")
    other = []
    tasks.run("Another key…", lambda _: "free", other.append, other.append, latest="other")
    qtbot.waitUntil(lambda: other == ["free"], timeout=5000)  # keys do not wait for each other
    release.set()
    qtbot.waitUntil(lambda: shown == [4] and not tasks.busy, timeout=10_000)
    assert started == [0, 4]  # 1, 2 and 3 were replaced before they began
    tasks.shutdown()


def test_a_task_asked_for_after_shutdown_never_runs(qtbot):
    tasks = Tasks()
    tasks.shutdown()
    ran = []
    task = tasks.run("Too late…", lambda _: ran.append(1), ran.append, ran.append)
    assert task.cancelled and not ran
