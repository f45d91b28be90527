"""Open sweep… on the Sweep page: a kept sweep (``qt/runs/kept_sweeps.py`` keeps each
finished one) chosen in a file dialog and read in the background."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from softmax_gui.qt.shell.file_dialogs import ask
from softmax_gui.safe_files import reason


class SweepFiles(QObject):
    """Opens kept sweeps in the background; says how it went through callbacks."""

    def __init__(self, session, parent):
        super().__init__(parent)
        self.session = session
        self.folder = session.archive.sweeps.folder

    def choose_and_open(self, opened, said) -> None:
        """Ask for a kept sweep's ``sweep.json``; ``opened(results, varied, seconds,
        folder)`` once read, ``said(words)`` if it cannot be."""
        from softmax_gui.sweep_record import load_record

        def chosen(path: str, _filter: str) -> None:
            folder = Path(path).parent

            def failed(error: BaseException) -> None:
                said(str(error) if isinstance(error, ValueError) else
                     f"Could not open {folder}: {reason(error)}")

            self.session.tasks.run("Opening the sweep…", lambda _task: load_record(folder),
                                   lambda loaded: opened(*loaded, folder), failed)

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # the dialog starts at home instead
        if self.session.settings.value("folders/sweep") is None:
            self.session.settings.setValue("folders/sweep", str(self.folder))
        ask(self.parent(), self.session.settings, "sweep", "Open a kept sweep", chosen,
            ["Sweep records (sweep.json)"])
