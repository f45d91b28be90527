"""Explaining one prediction: evidence maps against the model's own logits, the smallest
flip against an independent solver, integrated gradients' completeness, the CLI (its
main() in this process: tests/test_cli.py starts the process itself)."""

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from independent_qp import smallest_change
from PIL import Image

from softmax_gui import events, explain, training
from softmax_gui.config import TrainConfig
from softmax_gui.inference import Predictor
from softmax_gui.weights_io import load_snapshot

DEFAULT = "resources/weights/fashion-mnist-softmax.safetensors"


@pytest.fixture(scope="module")
def test_x(fashion):
    return fashion.test_images.numpy().reshape(-1, 784).astype(np.float64) / 255.0


@pytest.fixture(scope="module")
def default_snapshot():
    return load_snapshot(DEFAULT)[0]


def trained(fashion, model: str, epochs: int = 1) -> events.WeightSnapshot:
    last = None
    for event in training.train(TrainConfig(model=model, epochs=epochs, device="cpu"),
                                fashion):
        if isinstance(event, events.WeightSnapshot):
            last = event
        assert not isinstance(event, events.Failed), event
    return last


@pytest.mark.parametrize("model", ["softmax", "softmax-scratch", "softmax-numpy"])
def test_evidence_plus_bias_is_the_logit_for_every_class(fashion, test_x, model,
                                                         default_snapshot):
    snapshot = default_snapshot if model == "softmax" else trained(fashion, model)
    linear = explain.linear_form(snapshot)
    logits = Predictor(snapshot).logits(test_x[:20].reshape(-1, 28, 28))  # torch, standardised
    for x, o in zip(test_x[:20], logits):
        maps = explain.evidence(linear, x)
        assert np.abs(maps.sum(axis=1) + linear.b - o).max() < 1e-4
        j, k = np.argsort(o)[-2:]
        why = explain.evidence_between(linear, x, k, j)
        assert abs(why.sum() + linear.b[k] - linear.b[j] - (o[k] - o[j])) < 1e-4


def test_the_smallest_flip_matches_an_independent_solver_on_50_images(test_x,
                                                                      default_snapshot):
    linear = explain.linear_form(default_snapshot)
    rng = np.random.default_rng(0)
    problems, l2s = [], []
    for i in range(50):
        x = test_x[i]
        o = linear.logits(x)
        target = int(np.argsort(o)[-2]) if i % 2 else int(rng.choice(
            [k for k in range(10) if k != np.argmax(o)]))
        result = explain.linear_counterfactual(linear, x, target)
        assert result.predicted == target != result.original
        assert result.image.min() >= 0 and result.image.max() <= 1
        A, c = explain.constraints(linear, target, explain.MARGIN)
        problems.append((x, A, c))
        l2s.append(result.l2)
    # SLSQP on the primal's 784 variables holds the GIL for ~0.25 s an image: two
    # processes share the 50 (on 2 cores, half the time).
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        solved = list(pool.map(smallest_change, *zip(*problems)))
    ratios = []
    for (x, A, c), l2, (success, z) in zip(problems, l2s, solved):
        assert success and (A @ z - c).min() > -1e-6
        ratios.append(l2 / np.linalg.norm(z - x))
    assert len(ratios) == 50 and max(ratios) <= 1.02 and min(ratios) >= 0.98


def test_the_probability_path_ends_at_the_target(test_x, default_snapshot):
    linear = explain.linear_form(default_snapshot)
    result = explain.linear_counterfactual(linear, test_x[0], 5)
    assert result.path.shape == (21, 10)
    assert result.path[0].argmax() == result.original and result.path[-1].argmax() == 5


def test_the_linear_max_logit_image_beats_any_other_input(default_snapshot):
    linear = explain.linear_form(default_snapshot)
    rng = np.random.default_rng(1)
    for k in range(10):
        best = explain.max_logit_image(linear, k)
        assert np.array_equal(best, (linear.W[k] > 0).astype(float))
        top = linear.logits(best)[k]
        assert top == pytest.approx(np.maximum(linear.W[k], 0).sum() + linear.b[k])
        others = rng.random((200, 784)) @ linear.W[k] + linear.b[k]
        assert (others < top).all()


