"""The insight views show the current model; confusion cells filter; runs persist."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from softmax_gui import evaluation, events
from softmax_gui.qt.main_window import MainWindow
from softmax_gui.runs import RunStore


def train(qtbot, win, epochs=2, **values):
    config = win.panel.config().replace(epochs=epochs, **values)
    win.panel.set_config(config)
    with qtbot.waitSignal(win.run_finished, timeout=60000) as blocker:
        assert win.start()
    return blocker.args[0]


@pytest.fixture
def trained(qtbot, window):
    train(qtbot, window)
    return window


def test_templates_are_the_rows_of_w(trained):
    trained.tabs.setCurrentWidget(trained.templates)
    images = trained.templates.images
    assert len(images) == 10
    w = trained.snapshot.state["1.weight"]
    assert np.allclose(images[3].image, w[3].reshape(28, 28))
    lo, hi = images[3].getLevels()
    assert lo == pytest.approx(-hi)  # diverging map: zero in the middle


def test_confusion_and_per_class_table_match_the_model(trained):
    trained.tabs.setCurrentWidget(trained.confusion)
    labels = trained.dataset.test_labels.numpy()
    predicted = trained.grid.probabilities.argmax(1)
    expected = evaluation.confusion_matrix(labels, predicted, 10)
    assert np.array_equal(trained.confusion.counts, expected)
    assert expected.sum() == 10000
    recall = evaluation.per_class_metrics(expected)["recall"]
    assert trained.confusion.table.item(6, 2).text() == f"{recall[6]:.1%}"
    assert trained.confusion.texts[0].textItem.toPlainText() == str(expected[0, 0])
    trained.confusion.normalise.setChecked(True)
    assert trained.confusion.texts[0].textItem.toPlainText().endswith("%")


def test_clicking_a_confusion_cell_filters_the_grid(qtbot, trained):
    trained.tabs.setCurrentWidget(trained.confusion)
    class Click:
        def __init__(self, x, y):
            self._pos = QPointF(x, y)

        def pos(self):
            return self._pos

        def accept(self):
            pass

    with qtbot.waitSignal(trained.confusion.cell_clicked) as blocker:
        trained.confusion.heat.mouseClickEvent(Click(0.5, 6.5))  # row shirt, column t-shirt
    assert blocker.args == [6, 0]
    labels = trained.dataset.test_labels.numpy()
    predicted = trained.grid.probabilities.argmax(1)
    shown = trained.grid.shown
    assert len(shown) > 0
    assert np.all(labels[shown] == 6) and np.all(predicted[shown] == 0)
    assert "shirt predicted as t-shirt" in trained.grid.summary.text()
    trained.grid.clear_selection.click()
    assert trained.grid.restrict is None


def test_calibration_view_and_history(qtbot, trained):
    trained.tabs.setCurrentWidget(trained.calibration)
    p = trained.grid.probabilities
    labels = trained.dataset.test_labels.numpy()
    expected = evaluation.calibration(p.max(1), p.argmax(1) == labels)
    assert trained.calibration.result["ece"] == pytest.approx(expected["ece"])
    assert f"{expected['ece']:.2%}" in trained.calibration.label.text()
    assert trained.calibration.epochs[-1] == 2
    assert trained.calibration.toolTip().startswith("Calibration")


def test_softmax_steps_for_a_clicked_image_and_naive_overflow(qtbot, trained):
    index = int(trained.grid.shown[0])
    trained.show_details(index)
    steps = trained.steps
    assert steps.table.rowCount() == 0  # hidden: drawn when shown
    trained.tabs.setCurrentWidget(steps)
    label = int(trained.dataset.test_labels[index])
    logits = trained.predictor.logits(trained.test_images[index])
    expected = evaluation.softmax_steps(logits, label)
    assert steps.table.rowCount() == 10
    assert steps.table.item(label, 4).text() == "1"
    assert f"{expected['ce_nats']:.4f} nats" in steps.summary.text()
    steps.large.setChecked(True)
    naive_p = [steps.table.item(r, 6).text() for r in range(10)]
    stable_p = [steps.table.item(r, 3).text() for r in range(10)]
    assert "NaN" in naive_p and "NaN" not in stable_p


def test_runs_survive_restart_and_reload(qtbot, settings, fashion, tmp_path):
    store_dir = tmp_path / "runs"
    win = MainWindow(settings, runs=RunStore(store_dir))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.dataset is not None, timeout=10000)
    finished = train(qtbot, win, epochs=2, lr=0.05)
    assert isinstance(finished, events.Finished)
    with qtbot.waitSignal(win.run_finished, timeout=60000):
        win.step()  # extends the same run: still one saved entry
    assert win.runs_view.table.rowCount() == 1
    win.close()

    again = MainWindow(settings, runs=RunStore(store_dir))
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.dataset is not None, timeout=10000)
    view = again.runs_view
    assert view.table.rowCount() == 1
    assert len(view.runs[0].metrics) == 3 and view.runs[0].info["config"]["lr"] == 0.05
    view.table.selectRow(0)
    view.load_button.click()
    assert "saved run" in again.weights_label.text()
    view.overlay_button.click()
    assert again.plots.runs[-1].epochs == [1, 2, 3]
    view.delete([view.runs[0]])
    assert view.table.rowCount() == 0 and not list(store_dir.iterdir())
    again.close()


def test_hidden_views_catch_up_when_shown(qtbot, trained):
    """Only the visible view updates per snapshot; a hidden one updates when shown."""
    trained.tabs.setCurrentWidget(trained.plots)
    train(qtbot, trained, epochs=1, lr=0.3)
    w = trained.snapshot.state["1.weight"]
    trained.tabs.setCurrentWidget(trained.templates)
    assert np.allclose(trained.templates.images[0].image, w[0].reshape(28, 28))
