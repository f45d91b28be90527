"""Command line: ``python -m softmax_gui train | evaluate | predict | export |
compare-implementations | gradcheck | explain | counterfactual | sweep |
lr-find | import-images | playground``.

Errors end with one clear line on stderr and exit status 2, never a traceback. The
commands' flags are in :mod:`softmax_gui.cli_parser`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from softmax_gui.cli_parser import build_parser
from softmax_gui.config import TrainConfig

EXIT_ERROR = 2
MAX_COMPARE_STEPS = 100_000


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    args = build_parser().parse_args(argv)
    # Imported here so `--help` and argument errors answer before torch loads.
    from softmax_gui.data import DatasetError
    from softmax_gui.weights_io import WeightsError

    handler = {"train": _train, "evaluate": _evaluate, "predict": _predict,
               "export": _export, "compare-implementations": _compare,
               "gradcheck": _gradcheck, "explain": _explain,
               "counterfactual": _counterfactual, "sweep": _sweep,
               "lr-find": _lr_find, "import-images": _import_images,
               "playground": _playground}[args.command]
    try:
        return handler(args)
    except (DatasetError, WeightsError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _sweep(args) -> int:
    from softmax_gui import cli_tuning

    return cli_tuning.run(args)


def _import_images(args) -> int:
    """Make a dataset from an image folder; say what was skipped, and last its size."""
    from tqdm import tqdm

    from softmax_gui.user_datasets import import_folder

    with tqdm(unit="image", disable=None, leave=False, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        made = import_folder(args.folder, args.name, args.recipe, args.with_dataset,
                             args.test_fraction, args.seed, progress)
    for why in made.skipped:
        print(f"skipped {why}")
    if made.replaced:
        print(f"note: the dataset {made.name} that was there is replaced")
    if made.swamped:
        print(f"note: {made.swamped}")
    if made.duplicates:
        print(f"note: {made.duplicates} test image(s) are, after the recipe, exactly a "
              "train image: the test accuracy counts them as seen")
    print(made.summary())
    return 0


def _playground(args) -> int:
    from softmax_gui import plane_run

    return plane_run.run_cli(args)


def _lr_find(args) -> int:
    from softmax_gui import cli_tuning

    return cli_tuning.run_lr_find(args)


def _load_data(args, name: str):
    from softmax_gui import data

    dataset = data.load(name, args.data_dir, progress=sys.stderr.isatty())
    print(f"data: {dataset.describe()}", flush=True)
    return dataset


def _train(args) -> int:
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
    dataset = _load_data(args, config.dataset)
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


def _unused(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``...: a second rescue never overwrites
    the first."""
    candidate, k = path, 1
    while candidate.exists():
        k += 1
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
    return candidate


def _evaluate(args) -> int:
    from softmax_gui.evaluation import accuracy
    from softmax_gui.inference import Predictor
    from softmax_gui.weights_io import load_snapshot

    snapshot, meta = load_snapshot(args.weights)
    name = args.dataset or meta.get("dataset") or "fashion-mnist"
    dataset = _load_data(args, name)
    _check_classes(snapshot.classes, dataset.classes, args.weights, name)
    predictor = Predictor(snapshot)
    images = dataset.test_images.numpy() / 255.0
    predicted = predictor.logits(images).argmax(axis=1)
    print(f"test_acc={accuracy(predicted, dataset.test_labels.numpy()):.4f} "
          f"n={len(predicted)}")
    return 0


def _check_classes(have, want, path, name) -> None:
    if len(have) != len(want):
        raise ValueError(f"{path} has {len(have)} classes, {name} has {len(want)}")


def _predict(args) -> int:
    from softmax_gui.inference import Predictor
    from softmax_gui.preprocess import is_blank
    from softmax_gui.weights_io import load_snapshot

    snapshot, meta = load_snapshot(args.weights)
    predictor = Predictor(snapshot)
    invert = {"auto": None, "yes": True, "no": False}[args.invert]
    dataset = meta.get("dataset") or "fashion-mnist"
    status = 0
    for path in args.images:
        try:
            image = _read_image(path, invert)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        if is_blank(image):
            print(f"{path}: nothing drawn (the image is blank)")
            continue
        top = predictor.top_k(_as_model_input(image, dataset), k=3)
        print(f"{path}: " + ", ".join(f"{name} {p:.1%}" for name, p in top))
    return status


def _compare(args) -> int:
    from softmax_gui.implementations import compare

    if not 1 <= args.steps <= MAX_COMPARE_STEPS:
        raise ValueError(f"--steps must be between 1 and {MAX_COMPARE_STEPS:,} (each step "
                         "keeps a point of every curve)")
    from tqdm import tqdm

    data = _load_data(args, args.dataset)
    # tqdm turns itself off when stderr is not a terminal (disable=None).
    with tqdm(total=args.steps, unit="step", disable=None, file=sys.stderr,
              leave=False) as bar:
        result = compare(data, args.steps, args.seed, args.float64,
                         progress=lambda: bar.update(1))
    for (a, b), diffs in result.max_abs_dW.items():
        print(f"{a} vs {b}: max_abs_dW={diffs[-1]:.3g} after step {result.steps}; "
              f"final loss {result.losses[a][-1]:.6f} vs {result.losses[b][-1]:.6f}")
    print(f"max_abs_dW={result.worst:.3g} steps={result.steps} dtype={result.dtype}")
    return 0


def _gradcheck(args) -> int:
    from softmax_gui.implementations import gradcheck

    result = gradcheck(_load_data(args, args.dataset), args.seed)
    print(f"checked {result['checked']} gradient entries (float64, central differences); "
          f"max_abs_error={result['max_abs_error']:.3g}")
    print(f"rel_error={result['rel_error']:.3g}")
    return 0


