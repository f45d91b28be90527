"""The event throttle, driven with a fake clock: no Qt, no threads."""

import numpy as np

from softmax_gui import events
from softmax_gui.throttle import throttle


def batch(k):
    return events.BatchMetrics(epoch=1, batch=k, epoch_x=np.array([k / 100]),
                               loss=np.array([float(k)]), seconds=0.0)


def snapshot(epoch):
    return events.WeightSnapshot(epoch=epoch, model="softmax", state={}, mean=0.0, std=1.0,
                                 classes=("a",), dataset="fashion-mnist")


class Clock:
    """Advances by ``step`` seconds each time it is read."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_batches_are_merged_to_the_rate_and_none_is_lost():
    stream = [batch(k) for k in range(1, 101)] + [events.Finished(1, 1.0, 0.8, False)]
    # 100 batches arriving 1 ms apart, at most 20 updates a second: a few updates.
    out = list(throttle(stream, max_updates_per_s=20, clock=Clock(0.001)))
    merged = [e for e in out if isinstance(e, events.BatchMetrics)]
    assert 2 <= len(merged) <= 4
    assert np.array_equal(np.concatenate([m.loss for m in merged]), np.arange(1, 101))
    assert isinstance(out[-1], events.Finished)


def test_snapshots_are_thinned_but_the_last_one_before_the_end_passes():
    stream = [snapshot(e) for e in range(1, 11)] + [events.Finished(10, 1.0, 0.8, False)]
    out = list(throttle(stream, max_snapshots_per_s=2, clock=Clock(0.01)))
    epochs = [e.epoch for e in out if isinstance(e, events.WeightSnapshot)]
    assert epochs[0] == 1 and epochs[-1] == 10 and len(epochs) < 10
    assert isinstance(out[-1], events.Finished)


def test_epoch_ends_and_failures_pass_at_once_after_pending_batches():
    metrics = events.EpochMetrics(1, 1, 0.5, 0.8, 0.5, 0.8, 1.0, 100.0, 0.1)
    failed = events.Failed("boom", epoch=2)
    out = list(throttle([batch(1), batch(2), metrics, batch(3), failed],
                        max_updates_per_s=1, clock=Clock(0.001)))
    kinds = [type(e).__name__ for e in out]
    assert kinds == ["BatchMetrics", "BatchMetrics", "EpochMetrics", "BatchMetrics", "Failed"]
    assert list(out[1].loss) == [2.0]  # the batch held back is flushed before the epoch end


def test_a_pause_lets_the_held_snapshot_through_and_is_not_passed_on():
    # Two snapshots 10 ms apart at 2 a second: the second is held... until the pause.
    stream = [snapshot(1), snapshot(2), events.Holding(), batch(1)]
    out = list(throttle(stream, max_snapshots_per_s=2, clock=Clock(0.01)))
    assert [type(e).__name__ for e in out] == ["WeightSnapshot", "WeightSnapshot",
                                                "BatchMetrics"]
    assert [e.epoch for e in out[:2]] == [1, 2]
    # Nothing held: the pause passes nothing.
    out = list(throttle([snapshot(1), events.Holding()], clock=Clock(0.01)))
    assert [e.epoch for e in out] == [1]
