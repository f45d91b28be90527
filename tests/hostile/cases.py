"""Hostile inputs, one class of attack at a time, defined once for the tests and the report.

A case builds its input in a folder and performs the action a user or the app would
(open the weights, read the dataset, list the runs, export to a full disk...). It
either must be **refused** with one clear line (the app's own error type, no newline, no
library internals, no advice to turn a safety check off) or must be **handled**: work,
and work right, which its check verifies. ``scripts/hostile_report.py`` runs them all
and prints the table; ``tests/hostile/`` asserts each.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from softmax_gui.datasets_registry import DATASETS

REFUSE, HANDLE = "refuse", "handle"
# Words a refusal must never contain: library internals and advice to disable a check.
NOT_IN_MESSAGES = ("Traceback", "weights_only=False", "allow_pickle", "WeightsUnpickler",
                   "invalid load key", "Unsupported operand", "PytorchStreamReader",
                   "SafetensorError", "HeaderTooLarge", "enforce fail", "inline_container")


@dataclass(frozen=True)
class Case:
    group: str
    name: str
    act: Callable[[Path], object]  # builds the input in the folder, does the action
    expect: str = REFUSE
    check: Callable[[object], bool] | None = None  # for HANDLE: the result is right
    needs_root: bool = False  # a full disk is a small tmpfs, which only root can mount


def domain_errors():
    """The app's one error type per kind of input."""
    from softmax_gui.data import DatasetError
    from softmax_gui.drawn_classes import DrawnError
    from softmax_gui.plane_points import PointsError
    from softmax_gui.preprocess import ImageError
    from softmax_gui.runs import RunError
    from softmax_gui.safe_files import WriteError
    from softmax_gui.user_datasets import ImageFolderError
    from softmax_gui.weights_io import WeightsError

    return (WeightsError, DatasetError, RunError, ImageError, WriteError, ImageFolderError,
            DrawnError, PointsError)


# --- helpers that make files ------------------------------------------------------------------

def snapshot():
    from softmax_gui.datasets_registry import get_spec
    from softmax_gui.weights_io import load_snapshot

    return load_snapshot(get_spec("fashion-mnist").default_weights)[0]


def _good(folder: Path, suffix: str) -> Path:
    from softmax_gui.weights_io import save

    return save(snapshot(), folder / f"good{suffix}")


def _open(path: Path):
    from softmax_gui.weights_io import load_snapshot

    return load_snapshot(path)


def _pt(folder: Path, tensors: dict, sidecar=None, raw_sidecar: str | None = None) -> Path:
    import torch

    path = folder / "w.pt"
    torch.save(tensors, path)
    if sidecar is not None or raw_sidecar is not None:
        (folder / "w.pt.json").write_text(raw_sidecar if raw_sidecar is not None
                                          else json.dumps(sidecar))
    return path


def _linear(classes=10, dtype="float32"):
    import torch

    return {"1.weight": torch.zeros(classes, 784, dtype=getattr(torch, dtype)),
            "1.bias": torch.zeros(classes, dtype=getattr(torch, dtype))}


def _npz(folder: Path, meta_text: str | None = None, **arrays) -> Path:
    path = folder / "w.npz"
    if meta_text is not None:
        arrays["metadata"] = np.array(meta_text)
    np.savez(path, **arrays)
    return path


def _with_sidecar(meta) -> Callable[[Path], object]:
    return lambda folder: _open(_pt(folder, _linear(), sidecar=meta))


def _with_raw_sidecar(text: str) -> Callable[[Path], object]:
    return lambda folder: _open(_pt(folder, _linear(), raw_sidecar=text))


def _with_npz_meta(text: str) -> Callable[[Path], object]:
    return lambda folder: _open(_npz(folder, text, W=np.zeros((10, 784), np.float32),
                                     b=np.zeros(10, np.float32)))


def _with_safetensors_meta(meta: dict) -> Callable[[Path], object]:
    def act(folder: Path):
        from safetensors.numpy import save_file

        path = folder / "w.safetensors"
        save_file({"1.weight": np.zeros((10, 784), np.float32),
                   "1.bias": np.zeros(10, np.float32)}, str(path), metadata=meta)
        return _open(path)
    return act


