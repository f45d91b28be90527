"""The views, clicked: grid filters and cells, tabs, confusion cells, runs, docks, Quit."""

import numpy as np
from person import (
    answer_question,
    button,
    choose,
    click,
    click_button,
    click_tree_row,
    keys,
    menu,
    save_screenshot,
    show_tab,
    tick,
    type_into,
    wait_until_done,
)
from PySide6.QtCore import QPoint, QPointF, Qt

from softmax_gui import evaluation


def cells(window) -> list[int]:
    return [cell.index for cell in window.grid.view.cells]


def test_the_grid_filters_orders_resizes_and_shuffles(qtbot, window, fashion):
    grid = window.grid
    labels = fashion.test_labels.numpy()
    view = grid.view
    # Auto: as many legible cells as the dock holds, and they fill it.
    assert len(cells(window)) == view.columns * view.rows > 1
    assert view.width() / view.columns >= view.min_cell.width()
    assert view.width() / view.columns < 2 * view.auto_cell.width()
    for cell in grid.view.cells:
        assert cell.true_text == fashion.classes[labels[cell.index]]
    choose(qtbot, grid.filter, "Mistakes only")
    assert all(cell.correct is False for cell in grid.view.cells)
    choose(qtbot, grid.order, "Most confident mistakes")
    shown = [cell.predicted_text for cell in grid.view.cells]
    percents = [int(text.rsplit(" ", 1)[1].rstrip("%")) for text in shown]
    assert percents == sorted(percents, reverse=True) and percents[0] >= 95
    choose(qtbot, grid.filter, "Class: dress")
    assert all(labels[i] == 3 for i in cells(window))
    choose(qtbot, grid.filter, "All")
    choose(qtbot, grid.order, "Random")
    type_into(grid.columns, "16")
    type_into(grid.rows, "10")
    # 160 images do not fit the dock: the cells keep a legible size and the grid scrolls.
    assert len(cells(window)) == 160
    width = view.width() / 16
    assert width >= view.min_cell.width() and view.width() > grid.width()
    metrics = view.fontMetrics()
    assert all(metrics.horizontalAdvance(c.predicted_text) <= width for c in view.cells)
    type_into(grid.columns, "4")
    type_into(grid.rows, "2")
    assert len(cells(window)) == 8
    before = cells(window)
    click_button(window, "Shuffle")
    after = cells(window)
    assert after != before
    click(grid.view, QPoint(5, 5))  # focus away from the fields: R is for the grid
    keys(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: cells(window) != after, timeout=2000)
    click(grid.view, QPoint(grid.view.width() * 3 // 8, grid.view.height() // 4))
    index = cells(window)[1]
    assert window.details.title.text().startswith(f"Test image #{index}:")
    p = window.details.bars.shown[0]
    assert p.sum() == np.float64(1.0) or abs(p.sum() - 1) < 1e-9


def test_the_insight_tabs_show_the_active_model(qtbot, window, fashion):
    labels = fashion.test_labels.numpy()
    show_tab(window, "Weights")
    images = window.tabs.templates.images
    w = window.session.state.weights.snapshot.state["1.weight"]
    assert len(images) == 10 and np.allclose(images[3].image, w[3].reshape(28, 28))
    low, high = images[3].getLevels()
    assert low == -high  # a diverging map: zero in the middle
    show_tab(window, "Confusion")
    confusion = window.tabs.confusion
    counts = confusion.counts
    assert counts.sum() == 10_000
    assert np.trace(counts) / 10_000 == np.float64(0.8458) or \
        abs(np.trace(counts) / 10_000 - 0.8458) < 1e-9
    metrics = evaluation.per_class_metrics(counts)
    headers = [confusion.table.horizontalHeaderItem(c).text() for c in range(4)]
    assert headers == ["precision", "recall", "F1", "support"]
    assert confusion.table.item(6, 1).text() == f"{metrics['recall'][6]:.1%}"
    assert confusion.table.item(9, 3).text() == "1,000"
    tick(confusion.normalise)
    assert confusion.heatmap.labels[0].endswith("%")
    # Click the cell "shirt predicted as t-shirt" in the heatmap.
    heatmap = confusion.heatmap
    area, _ = heatmap.layout_rects()
    side = area.width() / 10
    click(heatmap, QPointF(area.left() + 0.5 * side, area.top() + 6.5 * side).toPoint())
    grid = window.grid
    assert all(labels[i] == 6 for i in cells(window)) and cells(window)
    assert "shirt predicted as t-shirt" in grid.summary.text()
    save_screenshot(window, "confusion-cell")
    click_button(window, "Show all")
    assert "predicted as" not in grid.summary.text()
    show_tab(window, "Calibration")
    p = window.session.state.weights.probabilities
    ece = evaluation.calibration(p.max(1), p.argmax(1) == labels)["ece"]
    assert f"Expected calibration error (ECE): {ece:.2%}" in \
        window.tabs.calibration.label.text()
    click(window.grid.view, QPoint(5, 5))  # select the first test image shown
    show_tab(window, "Softmax")
    steps = window.tabs.steps
    index = cells(window)[0]  # the selected image: the first shown
    label = int(labels[index])
    expected = evaluation.softmax_steps(window.session.state.weights.predictor.logits(
        fashion.test_images[index].numpy() / 255.0), label)
    assert steps.table.rowCount() == 10 and steps.table.item(label, 4).text() == "1"
    assert f"{expected['ce_nats']:.4f} nats" in steps.summary.text()
    tick(steps.large)
    naive = [steps.table.item(r, 6).text() for r in range(10)]
    assert "NaN" in naive or "inf" in naive
    save_screenshot(window, "softmax-steps")


def test_runs_are_kept_compared_reloaded_and_deleted(qtbot, open_window, tmp_path):
    runs = tmp_path / "kept-runs"
    window = open_window(runs)
    type_into(window.controls.panel.epochs, "2")
    type_into(window.controls.panel.lr, "0.05")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    click_button(window, "Step")  # extends the same run: still one entry
    wait_until_done(qtbot, window)
    plots = window.tabs.plots
    item = plots.run_list.item(0)
    check = plots.run_list.visualItemRect(item)
    click(plots.run_list.viewport(), QPoint(check.left() + 10, check.center().y()))
    assert not plots.curves[1].raw.isVisible()  # unticked: hidden
    menu(qtbot, window, "File", "Quit")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)

    again = open_window(runs)  # the runs survived the restart
    show_tab(again, "Runs")
    view = again.tabs.runs
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 1, timeout=10_000)
    # Its lasting number, its accuracy and the epochs it really trained (2, then a Step).
    assert [view.tree.topLevelItem(0).text(c) for c in (0, 2)] == ["#1", "3"]
    assert view.tree.topLevelItem(0).text(1).endswith("%")
    click_tree_row(view.tree, view.tree.topLevelItem(0))
    click_button(again, "Load weights")
    qtbot.waitUntil(lambda: "saved run" in again.status.weights.text(), timeout=10_000)
    save_screenshot(again, "runs-tab")
    click_button(again, "Overlay curves")
    show_tab(again, "Curves")
    overlay = again.tabs.plots
    assert overlay.run_list.count() == 1
    assert overlay.run_list.item(0).text().startswith("saved #1 ")
    epochs, _ = next(iter(overlay.curves.values())).epoch["test_acc"].getData()
    assert list(epochs) == [1.0, 2.0, 3.0]
    save_screenshot(again, "overlay")
    click(overlay.run_list.viewport(),
          overlay.run_list.visualItemRect(overlay.run_list.item(0)).center())
    click_button(again, "Remove run")
    assert overlay.run_list.count() == 0
    show_tab(again, "Runs")
    click_tree_row(view.tree, view.tree.topLevelItem(0))
    click_button(again, "Delete…")
    assert "Delete run #1 and its weights" in answer_question(qtbot, "Yes")
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 0, timeout=5000)
    assert not [p for p in runs.iterdir() if not p.name.startswith(".")]


