"""Hostile inputs, round 2: the app's own files (run records, curves, the runs folder),
limits on what a command may ask, and messages in words (issue 27). The settings file
and the window's start are attacked in ``test_hostile_window.py``; two processes
taking run numbers in ``test_hostile_processes.py``."""

from __future__ import annotations

import json
import os
import shutil
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from cases import (
    GOOD_RECORD,
    HANDLE,
    NOT_IN_MESSAGES,
    Case,
    _damaged_record,
    snapshot,
    write_record,
)


def _listed_within(seconds: float, store) -> object:
    """``store.list()`` in a thread; "hung" if it does not return (a FIFO read)."""
    out = []
    thread = threading.Thread(target=lambda: out.append(store.list()), daemon=True)
    thread.start()
    thread.join(seconds)
    return "hung" if thread.is_alive() else out[0]


def _fifo_record(folder: Path):
    from softmax_gui.runs import RunStore

    root = folder / "runs"
    write_record(root / "good")
    (root / "bad").mkdir()
    os.mkfifo(root / "bad" / "run.json")
    store = RunStore(root)
    runs = _listed_within(10, store)
    return runs if runs == "hung" else ([r.id for r in runs], [p.name for p in store.damaged])


def _curves(make: Callable[[Path], None]) -> Callable[[Path], object]:
    def act(folder: Path):
        from softmax_gui.runs import RunStore

        run = folder / "runs" / "r1"
        run.mkdir(parents=True)
        (run / "run.json").write_text(json.dumps(GOOD_RECORD))
        make(run / "curves.npz")
        (saved,) = RunStore(folder / "runs").list()
        out = []
        thread = threading.Thread(target=lambda: out.append(_history(saved)), daemon=True)
        thread.start()
        thread.join(10)
        if thread.is_alive():
            return "hung"
        if isinstance(out[0], BaseException):
            raise out[0]
        return out[0]
    return act


def _history(saved):
    try:
        return saved.history(1)
    except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread
        return exc


def _zip_bomb(path: Path) -> None:
    """Two members of 40 MB of zeros (the app keeps 16 MB of curves at most): ~80 KB."""
    zeros = np.zeros(5 * 2**20)  # 40 MB of float64
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("x.npy", "loss.npy"):
            with z.open(name, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, zeros)


def _runs_folder_a_file(folder: Path):
    from softmax_gui.runs import RunStore

    (folder / "runs").write_text("not a folder")
    store = RunStore(folder / "runs")
    listed = store.list()
    try:
        store.take_number(1)
    except Exception as exc:  # noqa: BLE001 - what it says is the result
        return listed, store.problem, str(exc)
    return listed, store.problem, "took a number"


def _swapped_weights(folder: Path):
    """A run whose weights file was replaced by another model's: refused, named."""
    from softmax_gui import weights_io
    from softmax_gui.events import WeightSnapshot
    from softmax_gui.run_history import RunHistory
    from softmax_gui.runs import RunStore

    store = RunStore(folder / "runs")
    good = snapshot()
    saved = store.save(RunHistory(1, "#1 softmax", {"epochs": 10}), good)
    rng = np.random.default_rng(0)
    mlp = WeightSnapshot(1.0, "mlp", {"1.weight": rng.normal(0, .01, (8, 784)).astype("f4"),
                                      "1.bias": np.zeros(8, "f4"),
                                      "3.weight": rng.normal(0, .01, (10, 8)).astype("f4"),
                                      "3.bias": np.zeros(10, "f4")},
                         0.0, 1.0, good.classes, good.dataset, 0.1)
    weights_io.save(mlp, saved.path / "weights.safetensors")
    loaded = saved.weights()
    saved.check_weights(loaded.model, 0.1, False)
    return "loaded"


def _relabelled_accuracy(folder: Path):
    """The same model, other weights (67.97% true, 83.43% recorded): refused."""
    from softmax_gui.run_history import RunHistory
    from softmax_gui.runs import RunStore

    store = RunStore(folder / "runs")
    saved = store.save(RunHistory(1, "#1 softmax", {"epochs": 10}), snapshot())
    saved.check_weights(snapshot().model, 0.6797, False)
    return "loaded"