# --- 1. run records ---------------------------------------------------------------------------

GOOD_RECORD = {"id": "r", "label": "#1 softmax", "created": "2026-11-22T10:00:00+00:00",
               "config": {"epochs": 1}, "epochs": [{"epoch": 1.0, "train_loss": 0.5,
                                                     "train_acc": 0.8, "test_loss": 0.5,
                                                     "test_acc": 0.8, "seconds": 1.0}],
               "train_seconds": 1.0, "test_acc": 0.8, "epoch": 1.0,
               "dataset": "fashion-mnist", "model": "softmax"}

RECORD_DAMAGE = {
    "list": "[]", "null": "null", "number": "42", "string": '"run"', "empty object": "{}",
    "config null": {"config": None}, "created 5": {"created": 5},
    "test_acc text": {"test_acc": "x"}, "epochs 5": {"epochs": 5},
    "epochs of numbers": {"epochs": [1]}, "epoch text": {"epochs": [{"epoch": "a"}]},
    "label 5": {"label": 5}, "train_seconds text": {"train_seconds": "fast"},
    "model list": {"model": ["softmax"]}, "dataset null": {"dataset": None},
    "not JSON": "{", "binary": "\x00\xff\xfe garbage", "empty file": "",
    "deep nesting": "[" * 200_000 + "]" * 200_000, "invalid UTF-8": b"\xff\xfe\xfa",
    "huge (17 MB)": "[" + "0," * 9_000_000 + "0]",
}


def write_record(folder: Path, damage=None) -> None:
    """A run folder whose run.json is the good record, changed by ``damage`` (fields to
    overwrite, or the whole file's text or bytes)."""
    folder.mkdir(parents=True)
    path = folder / "run.json"
    if damage is None or isinstance(damage, dict):
        path.write_text(json.dumps({**GOOD_RECORD, **(damage or {})}))
    elif isinstance(damage, bytes):
        path.write_bytes(damage)
    else:
        path.write_text(damage)


def _damaged_record(damage) -> Callable[[Path], object]:
    def act(folder: Path):
        from softmax_gui.runs import RunStore

        root = folder / "runs"
        write_record(root / "good")
        write_record(root / "bad", damage)
        store = RunStore(root)
        return [r.id for r in store.list()], [p.name for p in store.damaged]
    return act


def _damaged_curves(content: bytes) -> Callable[[Path], object]:
    def act(folder: Path):
        from softmax_gui.runs import RunStore

        run = folder / "runs" / "r1"
        run.mkdir(parents=True)
        (run / "run.json").write_text(json.dumps(GOOD_RECORD))
        (run / "curves.npz").write_bytes(content)
        (saved,) = RunStore(folder / "runs").list()
        return saved.history(1)
    return act


def _symlinked_run(folder: Path):
    from softmax_gui.runs import RunStore

    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "run.json").write_text(json.dumps(GOOD_RECORD))
    (elsewhere / "precious.txt").write_text("keep me")
    (folder / "runs").mkdir()
    (folder / "runs" / "link").symlink_to(elsewhere, target_is_directory=True)
    store = RunStore(folder / "runs")
    (run,) = store.list()
    store.delete(run)
    return (folder / "runs" / "link").exists(), (elsewhere / "precious.txt").exists()


def _stale(path: Path) -> None:
    old = os.path.getmtime(path) - 3600
    os.utime(path, (old, old))


def _killed_save_leftover(folder: Path):
    from softmax_gui.runs import RunStore

    leftover = folder / "runs" / ".saving-abc123"
    leftover.mkdir(parents=True)
    (leftover / "run.json").write_text("{")
    _stale(leftover)
    RunStore(folder / "runs").list()
    return leftover.exists()


def _killed_export_leftover(folder: Path):
    leftover = folder / ".sms-0badc0de.tmp"
    leftover.write_bytes(b"half a file")
    _stale(leftover)
    _good(folder, ".npz")
    return leftover.exists()


# --- 3. declared sizes ------------------------------------------------------------------------

