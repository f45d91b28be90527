"""The training runs of a window: the run in progress, and every run's curves.

:class:`Runs` starts, steps, pauses and stops runs through a ``TrainingController``,
keeps one :class:`~softmax_gui.run_history.RunHistory` per run in ``state.runs`` (the
plots draw them, the runs folder keeps the finished ones), says which one is running in
``state.running`` and hands each epoch's weights to the session, whose weights they
become. It belongs to a :class:`~softmax_gui.qt.state.session.Session`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from softmax_gui import events
from softmax_gui.active_weights import ActiveWeights, prepare
from softmax_gui.config import TrainConfig
from softmax_gui.datasets_registry import get_spec
from softmax_gui.model_registry import can_continue
from softmax_gui.qt.insight.timeline import Timeline
from softmax_gui.qt.training.worker import TrainingController
from softmax_gui.run_history import RunHistory, epochs_text


@dataclass
class _Run:
    """The run in progress."""

    history: RunHistory
    config: TrainConfig
    start: float  # the epoch its weights had reached when it began (1.97 after a Stop)
    before: ActiveWeights | None  # active when it started
    delivered: bool = False  # whether it has handed over weights yet
    result: events.Finished | events.Failed | None = None


MAX_SHOWN = 30


class Runs(QObject):
    """The runs of ``session``'s window (see the module docstring)."""

    run_started = Signal(object)  # RunHistory of the run, new or continued
    engine_started = Signal(object)  # events.Started
    batches = Signal(object, object)  # RunHistory, events.BatchMetrics
    epoch_ended = Signal(object, object)  # RunHistory, events.EpochMetrics
    paused_changed = Signal(bool)
    finished = Signal(object)  # events.Finished or Failed, once the controls are free

    def __init__(self, session, archive, engine=None):
        super().__init__(session)
        self.session = session
        self.state = session.state
        self.archive = archive  # qt/runs/run_archive.py: numbers, and each run kept
        self.controller = TrainingController(self, engine)
        self.controller.running_changed.connect(self._running_changed)
        self.run: _Run | None = None
        self.timeline = Timeline(session.state, self)  # the latest run's every epoch
        # Learning rates per model: those that made a run explode, and the last that
        # trained without exploding (the panel never comes back with the first kind).
        self.exploded: set[tuple[str, float]] = set()
        self.trained_lr: dict[str, float] = {}

    def start(self, config: TrainConfig, initial=None) -> bool:
        """Train a new run of ``config`` (from ``initial`` weights, else fresh); False
        (with a problem reported) if it can't."""
        if not self._can_train(config):
            return False
        history = self._new_history(config.summary(), config)
        self._launch(history, config, 1, config.epochs, initial)
        return True

    def step(self, config: TrainConfig) -> bool:
        """Train the active weights' run on to its next whole epoch, its schedule, order
        and momentum continuing: after epoch 3, epoch 4; after a Stop at 1.97, the rest
        of epoch 2 (the same batches it would have seen: ``WeightSnapshot.resume``).

        With no active weights, train the first epoch of ``config`` (the panel's). The
        device always comes from ``config``: it is where the user wants to train now.
        """
        active = self.state.weights
        if active is None:
            if not self._can_train(config):
                return False
            history = self._new_history(config.summary(), config)
            self._launch(history, config, 1, 1, None)
            return True
        reached = float(active.snapshot.epoch)
        target = step_target(reached)
        own = _config_of(active, config)
        own = own.replace(epochs=max(own.epochs, target), device=config.device)
        if not self._can_train(own):
            return False
        history = self.state.run(active.run)
        if history is None or history.saved or not history.ends_at(reached):
            # Not its curve's end (an earlier epoch, brought back by Revert): a new curve.
            history = self._new_history(f"continues {active.label}",
                                        own, start=reached)
        history.stopped_at = None  # the curve goes on from the stop: no end drawn there
        history.config = own.to_dict()
        self._launch(history, own, target, target, active.snapshot, start=reached)
        return True

    def _can_train(self, config: TrainConfig) -> bool:
        if self.run is not None:
            return False
        dataset = self.state.dataset
        if dataset is None or dataset.name != config.dataset:
            self.session.report(f"{get_spec(config.dataset).title} is not loaded yet.")
            return False
        return True

    def _new_history(self, what: str, config: TrainConfig, start: float = 0) -> RunHistory:
        number = self.archive.take_number()
        # Which data, when not the usual: runs of several datasets share the plots.
        data = "" if config.dataset == "fashion-mnist" else f"{config.dataset}: "
        history = RunHistory(number, f"#{number} {data}{what}", config.to_dict(),
                             start=start, status="running")
        # The latest runs stay on the plots; older ones are in the Runs tab. Each kept run
        # holds its curves and plot items: without a limit a long session only grows.
        self.state.runs = (*self.state.runs[-(MAX_SHOWN - 1):], history)
        return history

    def _launch(self, history, config, first, last, initial, start: float = 0.0) -> None:
        run = self.run = _Run(history, config, start, self.state.weights)
        self.timeline.begin(history.number, config.to_dict())
        # Queued at once; its events reach the GUI thread only once this returns.
        signals = self.controller.start(config, self.state.dataset, initial, (first, last))
        # Stopped while it waited in the controller's queue: as if before its first batch.
        never_began = events.Finished(start, 0.0, None, stopped=True)
        for signal, handler in ((signals.started, self._on_started),
                                (signals.epoch_snapshot, self.timeline.add),
                                (signals.batches, self._on_batches),
                                (signals.epoch, self._on_epoch),
                                (signals.snapshot, self._on_snapshot),
                                (signals.finished, self._on_finished),
                                (signals.failed, self._on_failed),
                                (signals.cancelled, lambda _: self._on_finished(never_began))):
            # Events still queued when a run was closed (Quit mid-run) are dropped.
            signal.connect(lambda event, h=handler: run is self.run and h(event))
        self.state.running = history.number
        self.run_started.emit(history)

    def _on_started(self, event: events.Started) -> None:
        self.run.history.device = event.device_name  # kept in its run record
        self.engine_started.emit(event)

    def _on_batches(self, event: events.BatchMetrics) -> None:
        self.run.history.add_batches(event)
        self.batches.emit(self.run.history, event)

    def _on_epoch(self, event: events.EpochMetrics) -> None:
        self.run.history.add_epoch(event)
        self.epoch_ended.emit(self.run.history, event)

    def _on_snapshot(self, snapshot: events.WeightSnapshot) -> None:
        run = self.run
        weights = prepare(snapshot, f"run #{run.history.number}, epoch {snapshot.epoch:g}",
                           run.config.to_dict(), run.history.number, self.state.test_images)
        if run.delivered:
            self.session.set_weights(weights)
        else:  # the weights from before the run are one click away until the next run
            self.session.activate(weights, previous=run.before)
        run.delivered = True

    def _on_finished(self, event: events.Finished) -> None:
        run = self.run
        run.result = event
        number = run.history.number
        trained = span_text(run.start, event.epoch)
        say = self.session.message.emit
        weights = self.state.weights
        if run.delivered and event.resume is not None:  # what a Step goes on from
            weights = weights.resuming(event.resume)
        run.history.seconds += event.train_seconds
        # Short of its planned epochs (a Stop, then a Step to the next whole one):
        # stopped, "2 of 5" in the Runs tab.
        short = event.stopped or event.epoch < run.config.epochs
        run.history.status = "stopped" if short else "finished"
        if not event.stopped:
            verb = "finished" if run.start == 0 else "stepped"
            say(f"Run #{number} {verb}: {trained}, test accuracy {event.test_acc:.2%}, "
                f"{event.train_seconds:.1f} s.")
        elif run.delivered:
            label = f"run #{number}, stopped after {trained}"
            run.history.stopped_at = (event.epoch, event.test_acc)
            weights = weights.relabelled(label)
            say(f"Run #{number} stopped after {trained}: test accuracy "
                f"{event.test_acc:.2%}.")
        else:
            say(f"Run #{number} stopped before its first batch. {_kept(run.before)}")
            self.timeline.abandon(number)
        if weights is not self.state.weights:
            self.session.set_weights(weights)
        if run.delivered:
            self.trained_lr[run.config.model] = run.config.lr
            self.exploded.discard((run.config.model, run.config.lr))
            self._save(run.history, self.state.weights.snapshot)

    def _on_failed(self, event: events.Failed) -> None:
        run = self.run
        run.result = event
        run.history.status = "exploded" if event.diverged else "failed"
        if not run.delivered:
            self.timeline.abandon(run.history.number)
        if run.delivered:
            kept = (f"Kept the weights after epoch {self.state.weights.snapshot.epoch:g}"
                    + (f"; Train > Revert restores {run.before.label}." if run.before
                       else "."))
        else:
            kept = _kept(run.before)
        self.session.report(f"{event.message} {kept}")
        # An explosion is a lesson: kept with its curves (and the weights from before it,
        # if it had finished an epoch), to overlay against a run that trained.
        if event.diverged:
            self.exploded.add((run.config.model, run.config.lr))
            # The plots' list says so too, first: a narrow list cuts a label's end.
            number = run.history.number
            run.history.label = run.history.label.replace(f"#{number} ",
                                                          f"#{number} (exploded) ", 1)
            self.state.announce_runs()
            self._save(run.history, self.state.weights.snapshot if run.delivered else None)

    def _save(self, history: RunHistory, snapshot: events.WeightSnapshot | None) -> None:
        timeline = self.timeline
        epochs = list(timeline.snapshots) if timeline.run == history.number else []
        self.archive.save(history, snapshot, epochs)

    def set_paused(self, paused: bool) -> None:
        if self.run is not None and paused != self.controller.paused:
            self.controller.set_paused(paused)
            self.paused_changed.emit(paused)

    @property
    def paused(self) -> bool:
        return self.controller.paused

    def stop(self) -> None:
        self.controller.stop()

    def _running_changed(self, running: bool) -> None:
        if running:
            return
        # Announced only once the thread has ended and the controls can be freed.
        run, self.run = self.run, None
        self.paused_changed.emit(False)
        self.state.running = None
        if run is not None and run.result is not None:
            self.finished.emit(run.result)

    def set_shown(self, number: int, shown: bool) -> None:
        """The user ticked or unticked run ``number`` in the plots' list."""
        for history in self.state.runs:
            if history.number == number:
                history.shown = shown

    def remove_history(self, number: int) -> None:
        if self.run is not None and self.run.history.number == number:
            return  # its curves are being drawn
        self.state.runs = tuple(h for h in self.state.runs if h.number != number)


def _config_of(active: ActiveWeights, fallback: TrainConfig) -> TrainConfig:
    """How ``active`` was trained, or ``fallback`` made to fit its model."""
    try:
        config = TrainConfig.from_dict(active.config)
        if can_continue(active.snapshot.model, config.model):
            return config.replace(dataset=fallback.dataset)
    except (TypeError, ValueError):
        pass
    return fallback.replace(model=active.snapshot.model, optimizer="sgd")


def step_target(reached: float) -> int:
    """The whole epoch a Step trains up to from ``reached``: the next one, or the end of
    the one a Stop interrupted."""
    return math.floor(reached + 1e-9) + 1


def span_text(start: float, end: float) -> str:
    """``3 epochs``, or for a run that began past 0, ``0.03 epochs (1.97 -> 2)``."""
    trained = epochs_text(round(end - start, 6))
    return trained if start == 0 else f"{trained} ({start:.3g} -> {end:.3g})"


def _kept(before: ActiveWeights | None) -> str:
    return (f"The weights active before it ({before.label}) stay active." if before
            else "No weights were kept.")
