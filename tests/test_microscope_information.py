"""The gradient microscope's step and the information-theory figures, checked against
torch's autograd and against definitions computed independently."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from softmax_gui import information as info
from softmax_gui.microscope import Microscope


@pytest.fixture(scope="module")
def subset(fashion):
    images = fashion.train_images[:512].numpy()
    labels = fashion.train_labels[:512].numpy()
    return images, labels


def autograd(W, b, X, y):
    Wt = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = F.cross_entropy(torch.tensor(X, dtype=torch.float64) @ Wt.T + bt,
                           torch.tensor(y))
    loss.backward()
    return float(loss.detach()), Wt.grad.numpy()


def test_one_step_shows_minus_lr_times_the_gradient(subset):
    images, labels = subset
    scope = Microscope(images, labels, 10, batch_size=512)  # the batch is the whole subset
    rng = np.random.default_rng(1)
    scope.reset(rng.standard_normal((10, 784)) * 0.01, np.zeros(10))
    W0 = scope.W.copy()
    step = scope.step(lr=0.5)
    loss, grad = autograd(W0, np.zeros(10), images.reshape(512, -1) / 255.0, labels)
    assert step.loss == pytest.approx(loss, rel=1e-5)
    assert np.abs(step.gradient - grad).max() < 1e-6
    assert np.abs(step.update - (-0.5 * step.gradient)).max() < 1e-6
    assert np.array_equal(step.before, W0) and np.array_equal(step.after, scope.W)
    assert step.velocity is None and step.number == 1


def test_with_momentum_the_step_follows_the_buffer(subset):
    images, labels = subset
    scope = Microscope(images, labels, 10, batch_size=256)
    first = scope.step(lr=0.1, momentum=0.9)
    second = scope.step(lr=0.1, momentum=0.9)
    assert np.allclose(first.velocity, first.gradient)
    assert np.allclose(second.velocity, 0.9 * first.velocity + second.gradient, atol=1e-7)
    assert np.abs(second.update - (-0.1 * second.velocity)).max() < 1e-6
    assert second.number == 2
    scope.reset()
    assert scope.steps == 0 and not scope.W.any() and scope.velocity is None


def test_an_images_own_gradient_is_the_image_times_p_minus_y(subset):
    images, labels = subset
    scope = Microscope(images, labels, 10)
    scope.reset(np.random.default_rng(2).standard_normal((10, 784)) * 0.05, np.zeros(10))
    x = images[7] / 255.0
    p, gradient = scope.example_gradient(x, int(labels[7]))
    _, grad = autograd(scope.W, scope.b, x.reshape(1, -1), labels[7:8])
    assert np.abs(gradient - grad).max() < 1e-6
    assert p.sum() == pytest.approx(1.0)
    assert np.abs(gradient.sum(axis=0)).max() < 1e-6  # sum_k (p_k - y_k) = 0


def test_cross_entropy_is_target_entropy_plus_kl():
    rng = np.random.default_rng(0)
    o = rng.standard_normal(10) * 3
    y = info.target(4, 10, smoothing=0.2)
    values = info.information(o, y)
    p = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
    assert values.cross_entropy == pytest.approx(-(y * np.log(p)).sum())
    assert values.target_entropy == pytest.approx(-(y * np.log(y)).sum())
    assert values.kl == pytest.approx((y * np.log(y / p)).sum())
    assert values.target_entropy > 0 and abs(values.identity_gap) < 1e-12
    assert info.bits(values.entropy) == pytest.approx(values.entropy / math.log(2))


def test_a_one_hot_target_makes_cross_entropy_the_kl_divergence():
    o = np.array([2.0, -1.0, 0.5])
    values = info.information(o, info.target(0, 3))
    assert values.target_entropy == 0
    assert values.cross_entropy == pytest.approx(values.kl)
    assert values.cross_entropy == pytest.approx(-F.log_softmax(torch.tensor(o), 0)[0].item())
    assert info.information(np.zeros(10)).entropy == pytest.approx(math.log(10))
    assert info.information(np.zeros(10)).cross_entropy is None


def test_extreme_logits_give_finite_figures():
    values = info.information(np.array([1000.0, -1000.0, 0.0]), info.target(1, 3, 0.1))
    assert all(math.isfinite(v) for v in (values.entropy, values.cross_entropy,
                                          values.target_entropy, values.kl))
    assert values.cross_entropy > 100  # p of the true class is e^-2000
