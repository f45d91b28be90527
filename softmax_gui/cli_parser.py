"""The command line's grammar: its commands, their flags and defaults, and the checks
argparse makes of a flag's value before anything loads (``python -m softmax_gui
--help``). :mod:`softmax_gui.cli` runs the commands.
"""

from __future__ import annotations

import argparse

from softmax_gui.config import DEVICES, OPTIMIZERS, SCHEDULES, TrainConfig
from softmax_gui.datasets_registry import DATASETS, known
from softmax_gui.model_registry import MODELS


def build_parser() -> argparse.ArgumentParser:
    """The commands, their flags and defaults (``python -m softmax_gui --help``)."""
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(
        prog="python -m softmax_gui",
        description="Softmax Studio: softmax regression on Fashion-MNIST from the terminal.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model and report test accuracy")
    data_args(train)
    train.add_argument("--model", choices=tuple(MODELS), default=defaults.model)
    train.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer)
    train.add_argument("--epochs", type=int, default=defaults.epochs)
    train.add_argument("--lr", type=float, default=defaults.lr, help="learning rate")
    train.add_argument("--momentum", type=float, default=defaults.momentum)
    train.add_argument("--batch-size", type=int, default=defaults.batch_size)
    train.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    train.add_argument("--init-std", type=float, default=defaults.init_std)
    train.add_argument("--schedule", choices=SCHEDULES, default=defaults.schedule)
    train.add_argument("--no-standardize", action="store_true",
                       help="feed raw [0, 1] pixels instead of standardised ones")
    train.add_argument("--hidden", type=int, default=defaults.hidden, help="MLP hidden units")
    train.add_argument("--device", choices=DEVICES, default=defaults.device)
    train.add_argument("--seed", type=seed, default=defaults.seed)
    train.add_argument("--export", metavar="PATH", help="save the trained weights "
                       "(.safetensors, .pt, .npz or .onnx by extension)")
    train.add_argument("--report", metavar="HTML", help="write a report of the run: one "
                       "HTML file, everything inline, opens offline in any browser")
    train.add_argument("--export-script", metavar="PY", help="write a self-contained "
                       "Python script (torch, no Softmax Studio) that trains this run again")

    evaluate = sub.add_parser("evaluate", help="test accuracy of a weights file")
    evaluate.add_argument("--weights", required=True, metavar="PATH")
    data_args(evaluate, dataset_default=None)

    predict = sub.add_parser("predict", help="classify image files (PNG, JPEG, ...)")
    predict.add_argument("--weights", required=True, metavar="PATH")
    predict.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                         help="invert light-background images (auto detects them)")
    predict.add_argument("images", nargs="+", metavar="IMAGE")

    compare = sub.add_parser(
        "compare-implementations",
        help="step NumPy, torch-from-scratch and torch-concise softmax regression on the "
             "same minibatches and report how far apart their weights end")
    compare.add_argument("--steps", type=int, default=100)
    compare.add_argument("--seed", type=seed, default=0)
    compare.add_argument("--float64", action="store_true", help="compute in float64")
    data_args(compare)
    gradcheck = sub.add_parser(
        "gradcheck", help="the analytic gradient (p - y) x^T against finite differences")
    gradcheck.add_argument("--seed", type=seed, default=0)
    data_args(gradcheck)

    image_help = ("an image file; a 28x28 one is the model input as it is (never "
                  "inverted), any other size goes through the dataset's recipe")
    explain_help = ("per class: the logit, the bias and the sum of the image's evidence map "
                    "(exact for softmax regression: logit = bias + evidence)")
    explain = sub.add_parser("explain", help=explain_help, description=explain_help)
    explain.add_argument("--weights", required=True, metavar="PATH",
                         help="a weights file this app exported")
    explain.add_argument("--json", action="store_true", help="print JSON only")
    explain.add_argument("image", metavar="IMAGE", help=image_help)
    counterfactual_help = ("the smallest change of an image, pixels kept in [0, 1], that "
                           "makes the model predict another class; written as a 28x28 PNG")
    counterfactual = sub.add_parser("counterfactual", help=counterfactual_help,
                                    description=counterfactual_help)
    counterfactual.add_argument("--weights", required=True, metavar="PATH",
                                help="a weights file this app exported")
    counterfactual.add_argument("--to", required=True, metavar="CLASS",
                                help="the class to reach: its index or its name")
    counterfactual.add_argument("--out", required=True, metavar="PNG",
                                help="where to write the changed image (.png)")
    counterfactual.add_argument("image", metavar="IMAGE", help=image_help)

    from softmax_gui import cli_tuning

    sweep = sub.add_parser("sweep", help="train a grid of configurations at once; a line "
                           "per configuration, then 'sweep: K runs in T s'")
    cli_tuning.add_arguments(sweep)
    data_args(sweep)
    lr_find = sub.add_parser("lr-find", help="grow the learning rate from 1e-7 to 10 over "
                             "100 minibatches; last line 'suggested_lr=X'")
    cli_tuning.add_lr_find_arguments(lr_find)
    data_args(lr_find)

    images = sub.add_parser("import-images", help="make a dataset from a folder with one "
                            "subfolder per class; last line 'dataset NAME: C classes, N "
                            "train / M test images'")
    images.add_argument("folder", metavar="FOLDER")
    images.add_argument("--name", required=True, help="the new dataset's name (train "
                        "--dataset NAME uses it)")
    images.add_argument("--recipe", choices=("fashion-mnist", "mnist"),
                        default="fashion-mnist", help="how an image becomes the 28x28 "
                        "input: the dataset's own way (default fashion-mnist)")
    images.add_argument("--with", dest="with_dataset", choices=tuple(DATASETS),
                        help="add the images to this dataset's own classes")
    images.add_argument("--test-fraction", type=float, default=0.2)
    images.add_argument("--seed", type=seed, default=0)

    playground = sub.add_parser(
        "playground", help="softmax regression on points of a plane, as the Playground "
        "tab trains it; last line 'loss=L predict=[1.5,1.5]->C p=P0,P1,...'")
    add_playground_arguments(playground)

    export = sub.add_parser("export", help="convert a weights file to another format")
    export.add_argument("--weights", required=True, metavar="IN")
    export.add_argument("output", metavar="OUT")
    return parser


