"""The Playground tab, used as a person uses it: presets chosen, points clicked, dragged
and right-clicked on the plane, weight handles dragged, Step, Run, Reset and keys, the
model changed, points exported and imported as CSV."""

import re

import numpy as np
from person import (
    CTRL,
    LEFT,
    answer_file_dialog,
    choose,
    click,
    drag,
    keys,
    menu,
    show_lab_page,
    show_tab,
    type_into,
)
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from softmax_gui.plane_model import PlaneModel, PlaneSettings
from softmax_gui.plane_points import make_points
from softmax_gui.qt.playground.plane_view import CLASS_COLORS

RIGHT = Qt.MouseButton.RightButton


def playground(window):
    show_tab(window, "Lab")
    show_lab_page(window, "Playground")
    return window.tabs.lab.playground


def show_page(view, title: str) -> None:
    bar = view.pages.tabBar()
    titles = [bar.tabText(i) for i in range(bar.count())]
    click(bar, bar.tabRect(titles.index(title)).center())


def update_and_loss(view) -> tuple[int, float]:
    found = re.match(r"Update (\d+): loss ([0-9.]+)", view.summary.text())
    assert found, view.summary.text()
    return int(found.group(1)), float(found.group(2))


def accuracy(view) -> float:
    return float(re.search(r"train accuracy (\d+)%", view.summary.text()).group(1)) / 100


def pixel(view, xy) -> QPoint:
    """Where the data point ``xy`` is drawn on the plane, in its viewport's pixels."""
    at = view.plane.to_pixels(xy)
    return view.plane.viewport().mapFrom(view.plane, QPoint(round(at.x()), round(at.y())))


def shown_points(view) -> np.ndarray:
    """The points the plane draws, as (x, y) rows."""
    return np.array([(spot.pos().x(), spot.pos().y()) for spot in view.plane.dots.points()])


def run_until(qtbot, view, updates: int) -> None:
    """Run, wait until ``updates`` updates are done, and pause."""
    click(view.controls.run_button)
    assert view.controls.run_button.text() == "Pause"
    qtbot.waitUntil(lambda: update_and_loss(view)[0] >= updates, timeout=60_000)
    click(view.controls.run_button)
    assert view.controls.run_button.text() == "Run"


def test_the_numpy_text_trains_as_the_text_does_step_by_step(qtbot, window):
    menu(qtbot, window, "View", "Playground")
    view = window.tabs.lab.playground
    assert view.isVisible()
    assert not view.controls.count.isEnabled()  # the text's three points, no more
    assert view.plane.query.isVisible()  # [1.5, 1.5], the point the text predicts
    assert "The text's three points" in view.lesson.text()
    assert len(shown_points(view)) == 3
    click(view.controls.step_button)
    assert update_and_loss(view)[0] == 1
    keys(window, Qt.Key.Key_Right)  # → steps too
    assert update_and_loss(view)[0] == 2
    keys(window, Qt.Key.Key_Home)
    start = update_and_loss(view)
    assert start[0] == 0 and start[1] > 1.0  # near log 3: the small start ties the classes
    choose(qtbot, view.controls.speed, "100 updates a frame")
    run_until(qtbot, view, 1000)
    done, loss = update_and_loss(view)
    # What the tab shows is the text's own training, update for update.
    points = make_points("numpy-text")
    model = PlaneModel(3, PlaneSettings())
    for _ in range(done):
        model.step(points.X, points.y)
    assert abs(loss - model.loss(points.X, points.y)) < 1e-4
    assert 0.05 < loss < 0.0846 and accuracy(view) == 1.0
    _, drawn = view.train_curve.getData()
    assert len(drawn) == done + 1 and drawn[0] > drawn[-1]
    # Hover the first point: its logits, softmax and losses, as numbers.
    QTest.mouseMove(view.plane.viewport(), pixel(view, (1.0, 2.0)))
    qtbot.waitUntil(lambda: "Point 0" in view.point_info.text(), timeout=5000)
    seen = model.explain_point((1.0, 2.0), 0)
    text = view.point_info.text()
    assert "(1.00, 2.00), class 0, train" in text
    assert f"{seen['probabilities'][0]:.3f}" in text and f"{seen['cross-entropy']:.4f}" in text
    # Space runs and pauses.
    click(view.controls.step_button)
    keys(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.controls.run_button.text() == "Pause", timeout=2000)
    keys(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.controls.run_button.text() == "Run", timeout=2000)
    click(view.controls.reset_button)
    assert update_and_loss(view) == start  # the same initialisation again


