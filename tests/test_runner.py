"""The runner: many runs queued, trained one after another by real engines, each run's
events under its id; cancel one (queued or running), cancel all, pause, a failing
engine, shutdown; and the window's Qt adapter over it."""

import threading
import time

import numpy as np
import pytest

from softmax_gui import events, training
from softmax_gui.config import TrainConfig
from softmax_gui.runner import Runner

TINY = TrainConfig(epochs=1, batch_size=512)  # 12 batches of the sample: a fraction of a second
LONG = TrainConfig(epochs=50, batch_size=16)  # 18,750 batches: runs until it is cancelled


class Inbox:
    """A runner's ``deliver``: keeps every (run id, event) and the thread it came from."""

    def __init__(self):
        self.events: list[tuple[int, object]] = []
        self.threads: set[str] = set()
        self._arrived = threading.Condition()

    def __call__(self, run_id, event):
        with self._arrived:
            self.events.append((run_id, event))
            self.threads.add(threading.current_thread().name)
            self._arrived.notify_all()

    def of(self, run_id) -> list:
        with self._arrived:
            return [event for i, event in self.events if i == run_id]

    def types(self, run_id) -> list[type]:
        return [type(event) for event in self.of(run_id)]

    def wait(self, predicate, timeout: float = 120) -> None:
        with self._arrived:
            assert self._arrived.wait_for(predicate, timeout), "timed out"

    def wait_ended(self, *run_ids, timeout: float = 120) -> None:
        self.wait(lambda: all(events.RunEnded in self.types(i) for i in run_ids), timeout)

    def wait_training(self, run_id, timeout: float = 120) -> None:
        self.wait(lambda: events.BatchMetrics in self.types(run_id), timeout)


@pytest.fixture
def make_runner():
    """``make_runner(engine) -> (runner, inbox)``; every runner is shut down after."""
    made = []

    def make(engine=training.train):
        inbox = Inbox()
        runner = Runner(engine, inbox)
        made.append(runner)
        return runner, inbox

    yield make
    for runner in made:
        assert runner.shutdown(30)


def _result(inbox, run_id):
    """The run's final event, after checking that ``RunEnded`` follows it and ends it."""
    stream = inbox.of(run_id)
    assert type(stream[-1]) is events.RunEnded and events.RunEnded not in map(type, stream[:-1])
    return stream[-2]


def test_queued_runs_run_one_after_another_each_under_its_id(make_runner, sample):
    runner, inbox = make_runner()
    runner.set_paused(True)  # nothing begins: the three wait in the queue
    configs = [TINY.replace(lr=lr) for lr in (0.05, 0.1, 0.2)]
    ids = [runner.submit(config, sample) for config in configs]
    assert len(set(ids)) == 3 and runner.queued == ids and runner.running is None
    time.sleep(0.3)
    assert inbox.events == [] and runner.queued == ids
    runner.set_paused(False)
    inbox.wait_ended(*ids)
    assert runner.queued == [] and runner.running is None
    assert [i for i, e in inbox.events if isinstance(e, events.Started)] == ids
    arrival = [i for i, _ in inbox.events]
    assert arrival == sorted(arrival, key=ids.index)  # one after another, never interleaved
    for run_id, config in zip(ids, configs):
        assert inbox.types(run_id)[0] is events.Started
        finished = _result(inbox, run_id)
        assert isinstance(finished, events.Finished) and not finished.stopped
        alone = list(training.train(config, sample))[-1]  # the same run, on its own
        assert finished.test_acc == alone.test_acc and finished.epoch == 1
    assert inbox.threads == {"softmax-runner"}


def test_every_whole_epoch_snapshot_also_comes_whole_and_flagged(make_runner, sample):
    runner, inbox = make_runner()
    config = TrainConfig(epochs=3, batch_size=256)
    run = runner.submit(config, sample)
    inbox.wait_ended(run)
    stream = inbox.of(run)
    kept = [e for e in stream if isinstance(e, events.EpochSnapshot)]
    assert [k.snapshot.epoch for k in kept] == [1, 2, 3]
    assert all(isinstance(k.snapshot, events.WeightSnapshot) for k in kept)
    # The rest went through the throttle: batch losses merged, none lost.
    alone = [e for e in training.train(config, sample) if isinstance(e, events.BatchMetrics)]
    merged = [e for e in stream if isinstance(e, events.BatchMetrics)]
    assert len(merged) <= len(alone)
    np.testing.assert_allclose(np.concatenate([e.loss for e in merged]),
                               np.concatenate([e.loss for e in alone]), rtol=1e-6)


