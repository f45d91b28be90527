"""File dialogs that never block the window and remember the last folder of each use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit, QWidget


def ask(parent: QWidget, settings: QSettings, purpose: str, title: str,
        chosen: Callable[[str, str], None], filters: list[str] | None = None,
        save_as: str = "", folder: bool = False) -> QFileDialog:
    """Open a window-modal file dialog and return at once.

    ``chosen(path, name_filter)`` is called if the user picks something. ``purpose``
    names the setting that remembers the folder (``"weights"``, ``"image"``, ...);
    ``save_as`` makes it a save dialog proposing that name; ``folder`` picks a folder.
    """
    key = f"folders/{purpose}"
    remembered = settings.value(key)
    # A remembered folder that is gone, or anything but a path there (a list made Open
    # weights do nothing), starts the dialog at home instead.
    start = remembered if isinstance(remembered, str) and Path(remembered).is_dir() \
        else str(Path.home())
    dialog = QFileDialog(parent, title, start)
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
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    if edit is not None:  # Qt's own dialog (not a platform's native one)
        _TypedPath(dialog, edit, folder, bool(save_as))
    dialog.open()
    return dialog


class _TypedPath(QObject):
    """Return on a whole typed path that names what the dialog asks for takes that path.

    Without it, typing ``/tmp/a/p/weights.safetensors`` and pressing Return could leave
    the dialog open with the name cleared: the completer's list, still showing the
    one-letter folder ``p`` matched on the way, took the Return and went into that folder
    (tests/e2e/person.py met it whenever the checkout sat in a folder named ``p``).
    """

    def __init__(self, dialog: QFileDialog, edit: QLineEdit, folder: bool, save: bool):
        super().__init__(dialog)
        self.dialog, self.edit, self.folder, self.save = dialog, edit, folder, save
        edit.installEventFilter(self)
        completer = edit.completer()
        if completer is not None:  # the list has the keyboard while it shows
            completer.popup().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.KeyPress or \
                event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        path = Path(self.edit.text())
        if not path.is_absolute() or not (
                path.is_dir() if self.folder else
                (path.parent.is_dir() and not path.is_dir()) if self.save else
                path.is_file()):
            return False  # a partial path: the completer and the dialog go on as usual
        completer = self.edit.completer()
        if completer is not None:
            completer.popup().hide()
        self.dialog.selectFile(str(path))
        self.dialog.accept()
        return True