def test_points_are_added_moved_and_deleted_with_the_mouse(qtbot, window):
    view = playground(window)
    plane = view.plane.viewport()
    show_page(view, "Points")
    keys(window, Qt.Key.Key_2)  # the class a click adds
    assert view.controls.add_class.currentText() == "class 1"
    click(plane, pixel(view, (0.5, 3.0)))
    after = shown_points(view)
    assert len(after) == 4 and np.allclose(after[-1], (0.5, 3.0), atol=0.1)
    assert "train accuracy" in view.summary.text()
    choose(qtbot, view.controls.add_class, "class 2")
    click(plane, pixel(view, (3.0, 3.0)))
    assert len(shown_points(view)) == 5
    # Drag the text's first point from (1, 2) to (0.5, 1).
    start, end = pixel(view, (1.0, 2.0)), pixel(view, (0.5, 1.0))
    middle = (start + end) / 2
    drag(plane, [(start.x(), start.y()), (middle.x(), middle.y()), (end.x(), end.y())])
    moved = shown_points(view)
    assert np.allclose(moved[0], (0.5, 1.0), atol=0.1) and len(moved) == 5
    # Right-click deletes the point under the mouse.
    QTest.mouseClick(plane, RIGHT, pos=pixel(view, (3.0, 3.0)))
    assert len(shown_points(view)) == 4
    assert not np.any(np.all(np.isclose(shown_points(view), (3.0, 3.0), atol=0.1), axis=1))
    # Delete removes the point under the mouse; Ctrl+Z brings back what was edited.
    QTest.mouseMove(plane, pixel(view, (0.5, 3.0)))
    qtbot.waitUntil(lambda: "Point 3" in view.point_info.text(), timeout=5000)
    keys(window, Qt.Key.Key_Delete)
    assert len(shown_points(view)) == 3 and "Ctrl+Z brings it back" in view.note.text()
    keys(window, Qt.Key.Key_Z, CTRL)
    assert len(shown_points(view)) == 4
    keys(window, Qt.Key.Key_Z, CTRL)  # the right-click's delete
    assert len(shown_points(view)) == 5
    keys(window, Qt.Key.Key_Z, CTRL)  # the drag, as one edit
    assert np.allclose(shown_points(view)[0], (1.0, 2.0))
    keys(window, Qt.Key.Key_5)  # three classes: no class 5
    assert "There are 3 classes" in view.note.text()
    assert view.controls.add_class.currentText() == "class 2"


def test_dragging_a_weight_or_a_bias_moves_the_regions_and_the_loss(qtbot, window):
    view = playground(window)
    choose(qtbot, view.controls.speed, "100 updates a frame")
    run_until(qtbot, view, 300)
    _, loss = update_and_loss(view)
    handles = {spot.data(): (spot.pos().x(), spot.pos().y())
               for spot in view.plane.handles.points()}
    assert set(handles) == {(kind, k) for kind in ("weight", "bias") for k in range(3)}
    winner_before = view.plane.regions.image.copy()
    # Turn class 0's arrow round: its tip dragged through its foot to the other side.
    tip, foot = np.array(handles[("weight", 0)]), np.array(handles[("bias", 0)])
    path = [pixel(view, foot + (tip - foot) * t) for t in (1.0, 0.5, -0.5, -1.0)]
    drag(view.plane.viewport(), [(p.x(), p.y()) for p in path])
    _, dragged = update_and_loss(view)
    assert dragged > loss + 0.5  # class 0's point now has its score against it
    assert not np.array_equal(view.plane.regions.image, winner_before)
    # The diamond moves class 0's zero line: the loss changes again.
    foot = np.array([spot.pos().x() for spot in view.plane.handles.points()
                     if spot.data() == ("bias", 0)] + [spot.pos().y() for spot in
                     view.plane.handles.points() if spot.data() == ("bias", 0)])
    start, end = pixel(view, foot), pixel(view, foot + (0.6, 0.6))
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # a second drag, not a double click
    drag(view.plane.viewport(), [(start.x(), start.y()), (end.x(), end.y())])
    moved = update_and_loss(view)[1]
    assert moved != dragged
    # Training takes it back.
    run_until(qtbot, view, update_and_loss(view)[0] + 600)
    assert update_and_loss(view)[1] < min(moved, dragged) and accuracy(view) == 1.0


def test_xor_needs_a_hidden_layer(qtbot, window):
    view = playground(window)
    show_page(view, "Points")
    choose(qtbot, view.controls.preset, "xor")
    assert "XOR" in view.lesson.text() and view.controls.add_class.count() == 2
    assert len(shown_points(view)) == 150
    show_page(view, "Train")
    choose(qtbot, view.controls.speed, "100 updates a frame")
    run_until(qtbot, view, 1500)
    linear = accuracy(view)
    assert linear < 0.8
    assert len(view.plane.boundaries.getData()[0]) >= 2  # a straight boundary drawn
    show_page(view, "Model")
    type_into(view.controls.hidden, "8")
    assert "hidden layer of 8" in view.lesson.text()
    assert update_and_loss(view)[0] == 0  # a new model, from its seeded start
    assert len(view.plane.handles.points()) == 0  # no arrows: W is 2 x 8 now
    assert view.plane.boundaries.getData()[0] is None or \
        len(view.plane.boundaries.getData()[0]) == 0  # its boundaries are not lines
    show_page(view, "Train")
    run_until(qtbot, view, 1500)
    assert accuracy(view) >= 0.95 > linear + 0.1


