"""The Playground's compute: the NumPy text reproduced, the presets, CSV, the losses'
gradients, the exact boundaries, and the ``playground`` command's last line."""

import re
import subprocess
import sys

import numpy as np
import pytest

from softmax_gui.plane_model import PlaneModel, PlaneSettings, line_in_box
from softmax_gui.plane_points import (
    PRESETS,
    Points,
    PointsError,
    make_points,
    parse_csv,
    read_csv,
    to_csv,
)
from softmax_gui.plane_run import PlaneRun


class TextsSoftmaxRegression:
    """The NumPy text's class as it is written there: W of K x d, b of K x 1, X as
    columns, the full-batch gradient (p - y) x^T / N. Independent of the app's code."""

    def __init__(self, n_features, n_classes):
        np.random.seed(0)
        self.W = np.random.randn(n_classes, n_features) * 0.01
        self.b = np.zeros((n_classes, 1))

    def softmax(self, z):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    def fit(self, X, y, lr=0.1, iterations=1000):
        Y = np.eye(self.W.shape[0])[y].T
        n = X.shape[0]
        for _ in range(iterations):
            P = self.softmax(self.W @ X.T + self.b)
            self.W -= lr * (P - Y) @ X / n
            self.b -= lr * (P - Y).sum(axis=1, keepdims=True) / n
        P = self.softmax(self.W @ X.T + self.b)
        return -np.log(P[y, np.arange(n)]).mean()

    def predict_proba(self, x):
        return self.softmax(self.W @ np.asarray(x, float).reshape(-1, 1) + self.b)[:, 0]


def test_the_numpy_text_is_reproduced_to_its_numbers():
    X, y = np.array([[1, 2], [2, 3], [3, 1]], float), np.array([0, 1, 2])
    text = TextsSoftmaxRegression(2, 3)
    text_loss = text.fit(X, y)
    run = PlaneRun(make_points("numpy-text"))
    run.step(1000)
    p = run.model.probabilities([1.5, 1.5])[0]
    assert abs(run.history.train_loss[-1] - text_loss) < 1e-12
    assert run.history.train_acc[-1] == 1.0 and np.isnan(run.history.test_acc[-1])
    assert np.allclose(p, text.predict_proba([1.5, 1.5]), atol=1e-12)
    # The figures, measured by running the text's own class.
    assert abs(text_loss - 0.0845) <= 0.0005
    assert np.allclose(p, (0.369, 0.336, 0.295), atol=0.005) and p.argmax() == 0


