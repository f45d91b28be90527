"""Explaining a prediction, as a person does it: the Explain dock for a clicked test
image, "Make it a ...", a class clicked in the bars, the Draw dock's evidence, the
Weights tab's class inputs, and the robustness curve."""

import re

import numpy as np
from person import choose, click, click_button, click_first_image, drag, show_dock, show_tab, tick
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from softmax_gui import explain


def click_bar(bars, row: int) -> None:
    """Click the bar chart on row ``row`` (0 at the top), in the middle of the bars."""
    scene = bars.plot_item.vb.mapViewToScene(QPointF(0.5, row))
    click(bars.viewport(), bars.mapFromScene(scene))


def test_a_test_image_is_explained_and_made_into_another_class(qtbot, window):
    index = click_first_image(window)
    show_dock(window, "Explain")
    view = window.explain
    pixels = window.session.state.test_images[index]
    logits = window.session.state.weights.predictor.logits(pixels)
    top = int(np.argmax(logits))
    classes = window.session.state.dataset.classes
    text = view.summary.text()
    assert text.startswith(f"{classes[top]}: the pixels' evidence sums to") and "exact" in text
    o = float(re.search(r"logit o = (-?[0-9.]+)", text).group(1))
    assert abs(o - logits[top]) < 1e-3  # evidence + bias is the model's own logit
    assert view.map.rgb[..., 0].astype(int).sum() != view.map.rgb[..., 2].astype(int).sum()

    runner_up = int(np.argsort(logits)[-2])
    choose(qtbot, view.which, f"{classes[top]} vs {classes[runner_up]} (runner-up)")
    gap = float(re.search(r"= (-?[0-9.]+) \(exact\)", view.summary.text()).group(1))
    assert abs(gap - (logits[top] - logits[runner_up])) < 1e-3

    # A class clicked in the Selected image's bars is explained.
    bars = window.details.bars
    click_bar(bars, 3)
    assert view.which.currentText() == f"Class: {classes[3]}"
    assert view.summary.text().startswith(f"{classes[3]}:")

    target = runner_up
    choose(qtbot, view.make_it.target, classes[target])
    click_button(window, "Find change")
    qtbot.waitUntil(lambda: view.make_it.outcome.text().startswith("L2 = "), timeout=30_000)
    assert f"now {classes[target]}" in view.make_it.outcome.text()
    l2 = float(re.search(r"L2 = ([0-9.]+)", view.make_it.outcome.text()).group(1))
    assert 0 < l2 < 5
    _, probabilities = view.make_it.path_to.getData()
    assert probabilities[-1] > probabilities[0]
    assert "the most likely of ten" in view.make_it.outcome.text()
    ratio = float(re.search(r"\(([0-9.]+)x the next\)", view.make_it.outcome.text()).group(1))
    assert ratio >= 1.1  # a visible margin, not a tie

    # Asking for the class it already is: no stale change is left to put on the canvas.
    choose(qtbot, view.make_it.target, classes[top])
    click_button(window, "Find change")
    assert view.make_it.outcome.text().startswith("It is already predicted")
    assert not view.make_it.to_canvas.isEnabled() and not view.make_it.pictures.isVisible()
    choose(qtbot, view.make_it.target, classes[target])
    click_button(window, "Find change")
    qtbot.waitUntil(lambda: view.make_it.outcome.text().startswith("L2 = "), timeout=30_000)

    click_button(window, "Put on canvas")
    draw = window.draw_panel
    qtbot.waitUntil(lambda: draw.canvas.isVisible() and draw.input_view.pixels.any(),
                    timeout=3000)
    assert f"Looks like: {classes[target]}" in draw.status.text()

    # Explain now says it explains the canvas; clearing the canvas clears it.
    show_dock(window, "Explain")
    assert view.heading.text() == \
        f"{classes[top]} changed into a {classes[target]}, on the canvas"
    assert view.which.currentText().startswith("Predicted:")  # a new image: its prediction
    show_dock(window, "Draw")
    click_button(window, "Clear")
    show_dock(window, "Explain")
    qtbot.waitUntil(lambda: view.heading.text().startswith("Click a test image, or draw"),
                    timeout=3000)
    assert not view.make_it.find_button.isEnabled() and view.summary.text() == ""
    show_tab(window, "Softmax")  # it showed the canvas's image: now nothing
    assert window.tabs.steps.title.text().startswith("Click a test image")
    assert window.tabs.steps.table.rowCount() == 0