def test_the_max_probability_image_is_probable_and_regularised(default_snapshot):
    linear = explain.linear_form(default_snapshot)
    plain = explain.max_probability_image(linear, 1)
    smooth = explain.max_probability_image(linear, 1, tv=0.2)

    def log_odds(x):
        o = linear.logits(x)
        others = np.delete(o, 1)
        return o[1] - others.max() - np.log(np.exp(others - others.max()).sum())

    for x in (plain, smooth):
        assert log_odds(x) > np.log(99) and 0 <= x.min() and x.max() <= 1  # p > 0.99
    assert explain.total_variation(smooth)[0] < explain.total_variation(plain)[0] / 2
    # It found a better regularised objective than the unregularised optimum has.
    assert log_odds(smooth) - 0.2 * explain.total_variation(smooth)[0] > \
        log_odds(plain) - 0.2 * explain.total_variation(plain)[0]


def test_integrated_gradients_are_complete_for_the_mlp(fashion, test_x):
    snapshot = trained(fashion, "mlp")
    module = Predictor(snapshot).module
    for x in test_x[:10]:
        rows, worst = explain.explain_network(module, x, snapshot.classes)
        assert worst <= 0.02  # every class (in logits where one barely moves)
        top = max(rows, key=lambda row: row["logit"])  # the class explained first
        change = top["logit"] - top["bias"]
        assert abs(top["evidence_sum"] - change) <= 0.01 * max(abs(change), 1.0)


def test_the_cli_explains_and_makes_a_counterfactual(tmp_path, fashion, cli_here):
    image = tmp_path / "boot.png"
    Image.fromarray(fashion.test_images[0].numpy()).save(image)
    out = cli_here("explain", "--weights", DEFAULT, image, "--json")
    assert out.returncode == 0, out.stderr
    classes = json.loads(out.stdout)["classes"]
    assert [c["name"] for c in classes][:2] == ["t-shirt", "trouser"]
    assert all(set(c) == {"name", "logit", "bias", "evidence_sum"} for c in classes)
    assert all(abs(c["bias"] + c["evidence_sum"] - c["logit"]) < 1e-4 for c in classes)
    assert max(classes, key=lambda c: c["logit"])["name"] == "ankle boot"

    written = tmp_path / "sandal.png"
    result = cli_here("counterfactual", "--weights", DEFAULT, image, "--to", "sandal",
                      "--out", written)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("l2=") and last.endswith("from=9 to=5")
    assert 0 < float(last.split()[0][3:]) < 1
    png = Image.open(written)
    assert png.size == (28, 28) and png.mode == "L"
    said = cli_here("predict", "--weights", DEFAULT, written)
    assert said.returncode == 0, said.stderr
    assert said.stdout.split(": ")[1].startswith("sandal")

    wrong = cli_here("counterfactual", "--weights", DEFAULT, image, "--to", "spaceship",
                     "--out", tmp_path / "x.png")
    assert wrong.returncode == 2 and "is not a class" in wrong.stderr
    assert "Traceback" not in wrong.stderr and not (tmp_path / "x.png").exists()


def test_the_cli_takes_a_28x28_image_as_it_is_and_refuses_what_it_cannot_do(tmp_path,
                                                                             cli_here):
    # A light 28x28 image: other sizes are inverted when their background is light, but
    # a 28x28 one is the model input as it is, read back as written.
    rectangle = np.zeros((28, 28), np.uint8)
    rectangle[2:26, 4:24] = 255
    image = tmp_path / "rectangle.png"
    Image.fromarray(rectangle).save(image)
    for target in ("sandal", "trouser"):
        out = tmp_path / f"{target}.png"
        made = cli_here("counterfactual", "--weights", DEFAULT, image, "--to", target,
                        "--out", out)
        assert made.returncode == 0, made.stderr
        said = cli_here("predict", "--weights", DEFAULT, out)
        assert said.returncode == 0, said.stderr
        ranked = said.stdout.split(": ")[1].split(", ")
        assert ranked[0].startswith(target)
        first, second = (float(r.rsplit(" ", 1)[1].rstrip("%")) for r in ranked[:2])
        assert first >= 1.05 * second - 0.1  # the margin (e^0.05 at least), not a tie
    for args, said in ((["--to", "dress", "--out", tmp_path / "x.jpg"], "must end in .png"),
                       (["--to", "shirt", "--out", tmp_path / "y.png"], "already predicted")):
        refused = cli_here("counterfactual", "--weights", DEFAULT, image, *args)
        assert refused.returncode == 2 and said in refused.stderr
    assert not (tmp_path / "x.jpg").exists() and not (tmp_path / "y.png").exists()
