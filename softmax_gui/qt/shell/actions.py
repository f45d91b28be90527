"""Menu and shortcut actions, made one way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence


def make_action(parent, text: str, slot, shortcut, tip: str) -> QAction:
    """A QAction with a window-wide shortcut, a tooltip and a status tip, calling
    ``slot()`` with no arguments (``triggered(bool)`` must not reach a first parameter:
    that is how the Start button once started nothing)."""
    action = QAction(text, parent)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(lambda: slot())
    return action