def test_the_command_prints_the_texts_figures_last():
    out = subprocess.run([sys.executable, "-m", "softmax_gui", "playground", "--preset",
                          "numpy-text", "--steps", "1000", "--lr", "0.1", "--seed", "0"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    last = out.strip().splitlines()[-1]
    found = re.fullmatch(r"loss=([0-9.]+) predict=\[1\.5,1\.5\]->(\d) p=([0-9.]+),([0-9.]+),"
                         r"([0-9.]+)", last)
    assert found, last
    assert abs(float(found.group(1)) - 0.0845) <= 0.0005 and found.group(2) == "0"
    assert np.allclose([float(v) for v in found.groups()[2:]], (0.369, 0.336, 0.295),
                       atol=0.005)
    assert len(out.strip().splitlines()) == 11  # a line every 100 updates, then the last


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_makes_its_classes_and_holds_out_a_share_of_each(preset):
    points = make_points(preset, n=120, classes=4, noise=0.1, test_fraction=0.25, seed=3)
    expected = {"numpy-text": 3, "xor": 2}.get(preset, 4)
    assert points.classes == expected and set(points.y) == set(range(expected))
    assert np.isfinite(points.X).all()
    if preset != "numpy-text":
        assert len(points) == 120
        for label in range(expected):
            share = points.test[points.y == label].mean()
            assert 0.15 < share < 0.35
    again = make_points(preset, n=120, classes=4, noise=0.1, test_fraction=0.25, seed=3)
    assert np.array_equal(points.X, again.X)


def test_points_survive_csv_and_edits():
    points = make_points("spiral", n=50, classes=3, noise=0.05, test_fraction=0.2, seed=1)
    back = parse_csv(to_csv(points))
    assert np.array_equal(back.X, points.X) and np.array_equal(back.y, points.y)
    assert np.array_equal(back.test, points.test) and back.classes == 3
    edited = points.add(9.0, 9.0, 2).moved(0, -1.0, -1.0).without(1)
    assert len(edited) == 50 and tuple(edited.X[0]) == (-1.0, -1.0)
    assert tuple(edited.X[-1]) == (9.0, 9.0) and len(points) == 50  # a copy each time
    assert parse_csv("1,2,0\n3,4,1\n").classes == 2


def test_a_points_file_is_read_or_refused_in_one_line(tmp_path):
    good = tmp_path / "p.csv"
    good.write_text("x,y,class,split\n0,0,0,train\n1,1,3,test\n")
    assert read_csv(good).classes == 4
    bad = tmp_path / "bad.csv"
    bad.write_text("0,0,0\n1,1,9\n")
    with pytest.raises(PointsError, match=r"^bad.csv, row 2: the class must be 0 to 5"):
        read_csv(bad)


def numerical_gradient(model, X, y, name, eps=1e-6):
    grad = np.zeros_like(model.params[name])
    for index in np.ndindex(grad.shape):
        keep = model.params[name][index]
        model.params[name][index] = keep + eps
        up = model.loss(X, y) + model.penalty()
        model.params[name][index] = keep - eps
        down = model.loss(X, y) + model.penalty()
        model.params[name][index] = keep
        grad[index] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("loss", ["cross-entropy", "hinge"])
@pytest.mark.parametrize("hidden,activation", [(0, "relu"), (5, "relu"), (5, "tanh")])
def test_the_gradients_match_finite_differences(loss, hidden, activation):
    points = make_points("blobs", n=30, classes=3, seed=2)
    settings = PlaneSettings(loss=loss, hidden=hidden, activation=activation, l2=0.3,
                             init_std=1.0, seed=4)
    model = PlaneModel(3, settings)
    _, grads = model.gradients(points.X, points.y)
    for name, grad in grads.items():
        assert np.allclose(grad, numerical_gradient(model, points.X, points.y, name),
                           atol=1e-5), name


def test_the_hinge_is_satisfied_at_its_margin_and_cross_entropy_never_is():
    points = make_points("separable", n=60, classes=3, seed=0)
    hinge = PlaneRun(points, PlaneSettings(loss="hinge", lr=0.5))
    hinge.step(400)
    assert hinge.history.train_loss[-1] == 0.0
    weights = {k: v.copy() for k, v in hinge.model.params.items()}
    hinge.step(50)  # nothing left to push: the weights stand still
    assert all(np.array_equal(weights[k], hinge.model.params[k]) for k in weights)
    cross = PlaneRun(points, PlaneSettings(lr=0.5))
    cross.step(400)
    before = cross.history.train_loss[-1]
    cross.step(50)
    assert 0 < cross.history.train_loss[-1] < before


def test_a_linear_model_cannot_learn_xor_and_a_hidden_layer_can():
    points = make_points("xor", n=200, seed=0)
    linear = PlaneRun(points, PlaneSettings(lr=0.5))
    linear.step(2000)
    hidden = PlaneRun(points, PlaneSettings(lr=0.5, hidden=8))
    hidden.step(2000)
    assert linear.history.train_acc[-1] < 0.75 <= 0.97 <= hidden.history.train_acc[-1]


def test_boundaries_are_where_two_classes_tie_above_the_rest():
    points = make_points("blobs", n=90, classes=4, seed=5)
    run = PlaneRun(points, PlaneSettings(lr=0.3))
    run.step(200)
    segments = run.model.boundaries((-5, 5), (-5, 5))
    assert 3 <= len(segments) <= 6
    for i, j, start, end in segments:
        for t in np.linspace(0, 1, 7):
            x = np.array(start) * (1 - t) + np.array(end) * t
            o = run.model.logits(x)[0]
            assert abs(o[i] - o[j]) < 1e-9 and o[i] >= np.delete(o, [i, j]).max() - 1e-9
            assert np.all(np.abs(x) <= 5 + 1e-9)
    assert line_in_box((1, 0), -10, (-5, 5), (-5, 5)) is None  # x = 10: outside
    assert run.model.boundaries((-5, 5), (-5, 5)) == segments
    hidden = PlaneRun(points, PlaneSettings(hidden=4))
    assert hidden.model.boundaries((-5, 5), (-5, 5)) == []


def test_reset_brings_back_the_same_start_and_minibatches_are_reproducible():
    points = make_points("overlapping", n=80, classes=3, seed=0)
    runs = [PlaneRun(points, PlaneSettings(batch_size=8, seed=7)) for _ in range(2)]
    start = runs[0].model.params["W"].copy()
    for run in runs:
        run.step(25)
    assert np.array_equal(runs[0].model.params["W"], runs[1].model.params["W"])
    runs[0].reset()
    assert np.array_equal(runs[0].model.params["W"], start)
    assert runs[0].history.steps == [0]


def test_settings_and_points_keep_or_rebuild_the_model_as_they_should():
    run = PlaneRun(make_points("blobs", n=30, seed=0))
    run.step(10)
    trained = run.model.params["W"].copy()
    run.set_settings(run.settings.but(lr=0.5, l2=0.01))  # trains on from here
    assert np.array_equal(run.model.params["W"], trained) and run.history.steps[-1] == 10
    run.set_points(run.points.add(0.0, 0.0, 1))
    assert run.history.steps[-1] == 10 and len(run.history.steps) == 11
    run.set_settings(run.settings.but(hidden=3))  # another model: from its start
    assert run.model.steps == 0 and run.history.steps == [0]
    run.set_points(Points(run.points.X, run.points.y % 2, 2))
    assert run.model.classes == 2


def test_a_learning_rate_too_high_diverges_and_stops():
    """Softmax regression's gradient is bounded (|p - y| <= 1): it cannot overflow. A
    ReLU layer multiplies the weights: at rate 100 they overflow within 100 updates."""
    run = PlaneRun(make_points("blobs", n=60, noise=3, seed=0),
                   PlaneSettings(lr=100, hidden=8))
    with np.errstate(all="ignore"):
        run.step(500)
    assert run.diverged and run.model.steps < 500
    steps = run.model.steps
    run.step(10)  # no update once diverged
    assert run.model.steps == steps
