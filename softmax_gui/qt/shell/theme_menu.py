"""View > Theme: system, light or dark, applied at once and remembered."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from softmax_gui.qt.shell import theme
from softmax_gui.qt.shell.actions import make_action

KEY = "view/theme"


def remembered(settings: QSettings) -> str:
    """The theme chosen last time (anything else there: the system's)."""
    choice = str(settings.value(KEY, "system"))
    return choice if choice in theme.CHOICES else "system"


class ThemeMenu(QMenu):
    """One checkable action per theme; choosing one restyles ``window``."""

    def __init__(self, window: QWidget, settings: QSettings, choice: str):
        super().__init__("&Theme", window)
        self.window_, self.settings, self.choice = window, settings, choice
        group = QActionGroup(self)
        self.choices = {}
        for name in theme.CHOICES:
            action = make_action(self, name.capitalize(), lambda c=name: self.choose(c),
                                 None, "Follow the system's light or dark setting"
                                 if name == "system" else f"Always {name}")
            action.setCheckable(True)
            action.setChecked(name == choice)
            group.addAction(action)
            self.addAction(action)
            self.choices[name] = action

    def choose(self, choice: str) -> None:
        """Use theme ``choice`` (system, light or dark) from now on, and remember it."""
        self.choice = choice
        self.choices[choice].setChecked(True)
        self.settings.setValue(KEY, choice)
        theme.apply(choice, self.window_)
