"""One training step of a model, and the optimizer's buffers as numpy.

``training.train`` runs the loop; a :class:`Stepper` is how one minibatch changes the
weights (the from-scratch models' own SGD, or a torch optimizer) and what a
``ResumePoint`` keeps of the optimizer (momentum, Adam's moments) so that a Step after a
Stop goes on as if it had not stopped. No Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from softmax_gui.config import TrainConfig
from softmax_gui.model_registry import get_model


@dataclass
class Stepper:
    """One training step, the model's logits, and the optimizer's buffers as numpy (kept
    in a ``ResumePoint``, so momentum goes on across a Stop and a Step)."""

    step: Callable  # (xb, yb, lr) -> (loss, logits)
    logits: Callable
    state: Callable[[], dict[str, np.ndarray]]
    load: Callable[[dict[str, np.ndarray]], None]

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        try:
            self.load(state)
        except (KeyError, ValueError, RuntimeError, TypeError, IndexError):
            pass  # another optimizer or shape: its buffers start again from zero


def make_stepper(model, config: TrainConfig) -> Stepper:
    """``model``'s step: its own hand-written SGD (the from-scratch models) or a torch
    optimizer (``config.optimizer``); the learning rate is given at each step."""
    if get_model(config.model).hand_written_sgd:
        def step(xb, yb, lr):
            return model.sgd_step(xb, yb, lr, config.momentum, config.weight_decay)

        def state():
            return {f"velocity/{i}": v.cpu().numpy().copy() if torch.is_tensor(v) else v.copy()
                    for i, v in enumerate(model._velocity or [])}

        def load(saved):
            if saved:
                like = [model.W, model.b]
                model._velocity = [
                    torch.from_numpy(saved[f"velocity/{i}"].copy()).to(p)
                    if torch.is_tensor(p) else saved[f"velocity/{i}"].astype(p.dtype)
                    for i, p in enumerate(like)]
                if any(tuple(v.shape) != tuple(p.shape) for v, p in zip(model._velocity, like)):
                    model._velocity = None
                    raise ValueError("momentum buffers of another shape")

        return Stepper(step, model.logits, state, load)

    if config.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                                    weight_decay=config.weight_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr,
                                     weight_decay=config.weight_decay)

    def step(xb, yb, lr):
        for group in optimizer.param_groups:
            group["lr"] = lr
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach(), logits.detach()

    def state():
        return {f"{i}/{name}": value.detach().cpu().numpy().copy()
                for i, buffers in optimizer.state_dict()["state"].items()
                for name, value in buffers.items() if torch.is_tensor(value)}

    def load(saved):
        buffers: dict[int, dict] = {}
        for key, value in saved.items():
            index, name = key.split("/", 1)
            buffers.setdefault(int(index), {})[name] = torch.from_numpy(np.array(value))
        whole = optimizer.state_dict()
        whole["state"] = buffers
        optimizer.load_state_dict(whole)

    return Stepper(step, model, state, load)
