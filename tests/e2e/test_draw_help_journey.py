"""A first drawing helped: the hint under the empty canvas, the guide under the strokes
(never in what the model sees), T back to exactly 1, and each class's logit beside its
bar on a 1366x768 screen."""

import numpy as np
from person import (
    LEFT,
    button,
    choose,
    click_button,
    click_first_image,
    drag,
    keys,
    menu,
    show_dock,
    tick,
)
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from softmax_gui.preprocess import to_model_input
from softmax_gui.qt.shell.legibility import clipped_texts


def pixels(widget) -> np.ndarray:
    """What ``widget`` shows on the screen, as RGB (rows, columns, 3)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                              image.bytesPerLine())
    return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3)


def tinted(canvas) -> np.ndarray:
    """Where the guide's blue shows in the canvas's square (the drawing is grey on
    black)."""
    side = min(canvas.width(), canvas.height())
    top, left = (canvas.height() - side) // 2, (canvas.width() - side) // 2
    rgb = pixels(canvas)[top + 2 : top + side - 2, left + 2 : left + side - 2].astype(int)
    return rgb[..., 2] - rgb[..., 0] > 12


def extent(mask: np.ndarray) -> tuple[int, int]:
    """Height and width of the region ``mask`` marks."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return (rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) if len(rows) else (0, 0)


def settled(qtbot, draw) -> None:
    """Wait until the model input is that of the whole drawing (a stroke's first dab is
    answered at once, the rest a frame later)."""
    whole = to_model_input(draw.canvas.image())
    qtbot.waitUntil(lambda: np.array_equal(draw.input_view.pixels, whole), timeout=3000)


def open_draw(qtbot, window):
    show_dock(window, "Draw")
    draw = window.draw_panel
    qtbot.waitUntil(draw.canvas.isVisible, timeout=2000)
    return draw


