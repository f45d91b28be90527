"""Training configuration: one frozen, validated dataclass.

No torch and no Qt here, so the GUI, the CLI and the tests can build and check a
configuration without paying for those imports.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from softmax_gui.model_registry import MODELS

OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("constant", "onecycle", "cosine")
DEVICES = ("auto", "cpu", "cuda")

# One limit each, checked wherever a run is asked for (the panel, the CLI, main.py) and
# where weights are read (weights_check.py imports MAX_HIDDEN from here).
MAX_EPOCHS = 10000
MAX_HIDDEN = 4096
# What one minibatch may hold in activations and their gradients: a CNN batch of 65,536
# took 5.2 GB. Float32 values kept per image (forward and backward, measured shapes).
MAX_BATCH_BYTES = 1 << 30
ACTIVATIONS_PER_IMAGE = {"cnn": 3 * (6 * 28 * 28 + 6 * 14 * 14 + 16 * 10 * 10 + 16 * 5 * 5
                                     + 120 + 84)}

@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one training run.

    The defaults are the tuned softmax-regression recipe: with standardised inputs,
    SGD with momentum and a cosine schedule it reaches >= 0.845 test accuracy on
    Fashion-MNIST in 10 epochs (see ``bench/epoch_speed.py``).

    Raises
    ------
    ValueError
        On construction, naming the field and its allowed values or range.
    """

    dataset: str = "fashion-mnist"
    model: str = "softmax"
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    batch_size: int = 512
    epochs: int = 10
    weight_decay: float = 0.0
    init_std: float = 0.01
    standardize: bool = True
    schedule: str = "cosine"
    seed: int = 0
    device: str = "auto"
    hidden: int = 256

    def __post_init__(self) -> None:
        _choice("model", self.model, tuple(MODELS))
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("schedule", self.schedule, SCHEDULES)
        _choice("device", self.device, DEVICES)
        # Imported lazily: data.py imports torch, this module must not.
        from softmax_gui.datasets_registry import DATASETS, known

        # Another name is one stat (a sweep builds a config per run), and the list of
        # known datasets only to say what a wrong one could be.
        if self.dataset not in DATASETS and not _user_dataset(self.dataset):
            _choice("dataset", self.dataset, tuple(known()))
        _number("lr", self.lr, 1e-7, 1e6, "a learning rate > 0 (e.g. 0.1)")
        _number("momentum", self.momentum, 0.0, 0.999, "")
        _number("weight_decay", self.weight_decay, 0.0, 1.0, "")
        _number("init_std", self.init_std, 0.0, 10.0, "")
        _integer("batch_size", self.batch_size, 1, 65536)
        _integer("epochs", self.epochs, 1, MAX_EPOCHS)
        _integer("seed", self.seed, 0, 2**63 - 1)
        _integer("hidden", self.hidden, 1, MAX_HIDDEN)
        _check_memory(self)
        if not isinstance(self.standardize, bool):
            raise ValueError(f"standardize must be True or False, got {self.standardize!r}")
        if MODELS[self.model].hand_written_sgd and self.optimizer != "sgd":
            raise ValueError(
                f"optimizer must be 'sgd' for model {self.model!r} (it takes its own "
                f"hand-written SGD step); got {self.optimizer!r}. Choose model 'softmax' "
                "for Adam."
            )

    def replace(self, **changes) -> TrainConfig:
        """Return a copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain dict of the fields, for metadata and settings."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Build from a dict, ignoring unknown keys (older or newer metadata)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def summary(self, varied=()) -> str:
        """Short label of the key settings, for run lists and plot legends. Not the
        planned epochs: a run stopped early would carry a number it never reached. A
        field in ``varied`` (a sweep's) reads ``*``: each run has its own."""
        def shown(field: str, text: str) -> str:
            return "*" if field in varied else text

        model = shown("model", {"softmax": "softmax concise",
                                "softmax-scratch": "softmax scratch",
                                "softmax-numpy": "softmax NumPy",
                                "softmax-pitfall": "pitfall nn.Softmax",
                                "mlp": f"MLP {self.hidden}"}.get(self.model, self.model))
        optimizer = shown("optimizer", "Adam" if self.optimizer == "adam" else "SGD")
        if self.optimizer != "adam" and (self.momentum or "momentum" in varied):
            optimizer += f" m={shown('momentum', f'{self.momentum:g}')}"
        decay = f" wd={shown('weight_decay', f'{self.weight_decay:g}')}" if \
            self.weight_decay or "weight_decay" in varied else ""
        return (f"{model} {optimizer} lr={shown('lr', f'{self.lr:g}')} "
                f"bs={shown('batch_size', str(self.batch_size))} "
                f"{shown('schedule', self.schedule)}{decay}")


def _check_memory(config) -> None:
    """Refuse a batch whose activations alone would pass :data:`MAX_BATCH_BYTES`."""
    per_image = ACTIVATIONS_PER_IMAGE.get(config.model, 0)
    if config.model == "mlp":
        per_image = 3 * config.hidden
    if not isinstance(config.batch_size, int) or not per_image:
        return
    largest = MAX_BATCH_BYTES // (4 * per_image)
    if config.batch_size > largest:
        need = config.batch_size * per_image * 4 / 2**30
        raise ValueError(f"batch_size {config.batch_size} needs ~{need:.1f} GB for one "
                         f"minibatch of the {config.model}'s activations; at most "
                         f"{largest} with this model")


def _choice(field: str, value, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"{field} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def _number(field: str, value, low: float, high: float, hint: str) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not low <= value <= high or (field == "lr" and value <= 0):
        extra = f" ({hint})" if hint else ""
        raise ValueError(f"{field} must be a number in [{low:g}, {high:g}]{extra}; got {value!r}")


def _integer(field: str, value, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{field} must be an integer in [{low}, {high}]; got {value!r}")


def _user_dataset(name) -> bool:
    from softmax_gui.user_datasets import NAME, exists

    return isinstance(name, str) and bool(NAME.match(name)) and exists(name)
