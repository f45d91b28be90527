"""The curves view: what it draws, and that it lets go of what it no longer draws."""

import numpy as np
from PySide6.QtCore import Qt

from softmax_gui.qt.curves.curves_view import PlotsView
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
    # Per run: batch loss, smoothed, train and test loss per epoch; two accuracies.
    assert len(view.loss_plot.listDataItems()) == 8 and len(view.epoch_plot.listDataItems()) == 4
    x, loss = view.curves[2].raw.getData()
    assert np.allclose(x, second.batch_x) and np.allclose(loss, second.batch_loss)
    view.sync([second])  # run 1 dropped: none of its items may stay referenced
    assert len(view.loss_plot.listDataItems()) == 4 and len(view.epoch_plot.listDataItems()) == 2
    assert view.run_list.count() == 1 and set(view.curves) == {2}


def test_test_loss_is_drawn_with_the_losses_and_accuracy_on_its_own_axis(qtbot):
    view = PlotsView()
    qtbot.addWidget(view)
    view.sync([history(1)])
    curves = view.curves[1]
    assert curves.epoch["test_loss"] in view.loss_plot.listDataItems()
    assert curves.epoch["test_acc"] in view.epoch_plot.listDataItems()
    assert curves.epoch["train_loss"] not in view.epoch_plot.listDataItems()


def test_an_exploding_loss_is_drawn_clipped_and_marked(qtbot):
    view = PlotsView()
    qtbot.addWidget(view)
    run = history(1)
    run.batch_loss[-3:] = [50.0, 1e30, float("nan")]
    view.sync([run])
    _, drawn = view.curves[1].raw.getData()
    assert np.isfinite(drawn).all() and drawn.max() <= 10.0 and drawn[-1] == drawn.max()
    line = view.curves[1].explosion
    assert line is not None and line.value() == run.batch_x[-2]
    assert "exploded" in line.label.toPlainText()
    view.sync([])  # and it goes with its run
    assert line.scene() is None


def test_after_a_run_the_x_axis_shows_what_was_trained(qtbot):
    view = PlotsView()
    qtbot.addWidget(view)
    run = history(1)
    run.config = {"epochs": 200}
    view.sync([run])
    view.begin(run)
    assert view.loss_plot.viewRange()[0][1] > 150
    view.fit_x()
    assert view.loss_plot.viewRange()[0][1] < 1.2


def test_the_confusion_heatmap_names_every_class_in_full_at_any_width(qtbot):
    from softmax_gui.qt.insight.confusion_calibration import ConfusionHeatmap

    classes = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
               "sneaker", "bag", "ankle boot")
    heatmap = ConfusionHeatmap()
    qtbot.addWidget(heatmap)
    counts = np.eye(10, dtype=int) * 90 + 1
    heatmap.set_matrix(classes, counts, counts.astype(float), [str(v) for v in counts.ravel()])
    metrics = heatmap.fontMetrics()
    widest = max(metrics.horizontalAdvance(name) for name in classes)
    for width, height in ((300, 380), (560, 420), (1400, 900)):
        heatmap.resize(width, height)
        area, upright = heatmap.layout_rects()
        cell = area.width() / 10
        assert area.left() >= widest  # the row names fit left of the cells
        if upright:  # column names stand: one line of text per column, whole below
            assert metrics.height() <= cell + 1
            assert area.bottom() + widest <= height - metrics.height()
        else:  # lying: each name within its column
            assert widest <= cell
        assert area.right() <= width
    assert heatmap.cell_at(area.center()) == (5, 5)


def test_every_series_differs_by_more_than_colour(qtbot):
    from softmax_gui.qt.curves.run_curves import EPOCH_CURVES

    view = PlotsView()
    qtbot.addWidget(view)
    view.sync([history(1)])
    epoch = view.curves[1].epoch
    symbols = [epoch[key].opts["symbol"] for key, *_ in EPOCH_CURVES]
    assert len(set(symbols)) == 4  # a marker shape per series
    for train, test in (("train_loss", "test_loss"), ("train_acc", "test_acc")):
        assert epoch[train].opts["pen"].style() != epoch[test].opts["pen"].style()
        # Train's markers filled, test's hollow.
        assert epoch[train].opts["symbolBrush"].style() == Qt.BrushStyle.SolidPattern
        assert epoch[test].opts["symbolBrush"].style() == Qt.BrushStyle.NoBrush
    samples = {label.text: sample.item for sample, label in view.legend.items}
    assert samples["each batch"].opts["pen"].width() >= 3  # seen, not a hairline
    # The legend draws what its samples' scatters hold: the series' own markers.
    drawn = {name: samples[name].scatter.opts for name in ("train loss", "test loss",
                                                           "train accuracy", "test accuracy")}
    assert len({opts["symbol"] for opts in drawn.values()}) == 4
    assert drawn["test loss"]["brush"].style() == Qt.BrushStyle.NoBrush
    assert drawn["train loss"]["brush"].style() == Qt.BrushStyle.SolidPattern


