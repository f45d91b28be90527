"""Statistics of a model's predictions: pure functions, no Qt.

The insight views and the tests both call these, so every figure the window shows
has a tested definition here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

EVAL_BATCH = 4096


@torch.no_grad()
def batched_logits(logits_fn: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor,
                   batch_size: int = EVAL_BATCH) -> torch.Tensor:
    """Logits for all of ``X``, computed in batches to bound memory."""
    return torch.cat([logits_fn(X[i : i + batch_size]) for i in range(0, len(X), batch_size)])


@torch.no_grad()
def loss_and_accuracy(logits_fn: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor,
                      y: torch.Tensor, batch_size: int = EVAL_BATCH) -> tuple[float, float]:
    """Mean cross-entropy (nats) and accuracy of ``logits_fn`` on ``(X, y)``."""
    loss_sum = torch.zeros((), device=X.device)
    correct = torch.zeros((), device=X.device, dtype=torch.long)
    for i in range(0, len(X), batch_size):
        logits = logits_fn(X[i : i + batch_size])
        target = y[i : i + batch_size]
        loss_sum += F.cross_entropy(logits, target, reduction="sum")
        correct += (logits.argmax(1) == target).sum()
    n = max(len(X), 1)
    return loss_sum.item() / n, correct.item() / n


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of ``predicted`` class indices equal to ``labels``."""
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    return float((predicted == labels).mean()) if len(labels) else 0.0


def softmax_np(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Stable softmax of ``logits / temperature`` over the last axis, in NumPy."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def entropy_bits(probabilities: np.ndarray) -> np.ndarray:
    """Shannon entropy in bits over the last axis (0 log 0 taken as 0)."""
    p = np.asarray(probabilities, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    return terms.sum(axis=-1)


SUBSETS = ("all", "mistakes")
ORDERS = ("random", "least confident", "most confident mistakes")


def select_examples(labels: np.ndarray, probabilities: np.ndarray | None, subset="all",
                    order="random", count=32, seed=0, class_index: int | None = None,
                    indices: np.ndarray | None = None) -> np.ndarray:
    """Choose which test examples a grid shows (d2l's ``predict_ch3``, made explorable).

    Parameters
    ----------
    labels : (N,) int array
    probabilities : (N, C) array or None
        The model's predicted distribution; None when there is no model yet.
    subset : {"all", "mistakes"}
        Mistakes keep examples whose top class differs from the label.
    order : {"random", "least confident", "most confident mistakes"}
        Least confident sorts by the top probability, ascending; most confident mistakes
        keeps only mistakes and sorts by the (wrong) top probability, descending.
    count : int
    seed : int
        For the random order.
    class_index : int, optional
        Keep only examples of this true class.
    indices : array, optional
        Restrict to these example indices first (e.g. one confusion-matrix cell).

    Returns
    -------
    np.ndarray
        Up to ``count`` indices into ``labels``.
    """
    labels = np.asarray(labels)
    keep = np.ones(len(labels), bool) if indices is None else np.isin(np.arange(len(labels)),
                                                                        indices)
    if class_index is not None:
        keep &= labels == class_index
    if probabilities is not None:
        predicted = probabilities.argmax(1)
        confidence = probabilities.max(1)
        wrong = predicted != labels
        if subset == "mistakes" or order == "most confident mistakes":
            keep &= wrong
    candidates = np.flatnonzero(keep)
    if probabilities is None or order == "random":
        rng = np.random.default_rng(seed)
        return rng.permutation(candidates)[:count]
    if order == "least confident":
        ranked = candidates[np.argsort(confidence[candidates], kind="stable")]
    else:
        ranked = candidates[np.argsort(-confidence[candidates], kind="stable")]
    return ranked[:count]
