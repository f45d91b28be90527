"""The run controls: the training panel, Start / Pause / Step / Stop / Revert, progress.

The buttons and the Train menu share one set of actions (``self.actions``), so a
shortcut, a menu item and a button can never disagree about what is possible.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import events
from softmax_gui.model_registry import MODELS, can_continue
from softmax_gui.qt.shell.actions import ShortcutsWinInFields, make_action
from softmax_gui.qt.state.session import Session
from softmax_gui.qt.training.lr_finder_dialog import LrFinder
from softmax_gui.qt.training.panel import TrainingPanel
from softmax_gui.qt.training.runs import span_text, step_target
from softmax_gui.run_history import epochs_text

# QProgressBar repaints itself synchronously on every visible change (~2 ms with the
# status bar behind it); 5 updates a second look smooth and leave the CPU to the trainer.
PROGRESS_INTERVAL_S = 0.2


class RunClock:
    """Seconds a run has spent training: paused time does not count (for the ETA)."""

    def __init__(self):
        self._started = self._paused_at = None
        self._paused_total = 0.0

    def start(self) -> None:
        self._started, self._paused_at, self._paused_total = time.monotonic(), None, 0.0

    def pause(self, paused: bool) -> None:
        now = time.monotonic()
        if paused and self._paused_at is None:
            self._paused_at = now
        elif not paused and self._paused_at is not None:
            self._paused_total += now - self._paused_at
            self._paused_at = None

    def elapsed(self) -> float:
        if self._started is None:
            return 0.0
        end = self._paused_at if self._paused_at is not None else time.monotonic()
        return end - self._started - self._paused_total


class RunControls(QWidget):
    """Everything that starts, holds and ends a run, bound to a :class:`Session`."""

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.panel = TrainingPanel()
        self.panel.dataset_changed.connect(session.load_dataset)
        self.panel.model.currentIndexChanged.connect(self._update_hint)
        self.start_action = make_action(self, "&Start", self._start, "Ctrl+Return",
                                         "Train a new run with the panel's settings")
        self.pause_action = make_action(self, "&Pause / Resume", self._toggle_pause, "Ctrl+P",
                                         "Hold the run between batches; resume where it was")
        self.step_action = make_action(self, "Step one &epoch", self._step, "Ctrl+E",
                                        "Train one more epoch of the active weights' run")
        self.stop_action = make_action(self, "S&top", session.runs.stop, "Ctrl+.",
                                        "Stop after the current batch, keeping the weights")
        self.revert_action = make_action(self, "&Revert to previous weights",
                                          session.revert, "Ctrl+R",
                                          "Make the weights active before the last run (or "
                                          "file) active again")
        self.finder = LrFinder(session, self.panel, self)
        self.actions = [self.start_action, self.pause_action, self.step_action,
                        self.stop_action, self.revert_action, self.finder.action]
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for k, (name, action) in enumerate((("Start", self.start_action),
                                            ("Pause", self.pause_action),
                                            ("Step", self.step_action),
                                            ("Stop", self.stop_action))):
            grid.addWidget(self._button(name, action), k // 2, k % 2)
        grid.addWidget(self._button("Revert", self.revert_action), 2, 0)
        grid.addWidget(self._button("Find rate…", self.finder.action), 2, 1)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        font = self.hint.font()
        font.setItalic(True)  # set apart from the controls without a colour of its own
        self.hint.setFont(font)
        # Its room is kept while it is hidden: showing it must not move the progress bar.
        policy = self.hint.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.hint.setSizePolicy(policy)
        self.hint.setMinimumHeight(2 * self.hint.fontMetrics().lineSpacing())
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("Loading PyTorch and the dataset…")
        self.progress.setValue(0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addLayout(grid)
        layout.addWidget(self.hint)
        layout.addWidget(self.progress)
        layout.addStretch(1)

        self.clock = RunClock()
        self._progress_at = 0.0
        self._started: events.Started | None = None
        self._idle = False  # the progress bar says what Start will do, not a past result
        self._speeds: dict[tuple, float] = {}  # (model, batch size) -> s/epoch, measured
        self._bind(session)
        self._sync()
        self._keys = ShortcutsWinInFields(self.panel, self.actions)

    def _bind(self, session: Session) -> None:
        """Follow the session: ready, datasets, GPUs, weights, Revert's, the runs."""
        session.ready.connect(self._learn_speeds)
        for field in (self.panel.epochs, self.panel.batch_size):
            field.valueChanged.connect(self._show_idle)
        self.panel.model.currentIndexChanged.connect(self._show_idle)
        session.ready.connect(self._sync)
        session.dataset_requested.connect(self.panel.show_dataset)
        session.datasets_changed.connect(self.panel.list_datasets)
        session.cuda_found.connect(self.panel.add_cuda_device)
        runs = session.runs
        session.state.events.previous.connect(self._sync)
        session.state.events.running.connect(self._sync)
        session.state.events.weights.connect(self._update_hint)
        session.state.events.weights.connect(self._on_weights_changed)
        runs.run_started.connect(self._on_run_started)
        runs.engine_started.connect(self._on_engine_started)
        runs.batches.connect(self._on_batches)
        runs.paused_changed.connect(self._on_paused)
        runs.finished.connect(self._on_finished)
        self.panel.changed.connect(self._publish_settings)
        self._publish_settings()

    def _button(self, text: str, action: QAction) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(f"{text.lower()}-button")
        button.setToolTip(f"{action.toolTip()} ({action.shortcut().toString()})")
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        button.setEnabled(action.isEnabled())
        self.buttons[text] = button
        return button

    # --- commands -------------------------------------------------------------------------

    def _config(self):
        try:
            return self.panel.config()
        except ValueError as exc:
            self.session.report(f"Invalid setting: {exc}")
            return None

    def _start(self) -> None:
        config = self._config()
        if config is not None:
            self.session.runs.start(config)

    def _step(self) -> None:
        config = self._config()
        if config is not None:
            self.session.runs.step(config)

    def _publish_settings(self) -> None:
        """``state.panel``: what a sweep varies from (None while a field is invalid)."""
        self.session.state.panel = self.panel.valid_config()

    def _toggle_pause(self) -> None:
        runs = self.session.runs
        runs.set_paused(not runs.paused)

    # --- state ----------------------------------------------------------------------------

    def _sync(self, *_) -> None:
        running = self.session.runs.run is not None
        idle = self.session.is_ready and not running and self.session.state.dataset is not None
        handed = focus_taker(self.buttons, running)
        self.panel.setEnabled(not running)
        for action in (self.start_action, self.step_action, self.finder.action):
            action.setEnabled(idle)
        for action in (self.pause_action, self.stop_action):
            action.setEnabled(running)
        if handed is not None:
            handed.setFocus(Qt.FocusReason.OtherFocusReason)
        self.revert_action.setEnabled(self.session.state.previous is not None and not running)
        if self.session.is_ready and not running and self.progress.format().startswith(
                "Loading"):
            self._idle = True
            self._show_idle()

    def _learn_speeds(self) -> None:
        """Seconds per epoch of the runs on disk, for "about N s" before a Start."""
        self._speeds.update(epoch_seconds(self.session.archive.store.list()))
        self._show_idle()

    def _on_weights_changed(self, weights) -> None:
        """Other weights (loaded, opened, reverted): a past run's result is stale."""
        if self.session.runs.run is None and not self._idle and self.session.is_ready:
            self._idle = True
            self.progress.setToolTip("")
            self.progress.setValue(0)
            self._show_idle()

    def _show_idle(self, *_) -> None:
        if not self._idle or self.session.runs.run is not None:
            return
        try:
            config = self.panel.config()
        except ValueError:
            return
        speed = next((row["seconds"] for h in reversed(self.session.state.runs)
                      if (h.config.get("model"), h.config.get("batch_size"))
                      == (config.model, config.batch_size)
                      for row in h.epochs[-1:]), self._speeds.get((config.model,
                                                                   config.batch_size)))
        about = f" (about {_duration(speed * config.epochs)})" if speed else ""
        self.progress.setFormat(f"Press Start to train {epochs_text(config.epochs)}{about}")

    def _update_hint(self, *_) -> None:
        """Say what Step will do when the panel names another model than the active one."""
        active = self.session.state.weights
        chosen = self.panel.model.currentData()
        step = self.buttons["Step"]
        if active is None:
            step.setToolTip("Train the first epoch of a run with the panel's settings "
                            "(Ctrl+E)")
            self.hint.hide()
            return
        reached = float(active.snapshot.epoch)
        target = step_target(reached)
        if reached == int(reached):
            what = f"Train one more epoch of {active.label}: epoch {reached:g} -> {target}"
        else:  # a Stop interrupted it: the rest of that epoch, in its own order
            what = (f"Finish epoch {target} of {active.label}, which a Stop interrupted: "
                    f"{reached:.2f} -> {target}")
        step.setToolTip(f"{what}, with the settings it was trained with (Ctrl+E)")
        differs = not can_continue(active.snapshot.model, chosen)
        self.hint.setText(f"Step continues the active {MODELS[active.snapshot.model].label} "
                          f"weights; Start trains a new {MODELS[chosen].label}.")
        self.hint.setVisible(differs)

    # --- progress -------------------------------------------------------------------------

    def _on_run_started(self, history) -> None:
        self._started, self._idle = None, False
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(f"Run #{history.number}: starting…")

    def _on_engine_started(self, event: events.Started) -> None:
        self._started = event
        self.clock.start()
        self.clock.pause(self.session.runs.paused)
        epochs = (event.last_epoch or event.epochs) - event.first_epoch + 1
        self.progress.setRange(0, event.batches_per_epoch * epochs - event.first_batch)
        self.progress.setValue(0)

    def _on_batches(self, history, event: events.BatchMetrics) -> None:
        started = self._started
        now = time.monotonic()
        if started is None or (now - self._progress_at < PROGRESS_INTERVAL_S
                               and event.batch != started.batches_per_epoch):
            return
        self._progress_at = now
        done = ((event.epoch - started.first_epoch) * started.batches_per_epoch + event.batch
                - started.first_batch)
        total = self.progress.maximum()
        eta = self.clock.elapsed() / max(done, 1) * (total - done)
        if started.first_epoch == started.last_epoch and started.start > 0:
            # A Step: one epoch (or its rest), not the run's whole plan ("2/5" misled).
            what = f"Run #{history.number}, Step to epoch {started.last_epoch}" + (
                f" from {started.start:.2f}" if started.first_batch else "")
        else:
            what = f"Run #{history.number}, epoch {event.epoch}/{started.epochs}"
        self._format(f"{what} — ETA {_clock(eta)}")
        self.progress.setValue(done)  # after the format: one synchronous repaint shows both

    def _on_paused(self, paused: bool) -> None:
        self.clock.pause(paused)
        self.buttons["Pause"].setText("Resume" if paused else "Pause")
        self._format(self.progress.format().removeprefix("Paused — "))

    def _format(self, text: str) -> None:
        self.progress.setFormat(("Paused — " if self.session.runs.paused else "") + text)

    def _on_finished(self, result) -> None:
        if isinstance(result, events.Failed):
            # The banner has the whole message (and can be dismissed): say what happened.
            self.progress.setFormat("Failed: " + result.message.split(":")[0].split(" (")[0])
            self.progress.setToolTip(result.message)
            return
        self.progress.setToolTip("")
        if not result.stopped:
            self.progress.setValue(self.progress.maximum())
        trained = span_text(self._started.start if self._started else 0.0, result.epoch)
        verb = "Stopped after" if result.stopped else "Done:"
        self.progress.setFormat(f"{verb} {trained}, {result.train_seconds:.1f} s")


def focus_taker(buttons: dict, running: bool) -> QPushButton | None:
    """The button that takes the keyboard if the focused one is about to be disabled:
    Pause as a run starts, Start as it ends (None: the focus stays). Qt hands a disabled
    button's focus down the chain: after a Start it reached the grid's filter, and the
    arrow keys turned it to "Mistakes only" (a new user's walk)."""
    focused = QApplication.focusWidget()
    leaving = ("Start", "Step") if running else ("Pause", "Stop")
    if focused is None or not any(focused is buttons.get(name) for name in leaving):
        return None
    return buttons["Pause" if running else "Start"]


def epoch_seconds(runs) -> dict[tuple, float]:
    """(model, batch size) -> the median seconds an epoch took in the runs on disk."""
    speeds = {}
    for run in runs:
        config, rows = run.info["config"], run.metrics
        seconds = [row["seconds"] for row in rows if row["seconds"] > 0]
        if seconds:
            speeds[(config.get("model"), config.get("batch_size"))] = \
                sorted(seconds)[len(seconds) // 2]
    return speeds


def _duration(seconds: float) -> str:
    return f"{max(seconds, 1):.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
