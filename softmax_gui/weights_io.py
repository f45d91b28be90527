"""Save and load trained weights in formats other tools read, with validation.

Formats: ``.safetensors`` (tensors and metadata), ``.pt`` (a plain state_dict, metadata
in a ``.pt.json`` sidecar), ``.onnx`` (raw pixels to logits and probabilities, metadata
in ``metadata_props``) and ``.npz`` (``W``, ``b`` and a JSON ``metadata`` string).

Every file describes a model that takes raw ``[0, 1]`` pixels ``(N, 1, 28, 28)``.
For the linear-first models (softmax regression, MLP) the training standardisation is
folded into the first layer, so ``.pt`` loads into d2l's ``nn.Sequential(nn.Flatten(),
nn.Linear(784, 10))`` and ``.npz``'s ``softmax(W @ x + b)`` is the prediction. The CNN's
zero padding makes folding inexact, so its files carry ``input_mean`` and ``input_std``
(the ONNX graph applies them itself).

Writes are atomic (temporary file, then rename). Reads never run code: ``.pt`` goes
through ``torch.load(weights_only=True)``. Anything unusable raises :class:`WeightsError`
with a message a person can act on.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from softmax_gui import __version__
from softmax_gui.events import WeightSnapshot
from softmax_gui.model_registry import get_model, to_file_form
from softmax_gui.models import NUM_INPUTS, WithInputNorm, model_from_state, model_kind_of

FORMATS = (".safetensors", ".pt", ".npz", ".onnx")
ONNX_PREFIX = "m.net."  # initializer names of the exported graph: Export.m (WithInputNorm).net
FORMAT_VERSION = 1


class WeightsError(ValueError):
    """A weights file cannot be used; the message names the file and the problem."""


# --- canonical form ---------------------------------------------------------------------

def canonical_state(snapshot: WeightSnapshot) -> tuple[str, dict[str, np.ndarray], float, float]:
    """Return ``(kind, state, mean, std)`` of the file form of ``snapshot``.

    The scratch model's ``W`` already has the Linear layout and is renamed, and for the
    linear-first models the standardisation is folded into the first layer:
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
    }


# --- saving -----------------------------------------------------------------------------