def test_the_smoothing_is_tensorboards_debiased_average_fed_in_pieces():
    from softmax_gui.qt.curves.plot_options import Smoother

    losses = np.array([2.3, 1.5, 1.4, 0.9, 1.1, 0.7, 0.8])
    assert np.allclose(_fed(Smoother(0.0), losses), losses)  # 0: the losses themselves
    assert np.allclose(_fed(Smoother(0.9), np.full(5, 0.5)), 0.5)  # debiased: no lag at 0
    whole = _fed(Smoother(0.6), losses)
    pieces = Smoother(0.6)
    pieces.extend(losses[:3])
    pieces.extend(losses[3:])
    assert np.allclose(pieces.values, whole)
    by_hand = []
    for t in range(1, len(losses) + 1):
        weights = 0.6 ** np.arange(t - 1, -1, -1) * 0.4
        by_hand.append((weights * losses[:t]).sum() / (1 - 0.6 ** t))
    assert np.allclose(whole, by_hand)


def _fed(smoother, losses):
    smoother.extend(losses)
    return np.asarray(smoother.values)


def test_a_log_loss_axis_labels_1_2_3_5_or_decades_never_crowded():
    """pyqtgraph labelled every minor tick of a log axis: "0.9 0.8 0.7" overlapped."""
    import math

    from softmax_gui.qt.curves.run_curves import LossAxis

    axis = LossAxis("left")
    axis.setLogMode(False, True)
    for low, high, size in ((0.3, 2.0, 200), (0.05, 10.0, 120), (0.3, 2.0, 40),
                            (1e-4, 1e3, 300)):
        (spacing, values), = axis.tickValues(math.log10(low), math.log10(high), size)
        assert 2 <= len(values) <= max(size // 28, 2)
        labels = axis.tickStrings(values, 1, spacing)
        assert all(label.lstrip("0.").strip("0") in "1235" or label in
                   {"0.1", "0.01", "10", "100", "1e+03", "0.001", "0.0001"} for label in labels)
    # Squeezed, with an explosion clipped at 10: the decades, and a label by the curve.
    (_, values), = axis.tickValues(math.log10(0.35), math.log10(10.0), 110)
    assert axis.tickStrings(values, 1, 1) == ["0.5", "1", "10"]
    (_, values), = axis.tickValues(math.log10(0.3), math.log10(2.0), 200)
    assert axis.tickStrings(values, 1, 1) == ["0.3", "0.5", "1", "2"]  # 0.3: the last stretch


def test_a_run_list_shows_whole_rows(qtbot):
    view = PlotsView()
    qtbot.addWidget(view)
    view.sync([history(n) for n in range(1, 8)])
    view.show()
    rows = view.run_list.viewport().height() / view.run_list.sizeHintForRow(0)
    assert abs(rows - round(rows)) < 0.15 and round(rows) == 5  # five whole rows, scrolls


def test_a_sweep_s_decades_from_zero_are_evenly_apart_and_named():
    # Weight decay 0, 0.0001, ..., 0.1 on a linear axis piled its ticks into one smudge
    # (a new user's walk); a log axis cannot show 0. Each value gets a place of its own.
    from softmax_gui.qt.sweep.results_plot import positions

    xs, ticks = positions([0.0, 0.0001, 0.001, 0.01, 0.1], "weight_decay")
    assert xs == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert [name for _x, name in ticks] == ["0", "0.0001", "0.001", "0.01", "0.1"]
    assert positions([0.001, 0.1, 10.0], "lr")[0] == [-3.0, -1.0, 1.0]  # log10
    assert [name for _x, name in positions([0.003162, 3.162, 1000.0], "lr")[1]] == [
        "0.0032", "3.2", "1000"]  # short under an axis
    assert positions([0.0, 0.5, 0.9], "momentum")[0] == [0.0, 0.5, 0.9]  # linear
    assert positions(["sgd", "adam"], "optimizer")[0] == [1.0, 0.0]  # ranks of words
