"""The commands that search hyper-parameters.

``python -m softmax_gui sweep``: a grid of configurations trained at once
(:mod:`softmax_gui.sweep`), one line per configuration, or one JSON document. Its grid
flags take comma-separated lists (``--lr 0.01,0.1,1``); a bad grid (an empty list, a
learning rate of 0, a million configurations) is refused in one line before anything
loads.

``python -m softmax_gui lr-find``: the learning-rate finder
(:mod:`softmax_gui.lr_finder`), ending with ``suggested_lr=X``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from softmax_gui.config import TrainConfig
from softmax_gui.sweep import GridError, describe, grid, train_sweep

# The grid flags: each a hyper-parameter of sweep_plan.py (the seed is the command line's).
LISTS = ("lr", "batch_size", "weight_decay", "momentum", "seed")
SHOWN = LISTS


def add_arguments(parser) -> None:
    """The sweep command's flags (cli_parser.py adds the dataset's)."""
    defaults = TrainConfig()
    from softmax_gui.config import DEVICES
    from softmax_gui.model_registry import MODELS

    parser.add_argument("--model", choices=tuple(MODELS), default=defaults.model)
    for flag in LISTS:
        default = getattr(defaults, flag)
        example = "'0.001 to 1, 4 log'" if isinstance(default, float) else "'0 to 4, 5'"
        parser.add_argument(f"--{flag.replace('_', '-')}", metavar="LIST",
                            help=f"comma-separated values or a range ({example}); "
                                 f"default {default}")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--device", choices=DEVICES, default=defaults.device)
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local: this machine, models batched; ray: Ray Tune trials "
                             "(pip install 'softmax-studio[cluster]')")
    parser.add_argument("--address", metavar="ADDR",
                        help="with --engine ray: the Ray cluster (default: one started here)")
    parser.add_argument("--save", metavar="DIR",
                        help="keep the sweep record in DIR (default: a new sweep-<time> "
                             "folder among the window's kept sweeps)")
    parser.add_argument("--json", action="store_true", help="print one JSON document only")


def configurations(args) -> list[TrainConfig]:
    """The grid the flags ask for, validated (GridError otherwise)."""
    from softmax_gui.sweep_plan import PARAMETERS, Parameter, PlanError, parse_values

    values = {}
    for field in LISTS:
        text = getattr(args, field)
        if text is None:
            continue
        flag = f"--{field.replace('_', '-')}"
        try:
            values[field] = parse_values(PARAMETERS.get(field, Parameter(field, "Seed", int)),
                                         text, name=flag)
        except PlanError as error:
            raise GridError(str(error)) from None
    try:
        base = TrainConfig(dataset=args.dataset, model=args.model, epochs=args.epochs,
                           device=args.device)
    except ValueError as exc:
        raise GridError(str(exc)) from None
    return grid(base, **values)


def run(args) -> int:
    """Train the grid; print a line per configuration, where its record is kept, and
    ``sweep: K runs in T s`` (with ``--json``, one JSON document and the record's place
    on stderr)."""
    from tqdm import tqdm

    from softmax_gui import data
    from softmax_gui.safe_files import reason
    from softmax_gui.sweep_record import fresh_folder, save_record, sweeps_folder

    configs = configurations(args)
    if args.engine == "ray":
        from softmax_gui.sweep_ray import INSTALL, ray_installed

        if not ray_installed():
            raise GridError(INSTALL)
    dataset = data.load(args.dataset, args.data_dir, progress=sys.stderr.isatty())
    if not args.json:
        print(f"data: {dataset.describe()}", flush=True)
    bar = tqdm(total=sum(c.epochs for c in configs), unit="epoch", disable=None,
               leave=False, file=sys.stderr)

    def epoch_done(done: int, _total: int, _curves) -> None:
        bar.update(done - bar.n)

    t0 = time.perf_counter()
    if args.engine == "ray":
        from softmax_gui.sweep_ray import train_sweep_ray

        results = train_sweep_ray(configs, dataset, args.address, on_epoch=epoch_done)
    else:
        results = train_sweep(configs, dataset, on_epoch=epoch_done)
    seconds = time.perf_counter() - t0
    bar.close()
    record = Path(args.save) if args.save else fresh_folder(sweeps_folder())
    varied = [field for field in LISTS if getattr(args, field) is not None]
    try:
        save_record(record, results, varied, seconds)
        kept = f"record: {record} (open it in the window: Lab > Sweep > Open sweep…)"
    except OSError as error:  # the results are still printed
        kept = f"record: not kept in {record}: {reason(error)}"
    if args.json:
        print(json.dumps({"runs": [{"config": r.config.to_dict(), "test_acc": r.final_test_acc,
                                    "test_acc_per_epoch": r.test_acc,
                                    "exploded": bool(r.diverged)} for r in results],
                          "seconds": round(seconds, 3)}, allow_nan=False))
        print(kept, file=sys.stderr)
        return 0
    for result in results:
        print(describe(result, SHOWN), flush=True)
    print(kept)
    print(f"sweep: {len(results)} runs in {seconds:.1f} s")
    return 0


def add_lr_find_arguments(parser) -> None:
    from softmax_gui.config import DEVICES, OPTIMIZERS
    from softmax_gui.model_registry import MODELS

    defaults = TrainConfig()
    parser.add_argument("--model", choices=tuple(MODELS), default=defaults.model)
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer)
    parser.add_argument("--momentum", type=float, default=defaults.momentum)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--device", choices=DEVICES, default=defaults.device)


def run_lr_find(args) -> int:
    """Print the loss at every tenth rate tried, then ``suggested_lr=X``."""
    from softmax_gui import data
    from softmax_gui.lr_finder import find_lr

    config = TrainConfig(dataset=args.dataset, model=args.model, optimizer=args.optimizer,
                         momentum=args.momentum, batch_size=args.batch_size,
                         device=args.device)
    dataset = data.load(args.dataset, args.data_dir, progress=sys.stderr.isatty())
    print(f"data: {dataset.describe()}", flush=True)
    finding = find_lr(config, dataset)
    for lr, loss in list(zip(finding.lrs, finding.smoothed))[::10]:
        print(f"lr={lr:.3g} smoothed_loss={loss:.4f}")
    if finding.stopped_early:
        print(f"stopped at lr={finding.lrs[-1]:.3g}: the loss passed 4x its best")
    if finding.suggested is None:
        raise ValueError("the loss never fell over the rates tried: no rate to suggest")
    print(f"suggested_lr={finding.suggested:.3g}")
    return 0
