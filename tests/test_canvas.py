"""The drawing canvas and the live probabilities, with synthetic mouse input."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from softmax_gui import events, training
from softmax_gui.active_weights import prepare
from softmax_gui.config import TrainConfig
from softmax_gui.qt.draw.draw_view import DrawPanel
from softmax_gui.qt.state.session import Session
from softmax_gui.runs import RunStore


@pytest.fixture(scope="module")
def one_epoch(sample):
    """One epoch's weights on the sample (read only: each panel prepares its own)."""
    return [e for e in training.train(TrainConfig(epochs=1), sample)
            if isinstance(e, events.WeightSnapshot)][-1]


@pytest.fixture
def panel(qtbot, sample, settings, tmp_path, one_epoch):
    """A Draw panel bound to a session with the sample loaded and one epoch's weights
    active, as the window makes it."""
    session = Session(settings, RunStore(tmp_path / "runs"))
    test_images = sample.test_images.numpy().astype(np.float32) / 255.0
    session.state.test_images = test_images
    session.state.dataset = sample
    widget = DrawPanel(session)
    qtbot.addWidget(widget)
    widget.resize(900, 360)
    widget.show()
    # Its answer to the weights may wait for the next frame: a test that began meanwhile
    # took that answer for the one to its own action.
    with qtbot.waitSignal(widget.inferred, timeout=5000):
        session.set_weights(prepare(one_epoch, "one epoch", {}, None, test_images))
    yield widget
    session.shutdown()


def drag(qtbot, canvas, points):
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(canvas, QPoint(x, y))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def inferred_after(qtbot, panel, action):
    """Run ``action`` and wait until the panel has re-inferred (at once or a frame later)."""
    with qtbot.waitSignal(panel.inferred, timeout=2000):
        action()


