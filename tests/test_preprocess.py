"""to_model_input follows each dataset's recipe; the softmax display maths."""

import math

import numpy as np
import pytest
from PIL import Image

from softmax_gui import events, training
from softmax_gui.config import TrainConfig
from softmax_gui.evaluation import entropy_bits, softmax_np
from softmax_gui.inference import Predictor
from softmax_gui.preprocess import has_light_background, is_blank, to_model_input


@pytest.fixture(scope="module")
def predictor(fashion):
    evs = training.train(TrainConfig(epochs=3), fashion)
    return Predictor([e for e in evs if isinstance(e, events.WeightSnapshot)][-1])


def test_round_trip_upscaled_off_centre(fashion, predictor):
    rng = np.random.default_rng(0)
    images = fashion.test_images[:500].numpy()
    original = predictor.logits(images / 255.0).argmax(1)
    inputs = []
    for image in images:
        big = np.asarray(Image.fromarray(image).resize((280, 280), Image.Resampling.BICUBIC))
        canvas = np.zeros((700, 900), np.uint8)
        y, x = rng.integers(20, 400), rng.integers(20, 600)
        canvas[y : y + 280, x : x + 280] = big
        inputs.append(to_model_input(canvas, "fashion-mnist"))
    inputs = np.stack(inputs)
    assert inputs.dtype == np.float32 and inputs.shape == (500, 28, 28)
    assert inputs.min() >= 0 and inputs.max() <= 1
    agreement = (predictor.logits(inputs).argmax(1) == original).mean()
    assert agreement >= 0.90


def test_fashion_recipe_fills_28_and_centres():
    image = np.zeros((400, 300), np.float32)
    image[50:250, 100:150] = 1.0  # a tall bar, off-centre
    out = to_model_input(image, "fashion-mnist")
    rows = np.flatnonzero(out.max(1) > 0.5)
    cols = np.flatnonzero(out.max(0) > 0.5)
    assert rows[0] == 0 and rows[-1] == 27  # longest edge scaled to 28, no margin
    assert abs((cols[0] + cols[-1]) / 2 - 13.5) <= 0.5  # geometric centre


def _digit_one(size=(300, 300), at=(30, 200)):
    image = np.zeros(size, np.float32)
    y, x = at
    image[y : y + 200, x : x + 25] = 1.0  # a "1"
    image[y : y + 30, x - 40 : x] = 1.0  # its flag, which moves the centre of mass
    return image


def test_digit_recipe_20x20_box_centre_of_mass():
    out = to_model_input(_digit_one(), "mnist")
    rows = np.flatnonzero(out.max(1) > 0.05)
    cols = np.flatnonzero(out.max(0) > 0.05)
    assert rows[-1] - rows[0] + 1 <= 21 and cols[-1] - cols[0] + 1 <= 21  # 20x20 box
    ys, xs = np.indices(out.shape)
    total = out.sum()
    assert abs((out * ys).sum() / total - 13.5) <= 0.75
    assert abs((out * xs).sum() / total - 13.5) <= 0.75
    # Same digit, other place and scale on a bigger canvas: same 28x28 input.
    moved = np.asarray(Image.fromarray(_digit_one((600, 500), (300, 400))).resize(
        (1000, 1200), Image.Resampling.BICUBIC))
    again = to_model_input(moved, "mnist")
    assert np.abs(again - out).mean() < 0.03  # edges may shift by a sub-pixel
    assert abs((again * ys).sum() / again.sum() - (out * ys).sum() / total) <= 0.5


@pytest.mark.parametrize("image", [
    np.random.default_rng(1).random((64, 64)),
    np.zeros((28, 28)),
    np.ones((50, 80)),
    np.full((3, 3), 255, np.uint8),
    np.zeros((2000, 1500), np.uint8),
    np.pad(np.ones((1, 1)), 500),
    np.full((40, 40), np.nan),
])
@pytest.mark.parametrize("dataset", ["fashion-mnist", "mnist"])
def test_odd_inputs_never_nan(image, dataset, predictor):
    out = to_model_input(image, dataset)
    assert out.shape == (28, 28) and np.isfinite(out).all()
    p = predictor.probabilities(out)
    assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0)


def test_blank_is_nothing_drawn():
    assert is_blank(np.zeros((100, 100)))
    assert is_blank(np.full((100, 100), 0.02))  # faint noise
    assert not is_blank(np.pad(np.ones((10, 10)), 40))
    assert not to_model_input(np.zeros((100, 100))).any()


def test_light_background_detected():
    paper = np.ones((100, 100))
    paper[30:70, 40:60] = 0.1
    assert has_light_background(paper) and not has_light_background(1 - paper)


def test_temperature_and_entropy_against_hand_computed_values():
    o = np.array([2.0, 1.0, 0.0])
    e = np.exp([2.0, 1.0, 0.0])
    assert softmax_np(o) == pytest.approx(e / e.sum())
    e2 = np.exp([1.0, 0.5, 0.0])  # T = 2 halves the logits
    assert softmax_np(o, 2.0) == pytest.approx(e2 / e2.sum())
    assert softmax_np(o, 0.01)[0] == pytest.approx(1.0)  # T -> 0: one-hot
    assert softmax_np(o, 1000.0) == pytest.approx(np.full(3, 1 / 3), abs=1e-3)
    assert entropy_bits(np.array([0.5, 0.5])) == pytest.approx(1.0)
    assert entropy_bits(np.full(10, 0.1)) == pytest.approx(math.log2(10))
    assert entropy_bits(np.array([1.0, 0.0, 0.0])) == 0.0
    assert entropy_bits(np.array([0.25, 0.25, 0.5])) == pytest.approx(1.5)


def test_class_means_and_the_guide_that_maps_back_onto_them(fashion):
    from softmax_gui.preprocess import class_means, guide_image

    images, labels = fashion.train_images.numpy(), fashion.train_labels.numpy()
    means = class_means(images, labels, 10)
    assert means.shape == (10, 28, 28) and means.dtype == np.float32
    assert np.allclose(means[1], images[labels == 1].mean(0) / 255.0, atol=1e-6)
    assert 0 <= means.min() and means.max() <= 1
    for k in range(10):
        guide = guide_image(means[k], 280)
        assert guide.shape == (280, 280) and guide.max() == 1.0
        # Drawn as it is, the guide becomes an input of the class mean's size and place
        # (within the pixel that centring an odd width in 28 rounds away).
        back = to_model_input(guide, "fashion-mnist")
        expected = means[k] / means[k].max()
        assert np.abs(np.array(box(back)) - box(expected)).max() <= 1
        best = max(np.corrcoef(np.roll(back, (dy, dx), (0, 1)).ravel(), expected.ravel())[0, 1]
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        assert best > 0.98
    assert not guide_image(np.zeros((28, 28)), 50).any()  # a class without images


def box(image: np.ndarray) -> tuple[int, int, int, int]:
    """First and last row and column where ``image`` has a tenth of its peak."""
    ink = image > 0.1 * image.max()
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]
