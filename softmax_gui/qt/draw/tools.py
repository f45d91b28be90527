"""The Draw dock's tools: brush, eraser, fill, undo, redo, clear, invert, open, the
brush's size and softness, and the Evidence switch, in three rows over the canvas.

Two rows of buttons and one of sliders: narrow enough for a 1024-pixel screen, where the
dock shares the width with two others. The shortcuts (B, E, F, Ctrl+Z, ...) work while
the keyboard is anywhere in ``scope`` (the dock, the canvas included).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class DrawTools(QWidget):
    """Buttons and sliders acting on ``canvas``; Open calls ``open_file``."""

    def __init__(self, canvas, open_file, scope: QWidget, parent=None):
        super().__init__(parent)
        self.scope = scope
        self.tool_group = QButtonGroup(self)
        self.tool_buttons: dict[str, QToolButton] = {}
        for name, tip, key in (("brush", "Draw bright ink", "B"),
                               ("eraser", "Erase back to black", "E"),
                               ("fill", "Fill the enclosed region you click: draw an "
                                "outline, then fill it (Fashion-MNIST items are filled "
                                "silhouettes)", "F")):
            button = self._button(name.capitalize(), tip, shortcut=key)
            button.setCheckable(True)
            button.toggled.connect(lambda on, n=name: on and setattr(canvas, "tool", n))
            self.tool_group.addButton(button)
            self.tool_buttons[name] = button
        self.tool_buttons["brush"].setChecked(True)
        self.size_slider = _slider(2, 60, 18, "Brush size in canvas pixels (the canvas is 10x "
                                   "the model's 28x28)",
                                   lambda v: setattr(canvas, "brush_size", v))
        self.soft_slider = _slider(0, 100, 30, "Brush softness: hard edge (0) to soft (100)",
                                   lambda v: setattr(canvas, "softness", v / 100))
        self.undo_button = self._button("Undo", "Undo the last stroke", canvas.undo, "Ctrl+Z")
        self.redo_button = self._button("Redo", "Redo", canvas.redo, "Ctrl+Shift+Z")
        self.clear_button = self._button("Clear", "Clear the canvas", canvas.clear, "Delete")
        self.invert_button = self._button(
            "Invert", "Swap dark and bright: for images with dark ink on a light background "
            "(loading detects those and inverts them for you)",
            lambda: canvas.set_image(255 - canvas.image()))
        self.open_button = self._button("Open…", "Load an image file (PNG, JPEG, ...) "
                                        "onto the canvas; you can also drop one on it",
                                        open_file)
        self.evidence_box = QCheckBox("Evidence")
        self.evidence_box.setToolTip(
            "Colour the model input by each pixel's evidence for the predicted class (or "
            "the class you click in the bars): red for, blue against. Exact for softmax "
            "regression; integrated gradients (an approximation) for the MLP and CNN")
        self._lay_out()

    def _button(self, text, tip, slot=None, shortcut=None) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setObjectName(f"draw-{text.rstrip('…').lower()}")
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # keeps the shortcuts in reach
        button.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        if slot:
            button.clicked.connect(slot)
        if shortcut:
            QShortcut(QKeySequence(shortcut), self.scope, activated=button.click,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        return button

    def _lay_out(self) -> None:
        tools = QHBoxLayout()
        for button in (*self.tool_buttons.values(), self.undo_button, self.redo_button):
            tools.addWidget(button)
        tools.addStretch(1)
        edits = QHBoxLayout()
        for button in (self.clear_button, self.invert_button, self.open_button):
            edits.addWidget(button)
        edits.addStretch(1)
        edits.addWidget(self.evidence_box)
        brush = QHBoxLayout()
        for name, slider in (("Size", self.size_slider), ("Soft", self.soft_slider)):
            label = QLabel(name)
            label.setBuddy(slider)  # a screen reader names the slider by it
            brush.addWidget(label)
            brush.addWidget(slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for row in (tools, edits, brush):
            layout.addLayout(row)


def _slider(low, high, value, tip, slot) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(low, high)
    slider.setValue(value)
    slider.setToolTip(tip)
    slider.setMinimumWidth(60)
    slider.valueChanged.connect(slot)
    return slider
