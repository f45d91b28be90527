"""Many runs at once: a grid of configurations, trained in groups that share their data.

Softmax regressions (``softmax``, SGD) whose configurations share a seed, a batch size,
the input standardisation, the number of epochs and the initial scale draw the same
initial weights and see the same minibatches in the same order. So one pass over a
minibatch is one matrix product for all of them: their weights are stacked into one
``(K * classes, 784)`` matrix, and each keeps its own learning rate, schedule, momentum
and weight decay (torch's SGD, written out: ``g + wd * w`` into the momentum buffer, then
``w -= lr * buffer``). Every model ends as it would trained alone
(``tests/test_sweep.py``). A model whose loss explodes ends there, with the weights of
its last finished epoch; the others go on. Other configurations (Adam, the MLP, the CNN,
the from-scratch models) are trained one after another by ``training.train``.

No Qt. ``python -m softmax_gui sweep`` is its command line.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from softmax_gui import events
from softmax_gui.config import TrainConfig
from softmax_gui.data import Dataset
from softmax_gui.events import DIVERGED_LOSS
from softmax_gui.models import build_model
from softmax_gui.training import CHECK_EVERY, input_stats, prepare_images, resolve_device

# A grid larger than this is a typo (an extra digit), not a plan: refused before it runs.
MAX_CONFIGURATIONS = 100_000
# The hyper-parameters a grid can vary, as TrainConfig names them.
GRID_FIELDS = ("lr", "batch_size", "weight_decay", "momentum", "epochs", "seed", "optimizer",
               "schedule", "model", "hidden")
# Test logits of at most this many models at once (10,000 x 10 floats each).
EVAL_MODELS = 64


class GridError(ValueError):
    """A grid that cannot be trained, said in one line."""


@dataclass
class SweepResult:
    """One configuration's run: its curves per epoch and its final weights."""

    config: TrainConfig
    train_loss: list[float] = field(default_factory=list)  # per epoch
    train_acc: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    state: dict[str, np.ndarray] | None = None  # the last finished epoch's weights
    mean: float = 0.0  # the input standardisation the weights expect
    std: float = 1.0
    diverged: str = ""  # why it ended early, if its loss exploded
    batched: bool = False  # trained in one product with others

    @property
    def final_test_acc(self) -> float | None:
        return self.test_acc[-1] if self.test_acc else None


def grid(base: TrainConfig, **values: Iterable) -> list[TrainConfig]:
    """Every combination of ``values`` (field name -> list) over ``base``, validated.

    Raises
    ------
    GridError
        An unknown field, an empty list, a value ``TrainConfig`` refuses (a learning rate
        of 0), or more than :data:`MAX_CONFIGURATIONS` combinations.
    """
    names = list(values)
    for name in names:
        if name not in GRID_FIELDS:
            raise GridError(f"{name} is not a hyper-parameter a sweep can vary "
                            f"({', '.join(GRID_FIELDS)})")
    lists = [list(dict.fromkeys(values[name])) for name in names]  # repeats once
    for name, options in zip(names, lists):
        if not options:
            raise GridError(f"--{name.replace('_', '-')} has no values: give at least one")
    count = math.prod(len(options) for options in lists)
    if count > MAX_CONFIGURATIONS:
        raise GridError(f"the grid has {count:,} configurations; at most "
                        f"{MAX_CONFIGURATIONS:,} are trained in one sweep")
    configs = []
    for combination in itertools.product(*lists):
        try:
            configs.append(replace(base, **dict(zip(names, combination))))
        except (TypeError, ValueError) as exc:
            raise GridError(str(exc)) from None
    return configs


def batchable(config: TrainConfig) -> bool:
    """Whether ``config`` is trained in one product with others (softmax regression,
    torch's SGD)."""
    return config.model == "softmax" and config.optimizer == "sgd"


def group_key(config: TrainConfig) -> tuple:
    """What configurations must share to see the same data in the same order."""
    return (config.dataset, config.seed, config.batch_size, config.standardize,
            config.epochs, config.init_std, config.device)