def _huge_finite_weights(folder: Path):
    import dataclasses

    from softmax_gui import weights_io

    good = snapshot()
    state = {k: np.full_like(v, 3e37) for k, v in good.state.items()}
    path = weights_io.save(dataclasses.replace(good, state=state), folder / "big.safetensors")
    return weights_io.load_snapshot(path)


def _cli(*argv: str) -> Callable[[Path], object]:
    """Run the command line in-process; the result is (exit status, what stderr said)."""
    def act(folder: Path):
        import contextlib
        import io

        from softmax_gui import cli

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                rc = cli.main([a.replace("{folder}", str(folder)) for a in argv])
            except SystemExit as exit_:  # argparse's own refusals
                rc = exit_.code
        return rc, err.getvalue().strip()
    return act


def _one_line(*words: str) -> Callable[[object], bool]:
    """A refusal by the command line: exit 2, one line, these words, no internals."""
    def check(result) -> bool:
        rc, text = result
        last = text.splitlines()[-1] if text else ""
        return (rc == 2 and all(w in last for w in words)
                and not any(w in text for w in NOT_IN_MESSAGES)
                and "invalid literal" not in text and "Errno" not in text)
    return check


def _app(*argv: str) -> Callable[[Path], object]:
    """``main.py``'s argument checks, before any window: (exit status, stderr)."""
    def act(folder: Path):
        import contextlib
        import io

        from softmax_gui.qt import app

        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = app.main(list(argv))
        return rc, err.getvalue().strip()
    return act


def _two_rescues(folder: Path):
    """Two exports that fail with the same name: both trained models are kept."""
    from softmax_gui import cli_train, weights_io
    from softmax_gui.config import TrainConfig

    os.environ["SOFTMAX_GUI_DATA"] = str(folder / "data")
    try:
        blocked = folder / "a-file"
        blocked.write_text("a file, where a folder should be")
        kept = []
        for _ in range(2):
            try:
                cli_train._export_or_keep(snapshot(), str(blocked / "x.safetensors"), TrainConfig())
            except weights_io.WeightsError as exc:
                kept.append(str(exc).split(" were kept in ")[1].split(" instead")[0])
        return kept
    finally:
        del os.environ["SOFTMAX_GUI_DATA"]


