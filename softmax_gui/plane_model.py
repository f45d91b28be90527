"""The Playground's model: softmax regression on two features in NumPy, exactly as the
NumPy text trains it (``W`` of classes x 2, full-batch gradient ``(p - y) x^T / N``), or
with minibatches, an L2 penalty, the multiclass hinge (SVM) loss instead of
cross-entropy, and optionally one hidden layer (ReLU or tanh) to show what a linear model
cannot separate.

Also what the tab draws: the winning class and its probability over a grid, the exact
boundary segments of a linear model, and one point's logits, softmax and losses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from softmax_gui.numpy_softmax import stable_softmax

LOSSES = ("cross-entropy", "hinge")
ACTIVATIONS = ("relu", "tanh")
MAX_HIDDEN = 256


@dataclass(frozen=True)
class PlaneSettings:
    """How the model is built and trained; ``batch_size`` 0 is the text's full batch."""

    lr: float = 0.1
    l2: float = 0.0
    loss: str = "cross-entropy"
    hidden: int = 0
    activation: str = "relu"
    batch_size: int = 0
    seed: int = 0
    init_std: float = 0.01

    def __post_init__(self):
        if self.loss not in LOSSES or self.activation not in ACTIVATIONS:
            raise ValueError(f"loss is one of {LOSSES}, activation one of {ACTIVATIONS}")
        for fine, words in ((0 < self.lr <= 100, "the learning rate must be above 0 and "
                             "at most 100"),
                            (0 <= self.l2 <= 10, "the L2 penalty must be 0 to 10"),
                            (0 <= self.hidden <= MAX_HIDDEN,
                             f"use 0 to {MAX_HIDDEN} hidden units"),
                            (self.batch_size >= 0, "the batch size must be 0 (all) or more"),
                            (self.seed >= 0 and self.init_std >= 0,
                             "the seed and the initial scale must be 0 or more")):
            if not fine:
                raise ValueError(words)

    def but(self, **changes) -> PlaneSettings:
        return replace(self, **changes)


def data_losses(o: np.ndarray, y: np.ndarray, kind: str):
    """Each point's loss and the mean loss's gradient with respect to the logits ``o``.

    Cross-entropy: ``-log softmax(o)_y``, gradient ``(p - onehot(y)) / n`` (the NumPy
    text's). Hinge (CS231n's multiclass SVM): ``sum_j max(0, o_j - o_y + 1)`` over the
    wrong classes, zero once the true class leads every other by the margin 1.
    """
    n = len(y)
    rows = np.arange(n)
    if kind == "cross-entropy":
        p = stable_softmax(o)
        losses = -np.log(np.maximum(p[rows, y], 1e-300))
        g = p
        g[rows, y] -= 1.0
    else:
        margins = o - o[rows, y][:, None] + 1.0
        margins[rows, y] = 0.0
        above = margins > 0
        losses = np.where(above, margins, 0.0).sum(1)
        g = above.astype(np.float64)
        g[rows, y] = -above.sum(1)
    return losses, g / max(n, 1)


