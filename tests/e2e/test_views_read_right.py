"""Every view reads right: theme, tempered softmax, exact Send to canvas, explosions,
stopped runs, calibration per epoch, one surface per message, names for screen readers."""

import numpy as np
import pytest
from person import (
    answer_file_dialog,
    button,
    choose,
    click_button,
    click_first_image,
    drag,
    keys,
    menu,
    show_dock,
    show_lab_page,
    show_tab,
    type_into,
    wait_until_done,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from softmax_gui.evaluation import softmax_np


def lightness(colour) -> int:
    return colour.lightness()


def test_the_theme_menu_switches_light_and_dark_and_is_remembered(qtbot, open_window):
    window = open_window()
    menu(qtbot, window, "View", "Theme", "Dark")
    assert lightness(QApplication.palette().window().color()) < 80
    assert lightness(window.tabs.plots.graphics.backgroundBrush().color()) < 80
    assert lightness(window.grid.view.palette().base().color()) < 80
    menu(qtbot, window, "File", "Quit")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    again = open_window()  # the same settings: a restart
    assert again.theme_menu.choices["dark"].isChecked()
    assert lightness(again.tabs.plots.graphics.backgroundBrush().color()) < 80
    menu(qtbot, again, "View", "Theme", "Light")
    assert lightness(QApplication.palette().window().color()) > 180
    assert lightness(again.tabs.plots.graphics.backgroundBrush().color()) > 240
    menu(qtbot, again, "View", "Theme", "System")  # offscreen has no dark preference
    assert lightness(QApplication.palette().window().color()) > 180


def test_a_test_image_sent_to_the_canvas_is_exactly_that_image(qtbot, window, fashion):
    index = click_first_image(window)
    label = int(fashion.test_labels[index])
    click_button(window, "Send to canvas")
    draw = window.draw_panel
    qtbot.waitUntil(lambda: draw.input_view.pixels.any(), timeout=3000)
    # The model sees the test image itself (not a re-scaled copy) and knows its class.
    assert np.allclose(draw.input_view.pixels, fashion.test_images[index].numpy() / 255.0,
                       atol=1e-7)
    p = draw.bars.shown[0]
    assert np.allclose(p, window.session.state.weights.probabilities[index], atol=1e-6)
    assert f"True class: {fashion.classes[label]}." in draw.status.text()
    show_tab(window, "Softmax")
    steps = window.tabs.steps
    assert steps.title.text().endswith("on the canvas")
    assert steps.table.horizontalHeaderItem(steps.table.columnCount() - 1).text() == "y"
    # Drawing on it makes it the user's drawing: no true class any more.
    canvas = draw.canvas
    drag(canvas, [(30, 30), (60, 60), (90, 40)])
    qtbot.waitUntil(lambda: steps.title.text().startswith("Your drawing"), timeout=3000)
    assert "True class" not in draw.status.text()


def test_the_softmax_tab_shows_the_temperature_the_bars_use(qtbot, window):
    click_first_image(window)
    click_button(window, "Send to canvas")
    draw = window.draw_panel
    qtbot.waitUntil(lambda: draw.input_view.pixels.any(), timeout=3000)
    draw.t_slider.setFocus()
    for _ in range(3):
        keys(draw.t_slider, Qt.Key.Key_PageDown)  # a person lowers T with the keyboard
    t = window.session.state.temperature
    assert t < 1 and draw.t_label.text() == f"T = {t:.2f}"
    show_tab(window, "Softmax")
    steps = window.tabs.steps
    headers = [steps.table.horizontalHeaderItem(c).text()
               for c in range(steps.table.columnCount())]
    assert headers[:5] == ["o", "o/T", "o/T−max", "exp", "p"]
    o = np.array([float(steps.table.item(r, 0).text()) for r in range(10)])
    shown_p = [steps.table.item(r, 4).text() for r in range(10)]
    # The table's p is the bars' p: the softmax of o / T (the bars answer within a frame).
    qtbot.waitUntil(lambda: np.allclose(draw.bars.shown[0], softmax_np(o, t), atol=5e-3),
                    timeout=2000)
    assert shown_p[int(np.argmax(o))] == f"{draw.bars.shown[0].max():.3g}"
    assert f"Temperature T = {t:.2f}" in steps.summary.text()
    # A test image clicked in the grid is shown as the model gives it, at T = 1 (the
    # canvas's T belongs to the canvas): the Softmax tab agrees with Selected image.
    show_dock(window, "Test images")
    click_first_image(window)
    qtbot.waitUntil(lambda: steps.title.text().startswith("Test image #"), timeout=2000)
    assert "o/T" not in [steps.table.horizontalHeaderItem(c).text()
                         for c in range(steps.table.columnCount())]


def test_a_diverging_run_draws_its_explosion(qtbot, window):
    type_into(window.controls.panel.lr, "1000")
    type_into(window.controls.panel.epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    assert window.banner.isVisible() and "exploded" in window.banner.text.text()
    curves = next(iter(window.tabs.plots.curves.values()))
    _, drawn = curves.raw.getData()
    assert len(drawn) and np.isfinite(drawn).all()
    assert curves.explosion is not None and curves.explosion.isVisible()
    assert "loss exploded" in curves.explosion.label.toPlainText()


def test_a_stopped_run_shows_the_epochs_it_trained_not_the_plan(qtbot, window):
    type_into(window.controls.panel.epochs, "200")
    click_button(window, "Start")
    qtbot.waitUntil(lambda: len(window.session.state.runs[-1].epochs) >= 1,
                    timeout=60_000)
    click_button(window, "Stop")
    wait_until_done(qtbot, window)
    right = window.tabs.plots.loss_plot.viewRange()[0][1]
    trained = window.session.state.runs[-1].batch_x[-1]
    assert trained < right < trained + 1  # not 200
    show_tab(window, "Runs")
    table = window.tabs.runs.tree
    qtbot.waitUntil(lambda: table.topLevelItemCount() == 1, timeout=10_000)
    trained, of, planned = table.topLevelItem(0).text(2).split()  # e.g. "2.68 of 200"
    assert float(trained) < 10 and (of, planned) == ("of", "200")
    # Its curve ends where it was stopped and scored, not at the last whole epoch.
    x, acc = next(iter(window.tabs.plots.curves.values())).epoch["test_acc"].getData()
    # (On a busy machine the Stop can land on an epoch's first batch: then the two agree.)
    history = window.session.state.runs[-1]
    assert x[-1] == history.stopped_at[0] == pytest.approx(history.batch_x[-1])
    # The accuracy column is in view at the default width, no scrolling.
    right_edge = table.header().sectionViewportPosition(1) + table.columnWidth(1)
    assert right_edge <= table.viewport().width()


def test_calibration_has_a_point_for_every_epoch_trained_out_of_sight(qtbot, window):
    show_tab(window, "Curves")
    type_into(window.controls.panel.epochs, "3")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    show_tab(window, "Calibration")
    view = window.tabs.calibration
    assert view.epochs == [1.0, 2.0, 3.0] and all(0 < e < 0.2 for e in view.eces)
    low, high = view.history.getViewBox().viewRange()[1]
    assert low == 0 and high > max(view.eces)


def test_a_later_success_replaces_the_message_of_a_failure(qtbot, window, tmp_path, fashion):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"nonsense")
    menu(qtbot, window, "File", "Open weights…")
    answer_file_dialog(qtbot, bad)
    qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
    menu(qtbot, window, "File", "Open weights…")
    answer_file_dialog(qtbot, fashion.spec.default_weights)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=10_000)
    assert window.status.currentMessage().startswith("Opened ")


