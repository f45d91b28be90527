"""The models: softmax regression (concise and from scratch), an MLP and a small CNN.

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

NUM_INPUTS = 28 * 28


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


def scratch_softmax(num_classes: int, init_std: float, hidden: int, generator):
    """d2l §3.6: explicit ``W`` and ``b`` with the hand-derived gradient."""
    return ScratchSoftmaxRegression(NUM_INPUTS, num_classes, init_std, generator)


def numpy_softmax(num_classes: int, init_std: float, hidden: int, generator):
    """Softmax regression in pure NumPy (``numpy_softmax.py``); the same first draw of
    ``W`` as the scratch model for the same seed."""
    return NumpySoftmaxRegression(NUM_INPUTS, num_classes, init_std, generator)


def concise_softmax(num_classes: int, init_std: float, hidden: int, generator):
    """Exactly the Sequential of d2l §3.7 and of the ``.pt`` export contract."""
    return _normal_init(nn.Sequential(nn.Flatten(), nn.Linear(NUM_INPUTS, num_classes)),
                        init_std, generator)


def concise_softmax_pitfall(num_classes: int, init_std: float, hidden: int, generator):
    """d2l §3.7's model with the classic mistake: an ``nn.Softmax`` in front of
    ``CrossEntropyLoss``, which applies log-softmax itself. Its outputs are probabilities
    that the loss (and every view) take for logits; exported, it is the plain linear
    layer it learned (``model_registry``: the softmax family's file model)."""
    model = concise_softmax(num_classes, init_std, hidden, generator)
    return nn.Sequential(*model, nn.Softmax(dim=1))


def mlp(num_classes: int, init_std: float, hidden: int, generator):
    """One hidden ReLU layer of ``hidden`` units."""
    return _normal_init(nn.Sequential(nn.Flatten(), nn.Linear(NUM_INPUTS, hidden), nn.ReLU(),
                                      nn.Linear(hidden, num_classes)), init_std, generator)


def _normal_init(model: nn.Sequential, init_std: float, generator) -> nn.Sequential:
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * init_std)
                layer.bias.zero_()
    return model


def lenet(num_classes: int, init_std: float, hidden: int, generator) -> nn.Module:
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
