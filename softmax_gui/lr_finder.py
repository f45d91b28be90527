"""The learning-rate finder (fast.ai's ``lr_find``, Lightning's ``LearningRateFinder``).

From fresh weights or given ones, one minibatch after another, the learning rate grows
exponentially from ``start`` to ``end``; the loss, smoothed by a debiased moving average,
falls while the rate helps and climbs once it is too large. The search stops when the
smoothed loss passes ``stop_factor`` times its best. The suggestion is the rate where the
smoothed loss falls fastest (its steepest descent against log lr). The model trained
here is a copy: the weights it started from are not changed. No Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from softmax_gui import events
from softmax_gui.config import TrainConfig
from softmax_gui.data import Dataset
from softmax_gui.models import build_model
from softmax_gui.training import input_stats, model_device, prepare_images
from softmax_gui.training_step import make_stepper


@dataclass(frozen=True)
class LrFinding:
    """The rates tried, the losses they gave, and the suggested rate."""

    lrs: np.ndarray
    losses: np.ndarray  # each minibatch's loss, before its step
    smoothed: np.ndarray  # the debiased moving average of the losses
    suggested: float | None  # None when the loss never fell
    stopped_early: bool  # the loss exploded before ``end`` was reached


def find_lr(config: TrainConfig, data: Dataset, initial: events.WeightSnapshot | None = None,
            start: float = 1e-7, end: float = 10.0, steps: int = 100, smoothing: float = 0.98,
            stop_factor: float = 4.0, stop=None) -> LrFinding:
    """Try ``steps`` learning rates from ``start`` to ``end`` on ``config``'s model (the
    weights of ``initial`` if given, else fresh ones), one minibatch each."""
    from softmax_gui.training import _load_state  # the engine's own loading and checks

    if not 0 < start < end or steps < 2:
        raise ValueError("the learning-rate finder needs 0 < start < end and 2 steps or more")
    device, _ = model_device(config)  # NumPy: the CPU, whatever is asked
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    if initial is not None:
        mean, std = initial.mean, initial.std
    else:
        mean, std = input_stats(data.train_images) if config.standardize else (0.0, 1.0)
    X = prepare_images(data.train_images, device, mean, std)
    Y = data.train_labels.to(device)
    model = build_model(config.model, len(data.classes), config.init_std, config.hidden,
                        generator)
    if initial is not None:
        _load_state(model, initial, config.model)
    stepper = make_stepper(model.to(device) if hasattr(model, "to") else model, config)
    order = torch.randperm(len(X), generator=generator).to(device)
    batches = math.ceil(len(X) / config.batch_size)
    lrs, losses, smoothed = [], [], []
    average, best = 0.0, math.inf
    for k in range(steps):
        if stop is not None and stop.is_set():
            break
        lr = start * (end / start) ** (k / (steps - 1))
        b = k % batches
        idx = order[b * config.batch_size:(b + 1) * config.batch_size]
        loss, _ = stepper.step(X.index_select(0, idx), Y.index_select(0, idx), lr)
        loss = float(loss)
        lrs.append(lr)
        losses.append(loss)
        average = smoothing * average + (1 - smoothing) * loss
        value = average / (1 - smoothing ** (k + 1))
        smoothed.append(value)
        best = min(best, value)
        if not math.isfinite(value) or value > stop_factor * best:
            break
    stopped_early = len(lrs) < steps and not (stop is not None and stop.is_set())
    return LrFinding(np.array(lrs), np.array(losses), np.array(smoothed),
                     _steepest(np.array(lrs), np.array(smoothed)), stopped_early)


def _steepest(lrs: np.ndarray, smoothed: np.ndarray) -> float | None:
    """The rate where the smoothed loss falls fastest against log10(lr), among the points
    before the loss passed its best (what comes after is the explosion)."""
    finite = np.isfinite(smoothed)
    if finite.sum() < 3:
        return None
    lrs, smoothed = lrs[finite], smoothed[finite]
    upto = int(np.argmin(smoothed)) + 1
    if upto < 3:
        return None
    slope = np.gradient(smoothed[:upto], np.log10(lrs[:upto]))
    k = int(np.argmin(slope))
    return float(lrs[k]) if slope[k] < 0 else None
