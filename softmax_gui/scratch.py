"""The from-scratch operations of d2l §3.6, written out so they can be read.

Softmax regression is simple enough that its gradient is known in closed form:
for logits ``o = X W + b`` and mean cross-entropy, ``dL/do = (softmax(o) - onehot(y)) / n``.
Using it directly (no autograd graph) is both the textbook derivation and the fastest
training path in the app.
"""

from __future__ import annotations

import torch

from softmax_gui.numpy_softmax import sgd_update


def softmax(logits: torch.Tensor) -> torch.Tensor:
    """Numerically stable softmax over the last axis.

    Subtracting the row maximum leaves the result unchanged (it cancels in the ratio)
    but keeps ``exp`` from overflowing: ``[1000, 0, -1000]`` gives ``[1, 0, 0]``, not NaN.
    """
    shifted = logits - logits.max(dim=-1, keepdim=True).values
    exp = shifted.exp()
    return exp / exp.sum(dim=-1, keepdim=True)


def log_softmax(logits: torch.Tensor) -> torch.Tensor:
    """``log softmax(o) = o - logsumexp(o)``, computed stably (d2l §3.7.2)."""
    shifted = logits - logits.max(dim=-1, keepdim=True).values
    return shifted - shifted.exp().sum(dim=-1, keepdim=True).log()


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per-example cross-entropy ``-log p_y``, gathered from stable log-probabilities."""
    return -log_softmax(logits).gather(1, labels.unsqueeze(1)).squeeze(1)


class ScratchSoftmaxRegression:
    """Softmax regression with explicit ``W`` and ``b``, as in d2l §3.6.

    ``W`` is stored as (classes x inputs), the layout of ``nn.Linear.weight`` and of the
    exported ``.npz``, where d2l uses its transpose. On the CPU the products this layout
    needs, ``W @ X.T`` and ``g.T @ X``, run ~2.5x faster for this skinny shape than
    ``X @ W`` and ``X.T @ g`` (``bench/epoch_speed.py`` has the figures).

    Parameters
    ----------
    num_inputs, num_outputs : int
        784 and 10 for 28x28 images and ten classes.
    init_std : float
        Standard deviation of the normal initialisation of ``W`` (``b`` starts at 0).
    generator : torch.Generator, optional
        Source of randomness for a reproducible initialisation.
    """

    def __init__(self, num_inputs=784, num_outputs=10, init_std=0.01, generator=None):
        self.W = torch.randn(num_outputs, num_inputs, generator=generator) * init_std
        self.b = torch.zeros(num_outputs)
        self._velocity = None

    def to(self, device) -> ScratchSoftmaxRegression:
        self.W, self.b = self.W.to(device), self.b.to(device)
        return self

    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """``o = X W^T + b`` for a batch of images of any shape ``(n, ...)``."""
        return (self.W @ X.reshape(len(X), -1).T).T + self.b

    def sgd_step(self, X, y, lr, momentum=0.0, weight_decay=0.0):
        """One minibatch SGD step with the analytic gradient; returns ``(loss, logits)``.

        ``loss`` is the mean cross-entropy *before* the update, like autograd would
        report. Momentum and weight decay follow ``torch.optim.SGD``'s conventions so
        the two implementations stay step-for-step comparable.
        """
        X = X.reshape(len(X), -1)
        o = (self.W @ X.T).T + self.b
        log_p = log_softmax(o)
        loss = -log_p.gather(1, y.unsqueeze(1)).mean()
        grad_o = log_p.exp()
        grad_o[torch.arange(len(y), device=y.device), y] -= 1.0
        grad_o /= len(y)
        self._velocity = sgd_update([self.W, self.b], [grad_o.T @ X, grad_o.sum(0)],
                                    self._velocity, lr, momentum, weight_decay)
        return loss, o

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {"W": self.W, "b": self.b}

    def load_state_dict(self, state: dict) -> None:
        self.W = state["W"].to(self.W).clone()
        self.b = state["b"].to(self.b).clone()
        self._velocity = None