def _expanded_pt(folder: Path):
    import torch

    # 1,949 bytes that declare a 300,000-class model: one float, seen 235 million times.
    one = torch.zeros(1)
    return _open(_pt(folder, {"1.weight": one.expand(300_000, 784),
                              "1.bias": one.expand(300_000)}))


def _wide_mlp_safetensors(folder: Path):
    from safetensors.numpy import save_file

    path = folder / "wide.safetensors"
    save_file({"1.weight": np.zeros((5000, 784), np.float16),
               "1.bias": np.zeros(5000, np.float16),
               "3.weight": np.zeros((10, 5000), np.float16),
               "3.bias": np.zeros(10, np.float16)}, str(path))
    return _open(path)


def _npz_bomb(folder: Path):
    """A deflated .npz whose W declares 200,000 x 784 floats (627 MB): its header and a
    compressed run of zeros, as a bomb begins; a reader that trusts it inflates it all."""
    path = folder / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, shape in (("W", (200_000, 784)), ("b", (200_000,))):
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                header, {"descr": "<f4", "fortran_order": False, "shape": shape})
            archive.writestr(f"{name}.npy", header.getvalue() + bytes(8 * 2**20))
    assert path.stat().st_size < 100_000
    return _open(path)


def _huge_file(folder: Path):
    path = folder / "huge.safetensors"
    with open(path, "wb") as f:
        f.seek(80 * 2**20)
        f.write(b"\0")
    return _open(path)


def _idx_folder(folder: Path, images: bytes | list[bytes] | None = None) -> Path:
    """The four IDX files of a 20-image dataset, with the train images replaced (by
    ``images``, or the chunks of it, written one after another)."""
    rng = np.random.default_rng(0)

    def idx(shape, values) -> bytes:
        return bytes([0, 0, 8, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) \
            + values.tobytes()

    files = {"train-images-idx3-ubyte": images if images is not None
             else idx((20, 28, 28), rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)),
             "train-labels-idx1-ubyte": idx((20,), rng.integers(0, 10, 20, dtype=np.uint8)),
             "t10k-images-idx3-ubyte": idx((20, 28, 28), rng.integers(0, 256, (20, 28, 28),
                                                                     dtype=np.uint8)),
             "t10k-labels-idx1-ubyte": idx((20,), rng.integers(0, 10, 20, dtype=np.uint8))}
    data = folder / "data"
    data.mkdir()
    for stem, content in files.items():
        with gzip.open(data / f"{stem}.gz", "wb", compresslevel=1) as f:
            for chunk in content if isinstance(content, list) else [content]:
                f.write(chunk)
    return data


def _dataset(images: Callable[[], bytes | list[bytes]]) -> Callable[[Path], object]:
    """A case loading a dataset whose test images file holds ``images()`` (made when the
    case runs: a case's own 300 MB must not count in the peak memory measured)."""
    def act(folder: Path):
        from softmax_gui import data

        return data.load("fashion-mnist", _idx_folder(folder, images()))
    return act


def _header(shape) -> bytes:
    return bytes([0, 0, 8, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)


def _zeros(count: int) -> bytes:
    return bytes(count)


def _image_bomb(folder: Path):
    from PIL import Image

    from softmax_gui.preprocess import load_image_file

    path = folder / "bomb.png"
    Image.new("L", (12000, 12000)).save(path, optimize=True)
    assert path.stat().st_size < 1_000_000
    return load_image_file(path)


# --- 4. images --------------------------------------------------------------------------------

def _image(content: bytes, name: str = "x.png") -> Callable[[Path], object]:
    def act(folder: Path):
        from softmax_gui.preprocess import load_image_file

        path = folder / name
        path.write_bytes(content)
        return load_image_file(path)
    return act


def _fifo(folder: Path):
    from softmax_gui.preprocess import load_image_file

    path = folder / "pipe.png"
    os.mkfifo(path)
    return load_image_file(path)  # must refuse at once: opening a FIFO blocks forever


def _folder_named_png(folder: Path):
    from softmax_gui.preprocess import load_image_file

    (folder / "folder.png").mkdir()
    return load_image_file(folder / "folder.png")


POSTSCRIPT = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n"
              b"newpath 0 0 moveto 28 28 lineto stroke showpage\n%%EOF\n")


