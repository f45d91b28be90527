"""The models: building one by name, rebuilding one from its weights, and the input
standardisation in front of a network (the networks themselves are built by
``softmax_gui.model_builders``, which the registry names).

Every model maps a float batch ``(N, 1, 28, 28)`` of *standardised* pixels to logits.
The standardisation (a scalar mean and std) is kept beside the weights, not inside the
network, so that training slices pre-standardised resident tensors; :class:`WithInputNorm`
puts it back in front for inference on raw ``[0, 1]`` pixels and for export.
"""

from __future__ import annotations

import torch
from torch import nn

from softmax_gui.model_registry import get_model, model_of_state, to_file_form
from softmax_gui.numpy_softmax import NumpySoftmaxRegression
from softmax_gui.scratch import ScratchSoftmaxRegression


def build_model(kind: str, num_classes: int = 10, init_std: float = 0.01, hidden: int = 256,
                generator: torch.Generator | None = None):
    """Build an untrained model of ``kind`` (a name in ``model_registry.MODELS``).

    Softmax regression and the MLP start from ``N(0, init_std)`` weights and zero biases
    (d2l's initialisation); the CNN keeps PyTorch's default (Kaiming-uniform), which
    suits its ReLU layers.

    Returns
    -------
    nn.Module or ScratchSoftmaxRegression
    """
    return get_model(kind).build(num_classes, init_std=init_std, hidden=hidden,
                                 generator=generator)


def model_kind_of(state: dict[str, torch.Tensor]) -> str:
    """Infer the model kind from a state dict's tensor names."""
    return model_of_state(state).name


def model_from_state(state: dict[str, torch.Tensor], kind: str | None = None):
    """Rebuild a model of the right shape from its state dict and load it (strictly)."""
    kind = kind or model_kind_of(state)
    file_state = to_file_form(kind, state)
    num_classes = file_state[max((k for k in file_state if k.endswith(".bias")),
                                 key=_layer)].shape[0]
    hidden = file_state["1.weight"].shape[0] if kind == "mlp" else 256
    model = build_model(kind, num_classes=num_classes, hidden=hidden)
    model.load_state_dict(state)
    return model


def _layer(name: str) -> int:
    return int(name.split(".")[0])


def as_module(model) -> nn.Module:
    """An ``nn.Module`` computing the same logits (the scratch model becomes a Linear)."""
    if isinstance(model, ScratchSoftmaxRegression | NumpySoftmaxRegression):
        W, b = (torch.as_tensor(model.W), torch.as_tensor(model.b))
        linear = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            linear.weight.copy_(W)
            linear.bias.copy_(b)
        return nn.Sequential(nn.Flatten(), linear).to(W.device)
    return model


class WithInputNorm(nn.Module):
    """Apply the training standardisation ``(x - mean) / std`` before ``net``.

    Takes raw ``[0, 1]`` pixels of shape ``(N, 1, 28, 28)``; this is the form inference
    and every exported file use, so nobody outside the app needs to know the statistics.
    """

    def __init__(self, net: nn.Module, mean: float, std: float):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.register_buffer("std", torch.tensor(float(std)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std)
