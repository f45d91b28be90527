"""The Curves tab's own settings: the batch loss's smoothing and a log loss axis, chosen
with the mouse and the keyboard and found again in the next window."""

import numpy as np
from person import LEFT, click_button, show_tab, tick, type_into, wait_until_done
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest


def smoothed_loss(plots) -> np.ndarray:
    """The smoothed line's values (as given to the plot, before any log axis maps them)."""
    _, y = plots.curves[max(plots.curves)].smooth.getOriginalDataset()
    return np.asarray(y)


def raw_loss(plots) -> np.ndarray:
    _, y = plots.curves[max(plots.curves)].raw.getOriginalDataset()
    return np.asarray(y)


def test_smoothing_and_the_log_axis_are_chosen_and_remembered(qtbot, open_window):
    window = open_window()
    type_into(window.controls.panel.epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    show_tab(window, "Curves")
    plots = window.tabs.plots
    options = plots.options
    assert options.label.text() == "Smoothing 0.90"
    at_09 = smoothed_loss(plots)
    assert len(at_09) == len(raw_loss(plots)) > 100
    assert np.std(np.diff(at_09)) < np.std(np.diff(raw_loss(plots)))  # smoother

    # Dragged to the far left: no smoothing, the line is the batches' own losses.
    slider = options.slider
    y = slider.height() // 2
    handle_x = round(slider.width() * slider.value() / slider.maximum())
    QTest.mousePress(slider, LEFT, pos=QPoint(min(handle_x, slider.width() - 4), y))
    QTest.mouseMove(slider, QPoint(0, y))
    QTest.mouseRelease(slider, LEFT, pos=QPoint(0, y))
    assert options.label.text() == "Smoothing 0.00"
    assert np.allclose(smoothed_loss(plots), raw_loss(plots))
    # Three steps up with the keyboard (the slider has it since the drag): 0.03.
    for _ in range(3):
        QTest.keyClick(slider, Qt.Key.Key_Right)
    assert options.label.text() == "Smoothing 0.03"
    at_003 = smoothed_loss(plots)
    assert not np.allclose(at_003, raw_loss(plots)) and not np.allclose(at_003, at_09)

    axis = plots.loss_plot.getAxis("left")
    assert not axis.logMode
    tick(options.log_box)
    assert axis.logMode and plots.curves[1].raw.opts["logMode"][1]
    assert "log scale" in axis.labelText
    # What is drawn is log10 of the losses (the peak is kept when points are thinned).
    _, shown = plots.curves[1].raw.getData()
    assert np.isclose(10 ** np.nanmax(shown), raw_loss(plots).max())

    again = open_window()  # the next launch, same settings
    options_again = again.tabs.plots.options
    assert options_again.label.text() == "Smoothing 0.03"
    assert options_again.log_box.isChecked()
    assert again.tabs.plots.loss_plot.getAxis("left").logMode
    tick(options_again.log_box)  # and off again, in a person's way
    assert not again.tabs.plots.loss_plot.getAxis("left").logMode
    assert "log" not in again.tabs.plots.loss_plot.getAxis("left").labelText
