"""Integrated gradients off the GUI thread (qt/explain/evidence.py): the newest request is the one
shown, and a failure is reported, not swallowed."""

import numpy as np
import torch
from torch import nn

from softmax_gui.models import as_module, build_model
from softmax_gui.qt.explain.evidence import Attributions
from softmax_gui.qt.state.tasks import Tasks


def test_only_the_newest_request_is_shown_and_failures_are_said(qtbot):
    tasks = Tasks()
    attributions = Attributions(tasks)
    mlp = as_module(build_model("mlp", 10, 0.01, 32, torch.Generator().manual_seed(0)))
    mlp.train()  # as a module just built is: the work must not switch it
    pixels = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    shown, failures = [], []
    for target in range(4):  # asked for four times while the first runs
        attributions.request(mlp, pixels, target, None,
                             lambda m, e, t=target: shown.append((t, m, e)), failures.append)
    qtbot.waitUntil(lambda: len(shown) >= 1 and not tasks.busy, timeout=30_000)
    assert [t for t, _, _ in shown][-1] == 3 and len(shown) <= 2  # never all four
    _, attribution, error = shown[-1]
    assert attribution.shape == (784,) and error <= 0.01
    # It worked on its own copy: the caller's model has no gradient and no mode changed.
    assert all(p.grad is None for p in mlp.parameters()) and mlp.training

    broken = nn.Linear(5, 10)  # cannot take a 28x28 image: a RuntimeError in the task
    attributions.request(broken, pixels, 0, None, lambda *_: shown.append("no"),
                         failures.append)
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=30_000)
    assert isinstance(failures[0], RuntimeError) and shown[-1] != "no"
    tasks.shutdown()
