"""The ``train`` command: one run, a line per epoch, then what it was asked to keep: the
weights (``--export``), the script that trains it again (``--export-script``) and its
report (``--report``). A full disk never loses the weights (they go to the data folder).
"""

from __future__ import annotations

import sys
from pathlib import Path

from softmax_gui.config import TrainConfig

EXIT_ERROR = 2


def run(args, load_data) -> int:
    """The ``train`` command on the dataset ``load_data()`` reads once the flags are
    checked: a line per epoch, last ``test_acc=X train_s=S``; the weights, script and
    report written if asked."""
    from tqdm import tqdm

    from softmax_gui import events, training, weights_io

    config = TrainConfig(
        dataset=args.dataset, model=args.model, optimizer=args.optimizer, lr=args.lr,
        momentum=args.momentum, batch_size=args.batch_size, epochs=args.epochs,
        weight_decay=args.weight_decay, init_std=args.init_std, schedule=args.schedule,
        standardize=not args.no_standardize, seed=args.seed, device=args.device,
        hidden=args.hidden,
    )
    if args.export is not None:
        if not args.export.strip():
            raise ValueError("--export needs a file name (.safetensors, .pt, .onnx or .npz)")
        weights_io.check_writable(args.export)
    for flag, path, suffix in (("--export-script", args.export_script, ".py"),
                               ("--report", args.report, ".html")):
        if path is not None:
            _check_writable(flag, path, suffix)
    dataset = load_data()
    snapshot = None
    bar = None
    epochs: list[dict] = []
    device = ""
    for event in training.train(config, dataset):
        if isinstance(event, events.Started):
            device = event.device_name
            print(f"device: {event.device_name}; model: {config.summary()}", flush=True)
            # tqdm turns itself off when stderr is not a terminal (disable=None).
            bar = tqdm(total=event.batches_per_epoch * event.epochs, unit="batch",
                       disable=None, leave=False, file=sys.stderr)
        elif isinstance(event, events.BatchMetrics):
            bar.update(len(event.loss))
            bar.set_postfix(epoch=event.epoch, loss=f"{event.loss[-1]:.3f}", refresh=False)
        elif isinstance(event, events.EpochMetrics):
            bar.clear()
            print(f"epoch {event.epoch}/{event.epochs} train_loss={event.train_loss:.4f} "
                  f"train_acc={event.train_acc:.4f} test_loss={event.test_loss:.4f} "
                  f"test_acc={event.test_acc:.4f} {event.seconds:.2f}s "
                  f"{event.samples_per_s:,.0f} samples/s", flush=True)
            epochs.append({key: float(getattr(event, key)) for key in (
                "epoch", "train_loss", "train_acc", "test_loss", "test_acc")})
        elif isinstance(event, events.WeightSnapshot):
            snapshot = event
        elif isinstance(event, events.Failed):
            if bar:
                bar.close()
            if args.export and snapshot is not None:
                where = _export_or_keep(snapshot, args.export, config)
                print(f"saved the weights of epoch {snapshot.epoch:g}, the last one that "
                      f"finished, to {where}", file=sys.stderr)
            print(f"error: {event.message}", file=sys.stderr)
            return EXIT_ERROR
        elif isinstance(event, events.Finished):
            bar.close()
            if args.export:
                print(f"saved weights to {_export_or_keep(snapshot, args.export, config)}")
            script = _script(config, dataset, event.test_acc, args.export_script)
            if args.export_script:
                _write(args.export_script, script, "script")
            if args.report:
                _write(args.report, _report(config, dataset, snapshot, epochs, device,
                                            script), "report")
            print(f"test_acc={event.test_acc:.4f} train_s={event.train_seconds:.2f}")
    return 0


def _script(config: TrainConfig, dataset, test_acc: float, path: str | None) -> str:
    from softmax_gui.run_script import script_for

    title = f"Softmax Studio run: {config.summary()}; test accuracy {test_acc:.4f}"
    return script_for(config, dataset.classes, str(dataset.source.path), title,
                      Path(path or "run.py").name)


def _report(config: TrainConfig, dataset, snapshot, epochs, device: str, script: str) -> str:
    from softmax_gui import report
    from softmax_gui.evaluation import softmax_np

    title = f"Softmax Studio: {config.summary()}"
    return report.run_report(report.of_run(title, config.to_dict(), epochs, snapshot,
                                           softmax_np(snapshot.test_logits), dataset,
                                           device, script))


def _write(path: str, text: str, what: str) -> None:
    from softmax_gui.safe_files import save_file

    save_file(path, lambda temporary: Path(temporary).write_text(text, encoding="utf-8"))
    print(f"saved the {what} to {path}")


def _export_or_keep(snapshot, path: str, config: TrainConfig) -> str:
    """Save the trained weights to ``path``; if that fails (a full disk), keep them in the
    user's data folder instead, so training is never lost, and say so. Returns where."""
    from softmax_gui import weights_io
    from softmax_gui.paths import user_dir

    try:
        return str(weights_io.save(snapshot, path, config.to_dict()))
    except weights_io.WeightsError as exc:
        keep = _unused(user_dir("data") / "unsaved" / Path(path).name)
        try:
            keep.parent.mkdir(parents=True, exist_ok=True)
            weights_io.save(snapshot, keep, config.to_dict())
        except (OSError, weights_io.WeightsError) as again:
            raise weights_io.WeightsError(f"{exc}; keeping them in {keep} failed too: "
                                          f"{again}") from None
        raise weights_io.WeightsError(f"{exc}; the trained weights were kept in {keep} "
                                      "instead") from None


def _check_writable(flag: str, path: str, suffix: str) -> None:
    """Refuse a place ``path`` cannot be written before any time is spent training."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not path.strip() or target.is_dir():
        raise ValueError(f"{flag} needs a file name ending in {suffix}")
    if not folder.is_dir():
        raise ValueError(f"cannot write {target.name}: folder {folder} does not exist")


def _unused(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``...: a second rescue never overwrites
    the first."""
    candidate, k = path, 1
    while candidate.exists():
        k += 1
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
    return candidate
