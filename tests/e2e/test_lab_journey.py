"""The Lab tab, the information table and the timeline, used as a person uses them."""

import re

import numpy as np
from person import (
    button,
    click,
    click_button,
    click_first_image,
    keys,
    menu,
    show_lab_page,
    show_tab,
    tick,
    type_into,
    wait_until_done,
)
from PySide6.QtCore import QPoint, Qt


def test_the_three_implementations_agree_and_the_gradient_checks(qtbot, window):
    show_tab(window, "Lab")
    show_lab_page(window, "Same batches")
    page = window.tabs.lab.same_batches
    type_into(page.steps, "20")
    tick(page.float64)
    click_button(window, "Compare")
    qtbot.waitUntil(lambda: page.result.text().startswith("After 20 steps"), timeout=60_000)
    text = page.result.text()
    assert "(float64)" in text and "within the bound 1e-10" in text
    worst = float(re.search(r"any two = ([0-9.e+-]+)", text).group(1))
    assert worst <= 1e-10
    x, y = page.loss_curves["numpy"].getData()
    assert len(x) == 20 and np.all(np.isfinite(y)) and y[-1] < y[0]
    click_button(window, "Gradient check")
    qtbot.waitUntil(lambda: "relative error" in page.check_result.text(), timeout=60_000)
    error = float(re.search(r"relative error ([0-9.e+-]+)", page.check_result.text()).group(1))
    assert error <= 1e-6 and "✓" in page.check_result.text()


def test_the_pitfall_is_trained_beside_the_correct_model_and_can_be_stopped(qtbot, window):
    show_tab(window, "Lab")
    show_lab_page(window, "Pitfall")
    page = window.tabs.lab.pitfall
    type_into(page.epochs, "1")
    click_button(window, "Train both")
    assert button(window, "Stop both").isVisible()
    qtbot.waitUntil(lambda: page.result.text().startswith("correct"), timeout=120_000)
    assert page.progress.value() == 1 and page.progress.text() == "1 of 1 epochs, both models"
    for curves in page.curves.values():  # one epoch: its point, on an axis around it
        x, _ = curves[0].getData()
        low, high = curves[0].getViewBox().viewRange()[0]
        assert list(x) == [1] and 0.9 < low < 1 and 2 <= high < 2.1
    losses = {key: curves[0].getData()[1] for key, curves in page.curves.items()}
    assert losses["softmax-pitfall"][-1] > 1.46 > losses["softmax"][-1]
    norms = {key: curves[2].getData()[1][-1] for key, curves in page.curves.items()}
    assert norms["softmax-pitfall"] < norms["softmax"] / 3
    type_into(page.epochs, "20")
    click_button(window, "Train both")
    assert page.curves["softmax"][0].getData()[0] is None or \
        len(page.curves["softmax"][0].getData()[0]) == 0  # the last comparison is cleared
    # The curves grow as both train, an epoch of each in turn.
    qtbot.waitUntil(lambda: page.progress.value() >= 1, timeout=60_000)
    assert len(page.curves["softmax-pitfall"][0].getData()[0]) >= 1
    click_button(window, "Stop both")
    qtbot.waitUntil(lambda: page.result.text().startswith("Stopped."), timeout=60_000)
    assert button(window, "Train both").isEnabled()
    lengths = {len(curves[0].getData()[0]) for curves in page.curves.values()}
    assert len(lengths) == 1 and lengths.pop() >= 1  # both, the same epochs


