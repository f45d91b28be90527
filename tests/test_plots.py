"""The curves view: what it draws, and that it lets go of what it no longer draws."""

import numpy as np

from softmax_gui.qt.plots import PlotsView
from softmax_gui.run_history import RunHistory


def history(number: int) -> RunHistory:
    x = list(np.arange(1, 11) / 10)
    rows = [{"epoch": 1.0, "train_loss": 0.5, "train_acc": 0.8, "test_loss": 0.5,
             "test_acc": 0.8, "seconds": 1.0}]
    return RunHistory(number, f"#{number}", {"epochs": 1}, x, [1.0 - v / 2 for v in x], rows)


def test_dropped_runs_leave_the_plots_entirely(qtbot):
    view = PlotsView()
    qtbot.addWidget(view)
    first, second = history(1), history(2)
    view.sync([first, second])
    assert len(view.loss_plot.listDataItems()) == 4 and len(view.epoch_plot.listDataItems()) == 6
    x, loss = view.curves[2].raw.getData()
    assert np.allclose(x, second.batch_x) and np.allclose(loss, second.batch_loss)
    view.sync([second])  # run 1 dropped: none of its items may stay referenced
    assert len(view.loss_plot.listDataItems()) == 2 and len(view.epoch_plot.listDataItems()) == 3
    assert view.run_list.count() == 1 and set(view.curves) == {2}
