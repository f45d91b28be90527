"""The Playground's state: one :class:`~softmax_gui.plane_run.PlaneRun` (the points, the
model, its history), the class a click adds, and Run/Pause, with the signals its views
bind to. It is the only writer of all of it (docs/ARCHITECTURE.md, rule 8).

Run trains on the GUI thread, a few updates a frame: an update of this model on 1,000
points takes ~0.1 ms and the regions' redraw a few (bench/playground.py measures the
longest stall), far under the 100 ms of rule 9, and no thread is worth its hand-offs.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from softmax_gui.plane_model import PlaneSettings
from softmax_gui.plane_points import Points, make_points
from softmax_gui.plane_run import PlaneRun

FRAME_MS = 16
UNDO_DEPTH = 100
SPEEDS = (1, 5, 20, 100)  # updates a frame


class PlaygroundState(QObject):
    """What the Playground shows and every change to it."""

    points_changed = Signal()  # the points moved, came or went
    points_replaced = Signal()  # all new: a preset's or a file's (the plane frames them)
    model_changed = Signal()  # the weights, settings or history changed
    running_changed = Signal(bool)
    class_chosen = Signal(int)  # the class a click on the plane adds
    message = Signal(str)  # one line for the tab's status

    def __init__(self, parent=None):
        super().__init__(parent)
        self.run = PlaneRun(make_points("numpy-text"))
        self.chosen_class = 0
        self.speed = SPEEDS[1]
        self.source = "numpy-text"  # the preset the points came from, or a file's name
        self._undo: list[Points] = []
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._frame)

    @property
    def points(self) -> Points:
        return self.run.points

    @property
    def model(self):
        return self.run.model

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    # --- the points ---------------------------------------------------------------------

    def set_points(self, points: Points, source: str | None = None) -> None:
        """New points; ``source`` (a preset or a file's name) when they all are new, and
        then what came before can no longer be undone."""
        if source is not None:
            self.source = source
            self._undo.clear()
        self.run.set_points(points)
        if source is not None:
            self.points_replaced.emit()
        self.chosen_class = min(self.chosen_class, points.classes - 1)
        self.points_changed.emit()
        self.model_changed.emit()
        self.class_chosen.emit(self.chosen_class)

    def new_points(self, preset: str, n: int, classes: int, noise: float,
                   test_fraction: float, seed: int) -> None:
        """Points of a preset, and the model from its start (their scale changed)."""
        self.pause()
        self.run = PlaneRun(make_points(preset, n, classes, noise, test_fraction, seed),
                            self.run.settings)
        self.set_points(self.run.points, source=preset)

    def remember(self) -> None:
        """Keep the points as they are, for Undo (before an edit; a drag's start)."""
        self._undo = [*self._undo[-UNDO_DEPTH + 1:], self.points]

    def undo(self) -> None:
        """The points as they were before the last edit (Ctrl+Z)."""
        if not self._undo:
            self.message.emit("Nothing to undo: only added, moved and deleted points are")
            return
        self.set_points(self._undo.pop())

    def add_point(self, x: float, y: float) -> None:
        self.remember()
        self.set_points(self.points.add(x, y, self.chosen_class))

    def move_point(self, index: int, x: float, y: float) -> None:
        """Move a point (a drag calls :meth:`remember` once, as it starts)."""
        self.set_points(self.points.moved(index, x, y))

    def delete_point(self, index: int) -> None:
        if len(self.points) <= 1:
            self.message.emit("The last point stays: a plane needs a point to learn from")
            return
        self.remember()
        self.set_points(self.points.without(index))
        self.message.emit("Deleted a point (Ctrl+Z brings it back)")

    def choose_class(self, k: int) -> None:
        if not 0 <= k < self.points.classes:
            self.message.emit(f"There are {self.points.classes} classes: keys 1 to "
                              f"{self.points.classes} choose the one a click adds")
        elif k != self.chosen_class:
            self.chosen_class = k
            self.class_chosen.emit(k)

    # --- the model ----------------------------------------------------------------------

    def set_settings(self, settings: PlaneSettings) -> None:
        if settings != self.run.settings:
            self.run.set_settings(settings)
            self.model_changed.emit()

    def set_class_row(self, k: int, w, b: float) -> None:
        """A weight or bias handle dragged: class ``k``'s row of W and its bias."""
        self.model.set_class_row(k, w, b)
        self.run.weights_edited()
        self.model_changed.emit()

    def step(self, count: int = 1) -> None:
        if self.run.diverged:
            self._diverged()
            return
        self.run.step(count)
        self.model_changed.emit()
        if self.run.diverged:
            self._diverged()

    def reset(self) -> None:
        """The same initialisation again (the seed's), step 0."""
        self.pause()
        self.run.reset()
        self.model_changed.emit()

    # --- Run / Pause --------------------------------------------------------------------

    def toggle_running(self) -> None:
        self.pause() if self.running else self.start()

    def start(self) -> None:
        if not self.running and not self.run.diverged:
            self._timer.start()
            self.running_changed.emit(True)

    def pause(self) -> None:
        if self.running:
            self._timer.stop()
            self.running_changed.emit(False)

    def set_speed(self, updates_a_frame: int) -> None:
        self.speed = updates_a_frame

    def _frame(self) -> None:
        self.step(self.speed)

    def _diverged(self) -> None:
        self.pause()
        self.message.emit(f"Diverged at step {self.model.steps}: the weights are no longer "
                          "finite. Lower the learning rate and press Reset")
