"""One prediction explained: pixel evidence, the smallest change that flips it, and what
each class looks like. NumPy (and SciPy's optimiser); torch only for the MLP and CNN.

For softmax regression everything is exact. On raw pixels ``x`` in [0, 1] (the
standardisation folded into ``W`` and ``b``, weights_io.canonical_state) each logit is
``o_k = sum_i W[k, i] x_i + b_k``, so the evidence map ``W[k] * x`` sums, with the bias,
to the logit, and ``(W[k] - W[j]) * x`` says why ``k`` and not ``j``. The MLP and CNN
get integrated gradients from a black image instead, an approximation whose
completeness error is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softmax_gui.events import WeightSnapshot
from softmax_gui.model_registry import get_model


@dataclass(frozen=True)
class Linear:
    """Softmax regression on raw pixels: ``o = W x + b``, float64."""

    W: np.ndarray  # (K, 784)
    b: np.ndarray  # (K,)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self.W @ np.asarray(x, np.float64).reshape(-1) + self.b


def linear_form(snapshot: WeightSnapshot) -> Linear | None:
    """``snapshot`` as :class:`Linear` when it is softmax regression, else None."""
    if get_model(snapshot.model).family != "softmax":
        return None
    from softmax_gui.weights_io import canonical_state

    _, state, _, _ = canonical_state(snapshot)
    return Linear(state["1.weight"].astype(np.float64), state["1.bias"].astype(np.float64))


# --- evidence --------------------------------------------------------------------------

def evidence(model: Linear, x: np.ndarray, k: int | None = None) -> np.ndarray:
    """``(K, 784)``: ``W[k, i] * x_i``, pixel ``i``'s vote for class ``k``; each row sums
    with ``b[k]`` to the logit ``o_k``. With ``k``, that class's row alone ``(784,)``."""
    x = np.asarray(x, np.float64).reshape(-1)
    return model.W * x if k is None else model.W[k] * x


def evidence_between(model: Linear, x: np.ndarray, k: int, j: int) -> np.ndarray:
    """``(784,)``: why ``k`` and not ``j``, ``(W[k] - W[j]) * x``; it sums with
    ``b[k] - b[j]`` to ``o_k - o_j``."""
    return (model.W[k] - model.W[j]) * np.asarray(x, np.float64).reshape(-1)


def explain(model: Linear, x: np.ndarray, classes) -> list[dict]:
    """Per class: its name, logit, bias and the sum of its evidence map."""
    maps = evidence(model, x)
    logits = model.logits(x)
    return [{"name": str(name), "logit": float(logits[k]), "bias": float(model.b[k]),
             "evidence_sum": float(maps[k].sum())} for k, name in enumerate(classes)]


@dataclass(frozen=True)
class Attribution:
    """Integrated gradients of one logit (MLP, CNN): an approximation."""

    map: np.ndarray  # (784,)
    target: int
    logit_change: float  # o_t(x) - o_t(black)
    completeness_error: float  # |sum(map) - logit_change| / max(|logit_change|, 1)


def own_copy(module):
    """A copy of ``module`` for work off the GUI thread: in eval mode, its parameters
    frozen (gradients reach the input only), so nothing of the window's predictor is
    changed or accumulated (``.grad``) by the work, and the two never share state."""
    import copy

    own = copy.deepcopy(module).eval()
    for parameter in own.parameters():
        parameter.requires_grad_(False)
    return own


