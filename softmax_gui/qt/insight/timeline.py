"""The timeline: every epoch of the latest run kept, and a slider to look back at one.

:class:`Timeline` (``session.runs.timeline``) stores each epoch's end snapshot of the
latest run, as the worker sends them (qt/training/worker.py: the throttle thins the
snapshots the window applies, never these). Looking at an epoch makes its weights the
ones the Weights, Confusion and Calibration tabs show (``state.viewed``, whose one
writer this is); the active weights, the grid, the canvas and exports stay as they are.
:class:`TimelineBar` is the slider under those tabs.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from softmax_gui import events
from softmax_gui.active_weights import ActiveWeights, prepare

# Each snapshot holds the test set's logits (400 kB for Fashion-MNIST): a long run keeps
# its latest epochs only.
MAX_EPOCHS = 200


class Timeline(QObject):
    """The latest run's epochs, and the one being looked at (module docstring)."""

    changed = Signal()  # epochs added or forgotten, or another one viewed

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.snapshots: list[events.WeightSnapshot] = []
        self.run: int | None = None  # the RunHistory number the epochs belong to
        self.config: dict = {}
        self.position: int | None = None  # index of the viewed epoch; None: the latest
        self.metrics: list[dict] = []  # a saved run's per-epoch figures (its ECE curve)
        self.note = ""  # why a loaded run has no epochs to look back at
        self._before = None  # the previous run's epochs, until a new run has its own
        state.events.dataset.connect(self.forget)

    def begin(self, run: int, config: dict) -> None:
        """A run starts or continues: a new run's epochs replace the last one's (kept
        aside until it has one of its own: :meth:`abandon`)."""
        if run != self.run:
            self._before = (self.snapshots, self.run, self.config, self.metrics, self.note)
            self.snapshots, self.run, self.metrics, self.note = [], run, [], ""
            self._set_viewed(None, None)
        self.config = config
        self.changed.emit()

    def abandon(self, run: int) -> None:
        """Run ``run`` ended without finishing an epoch (it exploded, or was stopped at
        once): the epochs of the run before it come back (it read "no run yet")."""
        if run == self.run and not self.snapshots and self._before is not None:
            self.snapshots, self.run, self.config, self.metrics, self.note = self._before
            self._before = None
            self._set_viewed(None, None)
            self.changed.emit()

    def show_saved(self, run: int, config: dict, snapshots: list[events.WeightSnapshot],
                   metrics: list[dict], note: str = "") -> None:
        """A saved run's weights were loaded: its epochs (read from its folder) are the
        ones to look back at; ``note`` says why there are none, if so."""
        self.snapshots, self.run, self.config = list(snapshots), run, config
        self.metrics, self.note = list(metrics), note
        self._set_viewed(None, None)
        self.changed.emit()

    def add(self, snapshot: events.WeightSnapshot) -> None:
        self.snapshots = [s for s in self.snapshots if s.epoch < snapshot.epoch]
        self.snapshots.append(snapshot)
        if len(self.snapshots) > MAX_EPOCHS:
            del self.snapshots[0]
            if self.position is not None:
                self.position = max(self.position - 1, 0)
        self.changed.emit()

    def forget(self) -> None:
        self.snapshots, self.run, self.metrics, self.note = [], None, [], ""
        self._set_viewed(None, None)
        self.changed.emit()

    def _set_viewed(self, position: int | None, viewed: ActiveWeights | None) -> None:
        self.position = position
        self.state.viewed = viewed

    @property
    def follows_run(self) -> bool:
        """Whether the active weights are this run's (its latest epoch is then "now")."""
        active = self.state.weights
        return active is not None and active.run == self.run

    @property
    def stops(self) -> int:
        """Positions on the slider: each epoch, and "now" after them when the active
        weights are another run's or a file (Revert, Open)."""
        return len(self.snapshots) + (0 if self.follows_run else 1)

    def view(self, position: int) -> None:
        """Show epoch ``snapshots[position]`` in the insight tabs; the last position
        ("now") shows the active weights again."""
        if not self.snapshots:
            return
        position = min(max(position, 0), self.stops - 1)
        if position == self.stops - 1:
            self._set_viewed(None, None)
        elif position != self.position:
            snapshot = self.snapshots[position]
            self._set_viewed(position, prepare(
                snapshot, f"run #{self.run}, epoch {snapshot.epoch:g} (timeline)",
                self.config, self.run, self.state.test_images))
        self.changed.emit()

    @property
    def shown(self) -> int | None:
        """The slider position shown, if any: "now" unless an epoch is viewed."""
        if not self.snapshots:
            return None
        return self.stops - 1 if self.position is None else self.position


class TimelineBar(QWidget):
    """A slider over the latest run's epochs, under an insight tab."""

    def __init__(self, timeline: Timeline, parent=None):
        super().__init__(parent)
        self.timeline = timeline
        self.title = QLabel("Timeline")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setToolTip("Drag (or use the arrow keys) to see this view after each "
                               "epoch of the latest run; the right end follows the run")
        self.slider.setAccessibleName("Epoch of the latest run")
        self.epoch = QLabel()
        self.epoch.setMinimumWidth(self.epoch.fontMetrics().horizontalAdvance(
            "epoch 00 of 00 (run #000)") + 4)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.epoch)
        self.slider.valueChanged.connect(lambda value: self.timeline.view(value - 1))
        timeline.changed.connect(self._sync)
        timeline.state.events.weights.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        count, shown = self.timeline.stops if self.timeline.snapshots else 0, \
            self.timeline.shown
        self.slider.blockSignals(True)
        self.slider.setRange(1, max(count, 1))
        self.slider.setValue(1 if shown is None else shown + 1)
        self.slider.blockSignals(False)
        self.slider.setEnabled(count > 1)
        if shown is None:
            self.epoch.setText(self._why_empty())
            self.setToolTip(self.timeline.note or "Train a run, or load one in the Runs tab: "
                            "each epoch is kept here to look back at")
            return
        last = self.timeline.snapshots[-1].epoch
        if self.timeline.position is None:  # the tabs show the active weights
            self.epoch.setText(f"now (run #{self.timeline.run}: {last:g} kept)"
                               if self.timeline.follows_run else "now (active weights)")
            self.setToolTip("")
            return
        epoch = self.timeline.snapshots[shown].epoch
        self.epoch.setText(f"epoch {epoch:g} of {last:g} (run #{self.timeline.run})")
        self.setToolTip("")

    def _why_empty(self) -> str:
        """Say precisely why there are no epochs to look back at."""
        active = self.timeline.state.weights
        if self.timeline.note:
            return f"no epochs kept for run #{self.timeline.run}"
        if active is None:
            return "no run yet"
        if active.run is None:
            return f"no epochs: {active.label} is not a run"
        return f"no epochs of run #{active.run} here"
