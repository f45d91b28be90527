"""The training engine: ``train(config, data, ...)`` is a generator of typed events.

It runs anywhere (a test, the CLI, a worker thread) and never touches Qt. The data are
resident tensors on the device, standardised once; a batch is an index slice, so there
are no DataLoader workers and no per-item transforms (the reason the engine is ~100x
faster than d2l's pipeline for softmax regression). Cancelling and pausing are flags
checked between batches. How one batch changes the weights, and what of the optimizer
a Stop keeps, is :mod:`softmax_gui.training_step`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import numpy as np
import torch

from softmax_gui import events
from softmax_gui.config import TrainConfig
from softmax_gui.data import Dataset
from softmax_gui.evaluation import calibration, loss_and_accuracy
from softmax_gui.events import DIVERGED_LOSS
from softmax_gui.model_registry import can_continue, from_file_form, to_file_form
from softmax_gui.models import build_model
from softmax_gui.training_step import make_stepper

# Batches between non-finite checks and loss reports: each check syncs with the device
# once, so checking every batch would stall a GPU; 16 keeps the stall negligible.
CHECK_EVERY = 16


class _Flag:
    """A stand-in for ``threading.Event`` that is never set."""

    @staticmethod
    def is_set() -> bool:
        return False


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without a GPU raises ValueError."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "CUDA was requested, but no CUDA GPU is available to PyTorch here. "
            "Choose device 'auto' or 'cpu'."
        )
    return torch.device(name)


CPU_ONLY = "CPU (NumPy computes there, whatever the device)"
# What auto says when it leaves a GPU idle (model_registry.ModelSpec.auto_cpu says why).
AUTO_CPU = "auto chose it, faster than CUDA for softmax regression"


def device_name(device: torch.device) -> str:
    """A readable device name (the GPU's model for CUDA)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({torch.get_num_threads()} threads)"


def lr_at(step: int, total: int, base: float, schedule: str) -> float:
    """Learning rate at ``step`` of ``total`` under ``schedule``.

    ``cosine`` anneals from ``base`` to 0; ``onecycle`` warms up linearly from
    ``base / 25`` over the first 30% of steps, then anneals to ``base / 1e4``
    (the shape of ``torch.optim.lr_scheduler.OneCycleLR``'s defaults).
    """
    t = min(step / max(total, 1), 1.0)
    if schedule == "constant":
        return base
    if schedule == "cosine":
        return base * 0.5 * (1.0 + math.cos(math.pi * t))
    warm = 0.3
    if t < warm:
        return base / 25 + (base - base / 25) * t / warm
    u = (t - warm) / (1 - warm)
    return base / 1e4 + (base - base / 1e4) * 0.5 * (1.0 + math.cos(math.pi * u))


def prepare_images(images: torch.Tensor, device: torch.device, mean: float, std: float):
    """uint8 ``(N, 28, 28)`` -> standardised float32 ``(N, 1, 28, 28)`` on ``device``."""
    x = images.to(device).unsqueeze(1).float().div_(255.0)
    return x.sub_(mean).div_(std)


def input_stats(images: torch.Tensor) -> tuple[float, float]:
    """Scalar mean and std of uint8 images scaled to [0, 1].

    Exact, from the 256-bin histogram of pixel values: ~20x faster than converting
    47M pixels to float64, which made starting a run take over a second.
    """
    counts = torch.bincount(images.reshape(-1), minlength=256).double()
    values = torch.arange(256, dtype=torch.float64) / 255.0
    n = counts.sum()
    mean = (counts * values).sum() / n
    var = (counts * (values - mean) ** 2).sum() / (n - 1)
    return float(mean), float(var.sqrt())


def train(
    config: TrainConfig,
    data: Dataset,
    stop=None,
    pause=None,
    initial: events.WeightSnapshot | None = None,
    first_epoch: int = 1,
    last_epoch: int | None = None,
) -> Iterator[events.Event]:
    """Train ``config.model`` on ``data``, yielding events as it goes.

    Parameters
    ----------
    config : TrainConfig
    data : Dataset
        Resident uint8 tensors (``data.load()``).
    stop, pause : threading.Event-like, optional
        Checked between batches: ``stop`` ends the run (a ``Finished(stopped=True)``),
        ``pause`` holds it until cleared.
    initial : WeightSnapshot, optional
        Weights to continue from (same model family); its standardisation is reused.
    first_epoch, last_epoch : int
        Train epochs ``first_epoch .. last_epoch`` (default: to ``config.epochs``) of a
        ``config.epochs``-epoch schedule. ``initial`` has trained the epochs before
        ``first_epoch``: the learning rate continues from where they left it instead
        of starting again at the full rate.

    Yields
    ------
    Started, then per epoch ``BatchMetrics``..., ``EpochMetrics``, ``WeightSnapshot``;
    last ``Finished`` or ``Failed``. Epoch numbers count from the start of the training
    ``initial`` came from. Errors never propagate: they become ``Failed``.
    """
    stop, pause = stop or _Flag(), pause or _Flag()
    last_epoch = config.epochs if last_epoch is None else last_epoch
    try:
        if not 1 <= first_epoch <= last_epoch <= config.epochs:
            raise ValueError(f"first_epoch and last_epoch must satisfy 1 <= first_epoch <= "
                             f"last_epoch <= {config.epochs}; got {first_epoch}, {last_epoch}")
        yield from _train(config, data, stop, pause, initial, first_epoch, last_epoch)
    except (RuntimeError, ValueError, MemoryError) as exc:
        yield events.Failed(f"Training failed: {exc}", epoch=first_epoch)


def model_device(config: TrainConfig) -> tuple[torch.device, str]:
    """Where ``config``'s model computes and how to say it: a model that computes on the
    CPU whatever is asked (NumPy) says so, and needs no GPU for ``cuda``."""
    from softmax_gui.model_registry import MODELS

    spec = MODELS[config.model]
    if spec.cpu_only:
        return torch.device("cpu"), CPU_ONLY
    if config.device == "auto" and spec.auto_cpu and torch.cuda.is_available():
        cpu = torch.device("cpu")
        return cpu, f"{device_name(cpu)}: {AUTO_CPU}"
    device = resolve_device(config.device)
    return device, device_name(device)


def _train(config, data, stop, pause, initial, first_epoch, last_epoch):
    device, named = model_device(config)
    # A continuation without a resume point (a file, an earlier epoch) shuffles
    # differently from the run's first epochs, reproducibly.
    generator = torch.Generator().manual_seed(config.seed + first_epoch - 1)
    torch.manual_seed(config.seed)
    if initial is not None:
        mean, std = initial.mean, initial.std
    elif config.standardize:
        mean, std = input_stats(data.train_images)
    else:
        mean, std = 0.0, 1.0
    X = prepare_images(data.train_images, device, mean, std)
    Y = data.train_labels.to(device)
    X_test = prepare_images(data.test_images, device, mean, std)
    Y_test = data.test_labels.to(device)

    model = build_model(config.model, len(data.classes), config.init_std, config.hidden, generator)
    if initial is not None:
        _load_state(model, initial, config.model)
    model = model.to(device)
    stepper = make_stepper(model, config)

    n = len(X)
    batches = math.ceil(n / config.batch_size)
    total_steps = batches * config.epochs
    resume, first_batch = _resume_point(initial, first_epoch, batches)
    if resume is not None:
        generator.set_state(torch.from_numpy(resume.order_state.copy()))
        stepper.load_state(resume.optimizer)
    yield events.Started(
        device=str(device), device_name=named, source=data.source.describe(),
        is_sample=data.source.is_sample, num_train=n, num_test=len(X_test),
        batches_per_epoch=batches, epochs=config.epochs, first_epoch=first_epoch,
        last_epoch=last_epoch, first_batch=first_batch,
    )

    def snapshot(epoch, test_acc, test_logits):
        return events.WeightSnapshot(
            epoch=epoch, model=config.model, state=_numpy_state(model), mean=mean, std=std,
            classes=data.classes, dataset=data.name, test_acc=test_acc,
            test_logits=test_logits.cpu().numpy(),
        )

    train_seconds = 0.0
    test_acc = None
    for epoch in range(first_epoch, last_epoch + 1):
        t0 = time.perf_counter()
        order_state = generator.get_state()  # a Stop in this epoch resumes from here
        order = torch.randperm(n, generator=generator).to(device)
        begin = first_batch if epoch == first_epoch else 0
        tally = _EpochTally(epoch, batches, config.batch_size, order, Y, begin,
                            resume if epoch == first_epoch else None)
        for b in range(begin, batches):
            if pause.is_set() and not stop.is_set():
                yield events.Holding()
                held = time.perf_counter()
                while pause.is_set() and not stop.is_set():
                    time.sleep(0.01)
                held = time.perf_counter() - held  # not training time: the clocks skip it
                t0 += held
                tally.t0 += held
            if stop.is_set():
                if tally.chunk:  # the batches since the last report: the curve reaches
                    event, diverged_at = tally.report(b - 1)  # the stop
                    yield event
                    if diverged_at is not None:
                        yield events.Failed(_diverged_message(config, epoch, diverged_at,
                                                              b - 1),
                                            epoch=epoch, diverged=True)
                        return
                train_seconds += time.perf_counter() - t0
                reached = epoch - 1 + b / batches
                if b > begin:
                    # Weights from part of an epoch: score them, so what the window shows
                    # for them (grid, accuracy, label) is true of them. (At the epoch's
                    # first batch they are the last epoch's, already yielded, or the
                    # caller's own.)
                    _, test_acc, logits = loss_and_accuracy(stepper.logits, X_test, Y_test)
                    yield snapshot(reached, test_acc, logits)
                here = events.ResumePoint(epoch, b, order_state.numpy().copy(),
                                          stepper.state(), tally.loss_sum, tally.correct(b))
                yield events.Finished(reached, train_seconds, test_acc, stopped=True,
                                      resume=here)
                return
            start = b * config.batch_size
            idx = order[start : start + config.batch_size]
            xb, yb = X.index_select(0, idx), Y.index_select(0, idx)
            lr = lr_at((epoch - 1) * batches + b, total_steps, config.lr, config.schedule)
            loss, logits = stepper.step(xb, yb, lr)
            tally.predicted[start : start + len(idx)] = logits.argmax(1)
            tally.chunk.append(loss)
            if len(tally.chunk) == CHECK_EVERY or b == batches - 1:
                event, diverged_at = tally.report(b)
                yield event  # the exploding losses are the lesson: the plot draws them
                if diverged_at is not None:
                    # The weights of the last finished epoch were already yielded (or, in
                    # the run's first epoch, the caller's weights from before stand): no
                    # weights from this epoch are kept.
                    yield events.Failed(_diverged_message(config, epoch, diverged_at, b),
                                        epoch=epoch, diverged=True)
                    return
        train_loss = tally.loss_sum / n
        train_acc = tally.correct(batches) / n
        test_loss, test_acc, test_logits = loss_and_accuracy(stepper.logits, X_test, Y_test)
        seconds = time.perf_counter() - t0
        train_seconds += seconds
        yield events.EpochMetrics(
            epoch=epoch, epochs=config.epochs, train_loss=train_loss, train_acc=train_acc,
            test_loss=test_loss, test_acc=test_acc, seconds=seconds,
            samples_per_s=n / seconds, lr=lr, test_ece=test_ece(test_logits, Y_test),
        )
        yield snapshot(epoch, test_acc, test_logits)
    here = events.ResumePoint(last_epoch + 1, 0, generator.get_state().numpy().copy(),
                              stepper.state())
    yield events.Finished(last_epoch, train_seconds, test_acc, stopped=False, resume=here)


class _EpochTally:
    """One epoch's bookkeeping: batch losses reported in chunks, predictions kept on the
    device and compared once (one tensor op a batch), and what a resumed epoch had
    counted before its first batch here."""

    def __init__(self, epoch, batches, batch_size, order, labels, begin, carried):
        self.epoch, self.batches, self.batch_size = epoch, batches, batch_size
        self.order, self.labels, self.begin, self.carried = order, labels, begin, carried
        self.n = len(order)
        self.predicted = torch.empty(self.n, dtype=torch.long, device=order.device)
        self.loss_sum = carried.loss_sum if carried else 0.0
        self.chunk: list = []  # batch losses not yet reported (device tensors)
        self.t0 = time.perf_counter()

    def report(self, b: int):
        """The losses of the chunk (batches up to ``b``) as an event, and the batch where
        they show the run has diverged (None if they do not)."""
        losses = torch.stack(self.chunk).cpu().numpy().astype(np.float64)
        first = b + 1 - len(self.chunk)
        self.chunk = []
        event = events.BatchMetrics(
            epoch=self.epoch, batch=b + 1, loss=losses,
            epoch_x=self.epoch - 1 + np.arange(first + 1, b + 2) / self.batches,
            seconds=time.perf_counter() - self.t0)
        if not np.isfinite(losses).all() or losses.mean() > DIVERGED_LOSS:
            return event, first
        sizes = np.minimum(self.batch_size, self.n - np.arange(first, b + 1) * self.batch_size)
        self.loss_sum += float(losses @ sizes)
        return event, None

    def correct(self, upto: int) -> int:
        """Correct train predictions in the epoch's batches before ``upto``."""
        lo, hi = self.begin * self.batch_size, min(upto * self.batch_size, self.n)
        own = 0
        if hi > lo:
            own = int((self.predicted[lo:hi] == self.labels[self.order[lo:hi]]).sum().item())
        return own + (self.carried.correct if self.carried else 0)


def _resume_point(initial, first_epoch: int, batches: int):
    """``(resume, first_batch)``: the initial weights' resume point when it is where this
    run begins, and the batch of ``first_epoch`` to begin at (a Stop inside it left the
    weights there; without a resume point the batch comes from their fractional epoch)."""
    if initial is None:
        return None, 0
    resume = initial.resume
    if resume is not None and resume.epoch == first_epoch and resume.batch < batches:
        return resume, resume.batch
    done = initial.epoch - (first_epoch - 1)
    return None, min(max(int(round(done * batches)), 0), batches - 1) if 0 < done < 1 else 0


def test_ece(logits, labels) -> float:
    """The expected calibration error of ``logits`` on ``labels``: the Calibration tab's
    curve has a point for every epoch, whatever was on screen while it trained."""
    p = torch.softmax(logits.float(), 1)
    confidence, predicted = p.max(1)
    return calibration(confidence.cpu().numpy(), (predicted == labels).cpu().numpy())["ece"]


def _diverged_message(config: TrainConfig, epoch: int, batch: int, last: int) -> str:
    # A tenth of the rate, but never more than the tuned default: from 1000, "try 100"
    # would only explode again.
    suggestion = min(config.lr / 10, TrainConfig().lr)
    return (
        f"The loss exploded (became huge, infinite or NaN) in epoch {epoch}, batches "
        f"{batch + 1}-{last + 1}: learning rate {config.lr:g} is too large for this model. Try "
        f"{suggestion:g} or smaller."
    )


def _numpy_state(model) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def _load_state(model, initial: events.WeightSnapshot, kind: str) -> None:
    if not can_continue(initial.model, kind):
        raise ValueError(
            f"the starting weights are for model {initial.model!r}, the run is for {kind!r}; "
            "choose the same model to continue training them"
        )
    state = from_file_form(kind, to_file_form(initial.model, initial.state))
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
