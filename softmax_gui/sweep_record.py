"""What a sweep leaves: any of its runs as a run of the app's own (weights to make active,
a history to keep in the runs folder). No Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from softmax_gui import events
from softmax_gui.run_history import RunHistory

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
    return ", ".join(f"{name}={getattr(result.config, name):g}"
                     if isinstance(getattr(result.config, name), float)
                     else f"{name}={getattr(result.config, name)}" for name in varied)


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
