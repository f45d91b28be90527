"""One minibatch of SGD under the microscope: softmax regression in raw pixel space.

The gradient microscope (qt/lab/lab_view.py) steps a private copy of softmax regression one
minibatch at a time and keeps every quantity of that step: the weights before, the
gradient ``(p - y) x^T`` averaged over the batch, the momentum buffer, the update that
was applied and the weights after. It works on pixels in [0, 1], as the exported weights
do (the standardisation folded in, weights_io.canonical_state), so each gradient row is a
28x28 image of the pixels that pushed its class up or down. NumPy only; the maths is
numpy_softmax's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softmax_gui.numpy_softmax import loss_and_gradients, sgd_update, stable_softmax


@dataclass(frozen=True)
class MicroscopeStep:
    """Everything about one SGD step, each ``(K, 784)`` float32 unless said."""

    number: int  # minibatches stepped since the last reset, this one included
    loss: float  # the batch's mean cross-entropy before the step
    batch_size: int
    lr: float
    momentum: float
    before: np.ndarray
    gradient: np.ndarray  # dL/dW = mean over the batch of (p - y) x^T
    velocity: np.ndarray | None  # the momentum buffer after this step (None: no momentum)
    update: np.ndarray  # after - before, as applied: -lr * gradient without momentum
    after: np.ndarray


class Microscope:
    """A softmax regression stepped one minibatch at a time on raw training pixels."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, classes: int,
                 batch_size: int = 256, seed: int = 0):
        # Kept as given (uint8 for a dataset: 47 MB, not 188 MB as float32); each
        # minibatch is scaled to [0, 1] when it is used.
        self.X = np.asarray(images).reshape(len(images), -1)
        self.y = np.asarray(labels, np.int64)
        self.classes = classes
        self.batch_size = batch_size
        self._order = np.random.default_rng(seed).permutation(len(self.X))
        self.reset()

    def reset(self, W: np.ndarray | None = None, b: np.ndarray | None = None) -> None:
        """Start again from ``W``, ``b`` (raw-pixel weights), or from zeros."""
        d = self.X.shape[1]
        self.W = np.zeros((self.classes, d), np.float32) if W is None else \
            np.array(W, np.float32).reshape(self.classes, d)
        self.b = np.zeros(self.classes, np.float32) if b is None else np.array(b, np.float32)
        self.velocity = None
        self.steps = 0

    def pixels(self, index) -> np.ndarray:
        """Rows ``index`` of the images as float32 in [0, 1]."""
        x = self.X[index].astype(np.float32)
        return x / np.float32(255) if self.X.dtype == np.uint8 else x

    @property
    def batches_per_epoch(self) -> int:
        return len(self.X) // self.batch_size

    def step(self, lr: float, momentum: float = 0.0) -> MicroscopeStep:
        """One SGD step on the next minibatch (``torch.optim.SGD``'s update)."""
        start = (self.steps * self.batch_size) % (len(self.X) - self.batch_size + 1)
        index = self._order[start:start + self.batch_size]
        loss, dW, db, _ = loss_and_gradients(self.W, self.b, self.pixels(index),
                                             self.y[index])
        before = self.W.copy()
        if not momentum:
            self.velocity = None
        self.velocity = sgd_update([self.W, self.b], [dW, db], self.velocity, lr, momentum)
        self.steps += 1
        return MicroscopeStep(
            self.steps, float(loss), len(index), lr, momentum, before,
            dW.astype(np.float32),
            None if self.velocity is None else self.velocity[0].copy(),
            self.W - before, self.W.copy())

    def example_gradient(self, pixels: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray]:
        """One image's probabilities and its own gradient ``(p - y) x^T``: ``(K,)``,
        ``(K, 784)``; row k is the image scaled by ``p_k - y_k``."""
        x = np.asarray(pixels, np.float32).reshape(-1)
        p = stable_softmax(self.W @ x + self.b)
        residual = p.copy()
        residual[label] -= 1.0
        return p, np.outer(residual, x).astype(np.float32)
