"""Finished runs kept on disk: config, per-epoch metrics, batch losses, final weights.

Each run is a folder ``<data dir>/runs/<id>/`` with ``run.json``, ``curves.npz`` and
``weights.safetensors``, written to a temporary folder first and renamed into place, so
a crash never leaves a half-written run behind (a folder a killed save left is removed
later). A ``run.json`` is checked by type when listed: a damaged record is skipped and
counted, it never stops the app.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import shutil
import stat
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from softmax_gui.events import WeightSnapshot
from softmax_gui.paths import user_dir
from softmax_gui.run_history import EPOCH_KEYS, REQUIRED_EPOCH_KEYS, RunHistory
from softmax_gui.safe_files import LEFTOVER_AGE_S, reason


class RunError(OSError):
    """A saved run cannot be read, written or deleted; the message says which and why."""


@dataclass(frozen=True)
class SavedRun:
    """A run on disk; ``info`` is the parsed ``run.json``."""

    path: Path
    info: dict

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def number(self) -> int | None:
        """The run's lasting number (runs saved before numbers were kept have none)."""
        number = self.info.get("number")
        return number if isinstance(number, int) and not isinstance(number, bool) else None

    @property
    def epochs_trained(self) -> float:
        """Epochs actually trained (a stopped run ends inside one)."""
        return float(self.info.get("epoch", len(self.metrics)))

    @property
    def metrics(self) -> list[dict]:
        return self.info["epochs"]

    def curves(self) -> dict[str, np.ndarray]:
        """Batch-loss curve: ``x`` (fractional epochs) and ``loss``; ``RunError`` if damaged."""
        try:
            path = self.path / "curves.npz"
            check_file(path, MAX_CURVES_BYTES)
            with zipfile.ZipFile(path) as archive:  # sizes from the zip's own directory
                if sum(i.file_size for i in archive.infolist()) > MAX_CURVES_BYTES:
                    raise ValueError("it unpacks to more than a run's curves take")
            # Our own file handle: np.load leaves its own open when the zip is damaged.
            with open(path, "rb") as raw, np.load(raw, allow_pickle=False) as f:
                curves = {k: np.asarray(f[k], np.float64) for k in ("x", "loss")}
        except Exception as exc:  # noqa: BLE001 - a zip, npy or key that is not there
            # Not numpy's words: they advise loading pickles, which this app never does.
            raise RunError(f"run {self.id}: its curves (curves.npz) are damaged or "
                           f"missing ({type(exc).__name__})") from None
        if curves["x"].shape != curves["loss"].shape or curves["x"].ndim != 1:
            raise RunError(f"run {self.id}: its curves (curves.npz) do not match")
        return curves

    @property
    def status(self) -> str:
        """``finished``, ``stopped`` or ``exploded`` (a lesson kept: its curves up to the
        explosion, its config, and the weights from before it, if any)."""
        status = self.info.get("status")
        if status in STATUSES:
            return status
        epochs = self.info["config"].get("epochs")
        return "stopped" if isinstance(epochs, int) and self.epochs_trained < epochs \
            else "finished"

    @property
    def has_weights(self) -> bool:
        return self.info.get("has_weights", True) is not False

    def weights(self) -> WeightSnapshot:
        """Its final weights; ``RunError`` for a run that kept none (it exploded in its
        first epoch)."""
        if not self.has_weights:
            raise RunError(f"run #{self.number} exploded before it finished an epoch: it "
                           "kept no weights (overlay its curves to see the explosion)")
        from softmax_gui import weights_io  # needs torch: imported on first use

        return weights_io.load_snapshot(self.path / "weights.safetensors")[0]

    def check_weights(self, model: str, measured: float, sample: bool) -> None:
        """``RunError`` unless weights of ``model`` scoring ``measured`` on the loaded
        test set (the bundled sample's if ``sample``) are the ones this record saved: a
        weights file swapped for another model's loaded under the old label and
        accuracy (83.43% shown, 67.97% true)."""
        from softmax_gui.model_registry import get_model

        recorded = self.info.get("test_acc")
        try:
            same_model = get_model(self.info["model"]).file_model == \
                get_model(model).file_model
        except ValueError:  # a record naming no model this app makes
            same_model = False
        comparable = recorded is not None and self.info.get("sample") is sample
        if not same_model or (comparable and abs(recorded - measured) > 0.005):
            was = f", {recorded:.2%} recorded" if recorded is not None else ""
            raise RunError(f"run #{self.number}'s weights file is not the one it saved "
                           f"({self.info['model']}{was}; the file holds {model} at "
                           f"{measured:.2%}): it was replaced or damaged, so it was not "
                           "loaded")

    def epoch_snapshots(self, final: WeightSnapshot) -> list[WeightSnapshot]:
        """Each epoch's weights (for the timeline), like ``final``; [] for a run saved
        before they were kept; ``WeightsError`` for a damaged file."""
        from softmax_gui import weights_io

        if not (self.path / EPOCHS_FILE).exists():
            return []
        return weights_io.load_epochs(self.path / EPOCHS_FILE, final)

    def history(self, number: int) -> RunHistory:
        """Its curves as a :class:`RunHistory` numbered ``number``, marked as saved."""
        curves = self.curves()
        return RunHistory(number, f"saved {self.info.get('label', self.id)}",
                          self.info.get("config", {}), curves["x"].tolist(),
                          curves["loss"].tolist(), list(self.metrics), saved=True,
                          saved_id=self.id, status=self.status)