def partition(configs: list[TrainConfig]) -> tuple[dict[tuple, list[int]], list[int]]:
    """The indices of ``configs`` trained together (by what their group shares) and
    those trained alone."""
    groups: dict[tuple, list[int]] = {}
    alone = []
    for i, config in enumerate(configs):
        if batchable(config):
            groups.setdefault(group_key(config), []).append(i)
        else:
            alone.append(i)
    return groups, alone


Curves = dict[int, list[float]]  # configuration's index -> its test accuracy per epoch


def train_sweep(configs: list[TrainConfig], data: Dataset, stop=None, pause=None,
                on_epoch: Callable[[int, int, Curves], None] | None = None
                ) -> list[SweepResult]:
    """Train every configuration of ``configs``; results in the same order.

    ``stop`` (``threading.Event``-like) ends the sweep after the current batch, each
    result holding the epochs it finished; ``pause`` holds it until cleared.
    ``on_epoch(done, total, curves)`` counts model-epochs as they end (for a progress
    bar) and gives the test accuracies so far of the configurations that just finished
    one (copies: a view may keep them).
    """
    results: list[SweepResult | None] = [None] * len(configs)
    total, done = sum(c.epochs for c in configs), 0

    def epoch_done(curves: Curves) -> None:
        nonlocal done
        done += len(curves)
        if on_epoch is not None:
            on_epoch(done, total, curves)

    groups, alone = partition(configs)
    for members in groups.values():
        def group_epoch_done(curves: Curves, members=members) -> None:
            epoch_done({members[k]: acc for k, acc in curves.items()})

        for i, result in zip(members, _train_group([configs[i] for i in members], data,
                                                   stop, pause, group_epoch_done)):
            results[i] = result
    for i in alone:
        results[i] = _train_alone(configs[i], data, stop, pause,
                                  lambda curve, i=i: epoch_done({i: curve}))
    return results


def _train_alone(config: TrainConfig, data: Dataset, stop, pause, epoch_done
                 ) -> SweepResult:
    from softmax_gui import training

    result = SweepResult(config)
    for event in training.train(config, data, stop, pause):
        if isinstance(event, events.EpochMetrics):
            for key in ("train_loss", "train_acc", "test_loss", "test_acc"):
                getattr(result, key).append(float(getattr(event, key)))
            epoch_done(list(result.test_acc))
        elif isinstance(event, events.WeightSnapshot) and event.epoch == int(event.epoch):
            result.state, result.mean, result.std = event.state, event.mean, event.std
        elif isinstance(event, events.Failed):
            result.diverged = event.message if event.diverged else ""
            if not event.diverged:
                raise RuntimeError(event.message)
    return result


