"""Prediction from a CPU copy of a model: the canvas, the grid and ``predict`` use this."""

from __future__ import annotations

import numpy as np

from softmax_gui.evaluation import batched_logits, softmax_np
from softmax_gui.events import WeightSnapshot


class Predictor:
    """A model on the CPU that takes raw ``[0, 1]`` images and returns logits.

    Built from a :class:`WeightSnapshot` (a copy the GUI owns), so it never shares
    memory with the training thread's model.
    """

    def __init__(self, snapshot: WeightSnapshot):
        # torch is imported on first use: the window imports this module before it shows.
        import torch

        from softmax_gui.models import WithInputNorm, as_module, model_from_state

        state = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in
                 snapshot.state.items()}
        net = as_module(model_from_state(state, snapshot.model))
        self.module = WithInputNorm(net, snapshot.mean, snapshot.std).eval()
        self.snapshot = snapshot
        self.classes = snapshot.classes

    def logits(self, images: np.ndarray) -> np.ndarray:
        """Logits ``(N, C)`` for images ``(N, 28, 28)`` or one image ``(28, 28)`` -> ``(C,)``."""
        import torch

        x = torch.as_tensor(np.asarray(images, dtype=np.float32))
        single = x.dim() == 2
        x = x.reshape(-1, 1, 28, 28)
        out = batched_logits(self.module, x).numpy().astype(np.float64)
        return out[0] if single else out

    def probabilities(self, images: np.ndarray, temperature: float = 1.0) -> np.ndarray:
        """``softmax(logits / temperature)``; same shapes as :meth:`logits`."""
        return softmax_np(self.logits(images), temperature)

    def top_k(self, image: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most probable ``(class name, probability)`` pairs for one image."""
        p = self.probabilities(image)
        order = np.argsort(-p)[:k]
        return [(self.classes[i], float(p[i])) for i in order]