def integrated_gradients(module, x: np.ndarray, target: int, steps: int = 32,
                         tolerance: float = 0.01, max_steps: int = 256) -> Attribution:
    """Integrated gradients of logit ``target`` from a black image to ``x``; ``module``
    takes raw ``(N, 1, 28, 28)`` pixels.

    Midpoint rule from ``steps`` points, doubled while the completeness error is above
    ``tolerance`` (up to ``max_steps``): a ReLU network's path has kinks, and 32 points
    left 19 of 50 class maps of a trained MLP above 1% (64: 14; measured). The error
    is ``|sum(map) - change| / max(|change|, 1)``: in logits when the logit barely moves.
    """
    import torch

    module.eval()
    pixels = torch.as_tensor(np.asarray(x, np.float32).reshape(1, 1, 28, 28))
    with torch.no_grad():
        ends = module(torch.cat([torch.zeros_like(pixels), pixels]))[:, target].double()
    change = float(ends[1] - ends[0])
    while True:
        alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
        path = (alphas.view(-1, 1, 1, 1) * pixels).requires_grad_(True)
        # Gradients of the input only: no parameter's .grad is touched.
        (grad,) = torch.autograd.grad(module(path)[:, target].sum(), path)
        attribution = (pixels * grad.mean(0, keepdim=True)).reshape(-1).double().numpy()
        error = abs(attribution.sum() - change) / max(abs(change), 1.0)
        if error <= tolerance or steps >= max_steps:
            return Attribution(attribution, target, change, float(error))
        steps *= 2


# --- "make it a ..." -------------------------------------------------------------------

@dataclass(frozen=True)
class Counterfactual:
    image: np.ndarray  # (784,) in [0, 1]: the changed input
    change: np.ndarray  # image - original
    l2: float
    original: int  # the class predicted before
    target: int
    predicted: int  # the class predicted after (== target when it worked)
    path: np.ndarray  # (steps, K) probabilities along original -> image


# How far the target's logit must beat every other's: e^0.1 = 1.105, so the changed
# image is predicted as the target by a visible 10%, not a tie at the shown precision.
MARGIN = 0.1


def constraints(model: Linear, target: int, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """``A z >= c``: ``o_target(z) >= o_j(z) + margin`` for every other class ``j``."""
    others = [j for j in range(len(model.b)) if j != target]
    A = model.W[target] - model.W[others]
    c = model.b[others] - model.b[target] + margin
    return A, c


def smallest_flip(model: Linear, x: np.ndarray, target: int,
                  margin: float = MARGIN) -> np.ndarray:
    """The closest image to ``x`` (L2) in [0, 1]^d whose logit for ``target`` beats every
    other by ``margin``: ``min ||z - x||^2 s.t. A z >= c, 0 <= z <= 1``.

    Solved through its dual, a concave problem in one multiplier per other class:
    ``z(l) = clip(x + A^T l, 0, 1)``, maximise ``g(l)`` over ``l >= 0`` (SciPy's
    L-BFGS-B, 9 variables); ``z(l*)`` is the primal optimum.
    """
    from scipy.optimize import minimize

    x = np.asarray(x, np.float64).reshape(-1)
    A, c = constraints(model, target, margin)

    def z_of(lam):
        return np.clip(x + A.T @ lam, 0.0, 1.0)

    def negative_dual(lam):
        z = z_of(lam)
        value = 0.5 * np.sum((z - x) ** 2) - lam @ (A @ z - c)
        return -value, -(c - A @ z)

    result = minimize(negative_dual, np.zeros(len(c)), jac=True, method="L-BFGS-B",
                      bounds=[(0, None)] * len(c),
                      options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-12})
    return z_of(result.x)


