"""Reading and writing each weights format, headers first.

A reader learns every tensor's shape and dtype from the file's header (the safetensors
header, the npy headers inside an npz, the ONNX initializers' dims, a memory-mapped
torch zip), has ``weights_check`` decide, and only then reads the data: a small file
that declares a huge model is refused before it can take memory. Readers return
``(state, metadata, spec, classes)`` with float32 numpy arrays; writers go through
``safe_files.atomic_write``.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np

from softmax_gui.weights_check import WeightsError, check_tensors

ONNX_PREFIX = "m.net."  # initializer names of the exported graph: Export.m (WithInputNorm).net
NPZ_META_BYTES = 2**20
_SAFETENSORS_DTYPES = {"F16": "float16", "BF16": "bfloat16", "F32": "float32",
                       "F64": "float64"}


def _parse_values(raw: dict) -> dict:
    """String metadata (safetensors, ONNX) -> values: each is JSON when it parses."""
    out = {}
    for key, value in raw.items():
        try:
            out[key] = json.loads(value)
        except (TypeError, ValueError):
            out[key] = value
    return out


# --- reading ------------------------------------------------------------------------------

def read_safetensors(path: Path):
    from safetensors import safe_open

    name = path.name
    with safe_open(str(path), framework="pt") as f:  # "pt": numpy has no bfloat16
        keys = list(f.keys())
        slices = {k: f.get_slice(k) for k in keys}
        shapes = {k: tuple(s.get_shape()) for k, s in slices.items()}
        dtypes = {k: _SAFETENSORS_DTYPES.get(s.get_dtype(), s.get_dtype().lower())
                  for k, s in slices.items()}
        spec, classes = check_tensors(name, shapes, dtypes)
        state = {k: f.get_tensor(k).float().numpy() for k in keys}
        meta = _parse_values(f.metadata() or {})
    return state, meta, spec, classes


def read_pt(path: Path):
    import torch

    name = path.name
    try:
        # Quiet: torch warns about pickle protocols on stderr, which is not for the user.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = _torch_load(path)
    except WeightsError:
        raise
    except Exception as exc:  # noqa: BLE001 - torch fails in many ways; say which kind
        raise WeightsError(_pt_refusal(name, exc)) from None
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsError(f"{name} holds a {type(obj).__name__}, not a state_dict (a dict "
                           "of tensors): save model.state_dict()")
    # Shapes and dtypes of the (memory-mapped, or expanded) tensors, before any copy.
    shapes = {str(k): tuple(v.shape) for k, v in obj.items()}
    dtypes = {str(k): str(v.dtype).removeprefix("torch.") for k, v in obj.items()}
    spec, classes = check_tensors(name, shapes, dtypes)
    state = {str(k): v.detach().to(torch.float32).contiguous().numpy().copy()
             for k, v in obj.items()}
    sidecar = path.with_name(path.name + ".json")
    meta = {}
    if sidecar.is_file():
        try:
            if sidecar.stat().st_size > NPZ_META_BYTES:
                raise ValueError("too large")
            meta = json.loads(sidecar.read_text())
        except (OSError, ValueError, UnicodeDecodeError):
            raise WeightsError(f"{sidecar.name} (the metadata beside {name}) is not "
                               "readable JSON; delete it to open the bare weights") from None
        if not isinstance(meta, dict):
            raise WeightsError(f"{sidecar.name} (the metadata beside {name}) is a "
                               f"{type(meta).__name__}, not a set of named values; delete it "
                               "to open the bare weights")
    return state, meta, spec, classes


def _torch_load(path: Path):
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError as exc:
        if "mmap" not in str(exc) and "zip" not in str(exc).lower():
            raise
        # The legacy (non-zip) format cannot be memory-mapped; it is read whole, and the
        # file's size is already bounded (weights_check.MAX_FILE_BYTES).
        return torch.load(path, map_location="cpu", weights_only=True)


def _pt_refusal(name: str, exc: Exception) -> str:
    if "Unsupported global" in str(exc):  # a pickle that names Python objects
        return (f"{name} holds Python objects (a pickle), not only tensors; it was refused "
                "without running it. Save a plain state_dict: torch.save(model.state_dict(), "
                "path)")
    return (f"{name} is not a PyTorch weights file (damaged, truncated, or another kind of "
            "file renamed .pt)")


def read_npz(path: Path):
    name = path.name
    shapes, dtypes, meta_seen = {}, {}, False
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                key = info.filename.removesuffix(".npy")
                with archive.open(info) as member:
                    shape, dtype = _npy_header(member)
                if key == "metadata":
                    meta_seen = True
                    if dtype.kind != "U" or shape != () or info.file_size > NPZ_META_BYTES:
                        raise WeightsError(f"{name}: its metadata is not one JSON text")
                    continue
                shapes[key], dtypes[key] = shape, "object" if dtype.hasobject else dtype.name
    except WeightsError:
        raise
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, KeyError):
        raise WeightsError(f"{name} is not a NumPy .npz archive of arrays (damaged, "
                           "truncated, or another kind of file renamed .npz)") from None
    if set(shapes) == {"W", "b"}:
        shapes = {"1.weight": shapes["W"], "1.bias": shapes["b"]}
        dtypes = {"1.weight": dtypes["W"], "1.bias": dtypes["b"]}
    spec, classes = check_tensors(name, shapes, dtypes)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays.pop("metadata"))) if meta_seen else {}
    if set(arrays) == {"W", "b"}:
        arrays = {"1.weight": arrays["W"], "1.bias": arrays["b"]}
    return {k: v.astype(np.float32) for k, v in arrays.items()}, meta, spec, classes


def _npy_header(member) -> tuple[tuple, np.dtype]:
    """The shape and dtype an .npy stream declares, read from its header alone."""
    version = np.lib.format.read_magic(member)
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise ValueError(f"npy format {version[0]}.{version[1]} is not supported")
    shape, _, dtype = readers[version](member)
    return shape, dtype


_ONNX_FLOATS = {1: "float32", 10: "float16", 11: "float64", 16: "bfloat16"}


def read_onnx(path: Path):
    import onnx
    from onnx import numpy_helper

    name = path.name
    model = onnx.load(str(path), load_external_data=False)
    onnx.checker.check_model(model)
    ours = [init for init in model.graph.initializer if init.name.startswith(ONNX_PREFIX)]
    if not ours:
        raise WeightsError(f"{name} is an ONNX model, but not one Softmax Studio exports (no "
                           "m.net.* weights); run it with ONNX Runtime instead")
    if any(init.data_location == onnx.TensorProto.EXTERNAL for init in ours):
        raise WeightsError(f"{name} keeps its weights in other files; Softmax Studio reads "
                           "only self-contained .onnx files")
    shapes = {i.name[len(ONNX_PREFIX):]: tuple(i.dims) for i in ours}
    dtypes = {i.name[len(ONNX_PREFIX):]: _ONNX_FLOATS.get(i.data_type, f"type {i.data_type}")
              for i in ours}
    spec, classes = check_tensors(name, shapes, dtypes)
    state = {i.name[len(ONNX_PREFIX):]: numpy_helper.to_array(i).astype(np.float32)
             for i in ours}
    meta = _parse_values({e.key: e.value for e in model.metadata_props})
    return state, meta, spec, classes


def check_onnx_graph(path: Path, model_on_pixels) -> None:
    """Refuse an .onnx whose graph computes something else than its weights' model.

    The app reads an ONNX file's initializers into its own network; a graph that was
    edited (or never was an export of this app) would be silently reinterpreted. Both
    run on the same inputs under ONNX Runtime and torch; they must agree.
    """
    import onnxruntime
    import torch

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.random((6, 1, 28, 28)), np.zeros((1, 1, 28, 28)),
                        np.ones((1, 1, 28, 28))]).astype(np.float32)
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        outputs = session.run(None, {session.get_inputs()[0].name: x})
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime's refusals vary
        raise WeightsError(f"{path.name}: ONNX Runtime cannot run its graph: "
                           f"{_first(exc)}") from None
    with torch.no_grad():
        expected = model_on_pixels(torch.from_numpy(x)).numpy()
    got = np.asarray(outputs[0])
    if got.shape != expected.shape or not np.allclose(got, expected, atol=1e-3, rtol=1e-3):
        raise WeightsError(f"{path.name}: its graph computes something other than the model "
                           "its weights describe (it was edited, or is not a Softmax Studio "
                           "export); run it with ONNX Runtime instead")


READERS = {".safetensors": read_safetensors, ".pt": read_pt, ".npz": read_npz,
           ".onnx": read_onnx}


# --- writing ------------------------------------------------------------------------------

def write_safetensors(path: Path, state: dict, meta: dict) -> dict:
    from safetensors.numpy import save_file

    flat = {k: json.dumps(v) for k, v in meta.items()}
    return {path: lambda tmp: save_file(state, tmp, metadata=flat)}


def write_pt(path: Path, state: dict, meta: dict) -> dict:
    import torch

    tensors = {k: torch.from_numpy(v) for k, v in state.items()}
    text = json.dumps(meta, indent=2)
    # The weights and their metadata appear together or not at all.
    return {path: lambda tmp: torch.save(tensors, tmp),
            path.with_name(path.name + ".json"): lambda tmp: Path(tmp).write_text(text)}


def write_npz(path: Path, state: dict, meta: dict, linear: bool) -> dict:
    arrays = dict(state)
    if linear:
        # The from-scratch NumPy form: softmax(W @ x + b) with x the 784 raw pixels.
        arrays = {"W": state["1.weight"], "b": state["1.bias"]}
    arrays["metadata"] = np.array(json.dumps(meta))

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    return {path: write}


def write_onnx(path: Path, module, meta: dict) -> dict:
    import onnx
    import torch

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

    return {path: write}


def _first(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
