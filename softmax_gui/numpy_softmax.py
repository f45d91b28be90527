"""Softmax regression in pure NumPy: the third implementation, beside d2l §3.6 (torch from
scratch, ``scratch.py``) and §3.7 (concise, ``models.py``).

The maths is NumPy only: ``W`` is (classes x inputs), ``b`` (classes,), the softmax is
made stable by subtracting each row's maximum, the gradient of the mean cross-entropy
is ``(p - y) x^T`` averaged over the batch, and the update is plain minibatch SGD (with
``torch.optim.SGD``'s conventions for momentum and weight decay, so the three stay
step-for-step comparable). :class:`NumpySoftmaxRegression` adds only the conversions the
training engine needs at its boundary (it hands over torch tensors).
"""

from __future__ import annotations

import functools

import numpy as np


def stable_softmax(o: np.ndarray) -> np.ndarray:
    """``softmax`` over the last axis, with each row's maximum subtracted first."""
    shifted = o - o.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def forward(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Logits ``o = X W^T + b`` for ``X`` of shape (n, inputs)."""
    return X @ W.T + b


def loss_and_gradients(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray):
    """Mean cross-entropy of ``(X, y)`` and its gradients ``(dW, db)``, and the logits.

    ``dL/do = (p - onehot(y)) / n``, so ``dW = (p - y)^T X / n`` and ``db`` its column
    sums: the closed form of d2l §3.4.6, no autograd.
    """
    o = forward(W, b, X)
    shifted = o - o.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -log_p[np.arange(n), y].mean()
    g = np.exp(log_p)
    g[np.arange(n), y] -= 1.0
    g /= n
    return loss, g.T @ X, g.sum(axis=0), o


def sgd_update(params, grads, velocity, lr, momentum=0.0, weight_decay=0.0):
    """``torch.optim.SGD``'s update, in place, on NumPy arrays or torch tensors alike
    (the scratch model uses it too); returns the momentum buffer to keep."""
    if weight_decay:
        grads = [g + weight_decay * p for g, p in zip(grads, params)]
    if momentum:
        if velocity is None:
            velocity = [g * 1 for g in grads]  # a copy, in the arrays' own library
        else:
            for v, g in zip(velocity, grads):
                v *= momentum
                v += g
        grads = velocity
    for p, g in zip(params, grads):
        p -= lr * g
    return velocity


@functools.cache
def _blas():
    """NumPy's BLAS, found once (11 us a use then, 280 us each time otherwise)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context in which NumPy's BLAS uses one thread. Beside torch (the engine slices
    and scores with it between steps), its threads and torch's spin against each other:
    on 2 cores an epoch took 1.26 s instead of 0.35 s (bench/epoch_speed.py)."""
    return _blas().limit(limits=1, user_api="blas")


class NumpySoftmaxRegression:
    """Softmax regression whose parameters and update are NumPy arrays.

    Parameters
    ----------
    num_inputs, num_outputs : int
    init_std : float
        Standard deviation of ``W``'s normal initialisation (``b`` starts at 0).
    generator : torch.Generator or numpy.random.Generator, optional
        The engine passes its torch generator so a seed gives the same initial ``W``
        as the scratch model; :func:`softmax_gui.implementations.compare` passes NumPy's.
    dtype : numpy dtype
    """

    def __init__(self, num_inputs=784, num_outputs=10, init_std=0.01, generator=None,
                 dtype=np.float32):
        if generator is None or isinstance(generator, np.random.Generator):
            rng = generator or np.random.default_rng()
            W = rng.standard_normal((num_outputs, num_inputs))
        else:  # a torch generator: the scratch model's draw, for the same seed
            import torch

            W = torch.randn(num_outputs, num_inputs, generator=generator).numpy()
        self.W = (W * init_std).astype(dtype)
        self.b = np.zeros(num_outputs, dtype)
        self._velocity: list[np.ndarray] | None = None

    def step(self, X: np.ndarray, y: np.ndarray, lr: float, momentum: float = 0.0,
             weight_decay: float = 0.0):
        """One SGD step on a NumPy batch; returns ``(loss, logits, (dW, db))`` as
        computed *before* the update (like autograd would report)."""
        loss, dW, db, o = loss_and_gradients(self.W, self.b, X, y)
        self._velocity = sgd_update([self.W, self.b], [dW, db], self._velocity, lr,
                                    momentum, weight_decay)
        return loss, o, (dW, db)

    # --- the training engine's interface (torch tensors at the boundary only) -----------

    def to(self, device) -> NumpySoftmaxRegression:
        return self  # NumPy computes on the CPU; batches are brought there

    def logits(self, X):
        import torch

        x = X.reshape(len(X), -1).cpu().numpy()
        with one_blas_thread():
            o = forward(self.W, self.b, x)
        return torch.from_numpy(o).to(X.device)

    def sgd_step(self, X, y, lr, momentum=0.0, weight_decay=0.0):
        import torch

        x = X.reshape(len(X), -1).cpu().numpy()
        with one_blas_thread():
            loss, o, _ = self.step(x, y.cpu().numpy(), lr, momentum, weight_decay)
        return (torch.tensor(float(loss), device=X.device),
                torch.from_numpy(o).to(X.device))

    def state_dict(self) -> dict:
        import torch

        return {"W": torch.from_numpy(self.W), "b": torch.from_numpy(self.b)}

    def load_state_dict(self, state: dict) -> None:
        """Load ``W`` and ``b`` from NumPy arrays or (CPU or GPU) torch tensors."""
        def array(value, dtype):
            value = value.detach().cpu().numpy() if hasattr(value, "detach") else value
            return np.array(value, dtype=dtype)

        self.W, self.b = array(state["W"], self.W.dtype), array(state["b"], self.b.dtype)
        self._velocity = None
