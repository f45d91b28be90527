"""The sweeps kept beside the runs folder, as the window uses them (``session.archive.
sweeps``): keeping a finished sweep, listing the kept ones for the Runs tab (a group
each, opened out into its runs), and one of their runs made active, drawn on the plots,
or a whole sweep deleted. The records are ``softmax_gui/sweep_record.py``'s."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from softmax_gui import sweep_record
from softmax_gui.safe_files import reason


@dataclass(eq=False)
class KeptSweep:
    """A sweep on disk: its runs (curves, no weights: each run's are read when used)."""

    folder: Path
    results: list
    varied: list[str]
    seconds: float

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def created(self) -> str:
        return created_of(self.folder)

    @property
    def title(self) -> str:
        """``sweep 06:27:15``: how the window names it (the Runs tab's date column has
        the day); its folder's name is ``sweep-20261205-062715``."""
        return title_of(self.created)

    def label(self, index: int) -> str:
        return f"{self.title}: {sweep_record.label(self.results[index], self.varied)}"


def created_of(folder: Path) -> str:
    """``2026-12-05T05:47:01``: from a sweep folder's name, else its record's time."""
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.strptime(
            folder.name.removeprefix("sweep-")[:15], "%Y%m%d-%H%M%S"))
    except ValueError:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(
            (folder / sweep_record.RECORD).stat().st_mtime))


def title_of(created: str) -> str:
    return f"sweep {created[11:19]}"


class KeptSweeps(QObject):
    """Sweeps in ``<runs folder>/../sweeps``; ``changed`` when one is kept or deleted."""

    changed = Signal()

    def __init__(self, session, runs_root: Path, parent=None):
        super().__init__(parent)
        self.session = session
        # Beside the runs folder: ~/.local/share/softmax-studio/sweeps.
        self.folder = Path(runs_root).parent / "sweeps"
        self.damaged: list[Path] = []
        self._listed: dict[Path, tuple[float, KeptSweep]] = {}  # by the record's mtime

    def list(self) -> list[KeptSweep]:
        """Every kept sweep, oldest first (a record read again only once it changed);
        :attr:`damaged` names the folders whose record could not be read."""
        kept = []
        self.damaged = []
        try:
            folders = sorted(p for p in self.folder.iterdir()
                             if (p / sweep_record.RECORD).is_file())
        except OSError:
            folders = []  # none kept yet
        for folder in folders:
            try:
                mtime = (folder / sweep_record.RECORD).stat().st_mtime
                if self._listed.get(folder, (None,))[0] != mtime:
                    self._listed[folder] = (mtime, KeptSweep(
                        folder, *sweep_record.load_record(folder, weights=False)))
                kept.append(self._listed[folder][1])
            except (OSError, sweep_record.SweepRecordError):
                self.damaged.append(folder)
        return kept

    def keep(self, results: list, varied: list[str], seconds: float, said) -> None:
        """Save a finished sweep in :attr:`folder`; ``said(words)`` with its name, or why
        it could not be kept."""
        folder = sweep_record.fresh_folder(self.folder)

        def done(_) -> None:
            said(f"Kept in the Runs tab as {title_of(created_of(folder))}.")
            self.changed.emit()

        def failed(error: BaseException) -> None:
            said(f"It could not be kept on disk: {reason(error)}.")

        self.session.tasks.run("Keeping the sweep…", lambda _task: sweep_record.save_record(
            folder, results, varied, seconds), done, failed)

    def delete(self, sweeps: list[KeptSweep]) -> None:
        for sweep in sweeps:
            try:
                shutil.rmtree(sweep.folder)
            except OSError as error:
                self.session.report(f"Could not delete {sweep.title} ({sweep.folder}): "
                                    f"{reason(error)}")
        self.changed.emit()

    def make_active(self, sweep: KeptSweep, index: int) -> None:
        """Make run ``index``'s final weights active (read from disk in the background)."""
        self.activate(sweep.results[index], f"sweep run {sweep.label(index)}",
                      lambda: sweep_record.run_state(sweep.folder, index))

    def activate(self, result, name: str, read_state=None) -> None:
        """Make a sweep's run active: its final weights (``read_state()`` reads them in
        the background when the result holds none), prepared off the GUI thread."""
        from dataclasses import replace

        from softmax_gui.active_weights import prepare

        session, state = self.session, self.session.state
        classes, test_images = state.dataset.classes, state.test_images

        def work(_task):
            if result.config.dataset != state.dataset.name:
                raise ValueError(f"it was trained on {result.config.dataset}; load that "
                                 "dataset first")
            trained = result if read_state is None else replace(result, state=read_state())
            return prepare(sweep_record.snapshot(trained, classes), name,
                           result.config.to_dict(), None, test_images)

        def done(weights) -> None:
            session.activate(weights)
            session.message.emit(f"Active: {name}")

        def failed(error: BaseException) -> None:
            session.report(f"Could not use {name}: {error}")

        session.tasks.run(f"Preparing {name}…", work, done, failed)

    def overlay(self, sweep: KeptSweep, index: int) -> None:
        """Draw run ``index``'s curves on the plots beside the window's runs (once)."""
        state, key = self.session.state, f"{sweep.name}/{index}"
        if any(h.saved_id == key for h in state.runs):
            self.session.message.emit(f"{sweep.label(index)} is already on the plots.")
            return
        # A number no run takes (as a saved run without one gets): below every other.
        number = min([0, *(h.number for h in state.runs)]) - 1
        history = sweep_record.history(sweep.results[index], number, sweep.varied)
        history.label, history.saved_id = sweep.label(index), key
        state.runs = (*state.runs, history)
