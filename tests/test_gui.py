"""The window with pytest-qt (offscreen): training in the background, plots, grid."""

import os
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from softmax_gui import events, trainer_process
from softmax_gui.qt.main_window import MainWindow

RUN_TIMEOUT = 60000


def configure(win, **values):
    panel = win.panel
    for name, value in values.items():
        widget = getattr(panel, name)
        if hasattr(widget, "findData"):
            widget.setCurrentIndex(widget.findData(value))
        elif hasattr(widget, "setChecked"):
            widget.setChecked(value)
        else:
            widget.setValue(value)


def run_to_end(qtbot, win, **start):
    with qtbot.waitSignal(win.run_finished, timeout=RUN_TIMEOUT) as blocker:
        assert win.start(**start)
    return blocker.args[0]


def test_run_streams_into_persistent_plot_items(qtbot, window):
    configure(window, epochs=2, batch_size=256)
    result = run_to_end(qtbot, window)
    assert isinstance(result, events.Finished) and result.epoch == 2
    run = window.plots.current
    x, y = run.items[0].getData()
    assert len(x) == len(y) == 2 * 235 and x[-1] == pytest.approx(2.0)
    ex, acc = run.items[4].getData()
    assert list(ex) == [1.0, 2.0] and acc[-1] == pytest.approx(result.test_acc)
    assert window.snapshot.epoch == 2
    assert window.progress.value() == window.progress.maximum()
    assert "Done" in window.progress.format()
    assert "system copy" in window.source_label.text() or "cache" in window.source_label.text()
    assert window.panel.isEnabled() and window.start_button.isEnabled()
    # It trained in the shared trainer process, not in this interpreter.
    trainer = trainer_process.shared()
    assert trainer.alive and trainer.pid != os.getpid()


def test_worker_signals_are_throttled(qtbot, window):
    configure(window, epochs=1, batch_size=16)  # 3750 batches: ~235 engine chunks
    counts = {"batches": 0}
    window.controller.running_changed.connect(
        lambda on: on and window.controller.worker.batches.connect(
            lambda _: counts.__setitem__("batches", counts["batches"] + 1)))
    t0 = time.monotonic()
    run_to_end(qtbot, window)
    elapsed = time.monotonic() - t0
    assert counts["batches"] <= 30 * elapsed + 3
    assert counts["batches"] < 3750 / 16  # coalesced: fewer than the engine's chunks
    assert len(window.plots.current.batch_loss) == 3750  # nothing lost in coalescing


def test_pause_and_resume(qtbot, window):
    configure(window, epochs=3, batch_size=64)
    window.start()
    qtbot.waitUntil(lambda: len(window.plots.current.batch_loss) > 0, timeout=RUN_TIMEOUT)
    window.toggle_pause()
    assert window.pause_button.text() == "Resume"
    qtbot.wait(300)  # let batches in flight arrive
    seen = len(window.plots.current.batch_loss)
    qtbot.wait(700)
    assert len(window.plots.current.batch_loss) == seen  # held between batches
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT):
        window.toggle_pause()
    assert len(window.plots.current.batch_loss) == 3 * 938


def test_stop_mid_epoch_within_one_second(qtbot, window):
    configure(window, epochs=200, batch_size=32)
    window.start()
    qtbot.waitUntil(lambda: len(window.plots.current.batch_loss) > 100, timeout=RUN_TIMEOUT)
    t0 = time.monotonic()
    with qtbot.waitSignal(window.run_finished, timeout=1000) as blocker:
        window.stop()
    assert time.monotonic() - t0 < 1.0
    assert blocker.args[0].stopped
    qtbot.waitUntil(lambda: not window.controller.running, timeout=1000)
    assert window.snapshot is not None  # the weights so far stay usable


def test_close_during_training_joins_the_thread(qtbot, settings, fashion):
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.dataset is not None, timeout=10000)
    configure(win, epochs=500, batch_size=32)
    win.start()
    thread = win.controller._thread
    state = {"finished": False}
    thread.finished.connect(lambda: state.__setitem__("finished", True),
                            Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: win.plots.current and len(win.plots.current.batch_loss) > 10,
                    timeout=RUN_TIMEOUT)
    win.close()
    assert state["finished"]  # joined inside closeEvent, not left running
    assert not win.controller.running


def test_diverging_run_shows_message_then_normal_run_succeeds(qtbot, window):
    configure(window, model="softmax-scratch", lr=1e6, standardize=False, epochs=2)
    failed = run_to_end(qtbot, window)
    assert isinstance(failed, events.Failed)
    assert window.banner.isVisible() and "learning rate" in window.banner.text()
    assert all(np.isfinite(v).all() for v in window.snapshot.state.values())
    configure(window, lr=0.1, standardize=True, epochs=1)
    finished = run_to_end(qtbot, window)
    assert isinstance(finished, events.Finished) and finished.test_acc > 0.8
    assert not window.banner.isVisible()


