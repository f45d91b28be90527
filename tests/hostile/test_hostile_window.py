"""The app always starts, whatever its own settings file holds (issue 27): each value read
back is checked where it is read; a bad one is dropped, named once, never fatal."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cases import _fill, tiny_disk

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1"

SETTINGS = {
    "geometry hello": "[window]\ngeometry=hello\nlayout_version=@@LAYOUT@@\n",
    "state a list": "[window]\nstate=a, b\nlayout_version=@@LAYOUT@@\n",
    "weights folder a list": "[folders]\nweights=a, b\n",
    "dataset folder missing": "[data_dir]\nfashion-mnist=/nonexistent/fashion\n",
    "dataset folder a file": "[data_dir]\nfashion-mnist=@@FILE@@\n",
    "dataset folder a FIFO": "[data_dir]\nfashion-mnist=@@FIFO@@\n",
    "dataset folder a list": "[data_dir]\nfashion-mnist=a, b\n",
    "dataset folder without the data": "[data_dir]\nfashion-mnist=@@EMPTY@@\n",
    "panel values of the wrong kind": "[training]\nlr=a, b\nepochs=1e999\nmodel=7\n",
    "last weights a run that is gone": "[last]\nweights=run:999999\n",
    "last weights a file that is gone": "[last]\nweights=file:/nonexistent/w.npz\n",
    "last curves not JSON": "[last]\ncurves=[[[\n",
    "grid filter a list": "[grid]\nfilter=a, b\norder=@Variant(\\0\\0\\0\\x7f\\0\\0\\0)\n",
    "theme a number": "[view]\ntheme=42\n",
}


@pytest.mark.parametrize("name", SETTINGS)
def test_the_window_starts_whatever_its_settings_hold(qtbot, tmp_path, fashion, name):
    from PySide6.QtCore import QSettings

    from softmax_gui.qt.shell.main_window import LAYOUT_VERSION, MainWindow
    from softmax_gui.runs import RunStore

    (tmp_path / "a-file").write_text("x")
    os.mkfifo(tmp_path / "a-fifo")
    (tmp_path / "empty").mkdir()
    text = (SETTINGS[name].replace("@@LAYOUT@@", str(LAYOUT_VERSION))
            .replace("@@FILE@@", str(tmp_path / "a-file"))
            .replace("@@FIFO@@", str(tmp_path / "a-fifo"))
            .replace("@@EMPTY@@", str(tmp_path / "empty")))
    (tmp_path / "settings.ini").write_text(text)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, runs=RunStore(tmp_path / "runs"))
    qtbot.addWidget(window)
    window.show()
    try:
        # Ready with the real dataset (the system copy when the remembered folder fails),
        # its weights active, and Start possible.
        qtbot.waitUntil(lambda: window.controls.start_action.isEnabled(), timeout=60_000)
        assert window.session.state.dataset.name == "fashion-mnist"
        assert len(window.session.state.dataset.test_labels) == 10_000
        assert window.session.state.weights is not None
        if "dataset folder" in name:
            assert "fashion-mnist" not in (settings.value("data_dir/fashion-mnist") or "x")
            qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
            assert "Fashion-MNIST" in window.banner.text.text()
        if "weights folder" in name:  # Open weights opens its dialog (it did nothing), at home
            from PySide6.QtWidgets import QFileDialog

            window.weights_actions.choose_and_open()
            dialog = window.findChild(QFileDialog, "weights-dialog")
            assert dialog is not None and dialog.isVisible()
            assert Path(dialog.directory().absolutePath()) == Path.home()
            dialog.reject()
        if "gone" in name:
            qtbot.waitUntil(lambda: "no longer" in window.statusBar().currentMessage(),
                            timeout=10_000)
    finally:
        window.close()


def test_a_settings_file_that_is_a_fifo_is_moved_aside_and_the_app_starts(tmp_path):
    """A FIFO where the settings file goes: the window never appeared (QSettings waited
    on it). Now it is moved aside, the app starts and says so."""
    config = tmp_path / "config" / "SoftmaxStudio"
    config.mkdir(parents=True)
    os.mkfifo(config / "Softmax Studio.conf")
    shot = tmp_path / "shot.png"
    out = subprocess.run([sys.executable, "main.py", "--screenshot", str(shot)], cwd=ROOT,
                         capture_output=True, text=True, timeout=240,
                         env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
                              "QT_QPA_PLATFORM": "offscreen",
                              "SOFTMAX_GUI_DATA": str(tmp_path / "data")})
    assert out.returncode == 0, out.stderr
    assert shot.is_file()
    assert (config / "Softmax Studio.conf.unusable").exists()
    assert (config / "Softmax Studio.conf").is_file()  # a fresh one, written at the close


def test_a_screenshot_on_a_full_disk_leaves_the_old_one_whole(tmp_path):
    """``main.py --screenshot old.png`` on a disk that fills: the old PNG stays as it was
    and nothing half-written is left beside it."""
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("a full disk is a small tmpfs, which needs root")
        pytest.skip("a full disk is a small tmpfs, which needs root")
    with tiny_disk(tmp_path, kib=64) as disk:
        old = disk / "old.png"
        old.write_bytes(b"\x89PNG the previous screenshot")
        _fill(disk)
        out = subprocess.run([sys.executable, "main.py", "--screenshot", str(old)], cwd=ROOT,
                             capture_output=True, text=True, timeout=240,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                  "XDG_CONFIG_HOME": str(tmp_path / "config"),
                                  "SOFTMAX_GUI_DATA": str(tmp_path / "data")})
        assert out.returncode == 2
        assert "the disk is full" in out.stderr.strip().splitlines()[-1]
        assert old.read_bytes() == b"\x89PNG the previous screenshot"
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "old.png"]


@pytest.mark.parametrize("content", [b'[{"class": "hat", "image": [1, 2', b"\xff\xfe"])
def test_the_window_starts_over_damaged_drawings_and_keeps_them_aside(
        qtbot, tmp_path, fashion, monkeypatch, content):
    from PySide6.QtCore import QSettings

    from softmax_gui.qt.shell.main_window import MainWindow
    from softmax_gui.runs import RunStore

    monkeypatch.setenv("SOFTMAX_GUI_DATA", str(tmp_path / "data"))
    drawn = tmp_path / "data" / "drawn"
    drawn.mkdir(parents=True)
    (drawn / "examples.json").write_bytes(content)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, runs=RunStore(tmp_path / "runs"), dataset=fashion)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.controls.start_action.isEnabled(), timeout=60_000)
        qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
        assert window.banner.text.text().startswith("Your drawn examples could not be read")
        (aside,) = drawn.glob("examples.json.unreadable-*")
        assert aside.read_bytes() == content and not (drawn / "examples.json").exists()
    finally:
        window.close()
