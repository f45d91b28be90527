"""The three implementations of softmax regression side by side, and a gradient check.

:func:`compare` starts NumPy (``numpy_softmax.py``), torch from scratch (``scratch.py``,
d2l §3.6) and torch concise (``nn.Linear`` + ``CrossEntropyLoss`` + ``torch.optim.SGD``,
§3.7) from one initialisation and steps them on the same minibatches: their losses and
the largest difference between their ``W`` after each step say, in numbers, that they
compute the same thing (up to rounding). :func:`gradcheck` compares the analytic
gradient ``(p - y) x^T`` with central finite differences in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softmax_gui.numpy_softmax import NumpySoftmaxRegression, loss_and_gradients

NAMES = ("numpy", "scratch", "concise")
PAIRS = (("numpy", "scratch"), ("numpy", "concise"), ("scratch", "concise"))


@dataclass
class Comparison:
    """Per step: each implementation's loss and, per pair, the largest ``|W_a - W_b|``."""

    steps: int
    dtype: str
    losses: dict[str, np.ndarray]  # name -> (steps,)
    max_abs_dW: dict[tuple[str, str], np.ndarray]  # pair -> (steps,)

    @property
    def worst(self) -> float:
        """The largest ``|dW|`` between any two, after the last step."""
        return float(max(d[-1] for d in self.max_abs_dW.values()))


def flat_inputs(dataset, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Training images as ``(n, 784)`` pixels in [0, 1] and their labels."""
    X = dataset.train_images.numpy().reshape(len(dataset.train_images), -1)
    return X.astype(dtype) / dtype(255), dataset.train_labels.numpy().astype(np.int64)


def compare(dataset, steps: int = 100, seed: int = 0, float64: bool = False,
            batch_size: int = 256, lr: float = 0.1, progress=None) -> Comparison:
    """Step the three implementations ``steps`` times on the same minibatches;
    ``progress()`` after each step, if given (a long comparison shows it)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from softmax_gui.scratch import ScratchSoftmaxRegression

    dtype = np.float64 if float64 else np.float32
    tdtype = torch.float64 if float64 else torch.float32
    X, y = flat_inputs(dataset, dtype)
    classes = len(dataset.classes)
    rng = np.random.default_rng(seed)
    W0 = (rng.standard_normal((classes, X.shape[1])) * 0.01).astype(dtype)

    mine = NumpySoftmaxRegression(X.shape[1], classes, dtype=dtype)
    mine.W, mine.b = W0.copy(), np.zeros(classes, dtype)
    scratch = ScratchSoftmaxRegression(X.shape[1], classes)
    scratch.W, scratch.b = torch.tensor(W0), torch.zeros(classes, dtype=tdtype)
    concise = nn.Linear(X.shape[1], classes).to(tdtype)
    with torch.no_grad():
        concise.weight.copy_(torch.tensor(W0))
        concise.bias.zero_()
    optimizer = torch.optim.SGD(concise.parameters(), lr=lr)

    losses = {name: np.zeros(steps) for name in NAMES}
    diffs = {pair: np.zeros(steps) for pair in PAIRS}
    order = rng.permutation(len(X))
    for step in range(steps):
        start = (step * batch_size) % (len(X) - batch_size + 1)
        index = order[start:start + batch_size]
        xb, yb = X[index], y[index]
        losses["numpy"][step] = mine.step(xb, yb, lr)[0]
        txb, tyb = torch.from_numpy(xb), torch.from_numpy(yb)
        losses["scratch"][step] = float(scratch.sgd_step(txb, tyb, lr)[0])
        loss = F.cross_entropy(concise(txb), tyb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses["concise"][step] = float(loss.detach())
        W = {"numpy": mine.W, "scratch": scratch.W.numpy(),
             "concise": concise.weight.detach().numpy()}
        for a, b in PAIRS:
            diffs[(a, b)][step] = float(np.abs(W[a] - W[b]).max())
        if progress is not None:
            progress()
    return Comparison(steps, np.dtype(dtype).name, losses, diffs)


def gradcheck(dataset, seed: int = 0, batch: int = 64, entries: int = 200,
              eps: float = 1e-6) -> dict:
    """The analytic gradient against central differences, in float64.

    Checks ``entries`` random entries of ``dW`` and every entry of ``db`` at a random
    ``W`` (std 0.01) on ``batch`` training images. Returns the relative error
    ``||g_analytic - g_numeric|| / (||g_analytic|| + ||g_numeric||)`` and its parts.
    """
    X, y = flat_inputs(dataset, np.float64)
    rng = np.random.default_rng(seed)
    index = rng.choice(len(X), batch, replace=False)
    X, y = X[index], y[index]
    classes = len(dataset.classes)
    W = rng.standard_normal((classes, X.shape[1])) * 0.01
    b = rng.standard_normal(classes) * 0.01
    _, dW, db, _ = loss_and_gradients(W, b, X, y)

    def loss(W_, b_) -> float:
        return float(loss_and_gradients(W_, b_, X, y)[0])

    analytic, numeric = [], []
    flat = rng.choice(W.size, min(entries, W.size), replace=False)
    for k in flat:
        i, j = divmod(int(k), W.shape[1])
        plus, minus = W.copy(), W.copy()
        plus[i, j] += eps
        minus[i, j] -= eps
        analytic.append(dW[i, j])
        numeric.append((loss(plus, b) - loss(minus, b)) / (2 * eps))
    for i in range(classes):
        plus, minus = b.copy(), b.copy()
        plus[i] += eps
        minus[i] -= eps
        analytic.append(db[i])
        numeric.append((loss(W, plus) - loss(W, minus)) / (2 * eps))
    analytic, numeric = np.array(analytic), np.array(numeric)
    rel = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic)
                                                + np.linalg.norm(numeric))
    return {"rel_error": float(rel), "checked": len(analytic),
            "max_abs_error": float(np.abs(analytic - numeric).max())}


