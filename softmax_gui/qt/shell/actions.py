"""Menu and shortcut actions, made one way."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


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


class ShortcutsWinInFields(QObject):
    """In the text fields under ``root``, ``actions``' shortcuts win over the field's own
    keys: a field takes Ctrl+E as "end of line" before the window's shortcut sees it, so
    Step one epoch did nothing from the Epochs field."""

    def __init__(self, root: QWidget, actions: list[QAction]):
        super().__init__(root)
        self.actions = actions
        for field in [root, *root.findChildren(QWidget)]:
            field.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ShortcutOverride:
            chord = QKeySequence(event.keyCombination())
            if any(a.shortcut() == chord and a.isEnabled() for a in self.actions):
                return True  # not accepted by the field: the action's shortcut fires
        return False
