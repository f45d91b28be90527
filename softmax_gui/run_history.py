"""What a run has measured: per-batch losses and per-epoch metrics. Plain data, no Qt.

The window keeps one :class:`RunHistory` per run it trained or overlaid; the plots draw
them, the CSV export writes them and the runs folder saves them.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field

from softmax_gui import events

EPOCH_KEYS = ("train_loss", "train_acc", "test_loss", "test_acc", "seconds", "test_ece")
# Runs saved before the trainer measured calibration have no "test_ece": still valid.
REQUIRED_EPOCH_KEYS = EPOCH_KEYS[:-1]


@dataclass
class RunHistory:
    """One run's curves. ``x`` values are fractional epochs (1.0 = first epoch done)."""

    number: int
    label: str
    config: dict = field(default_factory=dict)
    batch_x: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)
    epochs: list[dict] = field(default_factory=list)  # {"epoch": e, **EPOCH_KEYS}
    saved: bool = False  # overlaid from the runs folder, not trained in this window
    saved_id: str = ""  # its folder in the runs folder, when overlaid
    start: float = 0.0  # the epoch it started from (a continuation starts past 0)
    stopped_at: tuple[float, float] | None = None  # (epoch, test accuracy) of a Stop
    shown: bool = True  # ticked in the plots' run list (remembered across launches)
    seconds: float = 0.0  # training time of its runs and Steps, partial epochs included
    # "running", then "finished", "stopped", "exploded" or "failed" (runs.py's STATUSES
    # for one overlaid from the runs folder).
    status: str = ""
    device: str = ""  # where it computed, as the trainer named it ("NVIDIA H200", "CPU")

    def add_batches(self, event: events.BatchMetrics) -> None:
        self.batch_x.extend(event.epoch_x.tolist())
        self.batch_loss.extend(event.loss.tolist())

    def add_epoch(self, event: events.EpochMetrics) -> None:
        self.epochs.append({"epoch": float(event.epoch),
                            **{key: float(getattr(event, key)) for key in EPOCH_KEYS}})

    def ends_at(self, epoch: float) -> bool:
        """Whether the curve ends where weights of ``epoch`` were (a Step goes on from
        there without drawing anything twice)."""
        end = self.batch_x[-1] if self.batch_x else self.start
        return abs(end - epoch) < 1e-6

    def column(self, key: str) -> list[float]:
        """One per-epoch figure (``"epoch"`` or a name in :data:`EPOCH_KEYS`)."""
        return [row.get(key, float("nan")) for row in self.epochs]

    @property
    def train_seconds(self) -> float:
        """Seconds trained: a run stopped inside its first epoch has no epoch's figures
        but trained all the same (it read 0.0)."""
        return max(float(sum(self.column("seconds"))), self.seconds)


def epochs_text(count: float) -> str:
    """``1 epoch``, ``3 epochs``, ``0.11 epochs``, ``14.8 epochs``: one way everywhere."""
    if count == int(count):
        return f"{int(count)} epoch{'' if count == 1 else 's'}"
    return f"{count:.2f}".rstrip("0") + " epochs"


def write_csv(histories: list[RunHistory], path: str | os.PathLike) -> None:
    """Per-epoch metrics of ``histories``, one row per run and epoch."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["run", "settings", "epoch", *EPOCH_KEYS])
        for history in histories:
            for row in history.epochs:
                writer.writerow([history.number, history.label, row["epoch"],
                                 *(row.get(key, "") for key in EPOCH_KEYS)])