def test_the_view_menu_hides_and_shows_the_docks(qtbot, window):
    for title in ("Training", "Test images", "Selected image", "Draw", "Explain"):
        menu(qtbot, window, "View", title)
        dock = next(d for d in (window.training_dock, window.grid_dock, window.details_dock,
                                window.canvas_dock, window.explain_dock)
                    if d.windowTitle() == title)
        assert not dock.isVisible()
        menu(qtbot, window, "View", title)
        assert dock.isVisible()
    assert button(window, "Start").isVisible()


def test_hidden_views_catch_up_when_shown(qtbot, window):
    show_tab(window, "Curves")
    type_into(window.controls.panel.epochs, "1")
    type_into(window.controls.panel.lr, "0.3")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    show_tab(window, "Weights")
    w = window.session.state.weights.snapshot.state["1.weight"]
    assert np.allclose(window.tabs.templates.images[0].image, w[0].reshape(28, 28))


def test_the_window_fits_1024x700_and_opens_out_again(qtbot, window):
    # Use it first: a drawing, a run and a message once widened the docks past 1024.
    show_tab(window, "Curves")
    type_into(window.controls.panel.epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    menu(qtbot, window, "View", "Draw")
    menu(qtbot, window, "View", "Draw")
    window.resize(1024, 700)  # what the window manager does on a small screen
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 700, timeout=2000)
    panel = window.controls.panel
    assert panel.width() >= panel.minimumSizeHint().width()  # not squeezed: it scrolls
    start = button(window, "Start")
    assert start.visibleRegion().boundingRect() == start.rect()  # the whole button shows
    # The docks keep their share of the width (Qt applies it once the layout runs).
    qtbot.waitUntil(lambda: window.details_dock.width() <= 0.33 * 1024, timeout=2000)
    right = window.details_dock.width()  # the right column's width
    window.resize(1800, 1000)  # a larger screen: the docks open out with the window
    qtbot.waitUntil(lambda: window.width() == 1800, timeout=2000)
    qtbot.waitUntil(lambda: window.details_dock.width() > right * 1.4, timeout=2000)
    menu(qtbot, window, "View", "Selected image")  # hide a panel, then reset
    assert not window.details_dock.isVisible()
    menu(qtbot, window, "View", "Reset layout")
    assert window.grid_dock.isVisible() and window.training_dock.isVisible()
    assert window.details_dock.isVisible()
    assert abs(window.grid_dock.width() - 0.32 * 1800) < 0.1 * 1800
