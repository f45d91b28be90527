"""Information theory for one prediction: entropy, cross-entropy and KL divergence.

For a target distribution ``y`` (the one-hot label, or a label-smoothed one) and the
model's ``p``: ``H(y, p) = H(y) + KL(y || p)``. With a one-hot ``y``, ``H(y) = 0`` and the
cross-entropy *is* the KL divergence; label smoothing makes ``H(y)`` positive and the
identity worth checking. The Softmax tab shows these (qt/insight/softmax_view.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

BITS_PER_NAT = 1.0 / math.log(2.0)


@dataclass(frozen=True)
class Information:
    """In nats; ``bits`` converts."""

    entropy: float  # H(p): the model's uncertainty
    cross_entropy: float | None  # H(y, p) = -sum y log p (None without a target)
    target_entropy: float | None  # H(y)
    kl: float | None  # KL(y || p) = sum y log(y / p)

    @property
    def identity_gap(self) -> float | None:
        """``H(y, p) - (H(y) + KL(y || p))``: zero up to rounding."""
        if self.cross_entropy is None:
            return None
        return self.cross_entropy - (self.target_entropy + self.kl)


def bits(nats: float) -> float:
    return nats * BITS_PER_NAT


def target(label: int, classes: int, smoothing: float = 0.0) -> np.ndarray:
    """The one-hot label, smoothed: ``(1 - s) onehot + s / K``."""
    y = np.full(classes, smoothing / classes)
    y[label] += 1.0 - smoothing
    return y


def information(logits: np.ndarray, y: np.ndarray | None = None) -> Information:
    """Entropy, cross-entropy, target entropy and KL for ``softmax(logits)`` against
    ``y``, from log-probabilities (finite even when a ``p`` underflows to 0)."""
    o = np.asarray(logits, np.float64)
    shifted = o - o.max()
    log_p = shifted - np.log(np.exp(shifted).sum())
    p = np.exp(log_p)
    entropy = float(-(p * log_p).sum())
    if y is None:
        return Information(entropy, None, None, None)
    y = np.asarray(y, np.float64)
    present = y > 0  # 0 log 0 = 0
    cross = float(-(y * log_p).sum())
    target_entropy = float(-(y[present] * np.log(y[present])).sum())
    kl = float((y[present] * (np.log(y[present]) - log_p[present])).sum())
    return Information(entropy, cross, target_entropy, kl)
