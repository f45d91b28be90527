"""The window reopens as it was left: the active weights, the curves on the plots (ticked
or not), the drawing, and a panel that never brings back a learning rate that just
exploded.

:class:`LastSession` owns the ``last/`` keys of the settings: it writes them when the
window closes and reads them once the first dataset is loaded (``session.ready``). The
temperature is deliberately not among them (qt/state/session.py says why). Every value read
back is checked; one that no longer fits (a deleted run, a moved file) is named once in
the status bar and the window goes on with what it has.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, QSettings

from softmax_gui.config import TrainConfig

WEIGHTS_KEY, CURVES_KEY, NOTE_KEY = "last/weights", "last/curves", "last/note"
MAX_CURVES = 30  # the plots show at most this many runs (qt/training/runs.py)


class LastSession(QObject):
    """Remembers and restores what the window showed (see the module docstring)."""

    def __init__(self, settings: QSettings, session, weights_actions, panel, draw_panel,
                 parent=None):
        super().__init__(parent)
        self.settings, self.session = settings, session
        self.weights_actions, self.panel, self.draw_panel = weights_actions, panel, draw_panel
        # Beside the settings file: the tests' windows keep theirs in their own folder.
        self.drawing_path = Path(settings.fileName()).parent / "last-drawing.png"
        self._reopened = False
        session.ready.connect(self.reopen)

    # --- closing --------------------------------------------------------------------------

    def remember(self) -> None:
        """Write what the window shows now (called as it closes)."""
        runs, weights = self.session.state.runs, self.session.state.weights
        origin = ""
        if weights is not None and weights.run is not None and weights.run > 0:
            origin = f"run:{weights.run}"
        elif weights is not None and weights.path:
            origin = f"file:{weights.path}"
        self.settings.setValue(WEIGHTS_KEY, origin)
        curves = []
        for history in runs[-MAX_CURVES:]:
            key = {"id": history.saved_id} if history.saved else {"run": history.number}
            curves.append({**key, "shown": history.shown})
        self.settings.setValue(CURVES_KEY, json.dumps(curves))
        self._remember_panel()
        self._remember_drawing()

    def _remember_drawing(self) -> None:
        """The canvas as a PNG (nothing when it is blank); a failed write loses only it."""
        from PIL import Image

        from softmax_gui.preprocess import is_blank
        from softmax_gui.safe_files import WriteError, save_file

        drawing = self.draw_panel.canvas.image()
        try:
            if is_blank(drawing):
                self.drawing_path.unlink(missing_ok=True)
                return
            save_file(self.drawing_path, lambda temporary: Image.fromarray(drawing, "L").save(
                temporary, format="PNG"))
        except (OSError, WriteError):
            pass  # closing: nobody to tell, and nothing else depends on it

    def _remember_panel(self) -> None:
        """The panel's values, but never a learning rate that just made a run explode:
        the last one that trained that model without exploding (or the default)."""
        try:
            config = self.panel.config()
        except ValueError:
            return
        runs = self.session.runs
        overrides = {}
        if (config.model, config.lr) in runs.exploded:
            safe = runs.trained_lr.get(config.model, TrainConfig().lr)
            overrides["lr"] = safe
            self.settings.setValue(NOTE_KEY, (
                f"The learning rate {config.lr:g} made a run's loss explode, so the panel "
                f"is back at {safe:g}, the last rate that trained {config.model} without "
                "exploding."))
        self.panel.save_settings(self.settings, overrides)

    # --- opening --------------------------------------------------------------------------

    def reopen(self) -> None:
        """Bring back what :meth:`remember` wrote (once, when the window is ready)."""
        if self._reopened or self.session.state.dataset is None:
            return
        self._reopened = True
        notes = [_text(self.settings.value(NOTE_KEY))]
        self.settings.remove(NOTE_KEY)
        saved = {run.number: run for run in self.session.archive.store.list() if run.number}
        by_id = {run.id: run for run in saved.values()}
        for entry in _curves(self.settings.value(CURVES_KEY)):
            run = by_id.get(entry.get("id")) or saved.get(entry.get("run"))
            if run is not None:
                self.session.archive.overlay(run, shown=entry["shown"], quiet=True)
        def say() -> None:  # last: after the weights' own "Loaded ..." message
            said = " ".join(n for n in notes if n)
            if said:
                self.session.message.emit(said)

        self._reopen_drawing()
        origin = _text(self.settings.value(WEIGHTS_KEY))
        kind, _, value = origin.partition(":")
        if kind == "run":
            run = saved.get(int(value)) if value.isdigit() else None
            if run is not None and run.has_weights:
                self.session.archive.load(run, then=say)
                return
            notes.append(f"Run #{value}, active when the app was closed, is no longer in "
                         "the runs folder: the bundled default weights are active.")
        elif kind == "file":
            if Path(value).is_file():
                self.weights_actions.open(value, then=say)
                return
            notes.append(f"{value}, active when the app was closed, is no longer there: "
                         "the bundled default weights are active.")
        say()


    def _reopen_drawing(self) -> None:
        """Put the drawing of last time back on the canvas, if it is one this window
        wrote (a 280x280 greyscale PNG, a regular file): anything else is left alone."""
        import stat

        import numpy as np
        from PIL import Image

        path = self.drawing_path
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_DRAWING_BYTES:
                return
            with Image.open(path, formats=["PNG"]) as image:
                if image.size != (280, 280) or image.mode != "L":
                    return
                drawing = np.asarray(image).copy()
        except (OSError, ValueError, SyntaxError):
            return
        self.draw_panel.canvas.set_image(drawing)


MAX_DRAWING_BYTES = 1 << 20


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _curves(raw) -> list[dict]:
    """The remembered curves, each ``{"run": n}`` or ``{"id": folder}`` and ``shown``;
    anything else in the settings file is dropped."""
    try:
        entries = json.loads(raw) if isinstance(raw, str) else []
    except ValueError:
        return []
    if not isinstance(entries, list):
        return []
    out = []
    for entry in entries[:MAX_CURVES]:
        if not isinstance(entry, dict) or not isinstance(entry.get("shown", True), bool):
            continue
        run, folder = entry.get("run"), entry.get("id")
        if (isinstance(run, int) and not isinstance(run, bool) and run > 0) or \
                isinstance(folder, str):
            out.append({"run": run, "id": folder, "shown": entry.get("shown", True)})
    return out
