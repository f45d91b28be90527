"""The models the app knows, one :class:`ModelSpec` each: plain data, no torch.

Everything that differs between models lives in its entry: the name and label the panel
and the CLI show, the builder (imported only when a model is built, since it needs
torch), whether it brings its own hand-written SGD, the tensor names that identify its
weights in a file, and how its first layer reads as images. A new model is one entry
here plus its builder.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np

SIDE = 28  # every dataset's images are 28x28


@dataclass(frozen=True)
class ModelSpec:
    """One model kind.

    Attributes
    ----------
    name : str
        Registry key, the ``--model`` value and the ``model`` of a ``WeightSnapshot``.
    label, tip : str
        What the panel shows, and its one-paragraph explanation.
    builder : str
        ``"module:function"`` returning an untrained model; called as
        ``builder(num_classes, init_std=..., hidden=..., generator=...)``.
    shapes : dict
        Tensor name -> shape, with ``"C"`` for the number of classes and ``"H"`` for the
        hidden units: exactly these names identify the model in a file, and a file's
        shapes are checked against them before any tensor is read.
    family : str
        Weights continue training across a family (the two softmax regressions hold the
        same tensors under different names).
    file_names : dict
        Renames its state to the family's file form (``W`` -> ``1.weight``); empty when
        the state is already in file form.
    linear : bool
        ``o = W x + b``: the rows of ``W`` are class templates, and the input
        standardisation folds exactly into ``W`` and ``b``.
    hand_written_sgd : bool
        The model computes its own gradient and takes its own SGD step (``sgd_step``);
        no other optimizer applies.
    first_layer : str
        ``"dense"`` (``1.weight`` in file form, over the 784 pixels: the input
        standardisation folds into it) or ``"conv"`` (``0.weight``, 5x5 filters).
    mistake : str
        For a deliberately wrong model, the one line the panel shows while it is chosen.
    cpu_only : bool
        It computes on the CPU whatever device is asked for (NumPy): the CLI, the status
        bar, the run record and the device combo say so.
    auto_cpu : bool
        ``auto`` trains it on the CPU even beside a GPU: measured faster there (issue 23,
        an H200 host: 10 default epochs of softmax regression took 1.57 s on CUDA and
        0.90 s on its CPU; each step is a few small kernels the GPU waits for).
    """

    name: str
    label: str
    tip: str
    builder: str
    shapes: dict
    family: str
    file_names: dict
    linear: bool
    hand_written_sgd: bool
    first_layer: str
    mistake: str = ""
    cpu_only: bool = False
    auto_cpu: bool = False

    @property
    def state_names(self) -> frozenset:
        return frozenset(self.shapes)

    @property
    def templates(self) -> str:
        """How the first layer reads as images: ``"classes"`` (a 28x28 row of ``W`` per
        class), ``"units"`` (hidden units' 28x28 input weights) or ``"filters"``."""
        if self.first_layer == "conv":
            return "filters"
        return "classes" if self.linear else "units"

    @property
    def file_model(self) -> str:
        """The family member whose own names are the file names (``softmax`` for both
        softmax regressions): the ``model`` a saved file declares."""
        return next(spec.name for spec in MODELS.values()
                    if spec.family == self.family and not spec.file_names)

    def build(self, num_classes: int = 10, init_std: float = 0.01, hidden: int = 256,
              generator=None):
        """An untrained model of this kind (imports its builder, and torch, now)."""
        module, function = self.builder.split(":")
        return getattr(importlib.import_module(module), function)(
            num_classes, init_std=init_std, hidden=hidden, generator=generator)


SIDE_PIXELS = SIDE * SIDE
_LINEAR = {"1.weight": ("C", SIDE_PIXELS), "1.bias": ("C",)}

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="softmax", label="Softmax (concise)",
            tip="Softmax regression, o = Wx + b then softmax, written as d2l §3.7 does: "
                "nn.Linear, CrossEntropyLoss and torch.optim.",
            builder="softmax_gui.model_builders:concise_softmax", shapes=_LINEAR,
            family="softmax", file_names={}, linear=True, hand_written_sgd=False,
            first_layer="dense", auto_cpu=True),
        ModelSpec(
            name="softmax-scratch", label="Softmax (scratch)",
            tip="The same softmax regression from scratch, as d2l §3.6: the hand-derived "
                "gradient (p - y) x and a hand-written SGD step.",
            builder="softmax_gui.model_builders:scratch_softmax",
            shapes={"W": ("C", SIDE_PIXELS), "b": ("C",)},
            family="softmax", file_names={"W": "1.weight", "b": "1.bias"}, linear=True,
            hand_written_sgd=True, first_layer="dense", auto_cpu=True),
        ModelSpec(
            name="softmax-numpy", label="Softmax (NumPy)",
            tip="The same softmax regression in pure NumPy: W and b are arrays, the "
                "softmax subtracts each row's maximum, the gradient (p - y) x^T is "
                "averaged over the batch, plain minibatch SGD. No torch in its maths.",
            builder="softmax_gui.model_builders:numpy_softmax",
            shapes={"W": ("C", SIDE_PIXELS), "b": ("C",)},
            family="softmax", file_names={"W": "1.weight", "b": "1.bias"}, linear=True,
            hand_written_sgd=True, first_layer="dense", cpu_only=True, auto_cpu=True),
        ModelSpec(
            name="softmax-pitfall", label="Pitfall (nn.Softmax)",
            tip="Softmax + extra nn.Softmax (pitfall): the concise model with an "
                "nn.Softmax layer in front of CrossEntropyLoss, a classic mistake kept "
                "here on purpose to be compared with the correct model.",
            builder="softmax_gui.model_builders:concise_softmax_pitfall", shapes=_LINEAR,
            family="softmax", file_names={}, linear=True, hand_written_sgd=False,
            first_layer="dense", auto_cpu=True,
            mistake="A deliberate mistake: CrossEntropyLoss applies log-softmax itself, so "
                    "here it sees a softmax of probabilities in [0, 1]: the loss cannot "
                    "fall below 1.46 nats and its gradients shrink."),
        ModelSpec(
            name="mlp", label="MLP (1 hidden layer)",
            tip="A multilayer perceptron, 784 -> hidden (ReLU) -> classes, for comparison: "
                "no longer linear in the pixels.",
            builder="softmax_gui.model_builders:mlp",
            shapes={"1.weight": ("H", SIDE_PIXELS), "1.bias": ("H",), "3.weight": ("C", "H"),
                    "3.bias": ("C",)},
            family="mlp", file_names={}, linear=False, hand_written_sgd=False,
            first_layer="dense"),
        ModelSpec(
            name="cnn", label="CNN (LeNet)",
            tip="LeNet-5 in d2l §7.6's modern form (ReLU, max pooling), for comparison.",
            builder="softmax_gui.model_builders:lenet",
            shapes={"0.weight": (6, 1, 5, 5), "0.bias": (6,), "3.weight": (16, 6, 5, 5),
                    "3.bias": (16,), "7.weight": (120, 400), "7.bias": (120,),
                    "9.weight": (84, 120), "9.bias": (84,), "11.weight": ("C", 84),
                    "11.bias": ("C",)},
            family="cnn", file_names={}, linear=False, hand_written_sgd=False,
            first_layer="conv"),
    )
}