def test_the_hint_and_the_guide_show_where_to_draw_and_the_model_never_sees_it(
        qtbot, open_window):
    window = open_window()
    draw = open_draw(qtbot, window)
    canvas, guide = draw.canvas, draw.guide
    assert draw.hint.isVisible() and "filled, centred" in draw.hint.text()
    assert not tinted(canvas).any()  # no guide until it is asked for
    # The guide offers the dataset's classes once they are loaded.
    qtbot.waitUntil(lambda: guide.choice.count() == 11, timeout=10_000)
    tick(guide.box)
    qtbot.waitUntil(lambda: tinted(canvas).any(), timeout=10_000)  # every item's average
    choose(qtbot, guide.choice, "trouser")
    side = min(canvas.width(), canvas.height())
    # Trousers: tall and narrow, as tall as the frame (the size the recipe maps to 28).
    qtbot.waitUntil(lambda: extent(tinted(canvas))[0] > 0.9 * side, timeout=5000)
    high, wide = extent(tinted(canvas))
    assert high > 1.6 * wide

    # A stroke hides the hint; the input with the guide equals the input without it.
    w, h = canvas.width(), canvas.height()
    stroke = [(w // 2, h // 4), (w // 2, 3 * h // 4), (w // 2 + 10, 3 * h // 4)]
    drag(canvas, stroke)
    settled(qtbot, draw)
    assert not draw.hint.isVisible()
    with_guide, logits_with = draw.input_view.pixels.copy(), draw.bars.shown[2].copy()
    assert with_guide.any() and tinted(canvas).any()
    click_button(window, "Clear")
    qtbot.waitUntil(draw.hint.isVisible, timeout=2000)  # empty again: the hint is back
    tick(guide.box)  # off
    qtbot.waitUntil(lambda: not tinted(canvas).any(), timeout=2000)
    drag(canvas, stroke)
    settled(qtbot, draw)
    assert np.array_equal(draw.input_view.pixels, with_guide)
    assert np.array_equal(draw.bars.shown[2], logits_with)

    # Ticked and its class chosen, the guide comes back with the next window.
    tick(guide.box)
    again = open_window()
    assert again.draw_panel.guide.box.isChecked()
    again_draw = open_draw(qtbot, again)
    qtbot.waitUntil(lambda: again_draw.guide.choice.currentText() == "trouser",
                    timeout=10_000)
    qtbot.waitUntil(lambda: extent(tinted(again_draw.canvas))[0] > 0, timeout=10_000)


def test_the_guide_follows_the_prediction(qtbot, window):
    draw = open_draw(qtbot, window)
    canvas, guide = draw.canvas, draw.guide
    qtbot.waitUntil(lambda: guide.choice.count() == 11, timeout=10_000)
    tick(guide.box)
    assert guide.choice.currentText() == "predicted class"
    qtbot.waitUntil(lambda: tinted(canvas).any(), timeout=10_000)
    empty = tinted(canvas)  # every item's average while nothing is drawn
    w, h = canvas.width(), canvas.height()
    drag(canvas, [(w // 2 - 8, h // 8), (w // 2 - 8, 7 * h // 8), (w // 2 + 8, 7 * h // 8),
                  (w // 2 + 8, h // 8)])
    settled(qtbot, draw)
    said = draw.status.text().split("Looks like: ")[1].split(" (")[0]
    qtbot.waitUntil(lambda: not np.array_equal(tinted(canvas), empty), timeout=3000)
    assert guide.shown_class == draw.bars.classes.index(said)


def slider_x(slider, value: int) -> int:
    """The x of the slider's handle centre when it is at ``value``."""
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    style = slider.style()
    groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                  QStyle.SubControl.SC_SliderGroove, slider)
    handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                  QStyle.SubControl.SC_SliderHandle, slider)
    span = groove.width() - handle.width()
    return groove.x() + handle.width() // 2 + QStyle.sliderPositionFromValue(
        slider.minimum(), slider.maximum(), value, span)


def drag_slider(slider, to_value: int) -> None:
    """Press on the handle, move it to where ``to_value`` is, release."""
    y = slider.height() // 2
    QTest.mousePress(slider, LEFT, pos=QPoint(slider_x(slider, slider.value()), y))
    QTest.mouseMove(slider, QPoint(slider_x(slider, to_value), y))
    QTest.mouseRelease(slider, LEFT, pos=QPoint(slider_x(slider, to_value), y))


def test_the_temperature_goes_back_to_exactly_one(qtbot, window):
    click_first_image(window)
    click_button(window, "Send to canvas")
    draw = open_draw(qtbot, window)
    qtbot.waitUntil(lambda: draw.bars.shown[2] is not None, timeout=3000)
    slider, label = draw.t_slider, draw.t_label
    assert label.text() == "T = 1"

    drag_slider(slider, 150)  # a drag up, to about T = 10^0.5
    assert 2.5 < window.session.state.temperature < 4 and label.text() != "T = 1"
    drag_slider(slider, 101)  # back, a hair past 1: it snaps to exactly 1
    assert label.text() == "T = 1" and window.session.state.temperature == 1.0
    drag_slider(slider, 85)  # further away it does not snap
    assert 0.6 < window.session.state.temperature < 0.8

    QTest.mouseDClick(slider, LEFT, pos=QPoint(slider_x(slider, slider.value()),
                                                slider.height() // 2))
    assert label.text() == "T = 1" and window.session.state.temperature == 1.0

    keys(window, Qt.Key.Key_Right)  # the slider has the keyboard since the click
    keys(window, Qt.Key.Key_Right)
    assert label.text() == "T = 1.05"
    keys(window, Qt.Key.Key_Left)
    keys(window, Qt.Key.Key_Left)
    assert label.text() == "T = 1"

    keys(window, Qt.Key.Key_PageDown)
    assert label.text() == "T = 0.79"
    click_button(window, "T=1")
    assert label.text() == "T = 1" and window.session.state.temperature == 1.0
    # And the bars are the model's own softmax again.
    p, _, logits = draw.bars.shown
    qtbot.waitUntil(lambda: np.allclose(draw.bars.shown[0], np.exp(logits - logits.max())
                                        / np.exp(logits - logits.max()).sum()), timeout=2000)
    assert button(window, "T=1").toolTip()


def test_each_class_logit_is_written_beside_its_bar_at_1366x768(qtbot, window):
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1366, 768), timeout=2000)
    menu(qtbot, window, "View", "Reset layout")
    click_first_image(window)
    click_button(window, "Send to canvas")
    draw = open_draw(qtbot, window)
    bars = draw.bars
    qtbot.waitUntil(lambda: bars.shown[2] is not None
                    and all("o = " in figure for figure in bars.figures), timeout=3000)
    logits = bars.shown[2]
    for row, figure in zip(bars.order, bars.figures):
        assert float(figure.split("o = ")[1]) == round(float(logits[row]), 2) + 0.0
    # Drawn whole: the axis is as wide as its longest figure, and nothing is cut off.
    axis = bars.plot_item.getAxis("right")
    widest = max(bars.fontMetrics().horizontalAdvance(f) for f in bars.figures)
    assert axis.width() >= widest and axis.isVisible()
    assert not clipped_texts(window)
    assert min(draw.canvas.width(), draw.canvas.height()) >= 140  # still a canvas to draw on

    # On a 1024x700 screen the canvas keeps its share: percentages only, all legible.
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1024, 700), timeout=2000)
    menu(qtbot, window, "View", "Reset layout")
    qtbot.waitUntil(lambda: not any("o = " in figure for figure in bars.figures),
                    timeout=3000)
    assert all(figure.endswith("%") for figure in bars.figures)
    assert not clipped_texts(window)
