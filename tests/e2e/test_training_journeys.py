"""Training from the buttons, the menu and the keyboard: start, pause, stop, step, revert."""

import re

import numpy as np
import pytest
from person import (
    CTRL,
    RUN_TIMEOUT,
    button,
    choose,
    click,
    click_button,
    keys,
    menu,
    progress_text,
    save_screenshot,
    status_text,
    tick,
    type_into,
    wait_until_done,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit


def panel(window):
    return window.controls.panel


def grid_accuracy(window) -> float:
    """The test accuracy the grid's summary line states, as a fraction."""
    match = re.search(r"\(([\d.]+)% accurate\)", window.grid.summary.text())
    return float(match.group(1)) / 100


def loss_points(window) -> int:
    curves = window.tabs.plots.curves
    x, _ = curves[max(curves)].raw.getData()
    return 0 if x is None else len(x)


def test_start_trains_a_run_and_every_view_shows_it(qtbot, window):
    assert "bundled default, 84.6%" in window.status.weights.text()
    type_into(panel(window).epochs, "2")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 2 epochs")
    plots = window.tabs.plots
    x, loss = plots.curves[1].raw.getData()
    assert len(x) == 2 * 118 and x[-1] == pytest.approx(2.0) and np.isfinite(loss).all()
    epochs, test_acc = plots.curves[1].epoch["test_acc"].getData()
    assert list(epochs) == [1.0, 2.0]
    assert plots.run_list.item(0).text().startswith("#1 softmax concise SGD")
    assert re.search(r"Weights: run #1, epoch 2, 8\d\.\d%", window.status.weights.text())
    assert status_text(window).startswith("Run #1 finished: 2 epochs, test accuracy")
    assert grid_accuracy(window) == pytest.approx(test_acc[-1], abs=5e-5)
    assert "Device: CPU" in window.status.device.text()
    assert button(window, "Revert").isEnabled()  # the default is one click away
    save_screenshot(window, "start-finished")


def test_start_from_the_menu_and_the_keyboard(qtbot, window):
    type_into(panel(window).epochs, "1")
    menu(qtbot, window, "Train", "Start")
    wait_until_done(qtbot, window)
    assert window.session.state.weights.snapshot.std != 1.0  # standardised inputs, by default
    tick(panel(window).standardize)  # raw [0, 1] pixels for the next run
    keys(window, Qt.Key.Key_Return, CTRL)
    wait_until_done(qtbot, window)
    assert window.tabs.plots.run_list.count() == 2
    assert "run #2, epoch 1" in window.status.weights.text()
    snapshot = window.session.state.weights.snapshot
    assert (snapshot.mean, snapshot.std) == (0.0, 1.0)


def test_pause_resume_and_stop_by_button_and_by_shortcut(qtbot, window):
    type_into(panel(window).epochs, "40")
    type_into(panel(window).batch_size, "64")
    click_button(window, "Start")
    qtbot.waitUntil(lambda: loss_points(window) > 50, timeout=60_000)

    def holds() -> bool:
        """The curve stops growing: the batches already on their way arrive (late on a
        busy machine), then nothing more for a whole second. A pause that did not hold
        keeps adding points and never gets there."""
        for _ in range(15):
            seen = loss_points(window)
            qtbot.wait(1000)
            if loss_points(window) == seen:
                return True
        return False

    click_button(window, "Pause")
    assert button(window, "Resume").isEnabled() and "Paused" in progress_text(window)
    assert holds()
    keys(window, Qt.Key.Key_P, CTRL)  # resume
    before = loss_points(window)
    qtbot.waitUntil(lambda: loss_points(window) > before + 20, timeout=10_000)
    assert "Paused" not in progress_text(window)
    keys(window, Qt.Key.Key_P, CTRL)  # pause again
    assert holds()
    click_button(window, "Resume")
    before = loss_points(window)
    qtbot.waitUntil(lambda: loss_points(window) > before + 20, timeout=10_000)
    keys(window, Qt.Key.Key_Period, CTRL)
    text = wait_until_done(qtbot, window)
    assert text.startswith("Stopped after")
    assert "stopped after" in window.status.weights.text()

    click_button(window, "Start")  # and Stop by its button
    qtbot.waitUntil(lambda: button(window, "Stop").isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: loss_points(window) > 20, timeout=60_000)
    click_button(window, "Stop")
    assert wait_until_done(qtbot, window).startswith("Stopped after")
    save_screenshot(window, "paused-resumed-stopped")


def test_paused_the_weights_shown_are_those_of_the_last_epoch_said(qtbot, window):
    """Snapshots are thinned to 2 a second while epochs take a tenth of that; a pause
    shows the last finished epoch's weights, the one the status bar names, not one the
    thinning held back (a new user saw epoch 29's weights beside epoch 30's accuracy)."""
    type_into(panel(window).epochs, "200")
    click_button(window, "Start")

    def said() -> int:
        found = re.search(r"epoch (\d+)/200", status_text(window))
        return int(found.group(1)) if found else 0

    qtbot.waitUntil(lambda: said() >= 5, timeout=60_000)
    click_button(window, "Pause")
    qtbot.waitUntil(lambda: f"epoch {said()}," in window.status.weights.text(),
                    timeout=10_000)
    qtbot.wait(1000)  # and it stays so while paused
    assert f"run #1, epoch {said()}," in window.status.weights.text()
    keys(window, Qt.Key.Key_Period, CTRL)
    assert wait_until_done(qtbot, window).startswith("Stopped after")


def test_a_stop_in_the_first_epoch_says_so_honestly(qtbot, window):
    type_into(panel(window).batch_size, "16")
    click_button(window, "Start")
    qtbot.waitUntil(lambda: loss_points(window) > 30, timeout=60_000)
    click_button(window, "Stop")
    text = wait_until_done(qtbot, window)
    fraction = float(re.search(r"Stopped after ([\d.]+) epochs", text).group(1))
    assert 0 < fraction < 1
    assert re.search(r"run #1, stopped after 0\.\d+ epochs, \d+\.\d%",
                     window.status.weights.text())
    assert re.match(r"Run #1 stopped after 0\.\d+ epochs: test accuracy \d+\.\d+%\.",
                    status_text(window))
    save_screenshot(window, "stopped-in-epoch-1")


def test_step_three_times_continues_one_run(qtbot, window):
    type_into(panel(window).epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    assert "run #1, epoch 1," in window.status.weights.text()
    click_button(window, "Step")
    wait_until_done(qtbot, window)
    assert "run #1, epoch 2," in window.status.weights.text()
    # From inside a field, where Ctrl+E would otherwise move to the end of the line.
    click(panel(window).seed)
    assert QApplication.focusWidget() in (panel(window).seed,
                                          panel(window).seed.findChild(QLineEdit))
    keys(window, Qt.Key.Key_E, CTRL)
    wait_until_done(qtbot, window)
    assert "run #1, epoch 3," in window.status.weights.text()
    assert progress_text(window).startswith("Done: 1 epoch")
    plots = window.tabs.plots
    assert plots.run_list.count() == 1  # the same run, not three
    x, _ = plots.curves[1].raw.getData()
    assert x[-1] == pytest.approx(3.0) and np.all(np.diff(x) > 0)
    save_screenshot(window, "step-three-times")


def test_steps_from_the_converged_default_keep_its_accuracy(qtbot, window):
    start = grid_accuracy(window)
    assert start == pytest.approx(0.8458)
    click_button(window, "Step")
    wait_until_done(qtbot, window)
    assert "epoch 11," in window.status.weights.text()
    keys(window, Qt.Key.Key_E, CTRL)
    wait_until_done(qtbot, window)
    menu(qtbot, window, "Train", "Step one epoch")
    wait_until_done(qtbot, window)
    assert "epoch 13," in window.status.weights.text()
    # The schedule continues from its end instead of restarting at the full rate.
    assert grid_accuracy(window) >= start - 0.002
    save_screenshot(window, "three-steps")


def test_step_continues_the_active_weights_whatever_the_panel_names(qtbot, window):
    choose(qtbot, panel(window).model, "MLP (1 hidden layer)")
    hint = window.controls.hint
    assert hint.isVisible() and "Step continues the active Softmax (concise)" in hint.text()
    save_screenshot(window, "step-hint")
    assert "Start trains a new MLP" in hint.text()
    click_button(window, "Step")
    wait_until_done(qtbot, window)
    assert "epoch 11," in window.status.weights.text()
    assert "model softmax" in window.status.weights.toolTip()
    choose(qtbot, panel(window).model, "Softmax (scratch)")
    assert not hint.isVisible()  # the same family: Step and Start agree


def test_a_diverging_run_keeps_the_weights_from_before_and_says_which(qtbot, window):
    type_into(panel(window).lr, "1000")
    type_into(panel(window).epochs, "2")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    banner = window.banner
    assert banner.isVisible()
    assert "learning rate 1000 is too large" in banner.text.text()
    assert "bundled default" in banner.text.text() and "stay active" in banner.text.text()
    assert "Weights: bundled default, 84.6%" in window.status.weights.text()
    assert progress_text(window).startswith("Failed")
    save_screenshot(window, "diverged")
    click_button(window, "✕")
    assert not banner.isVisible()
    type_into(panel(window).lr, "0.1")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 2 epochs")


def test_revert_restores_the_weights_from_before_the_run(qtbot, window):
    assert not button(window, "Revert").isEnabled()
    type_into(panel(window).epochs, "1")
    type_into(panel(window).lr, "0.01")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    trained = window.status.weights.text()
    click_button(window, "Revert")
    assert "bundled default, 84.6%" in window.status.weights.text()
    assert grid_accuracy(window) == pytest.approx(0.8458)
    keys(window, Qt.Key.Key_R, CTRL)  # and back again
    assert window.status.weights.text() == trained
    menu(qtbot, window, "Train", "Revert to previous weights")
    assert "bundled default" in window.status.weights.text()


def test_quit_in_the_middle_of_a_run_stops_and_joins_it(qtbot, window):
    type_into(panel(window).epochs, "500")
    type_into(panel(window).batch_size, "32")
    click_button(window, "Start")
    # A busy machine starves the trainer (niced +10): wait as long as a run may take.
    qtbot.waitUntil(lambda: loss_points(window) > 10, timeout=3 * RUN_TIMEOUT)
    controller = window.session.runs.controller
    menu(qtbot, window, "File", "Quit")
    assert not window.isVisible()
    assert not controller.running  # joined while closing, never left running


def test_the_panel_is_remembered_between_launches(qtbot, open_window):
    window = open_window()
    type_into(panel(window).lr, "0.25")
    type_into(panel(window).batch_size, "100")
    choose(qtbot, panel(window).model, "MLP (1 hidden layer)")
    menu(qtbot, window, "File", "Quit")
    again = open_window()
    assert panel(again).lr.text() == "0.250000"
    assert panel(again).batch_size.text() == "100"
    assert panel(again).model.currentText() == "MLP (1 hidden layer)"


def test_the_in_thread_engine_drives_the_window_too(qtbot, open_window):
    import threading

    from softmax_gui.qt.training.worker import train_in_this_thread

    threads = []

    def engine(*args):
        threads.append(threading.get_ident())
        yield from train_in_this_thread(*args)

    window = open_window(engine=engine)
    type_into(panel(window).epochs, "1")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 1 epoch")
    assert threads and threads[0] != threading.get_ident()  # the worker's thread
    assert loss_points(window) == 118


def test_step_after_reverting_to_an_earlier_epoch_draws_a_new_curve(qtbot, window):
    type_into(panel(window).epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    click_button(window, "Step")
    wait_until_done(qtbot, window)  # run #1 is at epoch 2; Revert brings back epoch 1
    click_button(window, "Revert")
    assert "run #1, epoch 1," in window.status.weights.text()
    click_button(window, "Step")
    wait_until_done(qtbot, window)
    plots = window.tabs.plots
    assert plots.run_list.count() == 2  # epoch 2 again, beside the first curve
    assert plots.run_list.item(1).text() == "#2 continues run #1, epoch 1"
    x, _ = plots.curves[2].raw.getData()
    assert x[0] > 1.0 and x[-1] == pytest.approx(2.0)
    x, _ = plots.curves[1].raw.getData()
    assert x[-1] == pytest.approx(2.0) and np.all(np.diff(x) > 0)


def test_step_after_a_stop_finishes_the_interrupted_epoch(qtbot, window):
    """Stop inside an epoch after the first, then Step: the rest of that epoch is
    trained (its own batches, momentum going on), and the label, the progress, the
    status bar and the curves all say 1.xx -> 2, nothing drawn twice, no point going
    back. (On a busy machine the Stop may land in a later epoch: the same holds.)"""
    import math

    type_into(panel(window).batch_size, "64")
    click_button(window, "Start")
    plots = window.tabs.plots

    def reached() -> float:
        x, _ = plots.curves[1].raw.getData()
        return 0.0 if x is None else float(x[-1])

    qtbot.waitUntil(lambda: reached() > 1.2, timeout=5 * RUN_TIMEOUT)
    click_button(window, "Stop")
    stopped_text = wait_until_done(qtbot, window)
    at = float(re.search(r"run #1, stopped after ([\d.]+) epochs",
                         window.status.weights.text()).group(1))
    target = math.floor(at) + 1
    assert stopped_text.startswith("Stopped after") and 1 < at < target
    assert f"Finish epoch {target} of run #1, stopped after {at:g} epochs" in \
        button(window, "Step").toolTip()
    click_button(window, "Step")
    done = wait_until_done(qtbot, window)
    assert re.match(rf"Done: 0\.\d+ epochs \({math.floor(at)}\.\d+ -> {target}\), ", done), done
    assert f"run #1, epoch {target}," in window.status.weights.text()
    assert plots.run_list.count() == 1  # the same run, continued
    x, _ = plots.curves[1].raw.getData()
    assert np.all(np.diff(x) > 0) and x[-1] == pytest.approx(target)
    assert len(x) == target * 938  # every batch of every epoch, once
    for key, item in plots.curves[1].epoch.items():
        ex, _ = item.getData()
        assert list(ex) == [float(e) for e in range(1, target + 1)], key  # no stop point
    save_screenshot(window, "step-after-stop")


def test_the_numpy_model_says_where_it_computes(qtbot, window, tmp_path):
    # Issue 23's honest labels: NumPy computes on the CPU whatever the device combo says.
    import json

    choose(qtbot, panel(window).model, "Softmax (NumPy)")
    assert panel(window).device.toolTip().endswith(
        "Softmax (NumPy) computes on the CPU whatever is chosen here.")
    type_into(panel(window).epochs, "1")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 1 epoch")
    assert window.status.device.text() == "Device: CPU (NumPy computes there, whatever the " \
                                          "device)"
    qtbot.waitUntil(lambda: any((tmp_path / "runs").glob("*/run.json")), timeout=10_000)
    (record,) = (tmp_path / "runs").glob("*/run.json")
    assert json.loads(record.read_text())["device"].startswith("CPU (NumPy")
    choose(qtbot, panel(window).model, "Softmax (concise)")
    assert "NumPy" not in panel(window).device.toolTip()


def test_the_keyboard_stays_on_the_run_s_buttons(qtbot, window):
    # After Start the focused button is disabled; the focus went down the chain to the
    # grid's filter, and Down turned it to "Mistakes only" (a new user's walk).
    from person import activate

    activate(qtbot, window)
    type_into(panel(window).epochs, "1")
    click_button(window, "Start")
    assert QApplication.focusWidget() is button(window, "Pause")
    wait_until_done(qtbot, window)
    assert QApplication.focusWidget() is button(window, "Start")
    keys(window, Qt.Key.Key_Down)
    keys(window, Qt.Key.Key_Down)
    assert window.grid.filter.currentText() == "All"