def cases() -> list[Case]:
    out: list[Case] = []
    add = out.append
    g = "9 own files"
    for name, text in {"epoch NaN": '"epoch": NaN', "epoch Infinity": '"epoch": Infinity',
                       "train_seconds -Infinity": '"train_seconds": -Infinity',
                       "a 5 MB label": json.dumps({"label": "x" * 5_000_000})[1:-1]}.items():
        record = json.dumps(GOOD_RECORD)[:-1] + ", " + text + "}"
        add(Case(g, f"run.json {name}", _damaged_record(record), HANDLE,
                 lambda r: r == (["good"], ["bad"])))
    add(Case(g, "run.json a FIFO", _fifo_record, HANDLE, lambda r: r == (["good"], ["bad"])))
    add(Case(g, "curves.npz a FIFO", _curves(os.mkfifo)))
    add(Case(g, "curves.npz a zip bomb (80 KB, 80 MB inside)", _curves(_zip_bomb)))
    add(Case(g, "runs folder a file", _runs_folder_a_file, HANDLE,
             lambda r: r[0] == [] and "is a file" in r[1] and "run number" in r[2]))
    add(Case(g, "a run's weights swapped for another model's", _swapped_weights))
    add(Case(g, "a run's weights swapped for worse ones", _relabelled_accuracy))
    add(Case(g, "weights of 3e37 (finite, outputs overflow)", _huge_finite_weights))
    g = "10 limits"
    add(Case(g, "train --model cnn --batch-size 65536",
             _cli("train", "--model", "cnn", "--batch-size", "65536"), HANDLE,
             _one_line("batch_size 65536", "at most")))
    add(Case(g, "train --model mlp --hidden 4097", _cli("train", "--model", "mlp",
                                                         "--hidden", "4097"),
             HANDLE, _one_line("hidden", "4096")))
    add(Case(g, "compare-implementations --steps 10000000000",
             _cli("compare-implementations", "--steps", "10000000000"), HANDLE,
             _one_line("--steps must be between 1 and 100,000")))
    add(Case(g, "main.py --train-epochs 20000",
             _app("--screenshot", "x.png", "--train-epochs", "20000"), HANDLE,
             _one_line("--train-epochs must be between 1 and 10000")))
    add(Case(g, "main.py --screenshot ''", _app("--screenshot", ""), HANDLE,
             _one_line("--screenshot needs a PATH ending in .png")))
    g = "11 nothing lost"
    add(Case(g, "two full-disk rescues with one name", _two_rescues, HANDLE,
             lambda r: len(r) == 2 and r[0] != r[1] and all(Path(p).is_file() for p in r)))
    g = "12 messages"
    weights = str(Path(__file__).resolve().parents[2] / "resources" /
                  "weights" / "fashion-mnist-softmax.safetensors")
    image = "{folder}/in.png"
    add(Case(g, "counterfactual --to ²", _with_image(_cli(
        "counterfactual", "--weights", weights, image, "--to", "²", "--out",
        "{folder}/o.png")), HANDLE, _one_line("--to", "is not a class")))
    add(Case(g, "counterfactual --out an existing folder", _with_image(_cli(
        "counterfactual", "--weights", weights, image, "--to", "1", "--out",
        "{folder}/out.png")), HANDLE, _one_line("is a folder")))
    add(Case(g, "compare-implementations --steps 2^70",
             _cli("compare-implementations", "--steps", str(2**70)), HANDLE,
             _one_line("--steps must be between")))
    add(Case(g, "compare-implementations --seed -1",
             _cli("compare-implementations", "--seed", "-1"), HANDLE,
             _one_line("--seed", "out of range")))
    add(Case(g, "train --export ''", _cli("train", "--epochs", "1", "--export", ""), HANDLE,
             _one_line("--export needs a file name")))
    g = "13 image folders"
    add(Case(g, "a FIFO, PostScript, text and a 144-megapixel bomb among the images",
             _image_folder(_hostile_files), HANDLE,
             lambda r: sorted(w.split(":")[0] for w in r.skipped) == [
                 "bomb.png", "list.png", "pipe.png", "poster.png"] and r.train + r.test == 6))
    add(Case(g, "one class folder", _image_folder(lambda root: shutil.rmtree(root / "b"))))
    add(Case(g, "an empty class folder", _image_folder(lambda root: (root / "c").mkdir())))
    add(Case(g, "a class named <script>", _image_folder(
        lambda root: shutil.move(root / "b", root / "<script>alert(1)<"))))
    add(Case(g, "a dataset named fashion-mnist", _image_folder(name="fashion-mnist")))
    add(Case(g, "a file where the folder should be", _image_folder(
        lambda root: (shutil.rmtree(root), root.write_text("x")))))
    add(Case(g, "a class folder that links to itself", _image_folder(
        lambda root: (root / "a" / "loop").symlink_to(root / "a")), HANDLE,
        lambda r: r.train + r.test == 6))
    add(Case(g, "the same picture in train and test", _image_folder(_copies), HANDLE,
             lambda r: r.duplicates > 0))
    g = "14 drawn classes"
    for name, content in {"examples.json truncated": b'[{"class": "hat", "image": [1, 2',
                          "examples.json of an image 3 pixels long":
                              b'[{"class": "hat", "image": [1, 2, 3]}]',
                          "examples.json a class named <b>": json.dumps(
                              [{"class": "<b>hat</b>", "image": [0] * 784}]).encode(),
                          "examples.json not a list": b'{"class": "hat"}',
                          "examples.json of 80 MB": b" " * (80 << 20)}.items():
        add(Case(g, name, _drawn(lambda path, c=content: path.write_bytes(c))))
    add(Case(g, "examples.json a FIFO", _drawn(os.mkfifo)))
    g = "15 playground points"
    for name, content in {"a NaN coordinate": b"x,y,class\n1,2,0\nnan,1,1\n",
                          "an infinite coordinate": b"1,2,0\n1,inf,1\n",
                          "a coordinate of 1e300": b"1,2,0\n1e300,1,1\n",
                          "class 7": b"1,2,0\n1,1,7\n",
                          "class -1": b"1,2,0\n1,1,-1\n",
                          "one class only": b"1,2,0\n2,3,0\n",
                          "a split named validation": b"1,2,0,train\n2,1,1,validation\n",
                          "semicolons": b"x;y;class\n1;2;0\n2;1;1\n",
                          "a missing column": b"1,2,0\n2,1\n",
                          "empty": b"",
                          "a header only": b"x,y,class,split\n",
                          "20,000 rows": b"1,2,0\n2,1,1\n" * 10_000,
                          "2 MB": b"1,2,0\n" + b" " * (2 << 20),
                          "a PNG": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
                          "UTF-16": "x,y,class\n1,2,0\n2,1,1\n".encode("utf-16")}.items():
        add(Case(g, f"points.csv: {name}", _points(lambda p, c=content: p.write_bytes(c))))
    add(Case(g, "points.csv a FIFO", _points(os.mkfifo)))
    add(Case(g, "points.csv a folder", _points(lambda p: p.mkdir())))
    add(Case(g, "points.csv with a BOM, CRLF and blank lines", _points(
        lambda p: p.write_bytes(b"\xef\xbb\xbfx,y,class,split\r\n1,2,0,train\r\n\r\n"
                                b"2,1,1,test\r\n")), HANDLE,
        lambda r: len(r) == 2 and r.classes == 2 and list(r.test) == [False, True]))
    add(Case(g, "playground --steps 10000000000", _cli(
        "playground", "--steps", "10000000000"), HANDLE, _one_line("--steps")))
    add(Case(g, "playground --lr 1e9", _cli("playground", "--lr", "1e9"), HANDLE,
             _one_line("learning rate")))
    add(Case(g, "playground --hidden 100000", _cli("playground", "--hidden", "100000"),
             HANDLE, _one_line("hidden units")))
    add(Case(g, "playground --points-file /dev/null", _cli(
        "playground", "--points-file", "/dev/null"), HANDLE, _one_line("not a file")))
    return out