class RunStore:
    """The runs folder: save, list, delete."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else user_dir("data") / "runs"
        self.damaged: list[Path] = []  # folders whose record the last list() skipped
        self.problem = ""  # why the last list() found no folder to read, if it did not

    def save(self, history: RunHistory, snapshot: WeightSnapshot | None,
             epochs: list[WeightSnapshot] = (), status: str = "finished",
             sample: bool = False) -> SavedRun:
        """Write one run atomically: its curves, its final weights (``snapshot``; None
        for a run that exploded in its first epoch) and each epoch's (``epochs``, for
        the timeline); return it."""
        self.root.mkdir(parents=True, exist_ok=True)
        now = _dt.datetime.now().astimezone()
        run_id = f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        config = history.config
        info = {
            "id": run_id, "number": history.number, "label": history.label,
            "created": now.isoformat(timespec="seconds"), "status": status,
            "config": config, "epochs": history.epochs,
            "train_seconds": history.train_seconds,
            "test_acc": snapshot.test_acc if snapshot else None,
            "epoch": snapshot.epoch if snapshot else
            (history.batch_x[-1] if history.batch_x else history.start),
            "dataset": snapshot.dataset if snapshot else str(config.get("dataset", "")),
            "model": snapshot.model if snapshot else str(config.get("model", "")),
            "has_weights": snapshot is not None,
            "sample": sample,  # trained and scored on the bundled sample
            "device": history.device,  # where it computed (NumPy: the CPU, whatever asked)
        }
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=SAVING))
        try:
            (tmp / "run.json").write_text(json.dumps(info, indent=2))
            np.savez(tmp / "curves.npz", x=np.asarray(history.batch_x, np.float32),
                     loss=np.asarray(history.batch_loss, np.float32))
            from softmax_gui import weights_io  # needs torch: imported on first use

            if snapshot is not None:
                weights_io.save(snapshot, tmp / "weights.safetensors", config)
            if epochs:
                weights_io.save_epochs(list(epochs), tmp / EPOCHS_FILE)
            os.replace(tmp, self.root / run_id)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, Exception):
                raise RunError(f"the run could not be saved in {self.root}: "
                               f"{reason(exc)}") from exc
            raise
        return SavedRun(self.root / run_id, info)

    def list(self) -> list[SavedRun]:
        """Saved runs, oldest first. Damaged records are skipped; ``damaged`` names them."""
        runs, self.damaged, self.problem = [], [], ""
        if self.root.exists() and not self.root.is_dir():
            self.problem = (f"The runs folder {self.root} is a file, not a folder: no run "
                            "can be kept or listed until it is moved away.")
            return runs
        try:
            folders = sorted(self.root.iterdir()) if self.root.is_dir() else []
        except OSError as exc:
            self.problem = f"The runs folder {self.root} cannot be read: {reason(exc)}."
            return runs
        for folder in folders:
            if folder.name.startswith(SAVING):
                _remove_leftover(folder)
                continue
            if folder.name.startswith("."):
                continue
            try:
                check_file(folder / "run.json", MAX_RECORD_BYTES)
                info = json.loads((folder / "run.json").read_text())
            except (OSError, ValueError, UnicodeDecodeError, RecursionError):
                info = None
            if valid_record(info):
                runs.append(SavedRun(folder, info))
            else:
                self.damaged.append(folder)
        return runs

    def highest_number(self) -> int:
        """The largest lasting run number on disk (saved or taken), so a new window's
        runs go on from it."""
        runs = self.list()
        return max([len(runs), *(run.number or 0 for run in runs), *self._taken()])

    def take_number(self, at_least: int) -> int:
        """Take the first run number from ``at_least`` that no window has taken, by an
        exclusive create in the runs folder: two windows on one folder never give two
        runs the same number (they gave 1, 1, 3, 3, ...). Numbers are never reused.
        ``RunError`` if the folder cannot be written."""
        folder = self.root / NUMBERS
        try:
            folder.mkdir(parents=True, exist_ok=True)
            number = max(at_least, 1)
            while True:
                try:
                    os.close(os.open(folder / str(number), os.O_CREAT | os.O_EXCL, 0o644))
                    return number
                except FileExistsError:
                    number += 1
        except OSError as exc:
            raise RunError(f"no run number could be taken in {self.root}: "
                           f"{reason(exc)}") from None

    def _taken(self) -> list[int]:
        try:
            return [int(p.name) for p in (self.root / NUMBERS).iterdir() if p.name.isdigit()]
        except OSError:
            return []

    def delete(self, run: SavedRun) -> None:
        """Remove a run's folder (a symbolic link is removed, never followed)."""
        try:
            if run.path.is_symlink():
                run.path.unlink()
            elif run.path.exists():
                shutil.rmtree(run.path)
        except OSError as exc:
            raise RunError(f"run {run.id} could not be deleted: {reason(exc)}") from None


