"""Light and dark: the application palette and the plots' colours, following the system
or the user's choice (View > Theme, remembered).

Widgets that paint themselves read ``QPalette`` (it changes with the theme); pyqtgraph
plots do not, so :func:`restyle` recolours their backgrounds, axes, titles and legends,
and pyqtgraph's defaults are set for the items made later.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

CHOICES = ("system", "light", "dark")


@dataclass(frozen=True)
class PlotColors:
    background: str
    foreground: str  # axes, ticks, titles, legend text


LIGHT = PlotColors("#ffffff", "#333333")
DARK = PlotColors("#1e1f22", "#d8d8d8")
_current = LIGHT


def colors() -> PlotColors:
    """The plot colours of the theme in use."""
    return _current


def is_dark() -> bool:
    return _current is DARK


def error_css() -> str:
    """A style sheet for error text that reads on this theme's window colour."""
    return "color:#ff8a80" if is_dark() else "color:#b00020"


def resolve(choice: str) -> str:
    """``"light"`` or ``"dark"`` for a choice in :data:`CHOICES`."""
    if choice in ("light", "dark"):
        return choice
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def apply(choice: str, root: QWidget | None = None) -> str:
    """Use theme ``choice`` for the application and restyle ``root``'s plots; returns
    the theme used (``"light"`` or ``"dark"``)."""
    global _current
    name = resolve(choice)
    _current = DARK if name == "dark" else LIGHT
    app = QApplication.instance()
    app.setPalette(_dark_palette() if name == "dark" else app.style().standardPalette())
    pg.setConfigOptions(background=_current.background, foreground=_current.foreground)
    if root is not None:
        restyle(root)
    return name


def restyle(root: QWidget) -> None:
    """Give every pyqtgraph view under ``root`` the current plot colours."""
    fg = _current.foreground
    for view in root.findChildren(pg.GraphicsView):
        view.setBackground(_current.background)
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setPen(fg)
                item.setTextPen(fg)
                if item.labelText:
                    item.setLabel(item.labelText, item.labelUnits,
                                  **{**item.labelStyle, "color": fg})
            elif isinstance(item, pg.LabelItem):
                item.setText(item.text, color=fg)
            elif isinstance(item, pg.LegendItem):
                item.setLabelTextColor(fg)
                if item.opts.get("brush") is not None:
                    item.setBrush(legend_brush())


def legend_brush():
    """A legend's background: the plot's colour, nearly opaque, so that a curve passing
    under a legend does not strike its text through."""
    colour = pg.mkColor(_current.background)
    colour.setAlpha(220)
    return pg.mkBrush(colour)


def _dark_palette() -> QPalette:
    """A dark Fusion palette with enough contrast for text and disabled controls."""
    p = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#2b2d30"), (roles.WindowText, "#e6e6e6"),
                         (roles.Base, "#1e1f22"), (roles.AlternateBase, "#2b2d30"),
                         (roles.ToolTipBase, "#3c3f41"), (roles.ToolTipText, "#e6e6e6"),
                         (roles.Text, "#e6e6e6"), (roles.Button, "#3c3f41"),
                         (roles.ButtonText, "#e6e6e6"), (roles.BrightText, "#ff6b6b"),
                         (roles.Link, "#6cb6ff"), (roles.Highlight, "#2f65ca"),
                         (roles.HighlightedText, "#ffffff"), (roles.PlaceholderText, "#9a9a9a"),
                         (roles.Mid, "#4a4d50"), (roles.Dark, "#1a1b1d"),
                         (roles.Light, "#505357")):
        p.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(disabled, role, QColor("#8a8a8a"))
    return p