def _points(make: Callable[[Path], object]) -> Callable[[Path], object]:
    """A points file made by ``make``, read as the Playground's Import CSV reads it."""
    def act(folder: Path):
        from softmax_gui.plane_points import read_csv

        make(folder / "points.csv")
        return read_csv(folder / "points.csv")
    return act


def _drawn(make: Callable[[Path], object]) -> Callable[[Path], object]:
    """The drawn examples file made by ``make``, read as the Draw dock reads it."""
    def act(folder: Path):
        from softmax_gui.drawn_classes import load

        (folder / "drawn").mkdir()
        make(folder / "drawn" / "examples.json")
        return load(folder / "drawn")
    return act


def _image_folder(damage: Callable[[Path], object] = lambda root: None,
                  name: str = "mine") -> Callable[[Path], object]:
    """Two class folders of three real items each (dark on light, PNG), changed by
    ``damage``, imported as ``import-images`` does."""
    def act(folder: Path):
        from PIL import Image

        from softmax_gui import data
        from softmax_gui.user_datasets import import_folder

        test = data.load("fashion-mnist", download=False)
        root = folder / "images"
        for label, name_ in ((0, "a"), (1, "b")):
            (root / name_).mkdir(parents=True)
            for k, i in enumerate(np.flatnonzero(test.test_labels.numpy() == label)[:3]):
                Image.fromarray(255 - test.test_images[i].numpy()).save(
                    root / name_ / f"{k}.png")
        damage(root)
        os.environ["SOFTMAX_GUI_DATA"] = str(folder / "data")
        try:
            return import_folder(root, name)
        finally:
            del os.environ["SOFTMAX_GUI_DATA"]
    return act


def _hostile_files(root: Path) -> None:
    from PIL import Image

    os.mkfifo(root / "a" / "pipe.png")
    (root / "a" / "poster.png").write_bytes(b"%!PS-Adobe-3.0\nshowpage\n")
    (root / "b" / "list.png").write_text("milk, eggs")
    Image.new("1", (12_000, 12_000)).save(root / "b" / "bomb.png")


def _copies(root: Path) -> None:
    one = next((root / "a").iterdir()).read_bytes()
    for k in range(10):
        (root / "a" / f"copy{k}.png").write_bytes(one)


def _with_image(act: Callable[[Path], object]) -> Callable[[Path], object]:
    """A trouser-like test input at ``{folder}/in.png`` (and a folder ``out.png``)."""
    def with_image(folder: Path):
        from PIL import Image

        pixels = np.zeros((28, 28), np.uint8)
        pixels[2:26, 10:18] = 255
        Image.fromarray(pixels, "L").save(folder / "in.png")
        (folder / "out.png").mkdir()
        return act(folder)
    return with_image