def _test_item():
    from softmax_gui import data

    dataset = data.load("fashion-mnist", download=False)
    return dataset.test_images[0].numpy()  # an ankle boot, bright on black


def _sixteen_bit(folder: Path):
    from PIL import Image

    from softmax_gui.preprocess import load_image_file, to_model_input

    item = _test_item()
    path = folder / "deep.png"
    Image.fromarray(item.astype(np.uint16) * 257).save(path)  # 0..65535
    return to_model_input(load_image_file(path)), to_model_input(item)


def _transparent_dark_ink(folder: Path):
    from PIL import Image

    from softmax_gui.preprocess import load_image_file, to_model_input

    item = _test_item()
    rgba = np.zeros((28, 28, 4), np.uint8)  # black ink, the item's shape in the alpha
    rgba[..., 3] = item
    path = folder / "sticker.png"
    Image.fromarray(rgba, "RGBA").resize((280, 280)).save(path)
    return to_model_input(load_image_file(path)), to_model_input(item)


def _grey_background(folder: Path):
    from PIL import Image

    from softmax_gui.preprocess import load_image_file

    photo = np.full((200, 200), 100, np.uint8)  # a mid-grey table
    photo[60:140, 70:130] = 230  # a bright item on it
    path = folder / "photo.png"
    Image.fromarray(photo).save(path)
    return load_image_file(path)


# --- 5. full disk -----------------------------------------------------------------------------

def _full_disk_export(suffix: str) -> Callable[[Path], object]:
    def act(folder: Path):
        from softmax_gui.weights_io import save

        with tiny_disk(folder) as disk:
            previous = disk / f"w{suffix}"
            previous.write_bytes(b"the previous file")
            _fill(disk)
            try:
                return save(snapshot(), previous)
            finally:
                assert previous.read_bytes() == b"the previous file"
                assert sorted(p.name for p in disk.iterdir()) == sorted([f"w{suffix}",
                                                                         "filler"])
    return act


def _full_disk_pt_pair(folder: Path):
    from softmax_gui.weights_io import save

    with tiny_disk(folder, kib=32) as disk:
        try:
            # The weights (~32 KB) fit, the pair does not: neither may appear alone.
            return save(snapshot(), disk / "w.pt")
        finally:
            assert [p.name for p in disk.iterdir()] == []


def _full_disk_run_save(folder: Path):
    from softmax_gui.run_history import RunHistory
    from softmax_gui.runs import RunStore

    with tiny_disk(folder) as disk:
        _fill(disk)
        try:
            return RunStore(disk / "runs").save(RunHistory(1, "#1"), snapshot())
        finally:
            leftovers = [p for p in (disk / "runs").glob("*")] if (disk / "runs").exists() \
                else []
            assert leftovers == []


class tiny_disk:
    """A small tmpfs mounted on a folder (root only): a real full or nearly full disk."""

    def __init__(self, folder: Path, kib: int = 256):
        self.path, self.kib = folder / "disk", kib

    def __enter__(self) -> Path:
        import subprocess

        self.path.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.kib}k", "tmpfs",
                        str(self.path)], check=True, capture_output=True)
        return self.path

    def __exit__(self, *exc):
        import subprocess

        # Lazy: detached even if something still holds a file there.
        subprocess.run(["umount", "-l", str(self.path)], check=False, capture_output=True)


def _fill(disk: Path) -> None:
    with open(disk / "filler", "wb", buffering=0) as f:  # unbuffered: no flush at close
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


# --- 6. permissions ---------------------------------------------------------------------------

def _umask_race(folder: Path):
    import threading

    from softmax_gui.weights_io import save

    made, stop = [], threading.Event()

    def others():
        k = 0
        while not stop.is_set():
            path = folder / f"other-{k}"
            with open(path, "w") as f:
                f.write("x")
            made.append(path)
            k += 1

    worker = threading.Thread(target=others)
    worker.start()
    try:
        for k in range(30):
            save(snapshot(), folder / f"w{k}.npz")
    finally:
        stop.set()
        worker.join()
    umask = os.umask(0)
    os.umask(umask)
    return {oct(p.stat().st_mode & 0o777) for p in made}, oct(0o666 & ~umask)


