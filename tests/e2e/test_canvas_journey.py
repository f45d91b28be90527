"""Drawing, the tool keys right after a stroke, opening images, and "Send to canvas"."""

import numpy as np
from person import (
    CTRL,
    SHIFT,
    answer_file_dialog,
    button,
    click,
    click_button,
    drag,
    keys,
    menu,
    save_screenshot,
    tick,
)
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTabBar

from softmax_gui.preprocess import to_model_input


def show_dock_tab(window, title: str) -> None:
    """Click the tab of a tabbed dock, as a person brings it to the front."""
    bars = [bar for bar in window.findChildren(QTabBar)
            if bar.isVisible() and title in [bar.tabText(i) for i in range(bar.count())]]
    bar = bars[0]
    click(bar, bar.tabRect([bar.tabText(i) for i in range(bar.count())].index(title)).center())


def ink(canvas) -> int:
    return int((canvas.image() > 128).sum())


def test_draw_then_use_the_tool_keys_right_away(qtbot, window):
    show_dock_tab(window, "Draw")
    draw = window.draw_panel
    canvas = draw.canvas
    qtbot.waitUntil(canvas.isVisible, timeout=2000)
    assert "Nothing drawn yet" in draw.status.text()
    w, h = canvas.width(), canvas.height()
    cx, cy, r = w // 2, h // 2, min(w, h) // 4
    drag(canvas, [(cx - r, cy - r), (cx - r, cy + r), (cx + r, cy + r), (cx + r, cy - r)])
    qtbot.waitUntil(lambda: "Looks like" in draw.status.text(), timeout=3000)
    assert ink(canvas) > 0 and draw.input_view.pixels.any()
    p, _, logits = draw.bars.shown
    assert p.sum() == np.float64(1.0) or abs(p.sum() - 1) < 1e-9
    drawn = ink(canvas)

    keys(window, Qt.Key.Key_E)  # right after the stroke: the canvas has the focus
    assert draw.tools.tool_buttons["eraser"].isChecked()
    drag(canvas, [(cx - r - 20, cy), (cx + r + 20, cy)])
    erased = ink(canvas)
    assert erased < drawn
    keys(window, Qt.Key.Key_B)
    assert draw.tools.tool_buttons["brush"].isChecked()
    before_stroke = canvas.image()
    drag(canvas, [(cx, cy - r), (cx, cy + r)])
    after_stroke = canvas.image()
    assert ink(canvas) > erased
    keys(window, Qt.Key.Key_Z, CTRL)
    assert np.array_equal(canvas.image(), before_stroke)
    keys(window, Qt.Key.Key_Z, CTRL | SHIFT)
    assert np.array_equal(canvas.image(), after_stroke)
    keys(window, Qt.Key.Key_F)
    assert draw.tools.tool_buttons["fill"].isChecked()
    click(canvas, QPoint(cx - r // 2, cy - r // 2))  # inside the outline
    assert ink(canvas) > ink_of(after_stroke) * 2
    save_screenshot(window, "drawing")
    keys(window, Qt.Key.Key_Delete)
    assert ink(canvas) == 0
    qtbot.waitUntil(lambda: "Nothing drawn yet" in draw.status.text(), timeout=2000)


def test_the_tool_keys_work_as_soon_as_the_draw_tab_is_raised(qtbot, window):
    show_dock_tab(window, "Draw")  # a click on the tab, nothing drawn yet
    draw = window.draw_panel
    qtbot.waitUntil(draw.canvas.isVisible, timeout=2000)
    keys(window, Qt.Key.Key_E)
    assert draw.tools.tool_buttons["eraser"].isChecked()
    keys(window, Qt.Key.Key_B)
    assert draw.tools.tool_buttons["brush"].isChecked()


def ink_of(image) -> int:
    return int((image > 128).sum())


def test_the_tool_buttons_sliders_and_sort(qtbot, window):
    show_dock_tab(window, "Draw")
    draw = window.draw_panel
    canvas = draw.canvas
    qtbot.waitUntil(canvas.isVisible, timeout=2000)
    w, h = canvas.width(), canvas.height()
    click_button(window, "Eraser")
    click_button(window, "Brush")
    drag(canvas, [(w // 2, 20), (w // 2, h - 20)])
    line = canvas.image()
    click_button(window, "Undo")
    assert ink(canvas) == 0
    click_button(window, "Redo")
    assert np.array_equal(canvas.image(), line)
    click_button(window, "Invert")
    assert ink(canvas) > ink_of(line) * 5  # mostly white now
    click_button(window, "Fill")
    assert draw.tools.tool_buttons["fill"].isChecked()
    click_button(window, "Clear")
    assert ink(canvas) == 0
    click_button(window, "Brush")
    drag(canvas, [(w // 3, h // 3), (2 * w // 3, 2 * h // 3)])
    # The whole stroke inferred (its first dab is answered at once, the rest a frame on).
    whole = to_model_input(canvas.image())
    qtbot.waitUntil(lambda: np.array_equal(draw.input_view.pixels, whole), timeout=2000)
    tick(draw.sort_box)
    p = draw.bars.shown[0]
    assert draw.bars.rows == [draw.bars.classes[i] for i in np.argsort(-p)]
    top = p.max()
    slider = draw.t_slider
    click(slider, QPoint(slider.width() - 3, slider.height() // 2))  # a page step up
    qtbot.waitUntil(lambda: draw.t_label.text() != "T = 1", timeout=2000)
    qtbot.waitUntil(lambda: draw.bars.shown[0].max() < top, timeout=2000)


def test_open_an_image_file_from_the_button_and_the_menu(qtbot, window, fashion, tmp_path):
    # A wide photo-like image: dark item on a light background, 3000x2000 pixels.
    item = 255 - np.kron(fashion.test_images[0].numpy(), np.ones((60, 60), np.uint8))
    page = np.full((2000, 3000), 255, np.uint8)
    page[160:1840, 660:2340] = item
    path = tmp_path / "photo.png"
    Image.fromarray(page).save(path)
    show_dock_tab(window, "Draw")
    draw = window.draw_panel
    click_button(window, "Open…")
    answer_file_dialog(qtbot, path)
    label = fashion.classes[int(fashion.test_labels[0])]
    # Done when the person sees it: the image on the canvas and the model's verdict.
    qtbot.waitUntil(lambda: f"Looks like: {label}" in draw.status.text(), timeout=10_000)
    image = draw.canvas.image()
    # Inverted (light background), letterboxed (not squashed): the borders stay black.
    assert image[:30].max() == 0 and image[-30:].max() == 0 and image.max() > 200
    click_button(window, "Clear")
    qtbot.waitUntil(lambda: "Nothing drawn yet" in draw.status.text(), timeout=5000)
    menu(qtbot, window, "File", "Open image on canvas…")
    answer_file_dialog(qtbot, path)
    qtbot.waitUntil(lambda: draw.canvas.image().max() > 200, timeout=10_000)
    qtbot.waitUntil(lambda: f"Looks like: {label}" in draw.status.text(), timeout=5000)
    broken = tmp_path / "broken.png"
    broken.write_bytes(path.read_bytes()[:200])  # a truncated download
    menu(qtbot, window, "File", "Open image on canvas…")
    answer_file_dialog(qtbot, broken)
    qtbot.waitUntil(lambda: "cannot read" in draw.status.text(), timeout=5000)
    assert "broken.png" in draw.status.text()
    save_screenshot(window, "image-unreadable")


def test_send_a_test_image_to_the_canvas(qtbot, window):
    view = window.grid.view
    click(view, QPoint(view.width() // 16, view.height() // 8))  # the first cell
    index = view.cells[0].index
    title = window.details.title.text()
    assert title.startswith(f"Test image #{index}: ")
    said = title.split("Model: ")[1].split(" (")[0]
    click_button(window, "Send to canvas")
    draw = window.draw_panel
    qtbot.waitUntil(lambda: draw.canvas.isVisible() and draw.input_view.pixels.any(),
                    timeout=3000)
    assert f"Looks like: {said}" in draw.status.text()
    assert button(window, "Send to canvas").isEnabled()
    save_screenshot(window, "sent-to-canvas")
