"""How a hidden view catches up: it redraws when it shows, not while nobody sees it.

Updating every insight view costs ~60 ms a snapshot (bench/insight_update.py), time the
GUI thread would take from the trainer, and the Explain dock behind the Draw tab would
compute integrated gradients for nobody on every stroke. So a view asks for its redraw
through :class:`WhenShown`: at once if it shows, else when it next does.

A widget shows when its tab is chosen (Qt sends it a Show event) or when its dock is
raised from behind another dock's tab: such a dock never hides (``isVisible()`` stays
true, only its visible region is empty), so its ``visibilityChanged`` is listened to.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDockWidget, QWidget


def shows(widget: QWidget) -> bool:
    """Whether any of ``widget`` is on screen now."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class WhenShown(QObject):
    """Calls ``redraw`` for ``widget`` when asked if it shows, else once it shows."""

    def __init__(self, widget: QWidget, redraw: Callable[[], None]):
        super().__init__(widget)
        self._widget = widget
        self._redraw = redraw
        self.stale = False
        self._dock: QDockWidget | None = None
        widget.installEventFilter(self)

    def request(self) -> None:
        """The view's content changed: redraw it now, or when it next shows."""
        self._find_dock()
        if shows(self._widget):
            self.stale = False
            self._redraw()
        else:
            self.stale = True

    def _caught_up(self, shown: bool = True) -> None:
        if shown and self.stale:
            self.stale = False
            self._redraw()

    def _find_dock(self) -> None:
        """The dock around the widget, once it is in one (it is put there after it is
        made)."""
        if self._dock is not None:
            return
        parent = self._widget.parentWidget()
        while parent is not None and not isinstance(parent, QDockWidget):
            parent = parent.parentWidget()
        if parent is not None:
            self._dock = parent
            parent.visibilityChanged.connect(self._caught_up)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show:
            self._find_dock()
            self._caught_up()
        return False


def follow_shown_weights(widget: QWidget, state, show: Callable[[object], None]) -> None:
    """Call ``show(weights)`` with the weights the insight tabs show (the timeline's
    epoch or the active ones: ``state.shown_weights``) whenever they change, as soon as
    ``widget`` shows."""
    def redraw() -> None:
        if state.shown_weights is not None:
            show(state.shown_weights)

    when_shown = WhenShown(widget, redraw)
    state.events.weights.connect(when_shown.request)
    state.events.viewed.connect(when_shown.request)