def test_the_microscope_steps_one_minibatch(qtbot, window):
    show_tab(window, "Lab")
    show_lab_page(window, "Microscope")
    page = window.tabs.lab.microscope
    type_into(page.lr, "0.5")
    click_button(window, "Step one minibatch")
    assert page.status.text().startswith("Minibatch 1 (256 images")
    gap = float(re.search(r"−lr × gradient to ([0-9.e+-]+)", page.status.text()).group(1))
    assert gap <= 1e-6
    # What is drawn: the update column is -0.5 times the gradient column, class by class.
    for update, gradient in zip(page.images["update"], page.images["grad"]):
        assert np.abs(update.image - (-0.5 * gradient.image)).max() < 1e-6
    before = np.stack([image.image for image in page.images["before"]])
    after = np.stack([image.image for image in page.images["after"]])
    update = np.stack([image.image for image in page.images["update"]])
    assert np.abs(after - before - update).max() < 1e-6
    assert "off" in page.row_labels["v"].text

    type_into(page.momentum, "0.9")
    click(page.graphics)  # the keyboard leaves the field: Ctrl+M is the window's
    keys(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.status.text().startswith("Minibatch 2"), timeout=3000)
    assert "−lr × momentum buffer" in page.status.text()
    assert "±" in page.row_labels["v"].text

    index = click_first_image(window)
    assert f"test image #{index}" in page.example_text.text()
    assert "under the microscope's weights" in page.example_text.text()
    assert any(image.image.any() for image in page.images["image"])

    type_into(page.lr, "10")  # far too large: the loss explodes and the status says so
    for _ in range(3):
        click_button(window, "Step one minibatch")
    assert "try a smaller lr" in page.status.text()

    click_button(window, "Zeros")
    assert page.status.text().startswith("Starting from W = 0")
    assert not any(image.image.any() for image in page.images["before"])
    click_button(window, "Active weights")
    assert "bundled default" in page.status.text()
    click_button(window, "Step one minibatch")
    assert page.status.text().startswith("Minibatch 1 ")


def test_entropy_cross_entropy_and_kl_add_up_for_a_test_image(qtbot, window):
    show_tab(window, "Softmax")
    steps = window.tabs.steps
    click_first_image(window)
    type_into(steps.smoothing, "0.1")
    table = steps.information

    def nats(row: int) -> float:
        return float(table.item(row, 0).text())

    assert nats(2) > 0  # H(y) of a smoothed target
    assert abs(nats(1) - (nats(2) + nats(3))) <= 2e-4
    assert abs(float(table.item(1, 1).text()) - nats(1) / np.log(2)) <= 2e-4
    assert "✓" in steps.identity.text()
    y = [float(steps.table.item(row, steps.table.columnCount() - 1).text())
         for row in range(10)]
    assert abs(sum(y) - 1) < 1e-2 and min(y) == 0.01  # the y column is the smoothed target
    type_into(steps.smoothing, "0")
    assert table.item(2, 0).text() == "0.0000"  # never "-0.0000"
    assert table.item(1, 0).text() == table.item(3, 0).text()  # CE = KL for one-hot
    assert "H(y) = 0" in steps.identity.text() and "-0.0000" not in steps.identity.text()


def test_the_timeline_scrubs_the_insight_tabs_through_the_epochs(qtbot, window):
    type_into(window.controls.panel.epochs, "3")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 3 epochs")
    show_tab(window, "Confusion")
    confusion = window.tabs.confusion
    latest = confusion.counts.copy()
    bar = next(b for b in window.tabs.timelines if b.isVisible())
    assert bar.epoch.text().startswith("now (run #")
    click(bar.slider)
    keys(window, Qt.Key.Key_Home)
    assert bar.epoch.text().startswith("epoch 1 of 3")
    first = confusion.counts.copy()
    assert first.sum() == 10_000 and not np.array_equal(first, latest)
    show_tab(window, "Weights")  # the other tabs show the same epoch
    other = next(b for b in window.tabs.timelines if b.isVisible())
    assert other.epoch.text().startswith("epoch 1 of 3")
    click(other.slider)
    keys(window, Qt.Key.Key_End)
    assert other.epoch.text().startswith("now (run #")
    show_tab(window, "Confusion")
    assert np.array_equal(confusion.counts, latest)
    assert window.session.state.weights.label.startswith("run #")  # the active ones never moved

    # A confusion cell clicked at an earlier epoch says whose predictions chose its images.
    click(bar.slider)
    keys(window, Qt.Key.Key_Home)
    heatmap = confusion.heatmap
    area, _ = heatmap.layout_rects()
    side = area.width() / 10
    click(heatmap, QPoint(int(area.left() + 6.5 * side), int(area.top() + 4.5 * side)))
    summary = window.grid.summary.text()
    assert "coat predicted as shirt at epoch 1 (timeline)" in summary
    assert "what the active weights predict now" in summary

    # Revert to the weights from before the run: every epoch of the run stays reachable,
    # and "now" (the active weights) is a stop after them.
    menu(qtbot, window, "Train", "Revert to previous weights")
    assert window.session.state.weights.label == "bundled default"
    keys(window, Qt.Key.Key_End)
    assert bar.epoch.text() == "now (active weights)"
    keys(window, Qt.Key.Key_Left)
    assert bar.epoch.text().startswith("epoch 3 of 3")