def _keeps_mode(folder: Path):
    from softmax_gui.weights_io import save

    path = folder / "private.safetensors"
    path.write_bytes(b"old")
    path.chmod(0o600)
    save(snapshot(), path)
    return oct(path.stat().st_mode & 0o777)


def _new_file_modes(folder: Path):
    """The mode each format's export gets, and what open() would give (the umask)."""
    from softmax_gui.weights_io import save

    modes = set()
    for suffix in (".safetensors", ".pt", ".npz"):
        save(snapshot(), folder / f"new{suffix}")
        modes.add(oct((folder / f"new{suffix}").stat().st_mode & 0o777))
    plain = folder / "plain"
    plain.write_text("x")
    return modes, oct(plain.stat().st_mode & 0o777)


def _full_disk_plots(folder: Path):
    from PySide6.QtWidgets import QApplication

    from softmax_gui.qt.curves.curves_view import PlotsView

    app = QApplication.instance() or QApplication([])  # noqa: F841 - the plots need one
    view = PlotsView()
    try:
        with tiny_disk(folder) as disk:
            previous = disk / "plots.png"
            previous.write_bytes(b"the previous file")
            _fill(disk)
            try:
                return view.export_png(str(previous))
            finally:
                assert previous.read_bytes() == b"the previous file"
                assert sorted(p.name for p in disk.iterdir()) == ["filler", "plots.png"]
    finally:
        view.deleteLater()


def _long_name(folder: Path):
    from softmax_gui.weights_io import load_snapshot, save

    path = folder / ("w" * 240 + ".safetensors")  # 252 bytes: legal on every filesystem
    save(snapshot(), path)
    return load_snapshot(path)[0].classes[0]


# --- 7. silently accepted ---------------------------------------------------------------------

def _dtype_pt(dtype: str) -> Callable[[Path], object]:
    return lambda folder: _open(_pt(folder, _linear(dtype=dtype)))


def _bfloat16(suffix: str) -> Callable[[Path], object]:
    def act(folder: Path):
        import torch

        weights = torch.randn(10, 784).to(torch.bfloat16)
        if suffix == ".pt":
            path = _pt(folder, {"1.weight": weights, "1.bias": torch.zeros(10)})
        else:
            from safetensors.torch import save_file

            path = folder / "w.safetensors"
            save_file({"1.weight": weights, "1.bias": torch.zeros(10)}, str(path))
        loaded = _open(path)[0].state["1.weight"]
        return bool(np.allclose(loaded, weights.float().numpy()))
    return act


def _string_npz(folder: Path):
    return _open(_npz(folder, W=np.array([["a"] * 784] * 10), b=np.zeros(10)))


def _object_npz(folder: Path):
    path = folder / "w.npz"
    np.savez(path, W=np.array([object()] * 10, dtype=object), b=np.zeros(10))
    return _open(path)


def _foreign_onnx(folder: Path):
    import onnx
    from onnx import helper

    path = _good(folder, ".onnx")
    model = onnx.load(str(path))
    graph = model.graph
    logits = graph.output[0].name
    graph.node.append(helper.make_node("Neg", [logits], ["negated"]))
    graph.output[0].name = "negated"  # the graph now answers with -logits
    renamed = folder / "edited.onnx"
    onnx.save(model, str(renamed))
    return _open(renamed)


# --- 8. messages ------------------------------------------------------------------------------

class _Exploit:
    def __reduce__(self):
        return (exec, ("open('PWNED', 'w').write('x')",))


def _pickle(protocol: int) -> Callable[[Path], object]:
    def act(folder: Path):
        path = folder / "evil.pt"
        with open(path, "wb") as f:
            pickle.dump({"1.weight": _Exploit()}, f, protocol=protocol)
        try:
            return _open(path)
        finally:
            assert not Path("PWNED").exists()
    return act


def _zip_named_pt(folder: Path):
    path = folder / "w.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a model")
    return _open(path)


# --- the cases --------------------------------------------------------------------------------