def _train_group(configs: list[TrainConfig], data: Dataset, stop, pause, epoch_done):
    """``configs`` (one group: the same data order) trained in stacked products."""
    first = configs[0]
    device = resolve_device(first.device)
    # As training.train draws them: the initial weights, then each epoch's order.
    generator = torch.Generator().manual_seed(first.seed)
    torch.manual_seed(first.seed)
    mean, std = input_stats(data.train_images) if first.standardize else (0.0, 1.0)
    X = prepare_images(data.train_images, device, mean, std).flatten(1)
    Y = data.train_labels.to(device)
    X_test = prepare_images(data.test_images, device, mean, std).flatten(1)
    Y_test = data.test_labels.to(device)
    start = build_model("softmax", len(data.classes), first.init_std, first.hidden, generator)
    models, classes = len(configs), len(data.classes)
    with torch.no_grad():
        W = start[1].weight.detach().to(device).repeat(models, 1)  # (models * classes, 784)
        b = start[1].bias.detach().to(device).repeat(models)
    velocity_W, velocity_b = torch.zeros_like(W), torch.zeros_like(b)

    def per_row(values) -> torch.Tensor:
        return torch.tensor(values, dtype=torch.float32, device=device
                            ).repeat_interleave(classes)

    decay, momentum = (per_row([getattr(c, name) for c in configs])
                       for name in ("weight_decay", "momentum"))
    base = np.array([c.lr for c in configs])
    results = [SweepResult(c, mean=mean, std=std, batched=True) for c in configs]
    alive = np.ones(models, bool)
    kept = [None] * models  # each model's weights after its last finished epoch
    n, batch_size = len(X), first.batch_size
    batches = math.ceil(n / batch_size)
    total_steps = batches * first.epochs
    for epoch in range(1, first.epochs + 1):
        order = torch.randperm(n, generator=generator).to(device)
        # This epoch's rates, every model's, in one table (one copy to the device): a
        # model that exploded has 0 from then on.
        steps = np.arange((epoch - 1) * batches, epoch * batches)
        rates = np.stack([lr_at_steps(steps, total_steps, base[k], configs[k].schedule)
                          * alive[k] for k in range(models)], axis=1)
        rates = torch.tensor(rates, dtype=torch.float32, device=device
                             ).repeat_interleave(classes, dim=1)
        loss_sum = np.zeros(models)
        correct = torch.zeros(models, dtype=torch.long, device=device)
        chunk: list[torch.Tensor] = []
        for batch in range(batches):
            while pause is not None and pause.is_set() and not (stop and stop.is_set()):
                time.sleep(0.05)
            if stop is not None and stop.is_set():
                return _ended(results, kept, W, b, classes)
            idx = order[batch * batch_size:(batch + 1) * batch_size]
            xb, yb = X.index_select(0, idx), Y.index_select(0, idx)
            lr = rates[batch]
            with torch.no_grad():
                logits = (xb @ W.T + b).view(len(idx), models, classes)
                # log-softmax written out: torch's kernel over a last dimension of 10 took
                # 3.5x as long (0.69 against 0.19 ms a step for 25 models, measured).
                shifted = logits - logits.amax(2, keepdim=True)
                delta = shifted.exp()  # then divided by its sum: the softmax, exp'd once
                total = delta.sum(2, keepdim=True)
                true = shifted.gather(2, yb.view(-1, 1, 1).expand(-1, models, 1))
                picked = true - total.log()
                chunk.append(-picked.mean(0).view(models))  # each model's batch loss
                # Right where the true class's logit is the largest (shifted to 0): no
                # argmax, another kernel over a last dimension of 10.
                correct += (true == 0).view(len(idx), models).sum(0)
                delta.div_(total)
                delta.scatter_add_(2, yb.view(-1, 1, 1).expand(-1, models, 1),
                                   torch.full_like(picked, -1.0))
                delta = delta.div_(len(idx)).view(len(idx), models * classes)
                # v = momentum * v + (gradient + decay * w); w -= lr * v, in place: the
                # product is written straight into the buffer.
                velocity_W.mul_(momentum[:, None]).addmm_(delta.T, xb)
                velocity_W.addcmul_(decay[:, None], W)
                velocity_b.mul_(momentum).add_(delta.sum(0)).addcmul_(decay, b)
                W.addcmul_(lr[:, None], velocity_W, value=-1.0)
                b.addcmul_(lr, velocity_b, value=-1.0)
            if len(chunk) == CHECK_EVERY or batch == batches - 1:
                losses = torch.stack(chunk).cpu().numpy().astype(np.float64)  # (m, models)
                first_batch = batch + 1 - len(chunk)
                sizes = np.minimum(batch_size, n - np.arange(first_batch, batch + 1)
                                   * batch_size)
                loss_sum += sizes @ np.nan_to_num(losses, nan=np.inf, posinf=np.inf)
                exploded = alive & (~np.isfinite(losses).all(0)
                                    | (losses.mean(0) > DIVERGED_LOSS))
                for k in np.flatnonzero(exploded):
                    alive[k] = False
                    rates[:, k * classes:(k + 1) * classes] = 0.0
                    results[k].diverged = (
                        f"The loss exploded in epoch {epoch}, batches {first_batch + 1}-"
                        f"{batch + 1}: learning rate {configs[k].lr:g} is too large.")
                    _restore(k, kept[k], W, b, velocity_W, velocity_b, classes)
                chunk = []
        test_loss, test_acc = _evaluate(W, b, X_test, Y_test, models, classes)
        correct = correct.cpu().numpy()
        for k in np.flatnonzero(alive):
            result = results[k]
            result.train_loss.append(float(loss_sum[k] / n))
            result.train_acc.append(float(correct[k] / n))
            result.test_loss.append(float(test_loss[k]))
            result.test_acc.append(float(test_acc[k]))
            rows = slice(k * classes, (k + 1) * classes)
            kept[k] = (W[rows].clone(), b[rows].clone())
        epoch_done({k: list(results[k].test_acc) for k in np.flatnonzero(alive)})
    return _ended(results, kept, W, b, classes)


