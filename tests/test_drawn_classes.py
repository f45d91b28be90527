"""A class taught by drawing (issue 24): drawings made with the canvas's own brush, kept,
augmented into a class as large as a Fashion-MNIST one, and learnt by one default-length
training: most new drawings of it are recognised, and Fashion-MNIST's own accuracy
hardly moves."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from softmax_gui.config import TrainConfig
from softmax_gui.drawn_classes import DrawnError, Example, load, make_dataset, save


def draw_cross(qtbot, rng) -> np.ndarray:
    """An X, as a person draws one on the canvas (two strokes, a jittered size, place,
    slant and brush), made into the model input by the canvas's recipe."""
    from softmax_gui.preprocess import to_model_input
    from softmax_gui.qt.draw.canvas import DrawingCanvas

    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(280, 280)
    canvas.brush_size = float(rng.uniform(14, 24))
    centre = np.array([140, 140]) + rng.integers(-30, 31, 2)
    half = rng.uniform(50, 90)
    turn = rng.uniform(-0.25, 0.25)
    for angle in (np.pi / 4 + turn, 3 * np.pi / 4 + turn):
        direction = np.array([np.cos(angle), np.sin(angle)]) * half
        points = [centre - direction + (2 * direction) * t / 12 for t in range(13)]
        points = [QPoint(int(x), int(y)) for x, y in points]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
        for point in points[1:]:
            QTest.mouseMove(canvas, point)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])
    return np.round(to_model_input(canvas.image(), "fashion-mnist") * 255).astype(np.uint8)


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOFTMAX_GUI_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def accuracy(weights, images, labels) -> float:
    from softmax_gui.inference import Predictor

    logits = Predictor(weights).logits(images.astype(np.float32) / 255.0)
    return float((logits.argmax(1) == labels).mean())


def trained(dataset, initial=None, epochs: int = 10):
    from softmax_gui import events, training

    config = TrainConfig(dataset=dataset.name, epochs=epochs)
    for event in training.train(config, dataset, initial=initial):
        if isinstance(event, events.WeightSnapshot) and event.epoch == epochs:
            return event
    raise AssertionError(f"the run did not reach epoch {epochs}")


def test_twenty_drawings_teach_a_class_the_model_then_recognises(qtbot, fashion,
                                                                   data_home):
    from softmax_gui import data

    rng = np.random.default_rng(7)
    examples = [Example("cross", draw_cross(qtbot, rng)) for _ in range(20)]
    save(examples)  # kept in the user's data folder, read back whole
    kept = load()
    assert [e.name for e in kept] == ["cross"] * 20
    assert all(np.array_equal(a.image, b.image) for a, b in zip(kept, examples))
    made = make_dataset(kept, "fashion-and-cross")
    assert made.classes[-1] == "cross" and made.train == 60_000 + 6_000
    assert "6,000 training images" in made.note
    joined = data.load("fashion-and-cross")
    with_cross = trained(joined)
    alone = trained(fashion)
    new = np.stack([draw_cross(qtbot, rng) for _ in range(20)])  # drawn afterwards
    recognised = accuracy(with_cross, new, np.full(20, 10))
    assert recognised >= 0.8, recognised
    images, labels = fashion.test_images.numpy(), fashion.test_labels.numpy()
    fall = accuracy(alone, images, labels) - accuracy(with_cross, images, labels)
    assert fall <= 0.01, fall



def test_a_damaged_file_of_drawings_is_refused_in_one_line(data_home):
    (data_home / "drawn").mkdir(parents=True)
    (data_home / "drawn" / "examples.json").write_text('[{"class": "hat", "image": [1, 2')
    with pytest.raises(DrawnError, match="is damaged .* move it away") as caught:
        load()
    assert "\n" not in str(caught.value)
    (data_home / "drawn" / "examples.json").write_text('[{"class": "hat", "image": [1]}]')
    with pytest.raises(DrawnError, match="not as this app writes it"):
        load()
    # Set aside, not written over: a new list begins beside it.
    from softmax_gui.drawn_classes import set_aside

    aside = set_aside()
    assert aside.read_text() == '[{"class": "hat", "image": [1]}]' and load() == []


def test_a_class_needs_two_drawings(data_home, fashion):
    one = [Example("hat", np.zeros((28, 28), np.uint8))]
    with pytest.raises(DrawnError, match="one drawing: draw one more"):
        make_dataset(one, "nope")
    with pytest.raises(DrawnError, match="nothing to learn from"):
        make_dataset([], "nope")


def test_the_active_weights_grow_a_row_for_the_new_class(qtbot, fashion, data_home):
    from softmax_gui import data
    from softmax_gui.datasets_registry import get_spec
    from softmax_gui.drawn_classes import extended
    from softmax_gui.weights_io import load_snapshot

    rng = np.random.default_rng(11)
    examples = [Example("cross", draw_cross(qtbot, rng)) for _ in range(12)]
    make_dataset(examples, "grown")
    joined = data.load("grown")
    default, _meta = load_snapshot(get_spec("fashion-mnist").default_weights)
    start = extended(default, joined.classes, "grown")
    assert start.state["1.weight"].shape == (11, 784) and not start.state["1.weight"][10].any()
    assert np.array_equal(start.state["1.weight"][:10], default.state["1.weight"])
    grown = trained(joined, initial=start, epochs=2)
    new = np.stack([draw_cross(qtbot, rng) for _ in range(10)])
    assert accuracy(grown, new, np.full(10, 10)) >= 0.8
    images, labels = fashion.test_images.numpy(), fashion.test_labels.numpy()
    assert accuracy(grown, images, labels) >= accuracy(default, images, labels) - 0.01
    with pytest.raises(DrawnError, match="other classes"):
        extended(default, ("a", "b", "c"), "grown")