def test_grid_labels_match_dataset_and_mistakes_filter(qtbot, window):
    configure(window, epochs=1)
    run_to_end(qtbot, window)
    grid = window.grid
    labels = window.dataset.test_labels.numpy()
    assert len(grid.canvas.cells) == 32
    for index, _, true_text, _, _ in grid.canvas.cells:
        assert true_text == window.dataset.classes[labels[index]]
    grid.filter.setCurrentIndex(grid.filter.findData("mistakes"))
    assert len(grid.canvas.cells) == 32
    predicted = grid.probabilities.argmax(1)
    for index, _, _, pred_text, correct in grid.canvas.cells:
        assert correct is False and predicted[index] != labels[index]
        assert window.dataset.classes[predicted[index]] in pred_text
    grid.order.setCurrentIndex(grid.order.findData("most confident mistakes"))
    confidence = grid.probabilities.max(1)[grid.shown]
    assert np.all(np.diff(confidence) <= 0)
    grid.filter.setCurrentIndex(grid.filter.findData(3))  # one class: dress
    assert all(labels[i] == 3 for i in grid.shown)


def test_click_shows_distribution(qtbot, window):
    configure(window, epochs=1)
    run_to_end(qtbot, window)
    canvas = window.grid.canvas
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    index = canvas.cells[0][0]
    assert window.details_title.text().startswith(f"Test image #{index}:")
    p = window.predictor.probabilities(window.dataset.test_images[index].numpy() / 255.0)
    assert window.details_bars._last[0] == pytest.approx(p)


def test_runs_overlay_and_exports(qtbot, window, tmp_path):
    configure(window, epochs=1)
    run_to_end(qtbot, window)
    configure(window, epochs=2, lr=0.05)
    run_to_end(qtbot, window)
    plots = window.plots
    assert plots.run_list.count() == 2
    assert plots.runs[0].items[1].opacity() < 1 and plots.runs[1].items[1].opacity() == 1
    # Earlier runs are painted once into a pixmap; the live run is stroked each update.
    from PySide6.QtWidgets import QGraphicsItem
    cache = QGraphicsItem.CacheMode
    assert plots.runs[0].items[1].curve.cacheMode() == cache.DeviceCoordinateCache
    assert plots.runs[1].items[1].curve.cacheMode() == cache.NoCache
    assert "lr=0.05" in plots.run_list.item(1).text()
    plots.export_csv(str(tmp_path / "m.csv"))
    rows = (tmp_path / "m.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 1 + 2 and rows[0].startswith("run,settings,epoch")
    plots.export_png(str(tmp_path / "p.png"))
    assert (tmp_path / "p.png").stat().st_size > 10000
    plots.run_list.setCurrentRow(0)
    plots.remove_selected()
    assert plots.run_list.count() == 1 and len(plots.runs) == 1


def test_step_continues_the_current_run(qtbot, window):
    configure(window, epochs=1)
    first = run_to_end(qtbot, window)
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT):
        window.step()
    run = window.plots.current
    assert window.plots.run_list.count() == 1 and run.epochs == [1.0, 2.0]
    assert run.metrics["test_acc"][-1] >= first.test_acc - 0.01


def test_settings_remembered(qtbot, settings, window):
    configure(window, lr=0.25, batch_size=100, model="mlp", standardize=False)
    window.close()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    config = again.panel.config()
    assert (config.lr, config.batch_size, config.model, config.standardize) == \
        (0.25, 100, "mlp", False)
    again.close()


def test_missing_dataset_is_a_message(qtbot, window):
    assert not window.load_dataset("kmnist")
    assert window.banner.isVisible() and "kmnist" in window.banner.text().lower()
    assert window.dataset.name == "fashion-mnist"


def test_send_to_canvas(qtbot, window):
    configure(window, epochs=1)
    run_to_end(qtbot, window)
    index = int(window.grid.shown[2])
    window.show_details(index)
    assert window.send_to_canvas.isEnabled()
    with qtbot.waitSignal(window.draw_panel.inferred, timeout=2000):
        window.send_to_canvas.click()
    panel = window.draw_panel
    expected = window.predictor.probabilities(window.test_images[index])
    assert panel.bars._last[0].argmax() == expected.argmax()
    assert panel.input_view.pixels.any()


def test_window_says_plainly_when_on_the_bundled_sample(qtbot, settings, monkeypatch, tmp_path):
    import dataclasses

    from softmax_gui.datasets_registry import DATASETS

    spec = DATASETS["fashion-mnist"]
    monkeypatch.setitem(DATASETS, "fashion-mnist", dataclasses.replace(spec, system_dirs=()))
    monkeypatch.setenv("SOFTMAX_GUI_CACHE", str(tmp_path / "empty-cache"))
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.dataset is not None, timeout=10000)
    assert win.dataset.source.is_sample
    assert "BUNDLED SAMPLE" in win.source_label.text()
    assert "bold" in win.source_label.styleSheet()
    assert "sample" in win.source_label.toolTip()
    assert win.snapshot is not None  # the default weights still make the grid work
    result = run_to_end(qtbot, win)
    assert isinstance(result, events.Finished) and result.test_acc > 0.7
    win.close()


def test_the_in_thread_engine_still_drives_the_window(qtbot, settings, fashion):
    from softmax_gui.qt.worker import train_in_this_thread

    threads = []

    def engine(*args):
        threads.append(threading.get_ident())
        yield from train_in_this_thread(*args)

    win = MainWindow(settings, engine=engine)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.dataset is not None, timeout=30000)
    configure(win, epochs=1)
    result = run_to_end(qtbot, win)
    assert isinstance(result, events.Finished) and result.epoch == 1
    assert threads and threads[0] != threading.get_ident()  # the worker's thread, not ours
    assert len(win.plots.current.batch_loss) == 118
    win.close()
