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
    from softmax_gui import cli_train

    return cli_train.run(args, lambda: _load_data(args, args.dataset))


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
