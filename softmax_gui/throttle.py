"""Thin a training event stream to what a viewer can show: a pure generator, no Qt.

The engine reports every 16 batches, which for softmax regression can be hundreds of
times a second. A viewer repaints on each update, taking CPU the trainer could use, so
batch losses are merged into at most ``max_updates_per_s`` updates and weight snapshots
thinned to ``max_snapshots_per_s`` (the latest wins). Epoch ends, the snapshot before a
run's end or a pause (``Holding``, consumed here), ``Finished`` and ``Failed`` always
pass at once, and no batch loss is lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from softmax_gui import events

# Each plot update costs the GUI thread a repaint, CPU the trainer could use on a small
# machine: 20 Hz looks smooth and costs less than 30 Hz (bench/ui_responsiveness.py).
MAX_UPDATES_PER_S = 20.0
# Applying a snapshot redraws the grid and the visible insight view (~25-40 ms,
# bench/insight_update.py); an epoch can take 0.1 s, so doing it every epoch would
# starve the trainer.
MAX_SNAPSHOTS_PER_S = 2.0


def throttle(stream: Iterable[events.Event], max_updates_per_s: float = MAX_UPDATES_PER_S,
             max_snapshots_per_s: float = MAX_SNAPSHOTS_PER_S,
             clock: Callable[[], float] = time.monotonic) -> Iterator[events.Event]:
    """Yield ``stream``'s events with batch losses merged and snapshots thinned.

    Parameters
    ----------
    stream : iterable of events
        A training engine's events (``training.train`` or anything alike).
    max_updates_per_s, max_snapshots_per_s : float
        Upper bounds on the ``BatchMetrics`` and ``WeightSnapshot`` events yielded.
    clock : callable
        Seconds, monotonic; a test passes its own.
    """
    pending: list[events.BatchMetrics] = []
    snapshot: events.WeightSnapshot | None = None
    last_batches = last_snapshot = -float("inf")
    for event in stream:
        now = clock()
        if isinstance(event, events.BatchMetrics):
            pending.append(event)
            if now - last_batches >= 1.0 / max_updates_per_s:
                yield merge(pending)
                pending, last_batches = [], now
            continue
        if pending:
            yield merge(pending)
            pending = []
        if isinstance(event, events.Holding):  # paused: the weights held back, now
            if snapshot is not None:
                yield snapshot
                snapshot, last_snapshot = None, now
            continue
        if isinstance(event, events.WeightSnapshot):
            snapshot = event
            if now - last_snapshot >= 1.0 / max_snapshots_per_s:
                yield snapshot
                snapshot, last_snapshot = None, now
            continue
        if snapshot is not None and isinstance(event, (events.Finished, events.Failed)):
            yield snapshot
            snapshot = None
        yield event
    if pending:
        yield merge(pending)


def merge(chunk: list[events.BatchMetrics]) -> events.BatchMetrics:
    """One ``BatchMetrics`` holding every batch of ``chunk``, in order."""
    last = chunk[-1]
    return events.BatchMetrics(
        epoch=last.epoch, batch=last.batch,
        epoch_x=np.concatenate([c.epoch_x for c in chunk]),
        loss=np.concatenate([c.loss for c in chunk]), seconds=last.seconds,
    )
