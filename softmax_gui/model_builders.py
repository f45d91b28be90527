"""The networks, one builder each: softmax regression (concise, from scratch, in NumPy,
and with the ``nn.Softmax`` pitfall), an MLP and LeNet.

``softmax_gui.model_registry`` names each builder by its import path and imports it only
when a model is built (torch loads then); this module never imports the registry, so
the two form no loop.
"""

from __future__ import annotations

import torch
from torch import nn

from softmax_gui.numpy_softmax import NumpySoftmaxRegression
from softmax_gui.scratch import ScratchSoftmaxRegression

NUM_INPUTS = 28 * 28


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
