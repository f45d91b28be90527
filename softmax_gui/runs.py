"""Finished runs kept on disk: config, per-epoch metrics, batch losses, final weights.

Each run is a folder ``<data dir>/runs/<id>/`` with ``run.json``, ``curves.npz`` and
``weights.safetensors``, written to a temporary folder first and renamed into place, so
a crash never leaves a half-written run behind.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from softmax_gui.events import WeightSnapshot
from softmax_gui.paths import user_dir
from softmax_gui.run_history import RunHistory


@dataclass(frozen=True)
class SavedRun:
    """A run on disk; ``info`` is the parsed ``run.json``."""

    path: Path
    info: dict

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def metrics(self) -> list[dict]:
        return self.info["epochs"]

    def curves(self) -> dict[str, np.ndarray]:
        """Batch-loss curve: ``x`` (fractional epochs) and ``loss``."""
        with np.load(self.path / "curves.npz") as f:
            return {k: f[k] for k in f.files}

    def weights(self) -> WeightSnapshot:
        from softmax_gui import weights_io  # needs torch: imported on first use

        return weights_io.load_snapshot(self.path / "weights.safetensors")[0]

    def history(self, number: int) -> RunHistory:
        """Its curves as a :class:`RunHistory` numbered ``number``, marked as saved."""
        curves = self.curves()
        return RunHistory(number, f"saved {self.info.get('label', self.id)}",
                          self.info.get("config", {}), curves["x"].tolist(),
                          curves["loss"].tolist(), list(self.metrics), saved=True)


class RunStore:
    """The runs folder: save, list, delete."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else user_dir("data") / "runs"

    def save(self, history: RunHistory, snapshot: WeightSnapshot) -> SavedRun:
        """Write one finished run (its curves and final weights) atomically; return it."""
        self.root.mkdir(parents=True, exist_ok=True)
        now = _dt.datetime.now().astimezone()
        run_id = f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        info = {
            "id": run_id, "label": history.label, "created": now.isoformat(timespec="seconds"),
            "config": history.config, "epochs": history.epochs,
            "train_seconds": history.train_seconds, "test_acc": snapshot.test_acc,
            "epoch": snapshot.epoch, "dataset": snapshot.dataset, "model": snapshot.model,
        }
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".saving-"))
        try:
            (tmp / "run.json").write_text(json.dumps(info, indent=2))
            np.savez(tmp / "curves.npz", x=np.asarray(history.batch_x, np.float32),
                     loss=np.asarray(history.batch_loss, np.float32))
            from softmax_gui import weights_io  # needs torch: imported on first use

            weights_io.save(snapshot, tmp / "weights.safetensors", history.config)
            os.replace(tmp, self.root / run_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return SavedRun(self.root / run_id, info)

    def list(self) -> list[SavedRun]:
        """Saved runs, oldest first; unreadable folders are skipped."""
        runs = []
        if not self.root.is_dir():
            return runs
        for folder in sorted(self.root.iterdir()):
            if folder.name.startswith("."):
                continue
            try:
                runs.append(SavedRun(folder, json.loads((folder / "run.json").read_text())))
            except (OSError, ValueError):
                continue
        return runs

    def delete(self, run: SavedRun) -> None:
        shutil.rmtree(run.path)