def probability_path(model: Linear, start: np.ndarray, end: np.ndarray,
                     steps: int = 21) -> np.ndarray:
    """``(steps, K)`` softmax probabilities along the straight line ``start -> end``."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    images = (1 - t) * start.reshape(1, -1) + t * end.reshape(1, -1)
    o = images @ model.W.T + model.b
    o -= o.max(axis=1, keepdims=True)
    p = np.exp(o)
    return p / p.sum(axis=1, keepdims=True)


def linear_counterfactual(model: Linear, x: np.ndarray, target: int,
                          margin: float = MARGIN, quantised: bool = False) -> Counterfactual:
    """The smallest change of ``x`` that makes ``model`` predict ``target``.

    With ``quantised`` the result must still flip once written as 8-bit pixels, by at
    least half the margin: the margin grows until the rounded image does.
    """
    x = np.asarray(x, np.float64).reshape(-1)
    original = int(np.argmax(model.logits(x)))
    wanted = margin / 2 if quantised else 0.0
    for _ in range(12):
        z = smallest_flip(model, x, target, margin)
        o = model.logits(np.round(z * 255) / 255 if quantised else z)
        if o[target] - np.delete(o, target).max() > wanted:
            break
        margin *= 2
    predicted = int(np.argmax(model.logits(z)))
    return Counterfactual(z, z - x, float(np.linalg.norm(z - x)), original, target,
                          predicted, probability_path(model, x, z))


def gradient_counterfactual(module, x: np.ndarray, target: int, steps: int = 200,
                            step_size: float = 0.02) -> Counterfactual:
    """Projected gradient steps on ``-log p_target`` inside [0, 1] (MLP, CNN), stopping
    once ``target`` is predicted."""
    import torch
    import torch.nn.functional as F

    module.eval()
    start = torch.as_tensor(np.asarray(x, np.float32).reshape(1, 1, 28, 28))
    z = start.clone()
    label = torch.tensor([target])
    path = []
    for _ in range(steps):
        z.requires_grad_(True)
        logits = module(z)
        path.append(torch.softmax(logits, 1)[0].detach().double().numpy())
        if int(logits.argmax()) == target:
            break
        loss = F.cross_entropy(logits, label)
        (grad,) = torch.autograd.grad(loss, z)
        with torch.no_grad():
            z = (z - step_size * grad / (grad.norm() + 1e-12)).clamp_(0.0, 1.0)
    z = z.detach()
    with torch.no_grad():
        predicted = int(module(z).argmax())
        original = int(module(start).argmax())
    image = z.reshape(-1).double().numpy()
    change = image - start.reshape(-1).double().numpy()
    return Counterfactual(image, change, float(np.linalg.norm(change)), original, target,
                          predicted, np.array(path))


def accuracy_under_perturbation(module, images: np.ndarray, labels: np.ndarray,
                                sizes) -> list[float]:
    """Test accuracy after a one-step signed-gradient change of each size ``eps``
    (``x + eps * sign(grad CE)``, clipped to [0, 1])."""
    import torch
    import torch.nn.functional as F

    module.eval()
    x = torch.as_tensor(np.asarray(images, np.float32).reshape(-1, 1, 28, 28))
    y = torch.as_tensor(np.asarray(labels, np.int64))
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(module(x), y, reduction="sum"), x)
    direction = grad.sign()
    accuracies = []
    with torch.no_grad():
        for eps in sizes:
            moved = (x + eps * direction).clamp(0.0, 1.0)
            accuracies.append(float((module(moved).argmax(1) == y).float().mean()))
    return accuracies


# --- what each class looks like ----------------------------------------------------------

def max_logit_image(model: Linear, k: int) -> np.ndarray:
    """The input in [0, 1]^d with the largest ``o_k``: every pixel on where ``W[k] > 0``."""
    return (model.W[k] > 0).astype(np.float64)


def total_variation(image: np.ndarray, smooth: float = 0.0) -> tuple[float, np.ndarray]:
    """Total variation of a 28x28 image (the sum of ``|differences|`` between neighbours)
    and its gradient; with ``smooth`` > 0 each ``|d|`` is ``sqrt(d^2 + smooth^2)``, which
    gradient ascent can follow without zig-zagging on the kinks."""
    img = image.reshape(28, 28)
    dx, dy = np.diff(img, axis=1), np.diff(img, axis=0)
    if smooth:
        ax, ay = np.sqrt(dx ** 2 + smooth ** 2), np.sqrt(dy ** 2 + smooth ** 2)
        sx, sy = dx / ax, dy / ay
    else:
        ax, ay, sx, sy = np.abs(dx), np.abs(dy), np.sign(dx), np.sign(dy)
    grad = np.zeros_like(img)
    grad[:, :-1] -= sx
    grad[:, 1:] += sx
    grad[:-1, :] -= sy
    grad[1:, :] += sy
    return float(ax.sum() + ay.sum()), grad.reshape(-1)


def max_probability_image(model: Linear, k: int, l2: float = 0.0, tv: float = 0.0,
                          steps: int = 300, step_size: float = 0.05) -> np.ndarray:
    """An input in [0, 1]^d with a high ``log(p_k / (1 - p_k)) - l2 ||x||^2 - tv TV(x)``:
    projected gradient ascent from a grey image, its step shrinking as ``1 / sqrt(t)``.

    The log-odds has the same maximiser as ``p_k`` but does not flatten at ``p_k ~ 1``:
    on ``log p_k`` any image with ``p_k ~ 1`` scored alike and the regulariser alone
    shaped a grey blob, the same for every class (seen). The total variation is smoothed
    a little, so that the steps settle instead of zig-zagging."""
    x = np.full(model.W.shape[1], 0.5)
    others = [j for j in range(len(model.b)) if j != k]
    for t in range(steps):
        o = model.logits(x)[others]
        q = np.exp(o - o.max())
        q /= q.sum()  # d/dx logsumexp of the other logits
        grad = model.W[k] - q @ model.W[others] - 2 * l2 * x
        if tv:
            grad -= tv * total_variation(x, smooth=0.05)[1]
        step = step_size / np.sqrt(t + 1)
        x = np.clip(x + step * grad / (np.abs(grad).max() + 1e-12), 0.0, 1.0)
    return x


def explain_network(module, x: np.ndarray, classes, steps: int = 32) -> tuple[list[dict], float]:
    """:func:`explain` for the MLP and CNN by integrated gradients from a black image:
    ``bias`` is then the logit of the black image (for softmax regression it is ``b``),
    so ``logit ~ bias + evidence_sum``. Returns the rows and the largest completeness
    error (a fraction of the logit change)."""
    import torch

    with torch.no_grad():
        pixels = torch.as_tensor(np.asarray(x, np.float32).reshape(1, 1, 28, 28))
        logits = module(pixels)[0].double().numpy()
        black = module(torch.zeros_like(pixels))[0].double().numpy()
    rows, worst = [], 0.0
    for k, name in enumerate(classes):
        attribution = integrated_gradients(module, x, k, steps)
        worst = max(worst, attribution.completeness_error)
        rows.append({"name": str(name), "logit": float(logits[k]), "bias": float(black[k]),
                     "evidence_sum": float(attribution.map.sum())})
    return rows, worst


def network_class_image(module, k: int, probability: bool = False, l2: float = 0.0,
                        tv: float = 0.0, steps: int = 150, step_size: float = 0.03) -> np.ndarray:
    """The MLP's or CNN's counterpart of :func:`max_logit_image` (``probability``
    False) and :func:`max_probability_image`: projected gradient ascent in [0, 1]^d from
    a grey image, on ``o_k`` or the log-odds of ``p_k``, less ``l2 ||x||^2 + tv TV(x)``."""
    import torch

    module.eval()
    x = torch.full((1, 1, 28, 28), 0.5)
    for _ in range(steps):
        x.requires_grad_(True)
        o = module(x)[0]
        others = torch.cat([o[:k], o[k + 1:]])
        score = o[k] - torch.logsumexp(others, 0) if probability else o[k]  # log-odds
        score = score - l2 * (x ** 2).sum() - tv * (
            (x[..., 1:] - x[..., :-1]).abs().sum() + (x[..., 1:, :] - x[..., :-1, :]).abs().sum())
        (grad,) = torch.autograd.grad(score, x)
        with torch.no_grad():
            x = (x + step_size * grad / (grad.abs().max() + 1e-12)).clamp_(0.0, 1.0)
    return x.detach().reshape(-1).double().numpy()


def class_images(snapshot: WeightSnapshot, module, probability: bool, l2: float = 0.0,
                 tv: float = 0.0) -> np.ndarray:
    """``(K, 28, 28)``: for each class the input in [0, 1] that maximises its logit
    (exact for softmax regression) or, regularised, its probability."""
    linear = linear_form(snapshot)
    images = []
    for k in range(len(snapshot.classes)):
        if linear is not None:
            image = max_probability_image(linear, k, l2, tv) if probability else \
                max_logit_image(linear, k)
        else:
            image = network_class_image(module, k, probability, l2, tv)
        images.append(image.reshape(28, 28))
    return np.stack(images)