def lr_at_steps(steps: np.ndarray, total: int, base: float, schedule: str) -> np.ndarray:
    """``training.lr_at`` for many steps at once (the same formulas, vectorised)."""
    t = np.minimum(steps / max(total, 1), 1.0)
    if schedule == "constant":
        return np.full(len(steps), base)
    if schedule == "cosine":
        return base * 0.5 * (1.0 + np.cos(np.pi * t))
    warm = 0.3
    u = (t - warm) / (1 - warm)
    return np.where(t < warm, base / 25 + (base - base / 25) * t / warm,
                    base / 1e4 + (base - base / 1e4) * 0.5 * (1.0 + np.cos(np.pi * u)))


def _restore(k, kept, W, b, velocity_W, velocity_b, classes) -> None:
    """Model ``k`` exploded: back to its last finished epoch's weights (finite, so its
    rows of the product stay harmless), never updated again (its rate is 0 from now)."""
    rows = slice(k * classes, (k + 1) * classes)
    if kept is None:
        W[rows], b[rows] = 0.0, 0.0
    else:
        W[rows], b[rows] = kept
    velocity_W[rows], velocity_b[rows] = 0.0, 0.0


def _evaluate(W, b, X_test, Y_test, models: int, classes: int):
    """Each model's test loss and accuracy, a slice of models at a time."""
    losses, accuracies = np.empty(models), np.empty(models)
    with torch.no_grad():
        for lo in range(0, models, EVAL_MODELS):
            hi = min(lo + EVAL_MODELS, models)
            rows = slice(lo * classes, hi * classes)
            logits = (X_test @ W[rows].T + b[rows]).view(len(X_test), hi - lo, classes)
            loss = F.cross_entropy(logits.permute(0, 2, 1), Y_test.view(-1, 1).expand(
                -1, hi - lo), reduction="none").mean(0)
            losses[lo:hi] = loss.cpu().numpy()
            accuracies[lo:hi] = (logits.argmax(2) == Y_test.view(-1, 1)).float().mean(0
                                                                                ).cpu().numpy()
    return losses, accuracies


def _ended(results, kept, W, b, classes) -> list[SweepResult]:
    """Each model's weights after its last finished epoch, in the concise model's names
    (``1.weight``, ``1.bias``), as ``training.train`` snapshots them."""
    for result, weights in zip(results, kept):
        if weights is not None:
            result.state = {"1.weight": weights[0].cpu().numpy().copy(),
                            "1.bias": weights[1].cpu().numpy().copy()}
    return results


def describe(result: SweepResult, varied: Iterable[str]) -> str:
    """One line per configuration: what varies, then ``test_acc=0.8458``."""
    parts = [f"{name}={getattr(result.config, name)}" for name in varied]
    acc = result.final_test_acc
    parts.append(f"test_acc={acc:.4f}" if acc is not None else "test_acc=none")
    parts.append(f"epochs_trained={len(result.test_acc)}")
    if result.diverged:
        parts.append("exploded")
    return " ".join(parts)