def save(snapshot: WeightSnapshot, path: str | os.PathLike, config: dict | None = None) -> Path:
    """Write ``snapshot`` to ``path`` in the format its extension names.

    Raises
    ------
    WeightsError
        For an unknown extension or a folder that cannot be written; no partial file
        is left behind.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _WRITERS:
        raise WeightsError(f"cannot export to {path.name}: use one of {', '.join(FORMATS)}")
    _, state, _, _ = canonical_state(snapshot)
    meta = metadata_for(snapshot, config)
    try:
        _WRITERS[suffix](path, state, meta)
    except OSError as exc:
        raise WeightsError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def check_writable(path: str | os.PathLike) -> None:
    """Raise :class:`WeightsError` now if ``save(..., path)`` could not succeed later.

    Lets the CLI refuse ``--export`` to a bad place before spending time on training.
    """
    path = Path(path)
    if path.suffix.lower() not in _WRITERS:
        raise WeightsError(f"cannot export to {path.name}: use one of {', '.join(FORMATS)}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise WeightsError(f"cannot export to {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise WeightsError(f"cannot export to {path}: folder {folder} is not writable")


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` then rename over ``path``; remove the temp file on failure."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        # mkstemp creates the file 0600; give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_safetensors(path: Path, state, meta) -> None:
    from safetensors.numpy import save_file

    flat = {k: json.dumps(v) for k, v in meta.items()}
    _atomic_write(path, lambda tmp: save_file(state, tmp, metadata=flat))


def _write_pt(path: Path, state, meta) -> None:
    tensors = {k: torch.from_numpy(v) for k, v in state.items()}
    _atomic_write(path, lambda tmp: torch.save(tensors, tmp))
    sidecar = _sidecar(path)
    _atomic_write(sidecar, lambda tmp: Path(tmp).write_text(json.dumps(meta, indent=2)))


def _write_npz(path: Path, state, meta) -> None:
    arrays = dict(state)
    if get_model(meta["model"]).linear:
        # The from-scratch NumPy form: softmax(W @ x + b) with x the 784 raw pixels.
        arrays = {"W": state["1.weight"], "b": state["1.bias"]}
    arrays["metadata"] = np.array(json.dumps(meta))

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    _atomic_write(path, write)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


class _Export(torch.nn.Module):
    """Raw pixels -> (logits, probabilities): the two outputs of the ONNX graph."""

    def __init__(self, m: torch.nn.Module):
        super().__init__()
        self.m = m

    def forward(self, pixels: torch.Tensor):
        logits = self.m(pixels)
        return logits, torch.softmax(logits, dim=1)


def _write_onnx(path: Path, state, meta) -> None:
    import contextlib
    import io
    import warnings

    import onnx

    net = model_from_state({k: torch.from_numpy(v) for k, v in state.items()}, meta["model"])
    module = _Export(WithInputNorm(net, meta["input_mean"], meta["input_std"])).eval()

    def write(tmp: str) -> None:
        example = torch.rand(2, 1, 28, 28)
        # The exporter narrates each step on stdout and warns about its own internals.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (example,), tmp, input_names=["pixels"],
                              output_names=["logits", "probabilities"],
                              dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True,
                              external_data=False)
        model = onnx.load(tmp)
        model.doc_string = (f"Softmax Studio {meta['model']} for {meta['dataset']}: float32 "
                            "(N, 1, 28, 28) raw pixels in [0, 1] -> logits, probabilities")
        for key, value in meta.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, json.dumps(value)
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, tmp)

    _atomic_write(path, write)


_WRITERS = {".safetensors": _write_safetensors, ".pt": _write_pt, ".npz": _write_npz,
            ".onnx": _write_onnx}


# --- loading ----------------------------------------------------------------------------

def load(path: str | os.PathLike) -> tuple[torch.nn.Module, dict]:
    """Load a weights file as a model on raw ``[0, 1]`` pixels, plus its metadata.

    Returns
    -------
    model : nn.Module
        In eval mode, on the CPU, mapping ``(N, 1, 28, 28)`` to logits.
    metadata : dict
        At least ``model``, ``classes``, ``dataset`` (``None`` when the file has no
        metadata, e.g. a bare ``.pt`` from elsewhere), ``input_mean``, ``input_std``.

    Raises
    ------
    WeightsError
    """
    snapshot, meta = load_snapshot(path)
    net = model_from_state({k: torch.from_numpy(v) for k, v in snapshot.state.items()},
                           snapshot.model)
    return WithInputNorm(net, snapshot.mean, snapshot.std).eval(), meta


def load_snapshot(path: str | os.PathLike) -> tuple[WeightSnapshot, dict]:
    """Load and fully validate a weights file as a :class:`WeightSnapshot` (CPU numpy)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise WeightsError(
            f"{path.name}: unknown weights format {suffix or '(no extension)'!r}; "
            f"open a {', '.join(FORMATS)} file"
        )
    if not path.is_file():
        raise WeightsError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise WeightsError(f"{path.name} is empty (0 bytes): it is not a weights file")
    try:
        state, meta = _READERS[suffix](path)
    except WeightsError:
        raise
    except OSError as exc:
        raise WeightsError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except Exception as exc:  # noqa: BLE001 - every parser fails differently; report it
        raise WeightsError(
            f"{path.name} is not a readable {suffix} weights file (corrupt or truncated?): "
            f"{_first_line(exc)}"
        ) from exc
    return _validate(path, state, meta)


def _read_safetensors(path: Path):
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        raw_meta = f.metadata() or {}
        state = {k: f.get_tensor(k) for k in f.keys()}
    meta = {}
    for key, value in raw_meta.items():
        try:
            meta[key] = json.loads(value)
        except json.JSONDecodeError:
            meta[key] = value
    return state, meta