@dataclass
class Curves:
    """Per epoch: the training loss as the model's own loss sees it, the test accuracy,
    and the norm of that loss's gradient with respect to ``(W, b)``."""

    losses: list[float]
    accuracies: list[float]
    gradient_norms: list[float]


PITFALL_PAIR = ("softmax", "softmax-pitfall")


def gradient_norm(snapshot, X, y, pitfall: bool) -> float:
    """``||dL/d(W, b)||`` of the model's own loss at ``snapshot``'s weights, on ``X``
    (``(n, 784)`` pixels in [0, 1]) and ``y``."""
    import torch
    import torch.nn.functional as F

    from softmax_gui.model_registry import to_file_form

    state = to_file_form(snapshot.model, snapshot.state)
    W = torch.tensor(state["1.weight"], requires_grad=True)
    b = torch.tensor(state["1.bias"], requires_grad=True)
    o = ((X - snapshot.mean) / snapshot.std) @ W.T + b
    loss = F.cross_entropy(torch.softmax(o, 1) if pitfall else o, y)
    loss.backward()
    return float(torch.sqrt((W.grad ** 2).sum() + (b.grad ** 2).sum()))


def pitfall_curves(dataset, epochs: int = 10, seed: int = 0, progress=None,
                   stop=None, gradient_images: int = 10_000) -> dict[str, Curves]:
    """Train the concise model and the ``nn.Softmax`` pitfall with the default
    configuration (same seed) for ``epochs``, in lockstep (an epoch of one, then of the
    other), and return their :class:`Curves`.

    ``progress(epochs_done, epochs, curves)`` is called once both have trained an
    epoch, with copies of the curves so far; ``stop`` (``threading.Event``) ends early,
    both curves cut to the epochs both trained. Gradient norms are measured on the first
    ``gradient_images`` training images.
    """
    from softmax_gui import events, training
    from softmax_gui.config import TrainConfig

    n = min(gradient_images, len(dataset.train_images))
    X = dataset.train_images[:n].reshape(n, -1).float() / 255.0
    y = dataset.train_labels[:n].long()
    streams = {model: training.train(TrainConfig(dataset=dataset.name, model=model,
                                                 epochs=epochs, seed=seed, device="cpu"),
                                     dataset, stop=stop)
               for model in PITFALL_PAIR}
    curves = {model: Curves([], [], []) for model in PITFALL_PAIR}
    try:
        for epoch in range(1, epochs + 1):
            for model, stream in streams.items():
                curve = curves[model]
                for event in stream:  # up to this epoch's end
                    if isinstance(event, events.EpochMetrics):
                        curve.losses.append(event.train_loss)
                        curve.accuracies.append(event.test_acc)
                    elif isinstance(event, events.WeightSnapshot) and \
                            event.epoch == int(event.epoch):
                        curve.gradient_norms.append(gradient_norm(
                            event, X, y, model == "softmax-pitfall"))
                        break
                    elif isinstance(event, events.Failed):
                        raise RuntimeError(event.message)
            done = min(len(c.gradient_norms) for c in curves.values())
            if done < epoch:  # stopped
                break
            if progress is not None:
                progress(epoch, epochs, {m: Curves(list(c.losses), list(c.accuracies),
                                                   list(c.gradient_norms))
                                         for m, c in curves.items()})
    finally:
        for stream in streams.values():
            stream.close()
    done = min(len(c.gradient_norms) for c in curves.values())
    return {m: Curves(c.losses[:done], c.accuracies[:done], c.gradient_norms[:done])
            for m, c in curves.items()}
