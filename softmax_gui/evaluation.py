"""Statistics of a model's predictions: pure functions, no Qt.

The insight views and the tests both call these, so every figure the window shows
has a tested definition here. The two torch functions import torch when called: the
window imports this module before torch is loaded (cold start).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

EVAL_BATCH = 4096


def batched_logits(logits_fn: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor,
                   batch_size: int = EVAL_BATCH) -> torch.Tensor:
    """Logits for all of ``X``, computed in batches to bound memory."""
    import torch

    with torch.no_grad():
        return torch.cat([logits_fn(X[i : i + batch_size])
                          for i in range(0, len(X), batch_size)])


def loss_and_accuracy(logits_fn: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor,
                      y: torch.Tensor, batch_size: int = EVAL_BATCH
                      ) -> tuple[float, float, torch.Tensor]:
    """Mean cross-entropy (nats), accuracy and the logits of ``logits_fn`` on ``(X, y)``."""
    import torch.nn.functional as F

    logits = batched_logits(logits_fn, X, batch_size)
    loss = F.cross_entropy(logits, y).item() if len(X) else 0.0
    accuracy = (logits.argmax(1) == y).float().mean().item() if len(X) else 0.0
    return loss, accuracy, logits


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


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts ``C[t, p]`` of examples of true class ``t`` predicted as ``p``."""
    labels, predicted = np.asarray(labels, int), np.asarray(predicted, int)
    flat = np.bincount(labels * num_classes + predicted, minlength=num_classes**2)
    return flat.reshape(num_classes, num_classes)


def per_class_metrics(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """Per-class figures from a confusion matrix (rows true, columns predicted).

    Returns
    -------
    dict
        ``precision``: ``TP / (TP + FP)``, of the images predicted as the class, the
        fraction that are; ``recall``: ``TP / (TP + FN)``, the fraction of the class
        found; ``f1``: their harmonic mean; ``support``: the class's number of images.
        Classes never predicted (or absent) get precision (recall, F1) 0. (No
        one-vs-rest "accuracy": with ten classes it is above 90% even for a class the
        model never finds.)
    """
    c = np.asarray(confusion, dtype=np.float64)
    tp = np.diag(c)
    predicted, actual = c.sum(axis=0), c.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0,
                      2 * precision * recall / (precision + recall), 0.0)
    return {"precision": precision, "recall": recall, "f1": f1,
            "support": actual.astype(int)}


def calibration(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> dict:
    """Reliability diagram data and expected calibration error (d2l §3.4.4).

    Parameters
    ----------
    confidence : (N,) array
        The top probability of each prediction.
    correct : (N,) bool array
        Whether each prediction was right.
    bins : int
        Equal-width confidence bins over [0, 1]; a confidence of exactly 1 falls in the
        last bin.

    Returns
    -------
    dict
        ``edges`` (bins + 1), ``confidence`` and ``accuracy`` per bin (NaN where empty),
        ``count`` per bin, and ``ece`` = sum over bins of ``count / N * |accuracy -
        confidence|``.
    """
    confidence = np.asarray(confidence, np.float64)
    correct = np.asarray(correct, np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_conf = np.bincount(index, confidence, bins) / count
        accuracy = np.bincount(index, correct, bins) / count
    gaps = np.where(count > 0, np.abs(accuracy - mean_conf), 0.0)
    ece = float((count * gaps).sum() / max(len(confidence), 1))
    return {"edges": edges, "confidence": mean_conf, "accuracy": accuracy, "count": count,
            "ece": ece}


def softmax_steps(logits: np.ndarray, label: int | None = None) -> dict:
    """Every intermediate of the stable softmax and the cross-entropy, for display.

    ``shifted = o - max(o)``, ``exp = exp(shifted)``, ``total = sum(exp)``,
    ``p = exp / total``; with a ``label``, the one-hot vector and
    ``-log p[label]`` in nats and bits. Computed in float64.
    """
    o = np.asarray(logits, np.float64)
    shifted = o - o.max()
    exp = np.exp(shifted)
    total = float(exp.sum())
    p = exp / total
    steps = {"logits": o, "shifted": shifted, "exp": exp, "total": total, "p": p}
    if label is not None:
        onehot = np.zeros_like(o)
        onehot[label] = 1.0
        # -log p_y = log(total) - shifted_y: exact even when p_y underflows to 0.
        nats = float(np.log(total) - shifted[label])
        steps.update(onehot=onehot, ce_nats=nats, ce_bits=nats / np.log(2))
    return steps


def naive_softmax_np(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``exp(o)`` and ``exp(o) / sum(exp(o))`` in float32 without the max shift.

    Overflows to inf (and then NaN) once a logit passes ~88.7: the failure the stable
    form avoids. Warnings are silenced; the infs and NaNs are the point.
    """
    o = np.asarray(logits, np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        exp = np.exp(o)
        return exp, exp / exp.sum()
