"""Taking a run away as a person does: File > Export run as Python script… and Save
report…, and the same from a row of the Runs tab's context menu; the script runs alone
and ends at the run's accuracy, the report holds every section."""

import json
import re
import subprocess
import sys

from person import (
    answer_file_dialog,
    click_button,
    click_tree_row,
    context_menu,
    menu,
    show_tab,
    type_into,
    wait_until_done,
)

from softmax_gui.report import SECTIONS


def run_alone(script) -> float:
    """Run an exported script in a fresh interpreter; its last line's accuracy."""
    out = subprocess.run([sys.executable, "-I", str(script)], capture_output=True,
                         text=True, timeout=600, cwd=script.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    return float(re.fullmatch(r"test_acc=([0-9.]+)", out.stdout.strip().splitlines()[-1])
                 .group(1))


def test_a_run_goes_out_as_a_script_and_a_report(qtbot, open_window, tmp_path):
    runs = tmp_path / "runs"
    window = open_window(runs)
    type_into(window.controls.panel.epochs, "2")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    qtbot.waitUntil(lambda: any(runs.glob("*/run.json")), timeout=10_000)
    recorded = json.loads(next(runs.glob("*/run.json")).read_text())["test_acc"]
    script = tmp_path / "mine.py"
    menu(qtbot, window, "File", "Export run as Python script…")
    answer_file_dialog(qtbot, script)
    qtbot.waitUntil(script.exists, timeout=5000)
    assert "Saved the script to" in window.statusBar().currentMessage()
    assert abs(run_alone(script) - recorded) <= 1e-4
    report = tmp_path / "mine.html"
    menu(qtbot, window, "File", "Save report…")
    answer_file_dialog(qtbot, report)
    qtbot.waitUntil(report.exists, timeout=30_000)
    text = report.read_text()
    assert all(f'<section id="{key}">' in text for key in SECTIONS)
    assert f"{recorded:.4f}" in text and "def train_epoch_ch3" in text
    assert "http://" not in text and "https://" not in text

    show_tab(window, "Runs")
    view = window.tabs.runs
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 1, timeout=10_000)
    row = view.tree.topLevelItem(0)
    click_tree_row(view.tree, row)
    again = tmp_path / "from-the-runs-tab.py"
    context_menu(qtbot, view.tree, row, "Export as Python script…")
    answer_file_dialog(qtbot, again)
    qtbot.waitUntil(again.exists, timeout=5000)
    assert "EPOCHS = 2" in again.read_text()
    page = tmp_path / "from-the-runs-tab.html"
    context_menu(qtbot, view.tree, row, "Save report…")
    answer_file_dialog(qtbot, page)
    qtbot.waitUntil(page.exists, timeout=60_000)
    assert '<section id="mistakes">' in page.read_text()


def test_the_bundled_weights_come_with_the_settings_they_were_trained_with(qtbot, window,
                                                                           tmp_path):
    script = tmp_path / "default.py"
    menu(qtbot, window, "File", "Export run as Python script…")
    answer_file_dialog(qtbot, script)
    qtbot.waitUntil(script.exists, timeout=5000)
    text = script.read_text()
    assert "EPOCHS = 10" in text and "LR = 0.1" in text and "SCHEDULE = 'cosine'" in text
    report = tmp_path / "default.html"
    menu(qtbot, window, "File", "Save report…")
    answer_file_dialog(qtbot, report)
    qtbot.waitUntil(report.exists, timeout=30_000)
    assert "84.58" in report.read_text() or "0.8458" in report.read_text()
