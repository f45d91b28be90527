"""Is a weights file usable? Decided from its headers, before any tensor is read.

The readers in ``weights_formats.py`` hand over each tensor's declared shape and dtype
and the raw metadata; these checks refuse anything that is not a model this app makes
for a dataset it knows, with one line that says what is wrong. Nothing here imports
torch.
"""

from __future__ import annotations

import math

from softmax_gui.config import MAX_HIDDEN
from softmax_gui.datasets_registry import DATASETS, known
from softmax_gui.model_registry import ModelSpec, match_shapes, model_of_state

# No dataset the app knows has more classes; no model it makes is wider.
MAX_CLASSES = 100
# The largest file a model of those limits needs (an MLP of 4096 units: ~14 MB), with room.
MAX_FILE_BYTES = 64 * 2**20
FLOAT_DTYPES = {"float16", "bfloat16", "float32", "float64"}


class WeightsError(ValueError):
    """A weights file cannot be used; the message names the file and the problem."""


def check_tensors(name: str, shapes: dict, dtypes: dict) -> tuple[ModelSpec, int]:
    """The model the tensors make and its number of classes; ``WeightsError`` otherwise.

    ``shapes`` and ``dtypes`` map tensor names to declared shapes and dtype names
    (``"float32"``, ``"int64"``, ...), as the file's header states them.
    """
    try:
        spec = model_of_state(shapes)
    except ValueError:
        names = ", ".join(sorted(shapes)[:6]) or "none"
        raise WeightsError(f"{name}: its tensors ({names}) are not those of a model this "
                           "app makes (softmax regression, MLP or CNN)") from None
    for tensor, dtype in dtypes.items():
        if dtype not in FLOAT_DTYPES:
            raise WeightsError(f"{name}: tensor {tensor} holds {dtype} values; weights are "
                               "floating-point numbers")
    try:
        bound = match_shapes(spec, shapes)
    except ValueError as exc:
        raise WeightsError(f"{name}: {exc}") from None
    classes, hidden = bound["C"], bound.get("H", 1)
    if not 2 <= classes <= MAX_CLASSES:
        raise WeightsError(f"{name}: the model has {classes} outputs; the datasets this app "
                           f"knows have {_known_counts()} classes")
    if not 1 <= hidden <= MAX_HIDDEN:
        raise WeightsError(f"{name}: the model has {hidden} hidden units, more than the "
                           f"{MAX_HIDDEN} this app makes")
    return spec, classes


def check_metadata(name: str, meta, classes: int) -> dict:
    """The metadata of a file with ``classes`` outputs, checked field by field.

    Returns a clean dict with ``dataset`` (a known name or None), ``classes`` (names),
    ``input_mean``, ``input_std``, ``epoch``, ``test_acc`` and ``config``. Unknown keys
    are dropped; a field of the wrong type or range raises ``WeightsError``.
    """
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise WeightsError(f"{name}: its metadata is {type(meta).__name__}, not a set of "
                           "named values; the file is damaged or not from Softmax Studio")
    bad = _Field(name)
    dataset = meta.get("dataset")
    # The shipped datasets and the ones made here from the user's images.
    datasets = DATASETS if isinstance(dataset, str) and dataset in DATASETS else known()
    if dataset is not None and (not isinstance(dataset, str) or dataset not in datasets):
        raise bad("dataset", dataset, f"one of {', '.join(datasets)}")
    counts = {len(spec.classes) for spec in datasets.values()}
    if dataset is not None and classes != len(datasets[dataset].classes):
        raise WeightsError(f"{name}: the model has {classes} outputs, but "
                           f"{datasets[dataset].title} has {len(datasets[dataset].classes)} "
                           "classes")
    if dataset is None and classes not in counts:
        raise WeightsError(f"{name}: the model has {classes} outputs; the datasets this app "
                           f"knows have {_known_counts()} classes")
    names = _class_names(bad, meta.get("classes"), classes)
    expected = datasets[dataset].classes if dataset is not None else None
    if expected and names is not None and \
            [n.lower() for n in names] != [n.lower() for n in expected]:
        # The views name classes after the dataset: other names would say one thing in
        # one view and another elsewhere.
        raise WeightsError(f"{name}: its class names ({', '.join(names[:3])}, ...) are not "
                           f"{datasets[dataset].title}'s ({', '.join(expected[:3])}, ...); "
                           "the file is damaged or not from Softmax Studio")
    return {
        "dataset": dataset,
        "classes": names if names is not None else [str(i) for i in range(classes)],
        "input_mean": _number(bad, meta, "input_mean", 0.0, -1.0, 1.0),
        "input_std": _number(bad, meta, "input_std", 1.0, 1e-3, 10.0),
        "epoch": _number(bad, meta, "epoch", 0.0, 0.0, 1e6),
        "test_acc": None if meta.get("test_acc") is None
        else _number(bad, meta, "test_acc", None, 0.0, 1.0),
        "config": _mapping(bad, meta, "config"),
    }


class _Field:
    def __init__(self, name: str):
        self.name = name

    def __call__(self, key: str, value, wanted: str) -> WeightsError:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        return WeightsError(f"{self.name}: metadata {key} is {shown}, it must be {wanted}; "
                            "the file is damaged or not from Softmax Studio")


def _class_names(bad: _Field, names, classes: int) -> list[str] | None:
    """``names``, if it is a list of ``classes`` short plain-text names."""
    if names is None:
        return None
    if not isinstance(names, list) or len(names) != classes:
        raise bad("classes", names, f"a list of {classes} class names")
    for k, n in enumerate(names):
        if not isinstance(n, str) or not 0 < len(n) <= MAX_NAME:
            length = f"{len(n)} characters long" if isinstance(n, str) else \
                type(n).__name__
            raise WeightsError(f"{bad.name}: class name {k + 1} is {length}; names have 1 "
                               f"to {MAX_NAME} characters")
        if not n.isprintable() or any(c in n for c in "<>&"):
            raise WeightsError(f"{bad.name}: class name {k + 1} ({n[:20]!r}) holds markup or "
                               "control characters; the file is damaged or not from "
                               "Softmax Studio")
    return names


MAX_NAME = 40


def _number(bad: _Field, meta: dict, key: str, default, low: float, high: float):
    value = meta.get(key, default)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value) and low <= value <= high
    if not ok:
        raise bad(key, value, f"a number from {low:g} to {high:g}")
    return float(value)


def _mapping(bad: _Field, meta: dict, key: str) -> dict:
    value = meta.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(key, value, "a set of named values")
    return value


def _known_counts() -> str:
    return " or ".join(str(c) for c in sorted({len(s.classes) for s in DATASETS.values()}))