def get_model(name: str) -> ModelSpec:
    """The spec of model ``name``; ``ValueError`` listing the known ones otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}") from None


def model_of_state(names) -> ModelSpec:
    """The first model whose tensors are exactly ``names`` (models that share a layout,
    such as the scratch and NumPy softmax regressions, share their weights);
    ``ValueError`` when none is."""
    names = frozenset(names)
    for spec in MODELS.values():
        if spec.state_names == names:
            return spec
    raise ValueError(f"tensor names {sorted(names)} match no known model")


_WORDS = {"C": "(one per class)", "H": "(one per hidden unit)"}


def match_shapes(spec: ModelSpec, shapes: dict) -> dict:
    """Bind ``spec``'s symbols (``C``, ``H``) to a file's tensor ``shapes``.

    Returns ``{"C": classes, "H": hidden}`` (as present); raises ``ValueError`` naming
    the first tensor whose shape does not fit.
    """
    bound: dict[str, int] = {}
    for name, expected in spec.shapes.items():
        actual = tuple(int(d) for d in shapes[name])
        fits = len(actual) == len(expected)
        for want, have in zip(expected, actual):
            if isinstance(want, str):
                fits = fits and bound.setdefault(want, have) == have
            else:
                fits = fits and want == have
        if not fits:
            shown = "x".join(str(bound.get(d, _WORDS.get(d, d))) for d in expected)
            raise ValueError(f"tensor {name} is {'x'.join(map(str, actual)) or 'a scalar'}; "
                             f"model {spec.name!r} needs {shown}")
    return bound


def can_continue(from_model: str, to_model: str) -> bool:
    """Whether weights of ``from_model`` can start a run of ``to_model``."""
    return get_model(from_model).family == get_model(to_model).family


def to_file_form(model: str, state: dict) -> dict:
    """``state`` under the family's file names (the scratch model's ``W`` -> ``1.weight``)."""
    renames = get_model(model).file_names
    return {renames.get(name, name): value for name, value in state.items()}


def from_file_form(model: str, state: dict) -> dict:
    """The inverse of :func:`to_file_form`: file names -> ``model``'s own names."""
    back = {file: own for own, file in get_model(model).file_names.items()}
    return {back.get(name, name): value for name, value in state.items()}


def first_layer_size(model: str, state: dict) -> int:
    """How many units (or filters) the first layer has: the templates show at most 16."""
    key = "0.weight" if get_model(model).templates == "filters" else "1.weight"
    return int(np.shape(to_file_form(model, state)[key])[0])


def first_layer_templates(model: str, state: dict, limit: int = 16) -> np.ndarray:
    """What the first layer looks for, as images: a ``(k, h, w)`` float array.

    ``"classes"``: the rows of ``W``, one 28x28 template per class. ``"units"``: the
    first ``limit`` hidden units' input weights. ``"filters"``: the first ``limit``
    filters of the first convolution.
    """
    spec = get_model(model)
    file_state = to_file_form(model, state)
    if spec.templates == "filters":
        return np.asarray(file_state["0.weight"])[:limit, 0]
    weight = np.asarray(file_state["1.weight"])
    if spec.templates == "units":
        weight = weight[:limit]
    return weight.reshape(len(weight), SIDE, SIDE)
