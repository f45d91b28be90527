"""Save and load trained weights in formats other tools read, with validation.

Formats: ``.safetensors`` (tensors and metadata), ``.pt`` (a plain state_dict, metadata
in a ``.pt.json`` sidecar written with it), ``.onnx`` (raw pixels to logits and
probabilities, metadata in ``metadata_props``) and ``.npz`` (``W``, ``b`` and a JSON
``metadata`` string).

Every file describes a model that takes raw ``[0, 1]`` pixels ``(N, 1, 28, 28)``.
For the models whose first layer is dense (softmax regression, MLP) the training
standardisation is folded into it, so ``.pt`` loads into d2l's ``nn.Sequential(
nn.Flatten(), nn.Linear(784, 10))`` and ``.npz``'s ``softmax(W @ x + b)`` is the
prediction. The CNN's zero padding makes folding inexact, so its files carry
``input_mean`` and ``input_std`` (the ONNX graph applies them itself).

Writes are atomic and keep permissions (``safe_files``). Reads never run code (``.pt``
goes through ``torch.load(weights_only=True)``) and decide from headers before reading
(``weights_formats``, ``weights_check``). Anything unusable raises :class:`WeightsError`
with one line a person can act on.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import stat
from pathlib import Path

import numpy as np
import torch

from softmax_gui import __version__
from softmax_gui.events import WeightSnapshot
from softmax_gui.model_registry import get_model, to_file_form
from softmax_gui.models import WithInputNorm, model_from_state
from softmax_gui.safe_files import atomic_write, reason
from softmax_gui.weights_check import MAX_FILE_BYTES, WeightsError, check_metadata
from softmax_gui.weights_formats import (
    READERS,
    check_onnx_graph,
    write_npz,
    write_onnx,
    write_pt,
    write_safetensors,
)

FORMATS = (".safetensors", ".pt", ".npz", ".onnx")
FORMAT_VERSION = 1
__all__ = ["FORMATS", "WeightsError", "save", "load", "load_snapshot", "check_writable",
           "canonical_state", "metadata_for"]


# --- canonical form ---------------------------------------------------------------------

def canonical_state(snapshot: WeightSnapshot) -> tuple[str, dict[str, np.ndarray], float, float]:
    """Return ``(kind, state, mean, std)`` of the file form of ``snapshot``.

    The scratch model's ``W`` already has the Linear layout and is renamed, and for the
    dense-first models the standardisation is folded into the first layer:
    ``W ((x - m) / s) + b = (W / s) x + (b - (m / s) W 1)``.
    """
    spec = get_model(snapshot.model)
    state = to_file_form(spec.name, {k: np.asarray(v, dtype=np.float32)
                                     for k, v in snapshot.state.items()})
    kind = spec.file_model
    mean, std = float(snapshot.mean), float(snapshot.std)
    if spec.first_layer == "dense" and (mean, std) != (0.0, 1.0):
        w = state["1.weight"].astype(np.float64)
        state["1.bias"] = (state["1.bias"] - (mean / std) * w.sum(axis=1)).astype(np.float32)
        state["1.weight"] = (w / std).astype(np.float32)
        mean, std = 0.0, 1.0
    return kind, state, mean, std


def metadata_for(snapshot: WeightSnapshot, config: dict | None = None) -> dict:
    """The metadata every format stores (plain JSON types)."""
    kind, _, mean, std = canonical_state(snapshot)
    spec = get_model(snapshot.model)
    folded = spec.first_layer == "dense" and (float(snapshot.mean), float(snapshot.std)) \
        != (0.0, 1.0)
    standardization = ("folded into W and b: feed raw pixels" if folded else
                       "none: feed raw pixels" if (mean, std) == (0.0, 1.0) else
                       "in the graph: (x - input_mean) / input_std, applied by the model")
    extra = {"standardization": standardization}
    if spec.first_layer == "dense":
        extra["flatten"] = ("x.reshape(N, 784), row by row (pixel 28 * row + column is "
                            "column 28 * row + column of the first layer's weights)")
    return {
        "format_version": FORMAT_VERSION,
        "app": "softmax-studio",
        "app_version": __version__,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "dataset": snapshot.dataset,
        "classes": list(snapshot.classes),
        "model": kind,
        "input": "float32 (N, 1, 28, 28), raw pixels in [0, 1], bright item on black",
        "input_mean": mean,
        "input_std": std,
        "epoch": snapshot.epoch,
        "test_acc": snapshot.test_acc,
        "config": config or {},
        **extra,
    }


# --- saving -----------------------------------------------------------------------------

def save(snapshot: WeightSnapshot, path: str | os.PathLike, config: dict | None = None) -> Path:
    """Write ``snapshot`` to ``path`` in the format its extension names.

    Raises
    ------
    WeightsError
        For an unknown extension or anything that stops the write (a full or read-only
        disk, a missing folder); no partial file is left behind and a file that was
        there stays as it was.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise WeightsError(f"cannot export to {path.name}: use one of {', '.join(FORMATS)}")
    kind, state, mean, std = canonical_state(snapshot)
    meta = metadata_for(snapshot, config)
    if suffix == ".safetensors":
        writes = write_safetensors(path, state, meta)
    elif suffix == ".pt":
        writes = write_pt(path, state, meta)
    elif suffix == ".npz":
        writes = write_npz(path, state, meta, get_model(kind).linear)
    else:
        net = model_from_state({k: torch.from_numpy(v) for k, v in state.items()}, kind)
        writes = write_onnx(path, _Export(WithInputNorm(net, mean, std)).eval(), meta)
    try:
        atomic_write(writes)
    except Exception as exc:  # noqa: BLE001 - every library fails its own way; say why
        raise WeightsError(f"cannot write {path}: {reason(exc)}") from exc
    return path