def _read_pt(path: Path):
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        # torch wraps every refusal in a long generic text; keep its one telling line.
        detail = str(exc).split("WeightsUnpickler error:")[-1].strip().splitlines()[0]
        if "global" in detail.lower():
            raise WeightsError(
                f"{path.name} contains Python objects, not only tensors, and was refused "
                f"without running anything ({detail}): .pt files must be a plain state_dict"
            ) from None
        raise WeightsError(
            f"{path.name} is not a readable .pt weights file (corrupt or truncated?): {detail}"
        ) from None
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsError(f"{path.name} is not a state_dict (a dict of tensors)")
    state = {str(k): v.detach().float().numpy() for k, v in obj.items()}
    sidecar = _sidecar(path)
    meta = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    return state, meta


def _read_npz(path: Path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta_array = arrays.pop("metadata", None)
    meta = json.loads(str(meta_array)) if meta_array is not None else {}
    if set(arrays) == {"W", "b"}:
        arrays = {"1.weight": arrays["W"], "1.bias": arrays["b"]}
    return arrays, meta


def _read_onnx(path: Path):
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    meta = {}
    for entry in model.metadata_props:
        try:
            meta[entry.key] = json.loads(entry.value)
        except json.JSONDecodeError:
            meta[entry.key] = entry.value
    state = {init.name[len(ONNX_PREFIX):]: numpy_helper.to_array(init)
             for init in model.graph.initializer if init.name.startswith(ONNX_PREFIX)}
    if not state:
        raise WeightsError(f"{path.name} is an ONNX model, but not one exported by Softmax "
                           "Studio (no m.net.* weights); it cannot be opened as weights")
    return state, meta


_READERS = {".safetensors": _read_safetensors, ".pt": _read_pt, ".npz": _read_npz,
            ".onnx": _read_onnx}


def _validate(path: Path, state: dict, meta: dict) -> tuple[WeightSnapshot, dict]:
    name = path.name
    # A copy: arrays read from ONNX are read-only, which torch.from_numpy warns about.
    state = {k: np.array(v, dtype=np.float32) for k, v in state.items()}
    try:
        kind = model_kind_of({k: torch.from_numpy(v) for k, v in state.items()})
    except ValueError as exc:
        raise WeightsError(f"{name}: {exc}; is it a Softmax Studio export?") from None
    if get_model(kind).file_model != kind:
        raise WeightsError(f"{name}: {kind} tensors are stored under the names of "
                           f"{get_model(kind).file_model} (e.g. 1.weight, 1.bias)")
    first = state.get("1.weight", state.get("0.weight"))
    if first is not None and first.ndim == 2 and first.shape[1] != NUM_INPUTS:
        raise WeightsError(f"{name}: the model takes {first.shape[1]} inputs, not 784 (28x28)")
    try:
        model = model_from_state({k: torch.from_numpy(v) for k, v in state.items()}, kind)
    except (RuntimeError, KeyError, IndexError) as exc:
        mismatch = [line.strip() for line in str(exc).splitlines() if "size mismatch" in line]
        raise WeightsError(f"{name}: tensor shapes do not fit a {kind} model: "
                           f"{mismatch[0] if mismatch else _first_line(exc)}") from None
    num_classes = _num_classes(model)
    classes = meta.get("classes")
    if classes is not None and len(classes) != num_classes:
        raise WeightsError(
            f"{name}: the weights have {num_classes} outputs but the metadata lists "
            f"{len(classes)} class names"
        )
    if not all(np.isfinite(v).all() for v in state.values()):
        raise WeightsError(f"{name}: the weights contain NaN or infinite values")
    meta = dict(meta)
    meta.setdefault("dataset", None)
    meta["model"] = kind
    meta["classes"] = list(classes) if classes is not None else [str(i) for i in range(num_classes)]
    mean, std = float(meta.get("input_mean", 0.0)), float(meta.get("input_std", 1.0))
    if not std > 0:
        raise WeightsError(f"{name}: input_std must be > 0, got {std}")
    meta["input_mean"], meta["input_std"] = mean, std
    snapshot = WeightSnapshot(
        epoch=int(meta.get("epoch") or 0), model=kind, state=state, mean=mean, std=std,
        classes=tuple(meta["classes"]), dataset=meta["dataset"] or "",
        test_acc=meta.get("test_acc"),
    )
    return snapshot, meta


def _num_classes(model: torch.nn.Module) -> int:
    return [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1].out_features


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