def cases() -> list[Case]:
    out: list[Case] = []
    add = out.append
    g = "1 run records"
    for name, damage in RECORD_DAMAGE.items():
        add(Case(g, f"run.json {name}", _damaged_record(damage), HANDLE,
                 lambda r: r == (["good"], ["bad"])))
    add(Case(g, "damaged curves.npz", _damaged_curves(b"PK\x03\x04 not really a zip")))
    # Random bytes are a pickle to numpy, whose error advises loading it unsafely.
    add(Case(g, "curves.npz of random bytes", _damaged_curves(
        np.random.default_rng(0).bytes(4096))))
    add(Case(g, "delete a symlinked run folder", _symlinked_run, HANDLE,
             lambda r: r == (False, True)))
    add(Case(g, "a killed save's .saving- folder", _killed_save_leftover, HANDLE,
             lambda r: r is False))
    add(Case(g, "a killed export's temporary file", _killed_export_leftover, HANDLE,
             lambda r: r is False))
    g = "2 metadata"
    bad_meta = {"a list": [], "a number": 42, "classes 10": {"classes": 10},
                "input_mean [1]": {"input_mean": [1]}, "dataset list": {"dataset": ["x"]},
                "input_std 1e-45": {"input_std": 1e-45}, "input_mean 1e39": {"input_mean": 1e39},
                "unknown dataset": {"dataset": "cifar-10"}, "9 class names": {"classes": ["a"] * 9},
                "test_acc 7": {"test_acc": 7}, "config a list": {"config": []},
                "epoch -1": {"epoch": -1}, "classes of numbers": {"classes": list(range(10))}}
    for name, meta in bad_meta.items():
        add(Case(g, f".pt.json {name}", _with_sidecar(meta)))
    raw = {"null": "null", "epoch 1e400": '{"epoch": 1e400}',
           "input_mean NaN": '{"input_mean": NaN}', "input_std Infinity": '{"input_std": Infinity}',
           "not JSON": "{", "binary": "\x00\x01"}
    for name, text in raw.items():
        add(Case(g, f".pt.json {name}", _with_raw_sidecar(text)))
    for name, text in {"a list": "[]", "dataset 5": '{"dataset": 5}',
                       "input_std 0": '{"input_std": 0}', "not JSON": "{{"}.items():
        add(Case(g, f".npz metadata {name}", _with_npz_meta(text)))
    names = list(DATASETS["fashion-mnist"].classes)
    for name, meta in {"class names with markup": {"classes": json.dumps(
                           ["<h1 style='color:red'>HACK</h1>", *names[1:]])},
                       "class names not the dataset's": {"dataset": '"fashion-mnist"',
                                                         "classes": json.dumps(["x"] * 10)},
                       "a 400-character class name": {"classes": json.dumps(
                           ["A" * 400, *names[1:]])},
                       "input_std NaN": {"input_std": "NaN"},
                       "classes text": {"classes": '"abc"'},
                       "dataset unknown": {"dataset": '"kmnist2"'}}.items():
        add(Case(g, f".safetensors metadata {name}", _with_safetensors_meta(meta)))
    g = "3 declared sizes"
    add(Case(g, "1,949-byte .pt declaring 300,000 classes", _expanded_pt))
    add(Case(g, ".safetensors MLP of 5,000 hidden units", _wide_mlp_safetensors))
    add(Case(g, "compressed .npz declaring 200,000 classes", _npz_bomb))
    add(Case(g, "an 80 MB weights file", _huge_file))
    add(Case(g, "gzip IDX declaring 10 million images",
             _dataset(lambda: _header((10_000_000, 28, 28)) + _zeros(1000))))
    add(Case(g, "gzip IDX of 20 images followed by 300 MB",
             _dataset(lambda: [_header((20, 28, 28)), _zeros(20 * 784), *[_zeros(2**20)] * 300])))
    add(Case(g, "IDX of 64x64 images",
             _dataset(lambda: _header((20, 64, 64)) + _zeros(20 * 4096))))
    add(Case(g, "IDX of 0 images", _dataset(lambda: _header((0, 28, 28)))))
    add(Case(g, "IDX truncated in its header", _dataset(lambda: b"\x00\x00\x08\x03\x00")))
    add(Case(g, "187 KB PNG of 12000x12000 pixels", _image_bomb))
    g = "4 images"
    add(Case(g, "a FIFO named .png", _fifo))
    add(Case(g, "a folder named .png", _folder_named_png))
    add(Case(g, "PostScript named .png (no Ghostscript)", _image(POSTSCRIPT)))
    add(Case(g, "EPS named .eps", _image(POSTSCRIPT, "x.eps")))
    add(Case(g, "text named .png", _image(b"hello, not an image")))
    add(Case(g, "truncated PNG", _image(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00")))
    add(Case(g, "16-bit PNG read as 16-bit", _sixteen_bit, HANDLE,
             lambda r: np.allclose(r[0], r[1], atol=0.02)))
    add(Case(g, "transparent PNG with dark ink", _transparent_dark_ink, HANDLE,
             lambda r: r[0].any() and np.corrcoef(r[0].ravel(), r[1].ravel())[0, 1] > 0.9))
    add(Case(g, "photo on a grey background", _grey_background, HANDLE,
             lambda r: r[0, 0] == 0 and r[100, 100] > 0.8))
    g = "5 full disk"
    for suffix in (".safetensors", ".pt", ".npz", ".onnx"):
        add(Case(g, f"export {suffix} to a full disk", _full_disk_export(suffix),
                 needs_root=True))
    add(Case(g, ".pt with no room for its .pt.json", _full_disk_pt_pair, needs_root=True))
    add(Case(g, "save a run to a full disk", _full_disk_run_save, needs_root=True))
    add(Case(g, "export the plots (PNG) to a full disk", _full_disk_plots, needs_root=True))
    g = "6 permissions"
    add(Case(g, "other threads' files during 30 exports", _umask_race, HANDLE,
             lambda r: r[0] == {r[1]}))
    add(Case(g, "overwrite a 0600 file", _keeps_mode, HANDLE, lambda r: r == "0o600"))
    add(Case(g, "a 252-byte file name", _long_name, HANDLE, lambda r: r == "t-shirt"))
    add(Case(g, "new exports get open()'s mode (safetensors makes 0600)", _new_file_modes,
             HANDLE, lambda r: r[0] == {r[1]}))
    g = "7 silently accepted"
    for dtype in ("bool", "int8", "uint8", "int64", "complex64"):
        add(Case(g, f".pt of {dtype} tensors", _dtype_pt(dtype)))
    add(Case(g, ".npz of strings", _string_npz))
    add(Case(g, ".npz of Python objects", _object_npz))
    for suffix in (".pt", ".safetensors"):
        add(Case(g, f"bfloat16 {suffix}", _bfloat16(suffix), HANDLE, lambda r: r is True))
    add(Case(g, ".onnx whose graph negates the logits", _foreign_onnx))
    add(Case(g, "5-class .pt without metadata", lambda f: _open(_pt(f, _linear(5)))))
    g = "8 messages"
    add(Case(g, "pickle of Python objects (protocol 2)", _pickle(2)))
    add(Case(g, "pickle of Python objects (protocol 4)", _pickle(4)))
    add(Case(g, "text named .pt", lambda f: _open(_write(f / "w.pt", b"101\n"))))
    add(Case(g, "a zip of text named .pt", _zip_named_pt))
    add(Case(g, "random bytes named .npz", lambda f: _open(_write(f / "w.npz",
                                                                   os.urandom(300)))))
    return out


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def outcome(case: Case, folder: Path) -> tuple[str, str]:
    """Run ``case`` in ``folder``: ``(verdict, detail)``, the verdict one of refused,
    handled, crashed, silently accepted."""
    errors = domain_errors()
    try:
        result = case.act(folder)
    except errors as exc:
        message = str(exc)
        if "\n" in message or any(word in message for word in NOT_IN_MESSAGES):
            return "crashed", f"unclear message: {message!r}"
        if case.expect == REFUSE:
            return "refused", message
        return "crashed", f"refused what it should handle: {message}"
    except Exception as exc:  # noqa: BLE001 - anything else is a crash by definition
        return "crashed", f"{type(exc).__name__}: {exc}"
    if case.expect == HANDLE and case.check is not None and case.check(result):
        return "handled", repr(result)[:120]
    return "silently accepted", repr(result)[:120]
