"""Typed messages that the training engine yields and that cross threads.

They hold plain numbers, strings and numpy arrays only (never torch tensors), so a
receiver in another thread can keep them without sharing memory with the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# A mean cross-entropy this large (true class at probability < e^-1000) means the run has
# diverged even when it stays finite: softmax regression's gradient is bounded, so an
# absurd learning rate makes the weights huge without ever producing inf or NaN. The
# trainer stops there; the loss plot marks it.
DIVERGED_LOSS = 1e3


@dataclass(frozen=True)
class Started:
    """The run is set up: data on the device, model built."""

    device: str
    device_name: str
    source: str
    is_sample: bool
    num_train: int
    num_test: int
    batches_per_epoch: int
    epochs: int
    first_epoch: int = 1  # a continuation starts past 1 (training.train's first_epoch)
    last_epoch: int | None = None  # None: epochs
    first_batch: int = 0  # a Step after a Stop finishes the epoch from this batch

    @property
    def start(self) -> float:
        """The fractional epoch this run starts from (1.97 for a Step after a Stop)."""
        return self.first_epoch - 1 + self.first_batch / self.batches_per_epoch


@dataclass(frozen=True)
class BatchMetrics:
    """Coalesced per-batch losses: one entry per batch since the previous event.

    ``epoch_x`` is the fractional epoch at the end of each batch (1.0 = first epoch
    done), the x-axis of the loss plot.
    """

    epoch: int
    batch: int
    epoch_x: np.ndarray
    loss: np.ndarray
    seconds: float


@dataclass(frozen=True)
class EpochMetrics:
    """End-of-epoch figures; losses are mean cross-entropy in nats."""

    epoch: int
    epochs: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    seconds: float
    samples_per_s: float
    lr: float
    test_ece: float = float("nan")  # expected calibration error on the test split


@dataclass(frozen=True)
class ResumePoint:
    """Where a run ended, so that Step carries it on exactly as if it had not stopped.

    Step after a Stop inside epoch ``epoch`` finishes that epoch: the same shuffled
    order (the generator's state before the order was drawn), from batch ``batch``, with
    the optimizer's buffers (momentum, Adam's moments) as they were, and the epoch's train
    loss and accuracy counted over all of its batches.
    """

    epoch: int  # the epoch in progress, or the next one when ``batch`` is 0
    batch: int  # batches of it already trained
    order_state: np.ndarray = field(repr=False)  # torch.Generator state (uint8)
    optimizer: dict[str, np.ndarray] = field(repr=False)  # flattened buffers
    loss_sum: float = 0.0  # sum of the epoch's batch losses so far, weighted by size
    correct: int = 0  # the epoch's correct train predictions so far


@dataclass(frozen=True)
class WeightSnapshot:
    """A CPU copy of the model after ``epoch`` epochs (fractional when a run stopped
    inside one; 0 = untrained).

    ``state`` maps tensor names to numpy arrays; ``mean`` and ``std`` are the input
    standardisation the weights expect (0 and 1 when inputs were not standardised).
    ``test_logits`` are the model's logits on the whole test split, computed by the
    trainer at the epoch's end, so viewers need not score the test set again.
    """

    epoch: float
    model: str
    state: dict[str, np.ndarray] = field(repr=False)
    mean: float
    std: float
    classes: tuple[str, ...]
    dataset: str
    test_acc: float | None = None
    test_logits: np.ndarray | None = field(default=None, repr=False)
    resume: ResumePoint | None = field(default=None, repr=False)  # where training ended


@dataclass(frozen=True)
class Finished:
    """The run ended normally or was stopped by the user at ``epoch`` (fractional when
    stopped inside an epoch; counted like ``EpochMetrics.epoch``)."""

    epoch: float
    train_seconds: float
    test_acc: float | None
    stopped: bool
    resume: ResumePoint | None = field(default=None, repr=False)  # how Step goes on


@dataclass(frozen=True)
class Failed:
    """The run could not go on; ``message`` says why and what to try."""

    message: str
    epoch: int
    diverged: bool = False  # the loss exploded (not a failure of the machinery)


@dataclass(frozen=True)
class Holding:
    """The run is held by its pause flag: sent once as the hold begins, so that what a
    viewer was not shown yet (a thinned snapshot) is shown while nothing else comes.
    ``throttle`` consumes it."""


Event = Started | BatchMetrics | EpochMetrics | WeightSnapshot | Finished | Failed | Holding


# What a runner (runner.py) adds to its engines' events: each run's stream, addressed by
# its id, ends with Finished, Failed or Cancelled, and then RunEnded.


@dataclass(frozen=True)
class EpochSnapshot:
    """A whole epoch's ``WeightSnapshot``, passed on unthinned for a receiver that keeps
    every epoch (the timeline); the throttle may also pass it, or not, as itself."""

    snapshot: WeightSnapshot = field(repr=False)


@dataclass(frozen=True)
class Cancelled:
    """The run was cancelled while it waited in the queue: it never began."""

    message: str = "Cancelled before it began."


@dataclass(frozen=True)
class RunEnded:
    """Always a run's last event: nothing more comes under its id (its controls may be
    freed)."""


RunnerEvent = Event | EpochSnapshot | Cancelled | RunEnded