def test_hinge_stops_pushing_while_cross_entropy_never_does(qtbot, window):
    view = playground(window)
    show_page(view, "Points")
    choose(qtbot, view.controls.preset, "separable")
    type_into(view.controls.test_percent, "20")
    click(view.controls.new_points)
    hollow = sum(1 for spot in view.plane.dots.points()
                 if spot.brush().color().name() not in [c.lower() for c in CLASS_COLORS])
    assert len(shown_points(view)) == 150 and hollow == 30  # 20% of each class
    show_page(view, "Model")
    choose(qtbot, view.controls.loss, "hinge (SVM)")
    type_into(view.controls.lr, "0.5")
    show_page(view, "Train")
    choose(qtbot, view.controls.speed, "100 updates a frame")
    run_until(qtbot, view, 500)
    assert update_and_loss(view)[1] == 0.0  # every margin met: nothing pushes any more
    assert "test" in view.summary.text() and len(view.test_curve.getData()[1]) > 0
    show_page(view, "Model")
    choose(qtbot, view.controls.loss, "cross-entropy")
    show_page(view, "Train")
    first = update_and_loss(view)[1]
    run_until(qtbot, view, update_and_loss(view)[0] + 300)
    assert 0 < update_and_loss(view)[1] < first  # still pushing, never 0


def test_points_go_out_and_come_back_as_csv(qtbot, window, tmp_path):
    view = playground(window)
    show_page(view, "Points")
    choose(qtbot, view.controls.preset, "spiral")
    saved = shown_points(view)
    target = tmp_path / "spiral.csv"
    click(view.controls.export_button)
    answer_file_dialog(qtbot, target)
    lines = target.read_text().splitlines()
    assert lines[0] == "x,y,class,split" and len(lines) == 151
    choose(qtbot, view.controls.preset, "rings")
    assert not np.allclose(shown_points(view)[:5], saved[:5])
    broken = tmp_path / "broken.csv"
    broken.write_text("x,y,class\n1,2,0\n1,nan,1\n")
    click(view.controls.import_button)
    answer_file_dialog(qtbot, broken)
    qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
    assert window.banner.text.text() == ("broken.csv, row 2: coordinates must be finite "
                                         "and within ±10000")
    click(view.controls.import_button)
    answer_file_dialog(qtbot, target)
    qtbot.waitUntil(lambda: view.note.text().startswith("Read 150 points"), timeout=10_000)
    assert "XOR" not in view.lesson.text() and "rings" not in view.lesson.text().lower()
    assert np.allclose(shown_points(view), saved)
    (x0, x1), (y0, y1) = view.plane.view_box()  # a corner, away from every point
    QTest.mouseClick(view.plane.viewport(), LEFT, pos=pixel(view, (x0 + 0.1, y1 - 0.1)))
    assert len(shown_points(view)) == 151


def test_noise_l2_seed_and_a_rate_too_high_do_what_they_say(qtbot, window):
    view = playground(window)
    show_page(view, "Points")
    choose(qtbot, view.controls.preset, "separable")
    calm = shown_points(view).std(0)
    click(view.controls.noise)
    keys(window, Qt.Key.Key_End)  # noise 1.0
    click(view.controls.new_points)
    assert np.all(shown_points(view).std(0) > calm + 0.2)
    show_page(view, "Train")
    choose(qtbot, view.controls.speed, "100 updates a frame")
    run_until(qtbot, view, 400)
    sure = view.plane.regions.image[..., 3].mean()
    show_page(view, "Model")
    click(view.controls.l2)
    keys(window, Qt.Key.Key_End)  # L2 = 1: the weights are pulled to 0
    assert view.controls.l2_label.text() == "1e+00"
    show_page(view, "Train")
    run_until(qtbot, view, update_and_loss(view)[0] + 400)
    assert view.plane.regions.image[..., 3].mean() < sure - 10  # paler: less sure
    show_page(view, "Model")
    type_into(view.controls.seed, "5")
    first = update_and_loss(view)
    assert first[0] == 0  # another start
    type_into(view.controls.hidden, "8")
    type_into(view.controls.lr, "100")
    click(view.controls.l2)
    keys(window, Qt.Key.Key_Home)  # no L2
    show_page(view, "Train")
    click(view.controls.run_button)
    qtbot.waitUntil(lambda: view.note.text().startswith("Diverged at step"), timeout=30_000)
    assert view.controls.run_button.text() == "Run"
    assert "Lower the learning rate and press Reset" in view.note.text()