def add_playground_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``playground`` command's flags: the points, the model, the steps."""
    from softmax_gui.plane_model import ACTIVATIONS, LOSSES
    from softmax_gui.plane_points import PRESETS

    parser.add_argument("--preset", choices=PRESETS, default="numpy-text",
                        help="the points (numpy-text: the NumPy text's three)")
    parser.add_argument("--points-file", metavar="CSV",
                        help="points from a CSV of x,y,class[,split] instead of a preset")
    parser.add_argument("--points", type=int, default=200, help="how many points")
    parser.add_argument("--classes", type=int, default=3, help="2 to 6 (not numpy-text, xor)")
    parser.add_argument("--noise", type=float, default=0.0, help="jitter added (its SD)")
    parser.add_argument("--test-fraction", type=float, default=0.0)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate")
    parser.add_argument("--l2", type=float, default=0.0, help="L2 penalty on the weights")
    parser.add_argument("--batch-size", type=int, default=0, help="0: the full batch")
    parser.add_argument("--loss", choices=LOSSES, default="cross-entropy")
    parser.add_argument("--hidden", type=int, default=0,
                        help="units of one hidden layer (0: softmax regression)")
    parser.add_argument("--activation", choices=ACTIVATIONS, default="relu")
    parser.add_argument("--seed", type=seed, default=0)


def seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**63 - 1 (TrainConfig's range)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text} is out of range: use 0 to {2**63 - 1}")
    return value


def data_args(parser: argparse.ArgumentParser, dataset_default: str | None = "fashion-mnist"):
    """``--dataset`` and ``--data-dir``, for a command that reads a dataset."""
    parser.add_argument("--dataset", choices=tuple(known()), default=dataset_default,
                        help="a dataset the app ships, or one made by import-images")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder with the dataset's IDX files (raw or torchvision layout)")