def check_writable(path: str | os.PathLike) -> None:
    """Raise :class:`WeightsError` now if ``save(..., path)`` could not succeed later.

    Lets the CLI refuse ``--export`` to a bad place before spending time on training.
    """
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise WeightsError(f"cannot export to {path.name}: use one of {', '.join(FORMATS)}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise WeightsError(f"cannot export to {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise WeightsError(f"cannot export to {path}: folder {folder} is not writable")


class _Export(torch.nn.Module):
    """Raw pixels -> (logits, probabilities): the two outputs of the ONNX graph."""

    def __init__(self, m: torch.nn.Module):
        super().__init__()
        self.m = m

    def forward(self, pixels: torch.Tensor):
        logits = self.m(pixels)
        return logits, torch.softmax(logits, dim=1)


# --- loading ----------------------------------------------------------------------------

def load(path: str | os.PathLike) -> tuple[torch.nn.Module, dict]:
    """Load a weights file as a model on raw ``[0, 1]`` pixels, plus its metadata.

    Returns
    -------
    model : nn.Module
        In eval mode, on the CPU, mapping ``(N, 1, 28, 28)`` to logits.
    metadata : dict
        ``model``, ``classes``, ``dataset`` (``None`` when the file does not say, e.g. a
        bare ``.pt`` from elsewhere), ``input_mean``, ``input_std``, ``epoch``,
        ``test_acc``, ``config``.

    Raises
    ------
    WeightsError
    """
    snapshot, meta = load_snapshot(path)
    return _on_pixels(snapshot), meta


def _on_pixels(snapshot: WeightSnapshot) -> torch.nn.Module:
    net = model_from_state({k: torch.from_numpy(v) for k, v in snapshot.state.items()},
                           snapshot.model)
    return WithInputNorm(net, snapshot.mean, snapshot.std).eval()


def load_snapshot(path: str | os.PathLike) -> tuple[WeightSnapshot, dict]:
    """Load and fully validate a weights file as a :class:`WeightSnapshot` (CPU numpy)."""
    path = Path(path)
    name, suffix = path.name, path.suffix.lower()
    if suffix not in READERS:
        raise WeightsError(f"{name}: unknown weights format {suffix or '(no extension)'!r}; "
                           f"open a {', '.join(FORMATS)} file")
    try:
        info = path.stat()
    except OSError as exc:
        raise WeightsError(f"cannot open {path}: {reason(exc)}") from None
    if not stat.S_ISREG(info.st_mode):  # a folder, a pipe or a device would hang or fail
        raise WeightsError(f"{path} is not a regular file")
    if info.st_size == 0:
        raise WeightsError(f"{name} is empty (0 bytes): it is not a weights file")
    if info.st_size > MAX_FILE_BYTES:
        raise WeightsError(f"{name} is {info.st_size / 2**20:,.0f} MB; the weights of the "
                           f"models this app makes take at most {MAX_FILE_BYTES // 2**20} MB")
    if not os.access(path, os.R_OK):  # the readers' own words said "damaged" or "no folder"
        raise WeightsError(f"cannot read {path}: permission denied")
    try:
        state, raw_meta, spec, classes = READERS[suffix](path)
    except WeightsError:
        raise
    except OSError as exc:
        raise WeightsError(f"cannot read {path}: {reason(exc)}") from None
    except Exception:  # noqa: BLE001 - every parser fails its own way, in its own words
        raise WeightsError(f"{name} is not a readable {suffix} weights file (damaged, "
                           f"truncated, or another kind of file renamed {suffix})") from None
    meta = check_metadata(name, raw_meta, classes)
    if not all(np.isfinite(v).all() for v in state.values()):
        raise WeightsError(f"{name}: the weights contain NaN or infinite values")
    meta["model"] = spec.name
    snapshot = WeightSnapshot(
        epoch=meta["epoch"], model=spec.name, state=state, mean=meta["input_mean"],
        std=meta["input_std"], classes=tuple(meta["classes"]), dataset=meta["dataset"] or "",
        test_acc=meta["test_acc"],
    )
    if suffix == ".onnx":
        check_onnx_graph(path, _on_pixels(snapshot))
    check_outputs(snapshot, name)
    return snapshot, meta


def check_outputs(snapshot: WeightSnapshot, name: str) -> None:
    """``WeightsError`` unless the weights give finite logits for black, white and grey
    images: finite but huge weights (1e38) overflowed to NaN in every prediction, and
    to NaN/Infinity (invalid JSON) in ``explain --json``."""
    from softmax_gui.inference import Predictor

    probes = np.stack([np.zeros((28, 28)), np.ones((28, 28)), np.full((28, 28), 0.5)])
    with np.errstate(all="ignore"):
        logits = Predictor(snapshot).logits(probes.astype(np.float32))
    if not np.isfinite(logits).all() or np.abs(logits).max() > MAX_LOGIT:
        raise WeightsError(f"{name}: its outputs overflow (logits beyond {MAX_LOGIT:g} or "
                           "not finite for plain images): these are no usable weights")


# A logit this large makes exp() overflow in float32 and every probability 0 or NaN.
MAX_LOGIT = 1e30


# --- every epoch of a run (the timeline of a saved run) -----------------------------------

# A run keeps its latest epochs that fit: 10 epochs of softmax regression take 0.3 MB,
# of the default MLP 8 MB.
MAX_EPOCHS_BYTES = 64 * 2**20
MAX_KEPT_EPOCHS = 200  # as the timeline keeps (qt/insight/timeline.py, which must not import torch)


def save_epochs(snapshots: list[WeightSnapshot], path: str | os.PathLike) -> int:
    """Write the weights of each epoch in ``snapshots`` (in file form, like ``save``) to
    one safetensors file, the latest that fit in :data:`MAX_EPOCHS_BYTES`; returns how
    many were kept. The caller writes into a folder it renames into place (runs.py)."""
    import json

    from safetensors.numpy import save_file

    states = [canonical_state(s)[1] for s in snapshots[-MAX_KEPT_EPOCHS:]]
    first, total = len(states), 0
    while first > 0 and total + sum(v.nbytes for v in states[first - 1].values()) \
            <= MAX_EPOCHS_BYTES:
        first -= 1
        total += sum(v.nbytes for v in states[first].values())
    kept = snapshots[-MAX_KEPT_EPOCHS:][first:]
    tensors = {f"{i}/{k}": np.ascontiguousarray(v)
               for i, state in enumerate(states[first:]) for k, v in state.items()}
    meta = {"epochs": json.dumps([float(s.epoch) for s in kept]),
            "test_acc": json.dumps([s.test_acc for s in kept])}
    save_file(tensors, str(path), metadata=meta)
    return len(kept)


def load_epochs(path: str | os.PathLike, final: WeightSnapshot) -> list[WeightSnapshot]:
    """The epochs :func:`save_epochs` wrote, as snapshots like ``final`` (the run's
    weights as loaded); ``WeightsError`` (one line) for a file that is not exactly that."""
    import json

    from safetensors import safe_open

    path, name = Path(path), Path(path).name
    try:
        info = path.stat()
    except OSError as exc:
        raise WeightsError(f"cannot open {path}: {reason(exc)}") from None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_EPOCHS_BYTES + 2**20:
        raise WeightsError(f"{name} is not a file of a run's epochs (a special file, or "
                           "larger than the app writes)")
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            epochs, accs = json.loads(meta["epochs"]), json.loads(meta["test_acc"])
            if not (isinstance(epochs, list) and isinstance(accs, list)
                    and len(epochs) == len(accs) <= MAX_KEPT_EPOCHS
                    and all(isinstance(e, (int, float)) and np.isfinite(e) and e >= 0
                            for e in epochs)
                    and all(a is None or (isinstance(a, (int, float)) and 0 <= a <= 1)
                            for a in accs)
                    and all(a < b for a, b in zip(epochs, epochs[1:]))):
                raise ValueError("epochs")
            wanted = {f"{i}/{k}": v.shape for i in range(len(epochs))
                      for k, v in final.state.items()}
            if set(f.keys()) != set(wanted) or any(
                    tuple(f.get_slice(k).get_shape()) != tuple(shape)
                    or f.get_slice(k).get_dtype() != "F32" for k, shape in wanted.items()):
                raise ValueError("tensors")
            states = [{k: f.get_tensor(f"{i}/{k}") for k in final.state}
                      for i in range(len(epochs))]
    except Exception as exc:  # noqa: BLE001 - a header, JSON or tensor not as written
        if isinstance(exc, OSError):
            raise WeightsError(f"cannot read {path}: {reason(exc)}") from None
        raise WeightsError(f"{name} is damaged or is not the epochs of this run") from None
    if not all(np.isfinite(v).all() for state in states for v in state.values()):
        raise WeightsError(f"{name}: the weights contain NaN or infinite values")
    return [dataclasses.replace(final, epoch=float(e), state=state, test_acc=a,
                                test_logits=None, resume=None)
            for e, a, state in zip(epochs, accs, states)]
