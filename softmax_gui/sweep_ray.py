"""Ray Tune as a sweep's engine, for a grid larger than one machine.

The grid is cut into chunks: the configurations that share their data order
(``sweep.train_sweep`` batches them) stay together, and a large group is cut into as many
chunks as the cluster has CPUs. Each chunk is one Tune trial, which trains its chunk with
the batched engine of ``softmax_gui/sweep.py``, reports its model-epochs as they end (the
progress bar) and leaves its runs as a sweep record (``softmax_gui/sweep_record.py``) in
its checkpoint. The chunks' records are joined back into the grid's order, so a sweep
through Ray ends as the same results, and the same record, as one trained here
(``tests/test_sweep_ray.py``).

Ray is an optional extra (``pip install 'softmax-studio[cluster]'``); without it the
sweep is refused in one line that says how to install it. No Qt.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from softmax_gui.config import TrainConfig
from softmax_gui.data import Dataset
from softmax_gui.sweep import GridError, SweepResult, partition

INSTALL = ("--engine ray needs Ray Tune, which is not installed: "
           "pip install 'softmax-studio[cluster]' (or pip install 'ray[tune]')")


def ray_installed() -> bool:
    """Whether Ray Tune can be imported (it needs extras that plain ``ray`` lacks)."""
    try:
        from ray import tune  # noqa: F401
    except ImportError:
        return False
    return True


def chunks(configs: list[TrainConfig], pieces: int) -> list[list[int]]:
    """The grid's indices cut into trials: each group that shares its data order in at
    most ``pieces`` chunks of near-equal size, every other configuration alone."""
    groups, alone = partition(configs)
    parts = [[i] for i in alone]
    for members in groups.values():
        size = math.ceil(len(members) / max(1, min(pieces, len(members))))
        parts.extend(members[start:start + size] for start in range(0, len(members), size))
    return sorted(parts)


def _train_chunk(trial: dict, data: Dataset) -> None:
    """One Tune trial: its chunk trained with the batched engine, the runs left as a
    sweep record in the trial's checkpoint."""
    import torch
    from ray import tune

    from softmax_gui.sweep import train_sweep
    from softmax_gui.sweep_record import save_record

    torch.set_num_threads(1)  # Tune gives each trial one CPU
    configs = [TrainConfig.from_dict(values) for values in trial["part"]["configs"]]
    results = train_sweep(configs, data, on_epoch=lambda done, total, _curves: tune.report(
        {"model_epochs": done}))
    with tempfile.TemporaryDirectory() as folder:
        save_record(Path(folder), results, [], 0.0)
        tune.report({"model_epochs": sum(c.epochs for c in configs), "ended": True},
                    checkpoint=tune.Checkpoint.from_directory(folder))


def train_sweep_ray(configs: list[TrainConfig], data: Dataset, address: str | None = None,
                    on_epoch: Callable[[int, int, dict], None] | None = None
                    ) -> list[SweepResult]:
    """Train ``configs`` as Tune trials, on the Ray cluster at ``address`` (``"auto"``
    finds a running one; ``None`` uses the one this process started, or starts one
    here); results in the grid's order. ``on_epoch(done, total, {})`` counts the
    model-epochs that ended across the trials.

    Raises
    ------
    GridError
        Ray Tune is not installed, the cluster cannot be reached, or a trial failed.
    """
    try:
        import ray
        from ray import tune
    except ImportError:
        raise GridError(INSTALL) from None
    from softmax_gui.sweep_record import load_record

    # Tune's newer console output ignores verbose=0 and names the temporary storage.
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    started_here = not ray.is_initialized()
    if started_here and address:
        _check_reachable(address)
    if started_here:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR", configure_logging=True)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise GridError(f"cannot reach the Ray cluster at {address}: "
                            f"{str(error).splitlines()[0]}") from None
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        parts = chunks(configs, cpus)
        total = sum(c.epochs for c in configs)
        progress = _progress(total, on_epoch)
        trainable = tune.with_resources(tune.with_parameters(_train_chunk, data=data),
                                        {"cpu": 1})
        space = {"part": tune.grid_search([
            {"indices": part, "configs": [configs[i].to_dict() for i in part]}
            for part in parts])}
        with tempfile.TemporaryDirectory() as storage, \
                contextlib.redirect_stdout(sys.stderr):  # stdout may be a JSON document
            grid = tune.Tuner(trainable, param_space=space, run_config=tune.RunConfig(
                storage_path=storage, verbose=0, callbacks=[progress])).fit()
            results: list[SweepResult | None] = [None] * len(configs)
            for trial in grid:
                if trial.error is not None or trial.checkpoint is None:
                    raise GridError(f"a Ray trial failed: {str(trial.error).splitlines()[-1]}")
                with trial.checkpoint.as_directory() as folder:
                    for i, result in zip(trial.config["part"]["indices"],
                                         load_record(Path(folder))[0]):
                        results[i] = result
    finally:
        if started_here:
            ray.shutdown()
    return results


def _check_reachable(address: str) -> None:
    """Refuse at once an address where nothing listens (Ray itself waits minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", or a form Ray reads on its own
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as error:
        raise GridError(f"cannot reach the Ray cluster at {address}: "
                        f"{error.strerror or error} (start one there with "
                        f"'ray start --head', or leave out --address)") from None


def _progress(total: int, on_epoch):
    """Tune's callback: the model-epochs each trial reported, summed for ``on_epoch``."""
    from ray import tune

    class Progress(tune.Callback):
        def __init__(self):
            self.done: dict[str, int] = {}

        def on_trial_result(self, iteration, trials, trial, result, **info):
            self.done[trial.trial_id] = int(result.get("model_epochs", 0))
            if on_epoch is not None:
                on_epoch(min(total, sum(self.done.values())), total, {})

    return Progress()
