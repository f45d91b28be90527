"""The main path walked again (issue 20): an explosion kept as a lesson, stale states gone,
a loaded run's timeline, a confusion cell's every image, and a relaunch that reopens the
window as it was left."""

import re

import numpy as np
from person import (
    answer_question,
    button,
    choose,
    click,
    click_button,
    click_first_image,
    click_tree_row,
    drag,
    menu,
    progress_text,
    save_screenshot,
    show_dock,
    show_tab,
    status_text,
    type_into,
    wait_until_done,
)
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest


def panel(window):
    return window.controls.panel


def select_run(window, row: int) -> None:
    show_tab(window, "Runs")
    table = window.tabs.runs.tree
    click_tree_row(table, table.topLevelItem(row))


def runs_cells(window, row: int) -> list[str]:
    table = window.tabs.runs.tree
    return [table.topLevelItem(row).text(c) for c in range(table.columnCount())]


def test_an_exploded_run_is_kept_and_a_loaded_run_clears_the_failure(qtbot, open_window,
                                                                    tmp_path):
    window = open_window(tmp_path / "runs")
    type_into(panel(window).epochs, "2")
    click_button(window, "Start")  # run #1 trains
    wait_until_done(qtbot, window)
    type_into(panel(window).lr, "1000")
    click_button(window, "Start")  # run #2 explodes in its first epoch
    assert wait_until_done(qtbot, window).startswith("Failed: The loss exploded")
    # It kept no epoch: the timeline still has run #1's (it read "no run yet").
    show_tab(window, "Calibration")
    assert window.tabs.timelines[2].epoch.text() == "now (run #1: 2 kept)"
    view = window.tabs.runs
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 2, timeout=10_000)
    show_tab(window, "Runs")
    newest = runs_cells(window, 0)  # newest first, and the table says so in words
    assert newest[0] == "#2" and newest[1] == "" and newest[3] == "exploded, no weights"
    assert "by run: newest first" in view.order.text()
    save_screenshot(window, "runs-tab-with-an-exploded-run")
    select_run(window, 0)
    assert not button(window, "Load weights").isEnabled()
    assert "exploded" in button(window, "Load weights").toolTip()
    click_button(window, "Overlay curves")  # the lesson beside the run that trained
    show_tab(window, "Curves")
    assert "already on the plots" in status_text(window)
    runs_listed = window.tabs.plots.run_list
    assert runs_listed.item(1).text().startswith("#2 (exploded) ")
    select_run(window, 1)
    click_button(window, "Load weights")
    qtbot.waitUntil(lambda: "saved run #1" in window.status.weights.text(), timeout=10_000)
    # The failure belonged to run #2: the progress bar now says what Start will do.
    assert progress_text(window).startswith("Press Start to train 2 epochs (about ")
    # A loaded run keeps its epochs: the timeline has them, not "no run yet".
    show_tab(window, "Confusion")
    bar = window.tabs.timelines[1]
    assert bar.epoch.text() == "now (run #1: 2 kept)"
    assert bar.slider.isEnabled() and bar.slider.maximum() == 2
    click(bar.slider, QPoint(4, bar.slider.height() // 2))  # a page towards epoch 1
    QTest.keyClick(bar.slider, Qt.Key.Key_Home)
    assert bar.epoch.text() == "epoch 1 of 2 (run #1)"
    show_tab(window, "Calibration")
    calibration = window.tabs.calibration
    assert calibration.epochs == [1.0, 2.0]  # the run's whole ECE curve, never 9 to 10
    assert list(calibration.history_mark.getData()[0]) == [1.0]  # epoch 1 ringed
    slider = window.tabs.timelines[2].slider
    click(slider, QPoint(4, slider.height() // 2))  # focused (still at epoch 1)
    QTest.keyClick(slider, Qt.Key.Key_End)
    assert window.tabs.timelines[2].epoch.text() == "now (run #1: 2 kept)"
    assert list(calibration.history_mark.getData()[0]) == [2.0]


def test_a_confusion_cell_shows_every_image_in_a_grid_that_scrolls(qtbot, window, fashion):
    labels = fashion.test_labels.numpy()
    show_tab(window, "Confusion")
    heatmap = window.tabs.confusion.heatmap
    expected = int(window.tabs.confusion.counts[6, 0])  # shirt predicted as t-shirt
    area, _ = heatmap.layout_rects()
    side = area.width() / 10
    click(heatmap, QPointF(area.left() + 0.5 * side, area.top() + 6.5 * side).toPoint())
    grid = window.grid
    shown = [cell.index for cell in grid.view.cells]
    assert len(shown) == expected > 100 and all(labels[i] == 6 for i in shown)
    assert f"Showing all {expected} shirt predicted as t-shirt (scroll" in grid.summary.text()
    scroll = grid.findChild(type(grid.view.parent().parent()))
    bar = scroll.verticalScrollBar()
    qtbot.waitUntil(bar.isVisible, timeout=5000)  # taller than the dock: it scrolls
    while bar.value() < bar.maximum():  # the person pages down to the end
        click(bar, QPoint(bar.width() // 2, bar.height() - 20))
    view = grid.view
    last = len(shown) - 1
    width = view.width() / view.columns
    click(view, QPoint(int((last % view.columns + 0.5) * width),
                       int((last // view.columns + 0.5) * view.cell_height)))
    assert window.session.state.selected == shown[last]
    save_screenshot(window, "confusion-cell-every-image")
    choose(qtbot, grid.filter, "Mistakes only")  # a filter chosen leaves the cell
    assert "Showing all" not in grid.summary.text()
    assert not grid.clear_selection.isVisible()  # "Show all" has nothing to show


def test_a_relaunch_reopens_the_window_as_it_was_left(qtbot, open_window, tmp_path):
    runs = tmp_path / "runs"
    window = open_window(runs)
    type_into(panel(window).epochs, "1")
    type_into(panel(window).lr, "0.05")
    click_button(window, "Start")  # run #1
    wait_until_done(qtbot, window)
    click_button(window, "Start")  # run #2
    wait_until_done(qtbot, window)
    plots = window.tabs.plots
    first = plots.run_list.visualItemRect(plots.run_list.item(0))
    click(plots.run_list.viewport(), QPoint(first.left() + 10, first.center().y()))
    assert plots.run_list.item(0).checkState() == Qt.CheckState.Unchecked
    # Both saved (a save that lands later refreshes the table and drops the selection).
    qtbot.waitUntil(lambda: window.tabs.runs.tree.topLevelItemCount() == 2, timeout=10_000)
    select_run(window, 1)  # run #1 (newest first)
    click_button(window, "Load weights")
    qtbot.waitUntil(lambda: "saved run #1" in window.status.weights.text(), timeout=10_000)
    choose(qtbot, window.grid.filter, "Mistakes only")
    choose(qtbot, window.grid.order, "Least confident")
    show_dock(window, "Draw")
    canvas = window.draw_panel.canvas
    drag(canvas, [(canvas.width() // 2, 20 + k * (canvas.height() - 40) // 10)
                  for k in range(11)])  # a trouser leg, say
    drawing = canvas.image()
    type_into(panel(window).lr, "50")  # the last run explodes with this rate
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Failed: The loss exploded")
    qtbot.waitUntil(lambda: window.tabs.runs.tree.topLevelItemCount() == 3, timeout=10_000)
    menu(qtbot, window, "File", "Quit")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)

    again = open_window(runs)
    qtbot.waitUntil(lambda: "saved run #1" in again.status.weights.text(), timeout=20_000)
    assert re.search(r"saved run #1 .*\d+\.\d%", again.status.weights.text())
    names = [again.tabs.plots.run_list.item(i).text()
             for i in range(again.tabs.plots.run_list.count())]
    assert [n.split()[1] for n in names] == ["#1", "#2", "#3"], names
    states = [again.tabs.plots.run_list.item(i).checkState() for i in range(3)]
    assert states == [Qt.CheckState.Unchecked, Qt.CheckState.Checked, Qt.CheckState.Checked]
    assert not again.tabs.plots.curves[1].raw.isVisible()  # its lasting number: its colour
    assert again.grid.filter.currentText() == "Mistakes only"
    assert again.grid.order.currentText() == "Least confident"
    assert panel(again).lr.text() == "0.050000"  # never the rate that exploded
    assert "learning rate 50 made a run's loss explode" in status_text(again)
    assert np.array_equal(again.draw_panel.canvas.image(), drawing)  # the drawing too
    show_tab(again, "Weights")
    assert again.tabs.timelines[0].epoch.text() == "now (run #1: 1 kept)"
    save_screenshot(again, "relaunched-as-left")


def test_a_relaunch_says_when_the_weights_it_had_are_gone(qtbot, open_window, tmp_path):
    runs = tmp_path / "runs"
    window = open_window(runs)
    type_into(panel(window).epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    qtbot.waitUntil(lambda: window.tabs.runs.tree.topLevelItemCount() == 1, timeout=10_000)
    select_run(window, 0)
    click_button(window, "Delete…")
    answer_question(qtbot, "Yes")
    menu(qtbot, window, "File", "Quit")
    again = open_window(runs)
    qtbot.waitUntil(lambda: "no longer in the runs folder" in status_text(again),
                    timeout=10_000)
    assert "bundled default" in again.status.weights.text()
    assert np.isfinite(again.session.state.weights.probabilities).all()


def test_new_weights_never_take_a_picked_test_image_from_explain(qtbot, window):
    """A drawing on the canvas, then a test image picked: Explain shows the image, and a
    Step (new weights) keeps it there; the drawing is examined again once it is edited."""
    show_dock(window, "Draw")
    canvas = window.draw_panel.canvas
    qtbot.waitUntil(canvas.isVisible, timeout=2000)
    cx, cy, r = canvas.width() // 2, canvas.height() // 2, min(canvas.width(),
                                                                canvas.height()) // 4
    drag(canvas, [(cx - r, cy - r), (cx - r, cy + r), (cx + r, cy + r)])
    qtbot.waitUntil(lambda: "Looks like" in window.draw_panel.status.text(), timeout=3000)
    show_dock(window, "Test images")
    index = click_first_image(window)
    show_dock(window, "Explain")
    heading = window.explain.heading
    qtbot.waitUntil(lambda: heading.text().startswith(f"Test image #{index} "), timeout=5000)
    click_button(window, "Step")
    wait_until_done(qtbot, window)
    qtbot.wait(300)  # the canvas re-scores on its next frame
    assert heading.text().startswith(f"Test image #{index} "), heading.text()
    show_dock(window, "Draw")
    drag(canvas, [(cx + r, cy - r), (cx + r, cy + r)])
    show_dock(window, "Explain")
    qtbot.waitUntil(lambda: heading.text().startswith("Your drawing"), timeout=5000)


def test_a_deleted_run_stays_deleted_and_a_step_from_its_weights_is_a_new_run(qtbot,
                                                                             window):
    type_into(panel(window).epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    plots = window.tabs.plots
    assert plots.run_list.count() == 1
    show_tab(window, "Runs")
    table = window.tabs.runs.tree
    qtbot.waitUntil(lambda: table.topLevelItemCount() == 1, timeout=10_000)
    select_run(window, 0)
    click_button(window, "Delete…")
    assert "Delete run #1 and its weights" in answer_question(qtbot, "Yes")
    qtbot.waitUntil(lambda: table.topLevelItemCount() == 0, timeout=5000)
    assert plots.run_list.count() == 0  # its curves went with it
    click_button(window, "Step")  # from its weights, still active
    wait_until_done(qtbot, window)
    qtbot.waitUntil(lambda: table.topLevelItemCount() == 1, timeout=10_000)
    assert runs_cells(window, 0)[0] == "#2"  # a new run, not #1 back from the dead
    assert plots.run_list.count() == 1 and "continues run #1" in plots.run_list.item(0).text()
