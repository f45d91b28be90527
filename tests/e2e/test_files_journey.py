"""Export weights in every format from the File menu, open them again, open bad files."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from person import (
    CTRL,
    answer_file_dialog,
    answer_question,
    click_button,
    keys,
    menu,
    save_screenshot,
    status_text,
    type_into,
    wait_until_done,
)
from PySide6.QtCore import Qt

from softmax_gui import weights_io


def accuracy_line(window) -> str:
    return re.search(r"Test set: .* accurate\)", window.grid.summary.text()).group(0)


@pytest.mark.parametrize("suffix", [".safetensors", ".pt", ".onnx", ".npz"])
def test_export_then_open_each_format(qtbot, window, tmp_path, suffix):
    before = accuracy_line(window)
    path = tmp_path / f"mine{suffix}"
    menu(qtbot, window, "File", "Export weights…")
    answer_file_dialog(qtbot, path)
    qtbot.waitUntil(lambda: status_text(window) == f"Exported the weights to {path}",
                    timeout=60_000)  # the first ONNX export starts its helper process
    assert path.is_file() and path.stat().st_size > 1000
    keys(window, Qt.Key.Key_O, CTRL)  # File > Open weights…
    answer_file_dialog(qtbot, path)
    qtbot.waitUntil(lambda: f"Weights: {path.name}, 84.6%" in window.status.weights.text(),
                    timeout=10_000)
    assert accuracy_line(window) == before  # the same model, read back
    save_screenshot(window, f"opened{suffix.replace('.', '-')}")


def test_export_by_the_shortcut_names_the_format_from_the_filter(qtbot, window, tmp_path):
    keys(window, Qt.Key.Key_S, CTRL)
    answer_file_dialog(qtbot, tmp_path / "no-extension")
    saved = tmp_path / "no-extension.safetensors"  # the dialog's first filter
    qtbot.waitUntil(saved.is_file, timeout=10_000)


@pytest.mark.parametrize("content", [b"", b"garbage" * 50])
def test_a_bad_file_is_a_message_and_changes_nothing(qtbot, window, tmp_path, content):
    label = window.status.weights.text()
    path = tmp_path / "broken.safetensors"
    path.write_bytes(content)
    menu(qtbot, window, "File", "Open weights…")
    answer_file_dialog(qtbot, path)
    banner = window.banner
    qtbot.waitUntil(banner.isVisible, timeout=10_000)
    assert banner.text.text().startswith("broken.safetensors is ")
    save_screenshot(window, f"bad-file-{len(content)}")
    assert window.status.weights.text() == label
    click_button(window, "✕")
    assert not banner.isVisible()


def test_weights_of_another_dataset_offer_a_switch(qtbot, window, tmp_path, fashion):
    snapshot, _ = weights_io.load_snapshot(fashion.spec.default_weights)
    digits = dataclasses.replace(snapshot, dataset="mnist",
                                 classes=tuple(str(d) for d in range(10)))
    path = weights_io.save(digits, tmp_path / "digits.safetensors")
    label = window.status.weights.text()
    keys(window, Qt.Key.Key_O, CTRL)
    answer_file_dialog(qtbot, path)
    message = answer_question(qtbot, "No")
    assert "digits.safetensors was trained on MNIST" in message
    assert window.status.weights.text() == label
    assert "Fashion-MNIST" in window.status.source.text()


def test_wrong_class_count_is_refused(qtbot, window, tmp_path):
    import torch

    torch.save({"1.weight": torch.zeros(5, 784), "1.bias": torch.zeros(5)}, tmp_path / "f.pt")
    menu(qtbot, window, "File", "Open weights…")
    answer_file_dialog(qtbot, tmp_path / "f.pt")
    qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
    assert window.banner.text.text() == ("f.pt: the model has 5 outputs; the datasets this "
                                         "app knows have 10 classes")
    assert "bundled default" in window.status.weights.text()


def test_export_plots_and_metrics(qtbot, window, tmp_path):
    type_into(window.controls.panel.epochs, "2")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    menu(qtbot, window, "File", "Export plots as PNG…")
    answer_file_dialog(qtbot, tmp_path / "curves.png")
    qtbot.waitUntil(lambda: (tmp_path / "curves.png").is_file(), timeout=10_000)
    assert (tmp_path / "curves.png").stat().st_size > 10_000
    menu(qtbot, window, "File", "Export metrics as CSV…")
    answer_file_dialog(qtbot, tmp_path / "metrics.csv")
    rows = (tmp_path / "metrics.csv").read_text().strip().splitlines()
    assert rows[0] == ("run,settings,epoch,train_loss,train_acc,test_loss,test_acc,seconds,"
                       "test_ece")
    assert len(rows) == 3 and rows[2].startswith("1,#1 softmax")
    accuracy = float(rows[2].split(",")[6])
    assert f"{accuracy:.1%}" in window.status.weights.text()
    assert np.isfinite([float(v) for v in rows[1].split(",")[3:]]).all()


def test_a_files_claims_are_not_shown_as_facts(qtbot, window, tmp_path, fashion):
    """A file claiming 99% shows what it scores here; names with markup are refused."""
    snapshot, meta = weights_io.load_snapshot(fashion.spec.default_weights)
    liar = tmp_path / "liar.safetensors"
    weights_io.save(dataclasses.replace(snapshot, test_acc=0.99), liar, meta["config"])
    menu(qtbot, window, "File", "Open weights…")
    answer_file_dialog(qtbot, liar)
    qtbot.waitUntil(lambda: "liar.safetensors" in window.status.weights.text(),
                    timeout=10_000)
    assert window.status.weights.text() == "Weights: liar.safetensors, 84.6%"
    names = ("<h1 style='color:red'>HACK</h1>", *fashion.classes[1:])
    html = tmp_path / "html.safetensors"
    weights_io.save(dataclasses.replace(snapshot, classes=names), html, meta["config"])
    menu(qtbot, window, "File", "Open weights…")
    answer_file_dialog(qtbot, html)
    qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
    assert "class name 1" in window.banner.text.text() and "markup" in \
        window.banner.text.text()
    assert "liar.safetensors" in window.status.weights.text()


@pytest.mark.parametrize("folder", ["p", "x"])
def test_a_whole_path_typed_through_a_one_letter_folder_opens_the_file(
        qtbot, window, tmp_path, fashion, folder):
    """Typed with the dialog in another folder, a path through a one-letter folder used
    to leave the dialog open with its name cleared: the completer's list took the
    Return and went into the folder (a checkout in a folder named p failed the suite)."""
    import shutil
    import tempfile

    top = Path(tempfile.mkdtemp(dir="/tmp"))  # near the root, as a checkout might be
    weights = top / folder / "softmax_gui" / "resources" / "weights" / "mine.safetensors"
    weights.parent.mkdir(parents=True)
    shutil.copy(fashion.spec.default_weights, weights)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "other.safetensors").write_bytes(b"nonsense")
    menu(qtbot, window, "File", "Open weights…")
    answer_file_dialog(qtbot, elsewhere / "other.safetensors")  # the dialog now starts here
    qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
    menu(qtbot, window, "File", "Open weights…")
    answer_file_dialog(qtbot, weights)
    qtbot.waitUntil(lambda: "mine.safetensors" in window.status.weights.text(),
                    timeout=10_000)
    shutil.rmtree(top)
