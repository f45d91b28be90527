"""The persistent trainer process: same events as in-process training, stop, crash, reuse."""

import os
import signal
import threading
import time

import numpy as np
import pytest

from softmax_gui import events, trainer_process, training
from softmax_gui.config import TrainConfig


def test_runs_in_a_child_and_matches_in_process_training(trainer, sample):
    config = TrainConfig(epochs=2, batch_size=256)
    remote = list(trainer.train(config, sample))
    local = list(training.train(config, sample))
    assert trainer.alive and trainer.pid != os.getpid()
    # Background work: the window's process keeps the CPU first.
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(ours + trainer_process.TRAINER_NICENESS, 19)
    assert os.getpriority(os.PRIO_PROCESS, trainer.pid) == expected
    assert [type(e) for e in remote] == [type(e) for e in local]
    for a, b in zip(remote, local):
        if isinstance(a, events.BatchMetrics):
            np.testing.assert_allclose(a.loss, b.loss, rtol=1e-6)
        if isinstance(a, events.EpochMetrics):
            assert a.test_acc == b.test_acc and a.train_loss == pytest.approx(b.train_loss)
    np.testing.assert_allclose(remote[-2].state["1.weight"], local[-2].state["1.weight"],
                               rtol=1e-6)


def test_the_process_is_reused_and_continues_from_weights(trainer, sample):
    first = list(trainer.train(TrainConfig(epochs=1), sample))
    pid = trainer.pid
    snapshot = first[-2]
    second = list(trainer.train(TrainConfig(epochs=1), sample, initial=snapshot))
    assert trainer.pid == pid  # no new spawn for the second run
    assert isinstance(second[-1], events.Finished)
    assert second[-2].test_acc is not None and second[-3].train_loss < first[-3].train_loss


def test_stop_flag_reaches_the_child_within_a_second(trainer, fashion):
    stop = threading.Event()
    stopped_at = None
    result = None
    for event in trainer.train(TrainConfig(epochs=50, batch_size=16), fashion, stop):
        if isinstance(event, events.BatchMetrics) and stopped_at is None:
            stop.set()
            stopped_at = time.monotonic()
        result = event
    assert isinstance(result, events.Finished) and result.stopped
    assert time.monotonic() - stopped_at < 1.0


def test_pause_flag_holds_the_child(trainer, fashion):
    pause = threading.Event()
    batches_while_paused, batches_after_resume = [], 0
    paused_at = None
    for event in trainer.train(TrainConfig(epochs=2, batch_size=64), fashion, None, pause):
        if isinstance(event, events.BatchMetrics):
            if paused_at is None:
                pause.set()
                paused_at = time.monotonic()
                threading.Timer(0.6, pause.clear).start()
            elif pause.is_set():
                batches_while_paused.append(time.monotonic() - paused_at)
            else:
                batches_after_resume += 1
        last = event
    assert isinstance(last, events.Finished) and not last.stopped
    # At most the batches already in flight when the flag was mirrored across...
    assert all(t < 0.2 for t in batches_while_paused)
    # ...and the run was held, not finished before the pause ended (~1900 batches).
    assert batches_after_resume > 10


def test_a_crashed_child_fails_the_run_and_the_next_run_respawns(trainer, fashion):
    result = None
    old_pid = None
    for event in trainer.train(TrainConfig(epochs=20, batch_size=16), fashion):
        if isinstance(event, events.BatchMetrics) and old_pid is None:
            old_pid = trainer.pid
            os.kill(old_pid, signal.SIGKILL)
        result = event
    assert isinstance(result, events.Failed)
    assert "stopped unexpectedly" in result.message and "-9" in result.message
    assert not trainer.alive
    again = list(trainer.train(TrainConfig(epochs=1), fashion))
    assert isinstance(again[-1], events.Finished) and trainer.pid != old_pid


def test_training_errors_come_back_as_failed_events(trainer, sample):
    result = list(trainer.train(TrainConfig(epochs=1, lr=1e6, momentum=0.0), sample))[-1]
    assert isinstance(result, events.Failed) and "exploded" in result.message
    assert trainer.alive  # the child survives a failed run


def test_an_engine_that_raises_ends_the_run_with_a_failed_event(qtbot, sample):
    from softmax_gui.config import TrainConfig
    from softmax_gui.qt.training.worker import TrainingController

    def broken(*args):
        raise RuntimeError("cannot start a process here")
        yield  # a generator, like every engine

    controller = TrainingController(engine=broken)
    run = controller.start(TrainConfig(epochs=1), sample)
    with qtbot.waitSignal(run.failed, timeout=5000) as blocker:
        pass
    assert "cannot start a process here" in blocker.args[0].message
    qtbot.waitUntil(lambda: not controller.running, timeout=5000)
    assert controller.shutdown()


def test_a_finished_runs_signals_are_freed_on_the_gui_thread(qtbot, sample):
    """Freed in its own thread, the old per-run worker's destructor took the GIL under a
    Qt mutex and deadlocked with the GUI thread (CI hung in a training journey)."""
    from PySide6.QtCore import Qt

    from softmax_gui.qt.training.worker import TrainingController, train_in_this_thread

    controller = TrainingController(engine=train_in_this_thread)
    run = controller.start(TrainConfig(epochs=1, batch_size=1024), sample)
    freed_in = []
    run.destroyed.connect(lambda *_: freed_in.append(threading.current_thread().name),
                          Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(run.finished, timeout=30_000):
        pass
    del run
    qtbot.waitUntil(lambda: not controller.running, timeout=5000)
    qtbot.waitUntil(lambda: bool(freed_in), timeout=5000)
    assert freed_in == [threading.main_thread().name]
    assert controller.shutdown()