SAVING = ".saving-"
NUMBERS = ".numbers"  # one empty file per run number taken
# A run's curves: 8 bytes a batch, 4,000 epochs of 235 batches, twice.
MAX_CURVES_BYTES = 16 * 2**20
MAX_TEXT = 200  # characters of a label or a name in a record (a 5 MB label took 10 GB)


def check_file(path: Path, limit: int) -> None:
    """``ValueError`` unless ``path`` is a regular file of at most ``limit`` bytes: a FIFO
    would block the reader for ever (the window never appeared), a huge file fill
    memory."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path.name} is not a regular file")
    if info.st_size > limit:
        raise ValueError(f"{path.name} is larger than the app writes")
EPOCHS_FILE = "epochs.safetensors"
STATUSES = ("finished", "stopped", "exploded")
MAX_RECORD_BYTES = 16 * 2**20


def _remove_leftover(folder: Path) -> None:
    """A save that was killed halfway left this folder; remove it once it is stale."""
    import time

    try:
        if not folder.is_symlink() and time.time() - folder.stat().st_mtime > LEFTOVER_AGE_S:
            shutil.rmtree(folder)
    except OSError:
        pass


def valid_record(info) -> bool:
    """Whether ``info`` (a parsed ``run.json``) has every field of the right type."""
    def number(value) -> bool:
        # NaN or Infinity in a record (json reads them) would break every sum and text.
        return isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value)

    if not isinstance(info, dict):
        return False
    texts = all(isinstance(info.get(k), str) and len(info[k]) <= MAX_TEXT
                for k in ("label", "created", "model", "dataset"))
    epochs = info.get("epochs")
    rows = isinstance(epochs, list) and all(
        isinstance(row, dict)
        and all(number(row.get(k)) for k in ("epoch", *REQUIRED_EPOCH_KEYS))
        and all(number(row.get(k, 0.0)) for k in EPOCH_KEYS)  # optional ones, if there
        for row in epochs)
    return (texts and rows and isinstance(info.get("config"), dict)
            and info.get("status", "finished") in STATUSES
            and isinstance(info.get("has_weights", True), bool)
            and (info.get("epoch") is None or number(info.get("epoch")))
            and number(info.get("train_seconds"))
            and (info.get("test_acc") is None or number(info.get("test_acc"))))
