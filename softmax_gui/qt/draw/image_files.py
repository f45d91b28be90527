"""Image files onto the canvas: chosen in a dialog, dropped or typed, decoded and scaled
to the canvas in a task (light backgrounds inverted: softmax_gui/preprocess.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from softmax_gui.preprocess import fit_square, load_image_file
from softmax_gui.qt.draw.canvas import SIDE as CANVAS_SIDE
from softmax_gui.qt.shell import file_dialogs


class ImageFiles(QObject):
    """Opens image files for ``parent`` (a widget); ``opened`` or ``failed`` says how."""

    opened = Signal(object, str)  # the image, canvas-sized; the file's name
    failed = Signal(str)  # why it could not be read, in one line

    def __init__(self, tasks, settings, parent):
        super().__init__(parent)
        self.tasks, self.settings = tasks, settings

    def choose(self) -> None:
        file_dialogs.ask(self.parent(), self.settings, "image", "Open an image",
                         lambda path, _: self.load(path),
                         ["Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp)"])

    def load(self, path: str) -> None:
        self.tasks.run("Opening the image…",
                       lambda _task: fit_square(load_image_file(path), CANVAS_SIDE),
                       lambda image: self.opened.emit(image, Path(path).name),
                       lambda error: self.failed.emit(str(error)))
