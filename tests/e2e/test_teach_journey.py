"""Teaching the model a class of one's own by drawing (issue 24), as a person does it:
crosses drawn on the canvas, Teach…, a class named, Add drawing; one deleted, the class
renamed; Train with my classes; the model then knows the class."""

import numpy as np
import pytest
from person import (
    activate,
    button,
    click,
    click_button,
    drag,
    keys,
    show_dock,
    tick,
    type_into,
    wait_until_done,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOFTMAX_GUI_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def draw_cross(canvas, rng) -> None:
    w, h = canvas.width(), canvas.height()
    cx = w // 2 + int(rng.integers(-w // 10, w // 10))
    cy = h // 2 + int(rng.integers(-h // 10, h // 10))
    r = int(min(w, h) * rng.uniform(0.2, 0.32))
    drag(canvas, [(cx - r + 4 * k, cy - r + 4 * k) for k in range(r // 2 + 1)])
    drag(canvas, [(cx + r - 4 * k, cy - r + 4 * k) for k in range(r // 2 + 1)])


def test_a_class_drawn_kept_renamed_and_trained(qtbot, window, data_home):
    show_dock(window, "Draw")
    draw = window.draw_panel
    canvas = draw.canvas
    qtbot.waitUntil(canvas.isVisible, timeout=2000)
    rng = np.random.default_rng(3)
    draw_cross(canvas, rng)
    click_button(window, "Teach…")
    dialog = draw.teach.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    activate(qtbot, dialog)
    type_into(dialog.name, "kiss")
    for k in range(6):
        click_button(dialog, "Add drawing")
        assert dialog.list.count() == k + 1
        assert not canvas.image().any()  # emptied for the next one
        draw_cross(canvas, rng)
    assert dialog.said.text().startswith("Kept as an example of kiss (6 so far)")
    click_button(window, "Clear")
    click_button(dialog, "Add drawing")  # nothing drawn: said, nothing kept
    assert dialog.said.text().startswith("Draw something on the canvas first")
    draw_cross(canvas, rng)
    assert (data_home / "drawn" / "examples.json").is_file()  # kept across launches
    from softmax_gui.drawn_classes import load

    strokes = load()[0].strokes  # the strokes that drew it, beside its 28x28 input
    assert [stroke[0] for stroke in strokes] == ["brush", "brush"]
    assert all(len(stroke[2]) > 5 for stroke in strokes)
    # One of them deleted with the Delete key, the class renamed.
    item = dialog.list.item(0)
    click(dialog.list.viewport(), dialog.list.visualItemRect(item).center())
    keys(dialog, Qt.Key.Key_Delete)
    assert dialog.list.count() == 5 and dialog.said.text() == "kiss: 5"
    click(dialog.list.viewport(), dialog.list.visualItemRect(dialog.list.item(0)).center())
    click_button(dialog, "Rename class…")
    ask = dialog.findChild(QInputDialog, "rename-class")
    qtbot.waitUntil(ask.isVisible, timeout=5000)
    type_into(ask.findChild(QLineEdit), "cross")
    click_button(ask, "OK")
    assert dialog.said.text() == "cross: 5"
    # Train with my classes: the dataset plus the crosses, loaded, a run trained on it.
    type_into(window.controls.panel.epochs, "3")
    tick(dialog.grow)  # from the bundled default's weights, a new row of W for the cross
    click_button(dialog, "Train with my classes")
    qtbot.waitUntil(lambda: window.session.state.dataset.name == "fashion-mnist-and-mine",
                    timeout=120_000)
    assert wait_until_done(qtbot, window).startswith("Done: 3 epochs")
    weights = window.session.state.weights
    assert weights.snapshot.classes[-1] == "cross" and len(weights.snapshot.classes) == 11
    assert not dialog.isVisible()
    assert window.controls.panel.dataset.currentText() == \
        "fashion-mnist-and-mine (your images)"
    # The next cross is recognised.
    click_button(window, "Clear")
    draw_cross(canvas, rng)
    qtbot.waitUntil(lambda: "cross" in draw.status.text(), timeout=5000)
    assert button(window, "Teach…").isEnabled()
