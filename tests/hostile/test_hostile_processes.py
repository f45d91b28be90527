"""Hostile inputs met the way a user meets them: the CLI, the window, a whole process."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cases import RECORD_DAMAGE, tiny_disk, write_record
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1"


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "softmax_gui", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, **(env or {})})


def one_clear_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "Warning" not in stderr
    return lines[0]


def test_the_cli_refuses_hostile_weights_in_one_line(tmp_path):
    import torch

    one = torch.zeros(1)
    torch.save({"1.weight": one.expand(300_000, 784), "1.bias": one.expand(300_000)},
               tmp_path / "huge.pt")
    image = tmp_path / "x.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(image)
    out = cli("predict", "--weights", tmp_path / "huge.pt", image)
    assert out.returncode == 2
    assert one_clear_line(out.stderr) == (
        "error: huge.pt: the model has 300000 outputs; the datasets this app knows have 10 "
        "classes")


def test_predict_goes_on_after_an_image_it_refuses(tmp_path, fashion):
    weights = fashion.spec.default_weights
    bomb = tmp_path / "bomb.png"
    Image.new("L", (12000, 12000)).save(bomb, optimize=True)
    good = tmp_path / "boot.png"
    Image.fromarray(fashion.test_images[0].numpy()).save(good)
    out = cli("predict", "--weights", weights, bomb, good)
    assert out.returncode == 2
    assert "more pixels than the 8192x8192 an image may have" in one_clear_line(out.stderr)
    assert out.stdout.startswith(f"{good}: ankle boot")


def test_peak_memory_stays_bounded_whatever_the_files_declare(tmp_path):
    # Every 'declared sizes' case in one fresh process; then its peak resident memory.
    code = (
        "import resource, sys, tempfile\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from cases import cases, outcome\n"
        "import softmax_gui.weights_io, softmax_gui.data, softmax_gui.preprocess\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "verdicts = [outcome(c, Path(tempfile.mkdtemp()))[0] for c in cases()\n"
        "            if c.group.startswith('3')]\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(base // 1024, peak // 1024, ','.join(verdicts))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    base, peak, verdicts = out.stdout.split()
    assert set(verdicts.split(",")) == {"refused"}
    # The files declare up to 235 GB; reading them may take what a real model takes.
    assert int(peak) - int(base) < 300, f"peak {peak} MB after {base} MB"


def test_the_app_starts_over_damaged_run_records(qtbot, settings, fashion, tmp_path):
    from softmax_gui.qt.shell.main_window import MainWindow
    from softmax_gui.runs import RunStore

    root = tmp_path / "runs"
    for k, damage in enumerate(RECORD_DAMAGE.values()):
        write_record(root / f"bad-{k:02d}", damage)
    write_record(root / "good")
    damaged_sweep = tmp_path / "sweeps" / "sweep-20261205-101010"  # beside the runs
    damaged_sweep.mkdir(parents=True)
    (damaged_sweep / "sweep.json").write_bytes(b"\xff" * 100)
    window = MainWindow(settings, runs=RunStore(root), dataset=fashion)  # the session's
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.session.is_ready, timeout=30_000)
    view = window.tabs.runs
    assert view.tree.topLevelItemCount() == 1
    assert view.note.text().startswith(f"{len(RECORD_DAMAGE) + 1} folder(s) with a damaged")
    window.close()


def test_a_full_disk_is_said_in_the_window_and_by_the_cli(qtbot, settings, fashion, tmp_path):
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("a full disk is a small tmpfs, which needs root")
        pytest.skip("a full disk is a small tmpfs, which needs root")
    from softmax_gui.qt.shell.main_window import MainWindow

    with tiny_disk(tmp_path, kib=64) as disk:
        with open(disk / "filler", "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        data = tmp_path / "data"
        out = cli("train", "--epochs", "1", "--export", disk / "w.onnx",
                  env={"XDG_DATA_HOME": str(data)})
        assert out.returncode == 2
        line = one_clear_line(out.stderr.replace("\r", "\n").split("\n")[-2] + "\n")
        kept = data / "softmax-studio" / "unsaved" / "w.onnx"
        assert "the disk is full" in line and str(kept) in line and kept.is_file()
        assert [p.name for p in disk.iterdir()] == ["filler"]

        window = MainWindow(settings, dataset=fashion)  # the session's, as loaded
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.session.is_ready, timeout=30_000)
        window.weights_actions.export(str(disk / "w.safetensors"))
        qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
        assert window.banner.text.text() == f"Cannot write {disk / 'w.safetensors'}: the " \
                                            "disk is full"
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]
        window.close()


def _train_five_runs(root: str, barrier) -> None:
    """What a window does five times: take the next number, train, save the run."""
    from cases import snapshot

    from softmax_gui.run_history import RunHistory
    from softmax_gui.runs import RunStore

    store = RunStore(Path(root))
    highest = store.highest_number()
    good = snapshot()
    for _ in range(5):
        barrier.wait()  # both windows start a run at the same moment
        number = store.take_number(highest + 1)
        highest = number
        store.save(RunHistory(number, f"#{number} softmax", {"epochs": 1}), good)


def test_two_windows_on_one_runs_folder_never_share_a_run_number(tmp_path):
    """Two processes on one runs folder, five rounds: ten runs, ten numbers (they were
    1, 1, 3, 3, 5, 5, ...)."""
    import multiprocessing

    from softmax_gui.runs import RunStore

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_train_five_runs, args=(str(tmp_path), barrier))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(240)
        assert worker.exitcode == 0
    numbers = sorted(run.number for run in RunStore(tmp_path).list())
    assert numbers == list(range(1, 11))
