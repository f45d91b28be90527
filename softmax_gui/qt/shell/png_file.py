"""Saving a picture the window made (a screenshot, the plots) as a PNG file."""

from __future__ import annotations

import os

from PySide6.QtCore import QBuffer, QByteArray, QIODevice

from softmax_gui.safe_files import save_file


def save_png(image, path: str | os.PathLike) -> None:
    """Write ``image`` (a ``QImage`` or ``QPixmap``) to ``path`` as PNG, atomically: a
    full disk leaves the old file as it was and says so in words (``WriteError``). The
    image is encoded in memory first: Qt's own file writing says only that it failed,
    never why."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")

    def write(temporary: str) -> None:
        with open(temporary, "wb") as f:
            f.write(data.data())

    save_file(path, write)
