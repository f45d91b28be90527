"""The seeds' three implementations agree, the gradient is right, and the NumPy model
trains in the app's engine like the others (issue 14's figures)."""

import math
import threading

import numpy as np
import pytest

from softmax_gui import events, implementations, training
from softmax_gui.config import TrainConfig
from softmax_gui.implementations import compare, gradcheck
from softmax_gui.inference import Predictor
from softmax_gui.numpy_softmax import loss_and_gradients, stable_softmax


def test_the_stable_softmax_does_not_overflow():
    p = stable_softmax(np.array([[1000.0, 0.0, -1000.0]]))
    assert np.isfinite(p).all() and p[0, 0] == 1.0


@pytest.mark.parametrize("float64, limit", [(False, 1e-5), (True, 1e-10)])
def test_100_steps_on_the_same_batches_end_with_the_same_weights(fashion, float64, limit):
    result = compare(fashion, steps=100, seed=0, float64=float64)
    assert result.worst <= limit
    assert result.dtype == ("float64" if float64 else "float32")
    for name in ("scratch", "concise"):
        assert np.allclose(result.losses[name], result.losses["numpy"], atol=1e-5)
    # They did learn: the loss fell from ln 10.
    assert result.losses["numpy"][0] == pytest.approx(np.log(10), abs=0.05)
    assert result.losses["numpy"][-1] < 1.0


def test_the_analytic_gradient_matches_finite_differences(fashion):
    result = gradcheck(fashion, seed=0)
    assert result["rel_error"] <= 1e-6 and result["checked"] == 210


def test_a_wrong_gradient_would_fail_the_check(fashion, monkeypatch):
    """The check can fail: with the gradient's 1/n forgotten, it does."""
    import softmax_gui.implementations as impl

    def wrong(W, b, X, y):
        loss, dW, db, o = loss_and_gradients(W, b, X, y)
        return loss, dW * len(y), db * len(y), o

    monkeypatch.setattr(impl, "loss_and_gradients", wrong)
    assert gradcheck(fashion, seed=0)["rel_error"] > 0.5


def test_the_numpy_model_reaches_084_in_the_engine(fashion):
    evs = list(training.train(TrainConfig(model="softmax-numpy"), fashion))
    snapshot = [e for e in evs if isinstance(e, events.WeightSnapshot)][-1]
    assert isinstance(evs[-1], events.Finished) and evs[-1].test_acc >= 0.84
    # Its weights are a softmax regression like the others: the predictor, the grid
    # and every export read them.
    images = fashion.test_images.numpy() / 255.0
    predicted = Predictor(snapshot).logits(images).argmax(1)
    assert (predicted == fashion.test_labels.numpy()).mean() >= 0.84


def test_the_pitfall_model_outputs_probabilities_and_its_loss_cannot_fall_below_146(
        sample, tmp_path):
    import torch

    from softmax_gui import weights_io
    from softmax_gui.models import build_model

    model = build_model("softmax-pitfall")
    out = model(torch.rand(4, 1, 28, 28))
    assert torch.allclose(out.sum(1), torch.ones(4)) and (out >= 0).all()
    evs = list(training.train(TrainConfig(model="softmax-pitfall", epochs=2), sample))
    losses = [e.train_loss for e in evs if isinstance(e, events.EpochMetrics)]
    # The best a softmax of probabilities can do: -log(e / (e + 9)) = 1.4612 nats.
    assert min(losses) > np.log(1 + 9 / np.e) > 1.46
    # Exported, it is the linear layer it learned: a plain softmax regression.
    snapshot = [e for e in evs if isinstance(e, events.WeightSnapshot)][-1]
    path = weights_io.save(snapshot, tmp_path / "pitfall.safetensors")
    again, meta = weights_io.load_snapshot(path)
    assert again.model == "softmax"
    images = sample.test_images.numpy()[:200] / 255.0
    assert (Predictor(again).logits(images).argmax(1)
            == Predictor(snapshot).logits(images).argmax(1)).all()


def test_the_pitfall_learns_slower_than_the_correct_model(fashion):
    curves = implementations.pitfall_curves(fashion, epochs=2)
    correct, pitfall = curves["softmax"], curves["softmax-pitfall"]
    assert len(correct.losses) == len(pitfall.gradient_norms) == 2
    # Its inputs to CrossEntropyLoss are probabilities: log(1 + 9/e) is the floor.
    assert min(pitfall.losses) >= math.log(1 + 9 / math.e) - 1e-6
    assert pitfall.gradient_norms[-1] < correct.gradient_norms[-1] / 3
    assert correct.accuracies[-1] > pitfall.accuracies[-1] > 0.7


def test_stopping_the_pitfall_comparison_returns_what_was_trained(fashion):
    stop = threading.Event()
    done = []

    def progress(n, total, curves):
        done.append((n, total, len(curves["softmax-pitfall"].losses)))
        stop.set()  # after the first epoch of both

    curves = implementations.pitfall_curves(fashion, epochs=3, progress=progress, stop=stop)
    assert done == [(1, 3, 1)]
    assert len(curves["softmax"].losses) == len(curves["softmax-pitfall"].losses) == 1
