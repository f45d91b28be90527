"""At most one inference a frame, whatever the input rate (docs/ARCHITECTURE.md, rule 4).

Every edit asks for one; edits that arrive before it runs are folded into it, and the
edits that trigger one are at least a frame apart, so drawing never queues work. The
spacing is measured between triggering *events*, not between finished inferences: input
that arrives once a frame is then never held back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

FRAME_S = 1 / 60


class OnceAFrame(QObject):
    """Calls ``work(when)`` for the edits asked for, ``when`` the first one's time."""

    def __init__(self, work: Callable[[float], None], parent=None):
        super().__init__(parent)
        self._work = work
        self._pending: float | None = None
        self._last_trigger = -1.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)

    def request(self, when: float) -> None:
        """An edit at ``when`` (``time.perf_counter()``): fold it into the next run."""
        if self._pending is not None:
            return
        self._pending = when
        wait = self._last_trigger + FRAME_S - when
        if wait <= 0:
            # A frame has passed: answer now, rather than queue behind whatever (plot
            # updates from the trainer) is already waiting in the event loop.
            self._run()
        else:
            self._timer.start(round(wait * 1000))

    def _run(self) -> None:
        when, self._pending = self._pending, None
        self._last_trigger = when
        self._work(when)