def test_a_cancelled_queued_run_never_begins(make_runner, sample):
    runner, inbox = make_runner()
    runner.set_paused(True)
    a, b, c = (runner.submit(TINY, sample) for _ in range(3))
    assert runner.cancel(b)
    assert runner.queued == [a, c]
    inbox.wait_ended(b, timeout=5)  # told at once, though the runner is paused
    assert inbox.types(b) == [events.Cancelled, events.RunEnded]
    assert "before it began" in inbox.of(b)[0].message
    assert not runner.cancel(b)  # over already
    runner.set_paused(False)
    inbox.wait_ended(a, c)
    for run_id in (a, c):
        assert isinstance(_result(inbox, run_id), events.Finished)
    assert events.Started not in inbox.types(b)


def test_cancelling_the_running_run_stops_it_even_paused(make_runner, sample):
    runner, inbox = make_runner()
    a, b, c = runner.submit(LONG, sample), runner.submit(LONG, sample), runner.submit(TINY, sample)
    inbox.wait_training(a)
    assert runner.running == a and runner.queued == [b, c]
    runner.set_paused(True)
    assert runner.paused
    assert runner.cancel(b)
    # Told while a is held by the pause (its engine yields nothing meanwhile).
    inbox.wait_ended(b, timeout=5)
    assert inbox.types(b) == [events.Cancelled, events.RunEnded]
    assert runner.running == a and events.RunEnded not in inbox.types(a)
    assert runner.cancel(a)  # a stop beats the pause
    inbox.wait_ended(a, timeout=10)
    stopped = _result(inbox, a)
    assert isinstance(stopped, events.Finished) and stopped.stopped and stopped.epoch < 1
    assert runner.running is None and runner.queued == [c]  # c waits: still paused
    time.sleep(0.3)
    assert inbox.of(c) == []
    runner.set_paused(False)
    inbox.wait_ended(c)
    assert not _result(inbox, c).stopped


def test_cancel_all_stops_the_running_run_and_drops_the_queue(make_runner, sample):
    runner, inbox = make_runner()
    a, b, c = runner.submit(LONG, sample), runner.submit(TINY, sample), runner.submit(TINY, sample)
    inbox.wait_training(a)
    runner.cancel_all()
    assert runner.queued == []
    inbox.wait_ended(a, b, c, timeout=10)
    assert _result(inbox, a).stopped
    assert inbox.types(b) == inbox.types(c) == [events.Cancelled, events.RunEnded]
    assert runner.running is None
    d = runner.submit(TINY, sample)  # and the runner goes on serving
    inbox.wait_ended(d)
    assert isinstance(_result(inbox, d), events.Finished)


def test_an_engine_that_raises_fails_its_run_and_the_next_still_runs(make_runner, sample):
    calls = []

    def engine(*args):
        calls.append(args[0])
        for event in training.train(*args):
            yield event
            if len(calls) == 2 and isinstance(event, events.Started):
                raise RuntimeError("the device went away")

    runner, inbox = make_runner(engine)
    ids = [runner.submit(TINY, sample) for _ in range(3)]
    inbox.wait_ended(*ids)
    assert inbox.types(ids[1]) == [events.Started, events.Failed, events.RunEnded]
    assert "the device went away" in inbox.of(ids[1])[1].message
    for run_id in (ids[0], ids[2]):
        assert isinstance(_result(inbox, run_id), events.Finished)
    assert len(calls) == 3


def test_shutdown_in_the_middle_of_a_queue_stops_and_joins(make_runner, sample):
    runner, inbox = make_runner()
    a, b, c = runner.submit(LONG, sample), runner.submit(TINY, sample), runner.submit(TINY, sample)
    inbox.wait_training(a)
    started = time.monotonic()
    assert runner.shutdown(timeout=30)  # the thread has ended
    assert time.monotonic() - started < 5
    assert _result(inbox, a).stopped
    assert inbox.types(b) == inbox.types(c) == [events.Cancelled, events.RunEnded]
    with pytest.raises(RuntimeError, match="shut down"):
        runner.submit(TINY, sample)
    assert runner.shutdown(1)  # again: nothing to do


