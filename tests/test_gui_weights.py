"""Open / export weights in the window, and the bundled default model."""

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from softmax_gui import events, training, weights_io
from softmax_gui.config import TrainConfig
from softmax_gui.qt.weights_actions import DEFAULT_WEIGHTS


def message_box(window, name):
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == name
             and b.isVisible()]
    assert boxes, f"no visible {name} dialog"
    return boxes[-1]


def test_default_weights_active_at_start(window):
    assert window.snapshot is not None
    assert "bundled default" in window.weights_label.text()
    assert window.snapshot.test_acc >= 0.845
    assert window.grid.probabilities is not None  # the grid works before any training
    assert window.draw_panel.predictor is not None  # and so does the canvas


def test_default_weights_reproducible_from_readme_command(fashion):
    # README: python -m softmax_gui train --epochs 10 --seed 0 --export <file>
    _, meta = weights_io.load_snapshot(DEFAULT_WEIGHTS)
    assert meta["config"] == TrainConfig(epochs=10, seed=0).to_dict()
    evs = training.train(TrainConfig.from_dict(meta["config"]), fashion)
    finished = [e for e in evs if isinstance(e, events.Finished)][0]
    assert finished.test_acc == pytest.approx(meta["test_acc"], abs=0.002)


@pytest.mark.parametrize("suffix", [".safetensors", ".pt", ".onnx", ".npz"])
def test_export_then_open_round_trip(qtbot, window, tmp_path, suffix):
    before = window.grid.probabilities.copy()
    path = tmp_path / f"mine{suffix}"
    assert window.weights.save(path)
    assert window.weights.open(path)
    assert path.name in window.weights_label.text()
    assert np.allclose(window.grid.probabilities, before, atol=1e-5)


@pytest.mark.parametrize("content", [b"", b"garbage" * 50])
def test_bad_file_shows_dialog_and_keeps_weights(qtbot, window, tmp_path, content):
    current = window.snapshot
    label = window.weights_label.text()
    path = tmp_path / "broken.safetensors"
    path.write_bytes(content)
    assert not window.weights.open(path)
    box = message_box(window, "weights-error")
    assert "broken.safetensors" in box.text()
    assert window.snapshot is current and window.weights_label.text() == label
    assert window.banner.isVisible()
    box.close()


def test_other_dataset_offers_to_switch(qtbot, window, tmp_path):
    import dataclasses

    mnist = dataclasses.replace(window.snapshot, dataset="mnist",
                                classes=tuple(str(d) for d in range(10)))
    path = weights_io.save(mnist, tmp_path / "digits.safetensors")
    current = window.snapshot
    assert not window.weights.open(path)
    box = message_box(window, "switch-dataset")
    assert "MNIST" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    assert window.snapshot is current and window.dataset.name == "fashion-mnist"


def test_wrong_class_count_is_refused(qtbot, window, tmp_path):
    import torch

    torch.save({"1.weight": torch.zeros(5, 784), "1.bias": torch.zeros(5)}, tmp_path / "f.pt")
    current = window.snapshot
    assert not window.weights.open(tmp_path / "f.pt")
    assert "5 classes" in message_box(window, "weights-error").text()
    assert window.snapshot is current


def test_training_continues_from_opened_weights(qtbot, window):
    start_acc = window.snapshot.test_acc
    window.panel.model.setCurrentIndex(window.panel.model.findData("softmax-scratch"))
    window.panel.lr.setValue(0.001)
    with qtbot.waitSignal(window.run_finished, timeout=60000) as blocker:
        window.step()
    assert isinstance(blocker.args[0], events.Finished)
    assert blocker.args[0].test_acc == pytest.approx(start_acc, abs=0.01)  # not from scratch


def _fake_mnist(folder):
    """The four IDX files of a tiny random 'MNIST' (shape and format only)."""
    import gzip

    rng = np.random.default_rng(0)
    folder.mkdir()
    files = (("train-images-idx3-ubyte", (60, 28, 28)), ("train-labels-idx1-ubyte", (60,)),
             ("t10k-images-idx3-ubyte", (20, 28, 28)), ("t10k-labels-idx1-ubyte", (20,)))
    for stem, shape in files:
        array = rng.integers(0, 10 if len(shape) == 1 else 256, shape, dtype=np.uint8)
        header = bytes([0, 0, 8, len(shape)]) + b"".join(int(d).to_bytes(4, "big") for d in shape)
        (folder / f"{stem}.gz").write_bytes(gzip.compress(header + array.tobytes()))
    return folder


def test_switching_datasets_drops_and_restores_fitting_weights(qtbot, window, tmp_path):
    assert window.load_dataset("mnist", str(_fake_mnist(tmp_path / "mnist")))
    assert window.snapshot is None and window.grid.probabilities is None
    assert "none" in window.weights_label.text()
    window.panel.set_config(window.panel.config().replace(dataset="mnist", epochs=1))
    with qtbot.waitSignal(window.run_finished, timeout=60000):
        assert window.start()
    assert window.snapshot.dataset == "mnist"  # weights that do not fit Fashion-MNIST
    assert window.load_dataset("fashion-mnist")
    assert window.snapshot is not None and "bundled default" in window.weights_label.text()
