"""What a sweep varies, as a person writes it, and what its results say. No torch, no Qt.

A hyper-parameter's values are a list (``0.01, 0.1, 1``) or a range: ``0.001 to 10, 9
log`` (nine values, evenly spaced on a log scale) or ``1 to 50, 6`` (evenly spaced).
The presets are d2l §3.7's exercises. :func:`summarise` folds the seeds of each
configuration into a mean and a spread.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass

from softmax_gui.config import OPTIMIZERS, SCHEDULES
from softmax_gui.model_registry import MODELS


class PlanError(ValueError):
    """Values that cannot be swept, said in one line."""


@dataclass(frozen=True)
class Parameter:
    """A hyper-parameter a sweep can vary: its TrainConfig field, its name on screen,
    how one value is read, and the values it may take when they are words."""

    field: str
    label: str
    kind: type
    choices: tuple[str, ...] = ()

    @property
    def logarithmic(self) -> bool:
        """Whether its values are usually spread over decades (drawn on a log axis)."""
        return self.field in ("lr", "weight_decay", "batch_size", "epochs", "hidden")


PARAMETERS = {p.field: p for p in (
    Parameter("lr", "Learning rate", float),
    Parameter("batch_size", "Batch size", int),
    Parameter("epochs", "Epochs", int),
    Parameter("weight_decay", "Weight decay", float),
    Parameter("momentum", "Momentum", float),
    Parameter("optimizer", "Optimizer", str, OPTIMIZERS),
    Parameter("schedule", "Schedule", str, SCHEDULES),
    Parameter("model", "Model", str, tuple(MODELS)),
    Parameter("hidden", "Hidden units", int),
)}

# d2l §3.7's setting, which each preset pins in the rows it leaves free: plain minibatch
# SGD at a constant rate. (The panel's momentum 0.9 and cosine schedule flattened the
# learning-rate exercise to 81-85% from 0.001 to 10, hiding what a rate too large does:
# a new user's walk.)
D2L_PINS = (("momentum", "0"), ("schedule", "constant"))
# d2l §3.7's exercises: a hyper-parameter, its values, and the epochs each run trains.
PRESETS = {
    "Learning rate 0.001 to 10": ("lr", "0.001 to 10, 9 log", 10),
    "Batch size 1 to the full batch": ("batch_size", "1, 16, 256, 4096, 60000", 1),
    "Epochs 1 to 50": ("epochs", "1, 2, 5, 10, 20, 50", 10),
    "Weight decay 0 to 0.1": ("weight_decay", "0, 0.0001, 0.001, 0.01, 0.1", 10),
}

_RANGE = re.compile(r"^\s*(\S+)\s+to\s+(\S+)\s*,\s*(\d+)\s*(log)?\s*$", re.IGNORECASE)


def parse_values(field: str | Parameter, text: str, name: str = "") -> list:
    """The values ``text`` names for ``field`` (a key of :data:`PARAMETERS`, or a
    parameter of its own), in order, each once; a refusal starts with ``name`` (the
    parameter's label unless given: the command line gives its flag).

    Raises
    ------
    PlanError
        Nothing given, a value that is not a number (or not one of the choices), a range
        with fewer than 2 or more than 100 steps, or a log range through 0.
    """
    parameter = field if isinstance(field, Parameter) else PARAMETERS[field]
    name = name or parameter.label.lower()
    match = _RANGE.match(text)
    if match and parameter.kind is not str:
        low, high = (_number(parameter, v, name) for v in match.group(1, 2))
        count, log = int(match.group(3)), bool(match.group(4))
        if not 2 <= count <= 100:
            raise PlanError(f"{name}: a range takes 2 to 100 values, not {count}")
        if log and (low <= 0 or high <= 0):
            raise PlanError(f"{name}: a log range needs values above 0 ({text.strip()!r})")
        values = [math.exp(math.log(low) + (math.log(high) - math.log(low)) * i / (count - 1))
                  if log else low + (high - low) * i / (count - 1) for i in range(count)]
        values = [parameter.kind(round(v)) if parameter.kind is int else float(f"{v:.4g}")
                  for v in values]
    else:
        items = [item.strip() for item in text.split(",") if item.strip()]
        values = [_number(parameter, item, name) for item in items]
    if not values:
        raise PlanError(f"{name}: give at least one value (e.g. {_example(parameter)})")
    return list(dict.fromkeys(values))


def _number(parameter: Parameter, text: str, name: str):
    if parameter.kind is str:
        if text not in parameter.choices:
            raise PlanError(f"{name}: {text!r} is not one of "
                            f"{', '.join(parameter.choices)}")
        return text
    try:
        value = float(text)
    except ValueError:
        raise PlanError(f"{name}: {text!r} is not a number "
                        f"(e.g. {_example(parameter)})") from None
    if parameter.kind is int:
        if value != int(value):
            raise PlanError(f"{name}: {text!r} is not a whole number")
        return int(value)
    return value


def _example(parameter: Parameter) -> str:
    if parameter.kind is str:
        return ", ".join(parameter.choices[:2])
    return "0.01, 0.1, 1 or 0.001 to 10, 5 log" if parameter.kind is float else \
        "16, 64, 256 or 1 to 50, 6"


@dataclass
class Summary:
    """One configuration over its seeds: the varied values, each seed's final test
    accuracy (None for a seed that never finished an epoch), their mean and spread."""

    values: tuple
    accuracies: list[float | None]

    @property
    def finished(self) -> list[float]:
        return [a for a in self.accuracies if a is not None]

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.finished) if self.finished else None

    @property
    def spread(self) -> float:
        """The standard deviation over seeds (0 for one seed)."""
        return statistics.stdev(self.finished) if len(self.finished) > 1 else 0.0


def summarise(configs: list, accuracies: list[float | None], varied: list[str]
              ) -> list[Summary]:
    """The configurations of a sweep (``configs`` with each one's final test accuracy),
    one :class:`Summary` per combination of the ``varied`` values, seeds folded, in the
    grid's order."""
    summaries: dict[tuple, Summary] = {}
    for config, accuracy in zip(configs, accuracies):
        key = tuple(getattr(config, name) for name in varied)
        summaries.setdefault(key, Summary(key, [])).accuracies.append(accuracy)
    return list(summaries.values())


def value_text(value) -> str:
    """A swept value as the window writes it: ``0.001``, ``1e-05``, ``256``, ``adam``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_text(fields, values) -> str:
    """``lr=0.1, weight_decay=0``: what tells one configuration from the others."""
    return ", ".join(f"{f}={value_text(v)}" for f, v in zip(fields, values))


def seconds_left(elapsed: float, done: int, total: int) -> float | None:
    """How long the rest takes at the pace so far (None before the first epoch)."""
    if done <= 0 or elapsed <= 0:
        return None
    return elapsed / done * max(total - done, 0)
