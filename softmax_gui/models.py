"""The models: softmax regression (concise and from scratch), an MLP and a small CNN.

Every model maps a float batch ``(N, 1, 28, 28)`` of *standardised* pixels to logits.
The standardisation (a scalar mean and std) is kept beside the weights, not inside the
network, so that training slices pre-standardised resident tensors; :class:`WithInputNorm`
puts it back in front for inference on raw ``[0, 1]`` pixels and for export.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from softmax_gui.scratch import ScratchSoftmaxRegression

NUM_INPUTS = 28 * 28


def build_model(kind: str, num_classes: int = 10, init_std: float = 0.01, hidden: int = 256,
                generator: torch.Generator | None = None):
    """Build an untrained model of ``kind`` (a name in ``config.MODELS``).

    Softmax regression and the MLP start from ``N(0, init_std)`` weights and zero biases
    (d2l's initialisation); the CNN keeps PyTorch's default (Kaiming-uniform), which
    suits its ReLU layers.

    Returns
    -------
    nn.Module or ScratchSoftmaxRegression
    """
    if kind == "softmax-scratch":
        return ScratchSoftmaxRegression(NUM_INPUTS, num_classes, init_std, generator)
    if kind == "softmax":
        # Exactly the Sequential of d2l §3.7 and of DESIGN.md's .pt contract.
        model = nn.Sequential(nn.Flatten(), nn.Linear(NUM_INPUTS, num_classes))
    elif kind == "mlp":
        model = nn.Sequential(
            nn.Flatten(), nn.Linear(NUM_INPUTS, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)
        )
    elif kind == "cnn":
        return _lenet(num_classes, generator)
    else:
        raise ValueError(f"unknown model {kind!r}")
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * init_std)
                layer.bias.zero_()
    return model


def _lenet(num_classes: int, generator: torch.Generator | None) -> nn.Module:
    """LeNet-5 in d2l §7.6's modern form: ReLU and max pooling."""
    if generator is not None:
        # nn.Module init draws from the global RNG; seed it from the run's generator.
        torch.manual_seed(int(torch.randint(2**62, (1,), generator=generator)))
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, num_classes),
    )


def model_kind_of(state: dict[str, torch.Tensor]) -> str:
    """Infer the model kind from a state dict's tensor names."""
    names = set(state)
    if names == {"W", "b"}:
        return "softmax-scratch"
    if names == {"1.weight", "1.bias"}:
        return "softmax"
    if names == {"1.weight", "1.bias", "3.weight", "3.bias"}:
        return "mlp"
    if "0.weight" in names and state["0.weight"].dim() == 4:
        return "cnn"
    raise ValueError(f"tensor names {sorted(names)} match no known model")


def model_from_state(state: dict[str, torch.Tensor], kind: str | None = None):
    """Rebuild a model of the right shape from its state dict and load it (strictly)."""
    kind = kind or model_kind_of(state)
    if kind == "softmax-scratch":
        num_classes = state["W"].shape[0]
    else:
        num_classes = state[max((k for k in state if k.endswith(".bias")), key=_layer)].shape[0]
    hidden = state["1.weight"].shape[0] if kind == "mlp" else 256
    model = build_model(kind, num_classes=num_classes, hidden=hidden)
    model.load_state_dict(state)
    return model


def _layer(name: str) -> int:
    return int(name.split(".")[0])


def as_module(model) -> nn.Module:
    """An ``nn.Module`` computing the same logits (the scratch model becomes a Linear)."""
    if isinstance(model, ScratchSoftmaxRegression):
        linear = nn.Linear(model.W.shape[1], model.W.shape[0])
        with torch.no_grad():
            linear.weight.copy_(model.W)
            linear.bias.copy_(model.b)
        return nn.Sequential(nn.Flatten(), linear).to(model.W.device)
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


def first_layer_templates(kind: str, state: dict, limit: int = 16) -> np.ndarray:
    """What the first layer looks for, as images: ``(k, h, w)`` float arrays.

    Softmax regression: the rows of ``W``, one 28x28 template per class. MLP: the first
    ``limit`` hidden units' input weights (28x28). CNN: the first convolution's 5x5
    filters.
    """
    if kind == "softmax-scratch":
        weight = np.asarray(state["W"])
    elif kind == "cnn":
        return np.asarray(state["0.weight"])[:limit, 0]
    else:
        weight = np.asarray(state["1.weight"])
    if kind == "mlp":
        weight = weight[:limit]
    return weight.reshape(len(weight), 28, 28)