class PlaneModel:
    """Softmax regression on the plane (``hidden`` 0) or a network with one hidden layer.

    ``params`` holds ``W`` (classes x inputs) and ``b``, and ``W1``, ``b1`` when there is
    a hidden layer. The start is drawn from the seed (``numpy.random.RandomState``, as
    ``np.random.seed(0); np.random.randn(...)`` in the text), so :meth:`reset` brings
    back the same initialisation.
    """

    def __init__(self, classes: int, settings: PlaneSettings = PlaneSettings()):
        self.classes = classes
        self.settings = settings
        self.reset()

    @property
    def linear(self) -> bool:
        return self.settings.hidden == 0

    def reset(self) -> None:
        """Back to the seed's initial parameters and batch order; step 0."""
        s, k = self.settings, self.classes
        rng = np.random.RandomState(s.seed)
        if self.linear:
            self.params = {"W": rng.randn(k, 2) * s.init_std, "b": np.zeros(k)}
        else:
            h = s.hidden
            self.params = {"W1": rng.randn(h, 2), "b1": rng.randn(h) * 0.5,
                           "W": rng.randn(k, h) / np.sqrt(h), "b": np.zeros(k)}
        self._order = np.random.RandomState(s.seed + 1)
        self._queue = np.zeros(0, np.int64)
        self.steps = 0

    # --- the forward pass and the loss ---------------------------------------------------

    def _hidden(self, X: np.ndarray):
        z = X @ self.params["W1"].T + self.params["b1"]
        return z, (np.maximum(z, 0.0) if self.settings.activation == "relu" else np.tanh(z))

    def logits(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, np.float64).reshape(-1, 2)
        features = X if self.linear else self._hidden(X)[1]
        return features @ self.params["W"].T + self.params["b"]

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        return stable_softmax(self.logits(X))

    def penalty(self) -> float:
        """``l2 / 2`` times the squared weights (not the biases): its gradient is
        ``l2 * W``, torch's ``weight_decay``."""
        weights = [v for name, v in self.params.items() if name.startswith("W")]
        return 0.5 * self.settings.l2 * sum(float((w * w).sum()) for w in weights)

    def losses(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each point's data loss (cross-entropy or hinge, as the settings say)."""
        if len(y) == 0:
            return np.zeros(0)
        return data_losses(self.logits(X), np.asarray(y), self.settings.loss)[0]

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """The mean data loss (``nan`` without points)."""
        return float(self.losses(X, y).mean()) if len(y) else float("nan")

    def loss_and_accuracy(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """The mean data loss and the accuracy from one forward pass (``nan`` for both
        without points): what each update records."""
        if len(y) == 0:
            return float("nan"), float("nan")
        y = np.asarray(y)
        o = self.logits(X)
        losses = data_losses(o, y, self.settings.loss)[0]
        return float(losses.mean()), float((o.argmax(1) == y).mean())

    # --- one update -----------------------------------------------------------------------

    def gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
        """The mean data loss of ``(X, y)`` and the gradients of loss plus penalty."""
        p = self.params
        if self.linear:
            features = X
        else:
            z, features = self._hidden(X)
        losses, do = data_losses(features @ p["W"].T + p["b"], y, self.settings.loss)
        grads = {"W": do.T @ features, "b": do.sum(0)}
        if not self.linear:
            dh = do @ p["W"]
            dz = dh * (z > 0) if self.settings.activation == "relu" else dh * (1 - features ** 2)
            grads.update(W1=dz.T @ X, b1=dz.sum(0))
        if self.settings.l2:
            for name in grads:
                if name.startswith("W"):
                    grads[name] = grads[name] + self.settings.l2 * p[name]
        return float(losses.mean()), grads

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        """One gradient-descent update on the whole set, or on the next minibatch;
        returns the loss it was computed at (before the update)."""
        X = np.asarray(X, np.float64).reshape(-1, 2)
        y = np.asarray(y, np.int64)
        if len(y) == 0:
            return float("nan")
        batch = self.settings.batch_size
        if batch and batch < len(y):
            take = self._next_batch(len(y), batch)
            X, y = X[take], y[take]
        loss, grads = self.gradients(X, y)
        for name, g in grads.items():
            self.params[name] -= self.settings.lr * g
        self.steps += 1
        return loss

    def _next_batch(self, n: int, size: int) -> np.ndarray:
        """The next ``size`` indices of a shuffled order, a new order once it runs out
        (or when the points changed in number)."""
        if len(self._queue) < size or self._queue.max(initial=-1) >= n:
            self._queue = self._order.permutation(n)
        take, self._queue = self._queue[:size], self._queue[size:]
        return take

    def set_class_row(self, k: int, w, b: float) -> None:
        """Set class ``k``'s weight vector and bias (a linear model's handles)."""
        self.params["W"][k] = np.asarray(w, np.float64)
        self.params["b"][k] = float(b)

    # --- what the tab draws --------------------------------------------------------------

    def regions(self, x_range, y_range, size: int = 96):
        """The winning class and its probability on a ``size`` x ``size`` grid over the
        box (rows along y, from ``y_range[0]``)."""
        xs = np.linspace(*x_range, size)
        ys = np.linspace(*y_range, size)
        grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
        p = self.probabilities(grid)
        return p.argmax(1).reshape(size, size), p.max(1).reshape(size, size)

    def boundaries(self, x_range, y_range):
        """The linear model's boundary segments inside the box: ``(i, j, start, end)``
        where classes ``i`` and ``j`` tie and beat every other class. Empty with a hidden
        layer (its boundaries are not straight)."""
        if not self.linear:
            return []
        W, b = self.params["W"], self.params["b"]
        segments = []
        for i in range(self.classes):
            for j in range(i + 1, self.classes):
                segment = _tie_segment(W, b, i, j, x_range, y_range)
                if segment is not None:
                    segments.append((i, j, *segment))
        return segments

    def explain_point(self, x, y: int) -> dict:
        """A point's logits, softmax, cross-entropy and hinge loss, as numbers."""
        o = self.logits(x)
        label = np.array([y])
        return {"logits": o[0], "probabilities": stable_softmax(o)[0],
                "cross-entropy": float(data_losses(o, label, "cross-entropy")[0][0]),
                "hinge": float(data_losses(o, label, "hinge")[0][0])}


def _tie_segment(W, b, i, j, x_range, y_range):
    """Where ``o_i = o_j >= o_k`` for every other ``k`` inside the box, or None: the tie's
    line ``(w_i - w_j) . x + (b_i - b_j) = 0`` where ``i`` also beats each ``k``."""
    beats = [(W[i] - W[k], b[i] - b[k]) for k in range(len(b)) if k not in (i, j)]
    return line_in_box(W[i] - W[j], b[i] - b[j], x_range, y_range, beats)


def line_in_box(a, c, x_range, y_range, half_planes=()):
    """The segment of the line ``a . x + c = 0`` inside the box and inside every half
    plane ``w . x + d >= 0`` given as ``(w, d)``; None if there is none.

    Walking the line as ``x(t) = x0 + t u``, each condition is ``alpha + beta t >= 0``,
    which clips the interval of ``t``.
    """
    a = np.asarray(a, np.float64)
    norm2 = float(a @ a)
    if norm2 < 1e-18:
        return None
    x0 = -c * a / norm2
    u = np.array([-a[1], a[0]]) / np.sqrt(norm2)
    conditions = [(x0[0] - x_range[0], u[0]), (x_range[1] - x0[0], -u[0]),
                  (x0[1] - y_range[0], u[1]), (y_range[1] - x0[1], -u[1])]
    conditions += [(float(w @ x0 + d), float(w @ u)) for w, d in half_planes]
    low, high = -np.inf, np.inf
    for alpha, beta in conditions:
        if abs(beta) < 1e-15:
            if alpha < 0:
                return None
        elif beta > 0:
            low = max(low, -alpha / beta)
        else:
            high = min(high, -alpha / beta)
    if not low < high or not np.isfinite(low) or not np.isfinite(high):
        return None
    return tuple(x0 + low * u), tuple(x0 + high * u)
