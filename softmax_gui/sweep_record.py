"""What a sweep leaves: any of its runs as a run of the app's own (weights to make active,
a history to keep in the runs folder), and the whole sweep as one record on disk. No Qt.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from softmax_gui import events
from softmax_gui.run_history import RunHistory
from softmax_gui.sweep_plan import settings_text

if TYPE_CHECKING:  # sweep.py imports torch; the window imports this module before it
    from softmax_gui.sweep import SweepResult


def status(result: SweepResult) -> str:
    """``finished``, ``stopped`` (fewer epochs than asked) or ``exploded``, as
    ``runs.STATUSES`` names them."""
    if result.diverged:
        return "exploded"
    return "finished" if len(result.test_acc) >= result.config.epochs else "stopped"


def label(result: SweepResult, varied: list[str]) -> str:
    """``lr=0.1, seed=1``: what tells this run from the sweep's others."""
    return settings_text(varied, [getattr(result.config, name) for name in varied])


def snapshot(result: SweepResult, classes: tuple[str, ...]) -> events.WeightSnapshot:
    """The run's weights after its last finished epoch.

    Raises
    ------
    ValueError
        The run never finished an epoch: it has no weights.
    """
    if result.state is None:
        raise ValueError("it was stopped before it finished an epoch: it has no weights")
    return events.WeightSnapshot(
        epoch=float(len(result.test_acc)), model=result.config.model, state=result.state,
        mean=result.mean, std=result.std, classes=tuple(classes),
        dataset=result.config.dataset, test_acc=result.final_test_acc)


def history(result: SweepResult, number: int, varied: list[str]) -> RunHistory:
    """The run as the runs folder keeps one: its figures per epoch (a sweep keeps no
    per-batch losses and no epoch times)."""
    run = RunHistory(number=number, label=f"sweep: {label(result, varied)}",
                     config=result.config.to_dict(), status=status(result))
    for epoch, figures in enumerate(zip(result.train_loss, result.train_acc,
                                        result.test_loss, result.test_acc), start=1):
        run.epochs.append({"epoch": float(epoch), "seconds": 0.0,
                           **dict(zip(("train_loss", "train_acc", "test_loss",
                                       "test_acc"), map(float, figures)))})
    return run


# --- a sweep on disk: one folder, one record and one weights file --------------------------

RECORD, WEIGHTS = "sweep.json", "weights.safetensors"
CURVES = ("train_loss", "train_acc", "test_loss", "test_acc")
# 1,000 configurations of 200 epochs each are ~6 MB of JSON: more is not a record of ours.
MAX_RECORD_BYTES = 64 << 20


class SweepRecordError(ValueError):
    """A folder that is not a sweep record this app can read, said in one line."""


def sweeps_folder() -> Path:
    """Where the window keeps finished sweeps unless its runs folder is elsewhere:
    ``sweeps/`` beside ``runs/`` in the user's data folder."""
    from softmax_gui.paths import user_dir

    return user_dir("data") / "sweeps"


def fresh_folder(parent: Path) -> Path:
    """A new ``sweep-<time>`` folder's path in ``parent`` (not made yet)."""
    folder = Path(parent) / time.strftime("sweep-%Y%m%d-%H%M%S")
    while folder.exists():  # two sweeps in one second
        folder = folder.with_name(folder.name + "-2")
    return folder


def save_record(folder: Path, results: list[SweepResult], varied: list[str],
                seconds: float) -> None:
    """Keep a sweep in ``folder`` (made if missing): ``sweep.json`` (the grid's
    configurations, each one's curves and how it ended) and every run's final weights in
    one ``weights.safetensors`` (``run<i>.<name>``), both written atomically."""
    from safetensors.numpy import save_file

    from softmax_gui.safe_files import atomic_write

    info = {"format": 1, "varied": list(varied), "seconds": round(float(seconds), 3),
            "runs": [{"config": r.config.to_dict(), **{k: getattr(r, k) for k in CURVES},
                      "mean": r.mean, "std": r.std, "diverged": r.diverged,
                      "batched": r.batched} for r in results]}
    tensors = {f"run{i}.{name}": np.ascontiguousarray(array, dtype=np.float32)
               for i, r in enumerate(results) if r.state for name, array in r.state.items()}
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write({folder / WEIGHTS: lambda path: save_file(tensors, path),
                  folder / RECORD: lambda path: Path(path).write_text(json.dumps(info))})


def load_record(folder: Path, weights: bool = True
                ) -> tuple[list[SweepResult], list[str], float]:
    """The runs, the varied fields and the seconds of the sweep kept in ``folder``;
    without ``weights``, its record alone (each run's ``state`` None: :func:`run_state`
    reads one run's).

    Raises
    ------
    SweepRecordError
        What is missing, too large or not as ``save_record`` writes it.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    from softmax_gui.config import TrainConfig
    from softmax_gui.sweep import SweepResult

    def refuse(why: str) -> SweepRecordError:
        return SweepRecordError(f"{folder} is not a sweep this app can open: {why}")

    try:
        if (folder / RECORD).stat().st_size > MAX_RECORD_BYTES:
            raise refuse(f"its {RECORD} is over {MAX_RECORD_BYTES >> 20} MB")
        info = json.loads((folder / RECORD).read_text())
        weights = load_file(str(folder / WEIGHTS)) if weights else {}
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    except (ValueError, UnicodeDecodeError, SafetensorError) as exc:  # a damaged file
        raise refuse(f"a damaged file ({str(exc)[:80]})") from None
    try:
        results = []
        for i, run in enumerate(info["runs"]):
            curves = {k: [float(v) for v in run[k]] for k in CURVES}
            state = {key.split(".", 1)[1]: value for key, value in weights.items()
                     if key.split(".", 1)[0] == f"run{i}"} or None
            results.append(SweepResult(TrainConfig.from_dict(run["config"]), **curves,
                                       state=state, mean=float(run["mean"]),
                                       std=float(run["std"]), diverged=str(run["diverged"]),
                                       batched=bool(run["batched"])))
        varied = [str(v) for v in info["varied"]]
        return results, varied, float(info["seconds"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise refuse(f"its {RECORD} is not as this app writes it ({exc})") from None


def run_state(folder: Path, index: int) -> dict[str, np.ndarray]:
    """The final weights of the sweep's run ``index`` (read alone from the weights file).

    Raises
    ------
    SweepRecordError
        The file is missing or damaged, or keeps no weights for that run.
    """
    from safetensors import SafetensorError, safe_open

    prefix = f"run{index}."
    try:
        with safe_open(str(folder / WEIGHTS), framework="numpy") as f:
            state = {key[len(prefix):]: f.get_tensor(key) for key in f.keys()
                     if key.startswith(prefix)}
    except OSError as exc:
        raise SweepRecordError(f"{folder / WEIGHTS} cannot be read: "
                               f"{exc.strerror or exc}") from None
    except (ValueError, SafetensorError) as exc:
        raise SweepRecordError(f"{folder / WEIGHTS} is damaged ({str(exc)[:80]})") from None
    if not state:
        raise SweepRecordError(f"run {index + 1} of {folder.name} kept no weights")
    return state

