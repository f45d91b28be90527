"""Sweeps on disk for the Sweep page: each finished sweep kept as one record beside the
runs folder (``softmax_gui/sweep_record.py``), and a kept sweep opened again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from softmax_gui.qt.shell.file_dialogs import ask
from softmax_gui.safe_files import reason


class SweepFiles(QObject):
    """Keeps and opens sweeps in the background; says how it went through callbacks."""

    def __init__(self, session, parent):
        super().__init__(parent)
        self.session = session
        # Beside the runs folder: ~/.local/share/softmax-studio/sweeps.
        self.folder = Path(session.archive.store.root).parent / "sweeps"

    def keep(self, results: list, varied: list[str], seconds: float, said) -> None:
        """Save the sweep in :attr:`folder`; ``said(words)`` with its name, or why it
        could not be kept."""
        from softmax_gui.sweep_record import fresh_folder, save_record

        folder = fresh_folder(self.folder)

        def failed(error: BaseException) -> None:
            said(f"It could not be kept on disk: {reason(error)}.")

        self.session.tasks.run("Keeping the sweep…",
                               lambda _task: save_record(folder, results, varied, seconds),
                               lambda _: said(f"Kept as {folder.name}."), failed)

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
