"""The from-scratch ops of d2l §3.6 against torch, and scratch == concise step for step."""

import numpy as np
import torch
import torch.nn.functional as F

from softmax_gui import scratch
from softmax_gui.evaluation import naive_softmax_np
from softmax_gui.models import build_model


def test_stable_softmax_on_extreme_logits():
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]])
    p = scratch.softmax(logits)
    assert torch.isfinite(p).all()
    assert torch.allclose(p.sum(1), torch.ones(2))
    assert torch.allclose(p[0], torch.tensor([1.0, 0.0, 0.0]))
    assert torch.allclose(p[1], torch.full((3,), 1 / 3))
    # The naive formula overflows on the same input: this is why we subtract the max.
    assert np.isnan(naive_softmax_np(logits.numpy())[1]).any()


def test_log_softmax_and_cross_entropy_match_torch():
    torch.manual_seed(0)
    logits = torch.randn(64, 10) * 30
    labels = torch.randint(10, (64,))
    assert torch.allclose(scratch.log_softmax(logits), F.log_softmax(logits, 1), atol=1e-5)
    assert torch.allclose(scratch.cross_entropy(logits, labels),
                          F.cross_entropy(logits, labels, reduction="none"), atol=1e-4)


def _pair(momentum, weight_decay):
    g = torch.Generator().manual_seed(3)
    ours = build_model("softmax-scratch", init_std=0.1, generator=g)
    concise = build_model("softmax")
    with torch.no_grad():
        concise[1].weight.copy_(ours.W)
        concise[1].bias.copy_(torch.randn(10, generator=g))
    ours.b = concise[1].bias.detach().clone()
    opt = torch.optim.SGD(concise.parameters(), lr=0.3, momentum=momentum,
                          weight_decay=weight_decay)
    return ours, concise, opt


def test_scratch_and_concise_same_loss_and_updates():
    for momentum, weight_decay in ((0.0, 0.0), (0.9, 1e-3)):
        ours, concise, opt = _pair(momentum, weight_decay)
        g = torch.Generator().manual_seed(7)
        for _ in range(3):
            X = torch.rand(32, 1, 28, 28, generator=g)
            y = torch.randint(10, (32,), generator=g)
            loss_ours, logits_ours = ours.sgd_step(X, y, 0.3, momentum, weight_decay)
            logits = concise(X)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            assert torch.allclose(logits_ours, logits, atol=1e-5)
            assert torch.allclose(loss_ours, loss, atol=1e-6)
            assert torch.allclose(ours.W, concise[1].weight, atol=1e-6)
            assert torch.allclose(ours.b, concise[1].bias, atol=1e-6)