def test_the_mlp_weights_tab_says_how_many_units_it_shows(qtbot, window):
    choose(qtbot, window.controls.panel.model, "MLP (1 hidden layer)")
    type_into(window.controls.panel.epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    show_tab(window, "Weights")
    templates = window.tabs.templates
    assert templates.caption.text().startswith("The first 16 of the first layer's 256 hidden")
    assert len(templates.images) == 16


def test_every_control_has_a_name_a_screen_reader_can_say(qtbot, window):
    unnamed = []
    pages = [(t, None) for t in ("Curves", "Weights", "Confusion", "Calibration", "Softmax",
                                 "Runs")]
    pages += [("Lab", page) for page in ("Same batches", "Pitfall", "Microscope")]
    pages += [("Weights", "dock:Explain"), ("Weights", "dock:Draw")]
    for title, page in pages:
        show_tab(window, title)
        if page and page.startswith("dock:"):
            show_dock(window, page[5:])
        elif page:
            show_lab_page(window, page)
        for widget in window.findChildren(QWidget):
            parent = widget.parent()
            inner = widget.objectName() == "qt_spinbox_lineedit" or (
                isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget)
            if inner or not widget.isVisible() or \
                    not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                continue
            face = QAccessible.queryAccessibleInterface(widget)
            if not face or not face.text(QAccessible.Text.Name):
                unnamed.append(f"{type(widget).__name__} {widget.toolTip()[:40]!r}")
    assert not unnamed
    assert button(window, "Start").isVisible()


def test_the_grid_marks_mistakes_in_words_not_only_red(qtbot, window):
    choose(qtbot, window.grid.filter, "Mistakes only")
    cells = window.grid.view.cells
    assert cells and all(cell.predicted_text.startswith("✗ ") for cell in cells)


def test_the_numpy_model_is_chosen_in_the_panel_and_trains(qtbot, window):
    choose(qtbot, window.controls.panel.model, "Softmax (NumPy)")
    assert window.controls.panel.model.currentText() == "Softmax (NumPy)"
    type_into(window.controls.panel.epochs, "1")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 1 epoch")
    assert not window.banner.isVisible()
    show_tab(window, "Weights")
    assert len(window.tabs.templates.images) == 10  # a class template each, like W's rows
    accuracy = float(window.status.weights.text().rsplit(", ", 1)[1].rstrip("%"))
    assert accuracy > 80


def test_the_pitfall_model_is_flagged_in_the_panel(qtbot, window):
    from softmax_gui.qt.shell.legibility import clipped_texts

    panel = window.controls.panel
    assert not panel.mistake.isVisible()
    choose(qtbot, panel.model, "Pitfall (nn.Softmax)")
    assert panel.mistake.isVisible() and "deliberate mistake" in panel.mistake.text()
    window.resize(1024, 700)
    # The docks keep their share of the width once the layout has run.
    qtbot.waitUntil(lambda: window.width() == 1024
                    and window.grid_dock.width() <= 0.33 * 1024, timeout=2000)
    assert not clipped_texts(window)  # the longer name and the note still fit
    type_into(panel.epochs, "1")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 1 epoch")
    choose(qtbot, panel.model, "Softmax (concise)")
    assert not panel.mistake.isVisible()
