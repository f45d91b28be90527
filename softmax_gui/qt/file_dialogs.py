"""File dialogs that never block the window and remember the last folder of each use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget


def ask(parent: QWidget, settings: QSettings, purpose: str, title: str,
        chosen: Callable[[str, str], None], filters: list[str] | None = None,
        save_as: str = "", folder: bool = False) -> QFileDialog:
    """Open a window-modal file dialog and return at once.

    ``chosen(path, name_filter)`` is called if the user picks something. ``purpose``
    names the setting that remembers the folder (``"weights"``, ``"image"``, ...);
    ``save_as`` makes it a save dialog proposing that name; ``folder`` picks a folder.
    """
    key = f"folders/{purpose}"
    dialog = QFileDialog(parent, title, settings.value(key) or str(Path.home()))
    dialog.setObjectName(f"{purpose}-dialog")
    if filters:
        dialog.setNameFilters(filters)
    if folder:
        dialog.setFileMode(QFileDialog.FileMode.Directory)
    elif save_as:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(save_as)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)

    def selected(path: str) -> None:
        settings.setValue(key, path if folder else str(Path(path).parent))
        chosen(path, dialog.selectedNameFilter())

    dialog.fileSelected.connect(selected)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