def test_drawing_changes_model_input_and_bars(qtbot, panel):
    canvas = panel.canvas
    assert not panel.input_view.pixels.any()
    assert "Nothing drawn" in panel.status.text()
    w, h = canvas.width(), canvas.height()
    with qtbot.waitSignal(panel.inferred, timeout=2000):
        drag(qtbot, canvas, [(w // 2 - 40, h // 2 - 60), (w // 2 - 40, h // 2 + 60),
                             (w // 2 + 40, h // 2 + 60), (w // 2 + 40, h // 2 - 60)])
    qtbot.wait(50)
    assert canvas.image().max() == 255
    assert panel.input_view.pixels.any()
    p, _, logits = panel.bars.shown
    assert p.sum() == pytest.approx(1.0) and logits is not None
    assert "Looks like" in panel.status.text() and "bits" in panel.entropy.text()


def test_undo_restores_and_clear_empties(qtbot, panel):
    canvas = panel.canvas
    w, h = canvas.width(), canvas.height()
    drag(qtbot, canvas, [(w // 2, 20), (w // 2, h - 20)])
    first = canvas.image()
    drag(qtbot, canvas, [(20, h // 2), (w - 20, h // 2)])
    assert not np.array_equal(canvas.image(), first)
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(canvas.image(), first)
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert not np.array_equal(canvas.image(), first)
    panel.tools.clear_button.click()
    assert not canvas.image().any()
    qtbot.waitUntil(lambda: not panel.input_view.pixels.any(), timeout=2000)


def test_fill_tool_fills_an_outline(qtbot, panel):
    canvas = panel.canvas
    w, h = canvas.width(), canvas.height()
    side = min(w, h)
    cx, cy = w // 2, h // 2
    r = side // 4
    drag(qtbot, canvas, [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r),
                         (cx - r, cy + r), (cx - r, cy - r)])
    before = (canvas.image() > 128).mean()
    panel.tools.tool_buttons["fill"].click()
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(cx, cy))
    assert (canvas.image() > 128).mean() > before * 2


def test_temperature_sharpens_and_flattens(qtbot, panel, sample):
    inferred_after(qtbot, panel, lambda: panel.canvas.set_image(sample.test_images[0].numpy()))
    base = panel.bars.shown[0].max()
    inferred_after(qtbot, panel, lambda: panel.t_slider.setValue(0))  # T = 0.1
    assert panel.bars.shown[0].max() >= base
    inferred_after(qtbot, panel, lambda: panel.t_slider.setValue(200))  # T = 10
    assert panel.bars.shown[0].max() < base
    assert panel.t_label.text() == "T = 10.00"


def test_loading_light_background_image_inverts(qtbot, panel, sample, tmp_path):
    path = tmp_path / "scan.png"
    Image.fromarray(255 - sample.test_images[3].numpy()).resize((200, 200)).save(path)
    inferred_after(qtbot, panel, lambda: panel.load_file(str(path)))
    assert canvas_border_is_dark(panel.canvas.image())
    panel.load_file(str(tmp_path / "missing.png"))
    qtbot.waitUntil(lambda: "cannot read" in panel.status.text(), timeout=5000)


def canvas_border_is_dark(image):
    return np.median(np.concatenate([image[0], image[-1]])) < 50


def test_dropping_an_image_file_loads_it(qtbot, panel, sample, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    path = tmp_path / "drop.png"
    Image.fromarray(sample.test_images[5].numpy()).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(panel.canvas, enter)  # a drag from a file manager arrives
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, buttons, keys)
    with qtbot.waitSignal(panel.inferred, timeout=5000):
        QApplication.sendEvent(panel.canvas, drop)
    assert panel.canvas.image().max() > 200 and panel.input_view.pixels.any()


def test_sorted_bars(qtbot, panel, sample):
    inferred_after(qtbot, panel, lambda: panel.canvas.set_image(sample.test_images[0].numpy()))
    p = panel.bars.shown[0]
    panel.sort_box.setChecked(True)
    names = panel.bars.rows
    assert names[0] == panel.bars.classes[int(np.argmax(p))]
    assert names == [panel.bars.classes[i] for i in np.argsort(-p)]


def test_200_test_images_sent_to_the_canvas_keep_their_prediction(qtbot, panel, sample):
    """Once 14 of 200 changed class (the image was re-scaled and trimmed again); now the
    model sees each one exactly, with its true class, until it is edited."""
    from softmax_gui.app_state import Example
    from softmax_gui.evaluation import softmax_np

    images = sample.test_images.numpy().astype(np.float32) / 255.0
    expected = softmax_np(panel.predictor.logits(images))
    chosen = np.random.default_rng(0).choice(len(images), 200, replace=False)
    changed = 0
    for index in chosen:
        label = int(sample.test_labels[index])
        example = Example(f"Test image #{index}", images[index], np.zeros(10), label, index)
        inferred_after(qtbot, panel, lambda e=example: panel.show_example(e))
        p, true_class, _ = panel.bars.shown
        assert true_class == label
        changed += int(p.argmax() != expected[index].argmax())
        assert np.allclose(p, expected[index], atol=1e-6)
    assert changed == 0
    # An edit makes it the user's drawing: the true class goes.
    w, h = panel.canvas.width(), panel.canvas.height()
    inferred_after(qtbot, panel, lambda: drag(qtbot, panel.canvas, [(10, 10), (w // 2, h // 2)]))
    assert panel.bars.shown[1] is None


def test_the_strokes_are_kept_and_undone_with_the_drawing(qtbot, panel):
    canvas = panel.canvas
    drag(qtbot, canvas, [(20, 20), (60, 60), (90, 40)])
    drag(qtbot, canvas, [(30, 80), (80, 80)])
    assert [len(s[2]) for s in canvas.strokes] == [3, 2] and canvas.strokes[0][0] == "brush"
    canvas.undo()
    assert len(canvas.strokes) == 1
    canvas.redo()
    assert len(canvas.strokes) == 2
    canvas.clear()
    assert canvas.strokes == []
    canvas.undo()  # the cleared drawing back, with its strokes
    assert len(canvas.strokes) == 2