def _as_model_input(image, dataset: str):
    """The model's input for a loaded image: a 28x28 image as it is (it already is one,
    as a test image or what ``counterfactual`` writes), any other through the
    dataset's recipe (trim, fit, centre)."""
    from softmax_gui.preprocess import as_unit_float, to_model_input

    if np.shape(image) == (28, 28):
        return as_unit_float(image).astype(np.float32)
    return to_model_input(image, dataset)


def _read_image(path: str, invert: bool | None = None):
    """An image file as ``load_image_file`` reads it, except that a 28x28 image is never
    inverted automatically: it is the model input as it is (a light one included), so
    that what ``counterfactual`` writes reads back as it was written."""
    from softmax_gui.preprocess import load_image_file

    if invert is None:
        raw = load_image_file(path, invert=False)
        if np.shape(raw) == (28, 28):
            return raw
    return load_image_file(path, invert=invert)


def _model_input(path: str, dataset: str):
    return _as_model_input(_read_image(path), dataset)


def _explained_model(path: str):
    from softmax_gui.explain import linear_form
    from softmax_gui.inference import Predictor
    from softmax_gui.weights_io import load_snapshot

    snapshot, meta = load_snapshot(path)
    return snapshot, meta.get("dataset") or "fashion-mnist", linear_form(snapshot), \
        Predictor(snapshot).module


def _explain(args) -> int:
    from softmax_gui.explain import explain, explain_network

    snapshot, dataset, linear, module = _explained_model(args.weights)
    x = _model_input(args.image, dataset)
    if linear is not None:
        rows, note = explain(linear, x, snapshot.classes), "exact: logit = bias + evidence"
    else:
        rows, error = explain_network(module, x, snapshot.classes)
        note = (f"integrated gradients from a black image (bias: its logit), an "
                f"approximation: completeness error up to {error:.2%}")
    if args.json:
        print(json.dumps({"classes": rows}, allow_nan=False))  # never NaN: invalid JSON
        return 0
    logits = np.array([row["logit"] for row in rows])
    p = np.exp(logits - logits.max())
    p /= p.sum()
    print(f"{'class':>13} {'p':>7} {'logit':>9} {'bias':>9} {'evidence':>9}")
    for k, row in enumerate(rows):
        mark = "*" if k == int(p.argmax()) else " "
        print(f"{mark}{row['name']:>12} {p[k]:7.2%} {row['logit']:9.4f} {row['bias']:9.4f} "
              f"{row['evidence_sum']:9.4f}")
    print(f"* predicted. {note}")
    return 0


def _class_index(text: str, classes) -> int:
    names = [c.lower() for c in classes]
    if text.strip().lower() in names:
        return names.index(text.strip().lower())
    if text.strip().isascii() and text.strip().isdigit() and int(text) < len(classes):
        return int(text)
    raise ValueError(f"--to {text!r} is not a class: use 0-{len(classes) - 1} or one of "
                     + ", ".join(classes))


def _counterfactual(args) -> int:
    import torch
    from PIL import Image

    from softmax_gui.explain import gradient_counterfactual, linear_counterfactual
    from softmax_gui.safe_files import save_file

    if Path(args.out).suffix.lower() != ".png":
        raise ValueError(f"--out {args.out!r} must end in .png: the image is written as PNG")
    if Path(args.out).is_dir():
        raise ValueError(f"--out {args.out} is a folder: give a file name ending in .png")
    snapshot, dataset, linear, module = _explained_model(args.weights)
    target = _class_index(args.to, snapshot.classes)
    x = _model_input(args.image, dataset)
    with torch.no_grad():
        now = int(module(torch.as_tensor(x.reshape(1, 1, 28, 28))).argmax())
    if now == target:
        raise ValueError(f"{args.image} is already predicted {snapshot.classes[target]}: "
                         "there is nothing to change")
    result = linear_counterfactual(linear, x, target, quantised=True) if linear is not None \
        else gradient_counterfactual(module, x, target)
    pixels = np.round(result.image.reshape(28, 28) * 255).astype(np.uint8)
    with torch.no_grad():  # read back as the PNG will be: 8-bit pixels
        written = int(module(torch.as_tensor(pixels.reshape(1, 1, 28, 28) / np.float32(255)))
                      .argmax())
    if written != target:
        names = snapshot.classes
        searched = ("an exact search (the smallest L2 change, pixels in [0, 1])"
                    if linear is not None else
                    f"{len(result.path)} projected gradient steps of L2 0.02 from the image "
                    "(a local search: a change may still exist that it did not reach)")
        raise ValueError(f"{searched} ended at L2 {result.l2:.3f} with the image still "
                         f"{names[written]}, not {names[target]}")
    save_file(args.out, lambda temporary: Image.fromarray(pixels, "L").save(temporary,
                                                                           format="PNG"))
    names = snapshot.classes
    print(f"{names[result.original]} -> {names[target]}: changed "
          f"{int((np.abs(result.change) > 1 / 510).sum())} pixels; wrote {args.out}")
    print(f"l2={result.l2:.6g} from={result.original} to={target}")
    return 0


def _export(args) -> int:
    from softmax_gui import weights_io

    snapshot, meta = weights_io.load_snapshot(args.weights)
    weights_io.save(snapshot, args.output, meta.get("config"))
    print(f"wrote {Path(args.output)} ({snapshot.model}, {len(snapshot.classes)} classes)")
    return 0