def test_the_draw_dock_colours_its_input_by_evidence(qtbot, window):
    show_dock(window, "Draw")
    draw = window.draw_panel
    drag(draw.canvas, [(60, 60), (140, 70), (150, 160), (70, 170), (60, 60)])
    qtbot.waitUntil(lambda: draw.input_view.pixels.any(), timeout=3000)
    assert draw.input_view.rgb is None
    tick(draw.evidence_box)
    qtbot.waitUntil(lambda: draw.input_view.rgb is not None, timeout=3000)
    linear = explain.linear_form(window.session.state.weights.snapshot)
    pixels = draw.input_view.pixels
    top = int(np.argmax(linear.logits(pixels)))
    assert np.array_equal(draw.input_view.rgb,
                          explain_overlay(pixels, explain.evidence(linear, pixels)[top]))
    assert draw.input_caption.text() == f"Evidence for\n{window.session.state.dataset.classes[top]}"
    click_bar(draw.bars, 8)  # "bag": its evidence instead
    qtbot.waitUntil(lambda: np.array_equal(
        draw.input_view.rgb, explain_overlay(pixels, explain.evidence(linear, pixels)[8])),
        timeout=3000)
    assert draw.input_caption.text() == "Evidence for\nbag"


def explain_overlay(pixels, evidence):
    from softmax_gui.qt.explain.evidence import overlay

    return overlay(pixels, evidence)


def test_the_weights_tab_shows_each_class_input(qtbot, window):
    show_tab(window, "Weights")
    templates = window.tabs.templates
    choose(qtbot, templates.show_what, "Input that maximises each logit")
    qtbot.waitUntil(lambda: templates.shown_kind == "inputs", timeout=30_000)
    linear = explain.linear_form(window.session.state.weights.snapshot)
    for k, image in enumerate(templates.images):
        assert np.array_equal(image.image, (linear.W[k] > 0).reshape(28, 28).astype(float))
    assert "exactly x_i = 1 where w_ki > 0" in templates.caption.text()
    choose(qtbot, templates.show_what, "Input that maximises each probability")
    assert templates.penalty.isVisible()
    qtbot.waitUntil(lambda: "maximises the log-odds" in templates.caption.text(),
                    timeout=30_000)
    first = np.stack([image.image for image in templates.images])
    click(templates.strength)
    QTest.keyClick(templates.strength, Qt.Key.Key_End)  # the strongest smoothing
    qtbot.waitUntil(lambda: not np.array_equal(
        first, np.stack([image.image for image in templates.images])), timeout=30_000)
    smooth = np.stack([image.image for image in templates.images])
    assert smooth.min() >= 0 and smooth.max() <= 1
    assert sum(explain.total_variation(x)[0] for x in smooth) < \
        sum(explain.total_variation(x)[0] for x in first)
    choose(qtbot, templates.show_what, "Weights (what each class looks for)")
    assert not templates.penalty.isVisible()
    assert np.allclose(templates.images[3].image,
                       window.session.state.weights.snapshot.state["1.weight"][3].reshape(28, 28))


def test_accuracy_falls_as_the_test_images_are_pushed(qtbot, window):
    show_dock(window, "Explain")
    view = window.explain
    click_button(window, "Measure")
    qtbot.waitUntil(lambda: view.robustness.robust_text.text().startswith("Test accuracy"),
                    timeout=60_000)
    sizes, accuracies = view.robustness.robust_curve.getData()
    assert len(sizes) == 7 and abs(accuracies[0] - 0.8458) < 1e-6  # float32 mean
    assert "84.6% on the images as they are" in view.robustness.robust_text.text()
    assert all(a >= b - 1e-9 for a, b in zip(accuracies, accuracies[1:]))
    assert accuracies[-1] < 0.2