def test_shutdown_of_an_idle_runner_wakes_its_thread(make_runner, sample):
    runner, inbox = make_runner()
    inbox.wait_ended(runner.submit(TINY, sample))
    time.sleep(0.1)  # the thread waits for work
    started = time.monotonic()
    assert runner.shutdown(timeout=10)
    assert time.monotonic() - started < 1


def test_the_trainer_process_serves_the_queue(make_runner, sample, trainer):
    runner, inbox = make_runner(trainer.train)
    runner.set_paused(True)
    first = TrainConfig(epochs=1, batch_size=256)
    a, b = runner.submit(first, sample), runner.submit(LONG, sample)
    c = runner.submit(first.replace(lr=0.2), sample)
    assert runner.queued == [a, b, c]
    runner.set_paused(False)
    inbox.wait_training(b, timeout=180)  # the child imports torch first
    pid = trainer.pid
    assert runner.running == b and runner.queued == [c]
    assert runner.cancel(b)
    inbox.wait_ended(c, timeout=120)
    finished = _result(inbox, a)
    assert not finished.stopped
    assert finished.test_acc == list(training.train(first, sample))[-1].test_acc
    assert _result(inbox, b).stopped
    assert not _result(inbox, c).stopped
    assert trainer.pid == pid and pid is not None  # one child served them all


def test_the_controller_queues_runs_and_relays_each_on_the_gui_thread(qtbot, sample):
    from softmax_gui.qt.training.worker import TrainingController, train_in_this_thread

    controller = TrainingController(engine=train_in_this_thread)
    changes, relayed = [], []
    controller.running_changed.connect(changes.append)
    controller.event.connect(lambda run_id, event: relayed.append(
        (run_id, event, threading.current_thread().name)))
    first = controller.start(TINY, sample)
    second = controller.start(TrainConfig(epochs=2, batch_size=512), sample)  # queued
    third = controller.start(TINY, sample)
    assert controller.running and changes == [True]
    assert controller.cancel(third.run_id)
    ids = [first.run_id, second.run_id]
    finished, epochs, cancelled, done = [], [], [], []
    for run in (first, second):
        run.finished.connect(finished.append)
        run.done.connect(lambda: done.append(1))
    second.epoch_snapshot.connect(lambda s: epochs.append(s.epoch))
    third.cancelled.connect(cancelled.append)
    third.started.connect(lambda _: pytest.fail("a cancelled run began"))
    qtbot.waitUntil(lambda: not controller.running, timeout=60_000)
    assert changes == [True, False]
    assert [i for i, e, _ in relayed if isinstance(e, events.Started)] == ids
    for run_id in ids:
        stream = [e for i, e, _ in relayed if i == run_id]
        assert isinstance(stream[0], events.Started)
        assert [type(e) for e in stream[-2:]] == [events.Finished, events.RunEnded]
    assert len(finished) == 2 and not any(f.stopped for f in finished) and done == [1, 1]
    assert epochs == [1, 2]
    assert len(cancelled) == 1 and isinstance(cancelled[0], events.Cancelled)
    assert {name for *_, name in relayed} == {threading.main_thread().name}
    assert controller.shutdown()


def test_a_run_that_dies_paused_leaves_the_controller_unpaused(qtbot, sample):
    """The trainer process killed while its run was paused: the run fails, and the next
    run must not wait for a Resume that no button offers any more."""
    from softmax_gui.qt.training.worker import TrainingController

    calls = []

    def dies_once_paused(config, data, stop, pause, *rest):
        calls.append(config)
        if len(calls) > 1:  # the next run: a real one
            yield from training.train(config, data, stop, pause, *rest)
            return
        yield next(iter(training.train(config, data, stop, pause, *rest)))  # Started
        while not pause.is_set():
            time.sleep(0.01)
        yield events.Failed("The training process stopped unexpectedly.", epoch=0)

    controller = TrainingController(engine=dies_once_paused)
    run = controller.start(TINY, sample)
    with qtbot.waitSignal(run.started, timeout=30_000):
        pass
    controller.set_paused(True)
    with qtbot.waitSignal(run.failed, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: not controller.running, timeout=5000)
    assert not controller.paused
    again = controller.start(TINY, sample)
    with qtbot.waitSignal(again.finished, timeout=30_000):
        pass
    assert controller.shutdown()
