"""The training engine, driven synchronously (docs/ARCHITECTURE.md, rule 2)."""

import dataclasses
import threading

import numpy as np
import pytest

from softmax_gui import events, training
from softmax_gui.config import TrainConfig


def run(config, dataset, **kwargs):
    return list(training.train(config, dataset, **kwargs))


def of(kind, evs):
    return [e for e in evs if isinstance(e, kind)]


def test_one_epoch_softmax_reaches_080(fashion):
    evs = run(TrainConfig(epochs=1), fashion)
    assert of(events.EpochMetrics, evs)[0].test_acc >= 0.80


@pytest.mark.parametrize("model", ["softmax", "softmax-scratch"])
def test_default_ten_epochs_reach_0845(fashion, request, model):
    # The concise model's default run is TrainConfig() itself, trained once a session.
    evs = request.getfixturevalue("default_run") if model == "softmax" else \
        run(TrainConfig(model=model), fashion)
    finished = evs[-1]
    assert isinstance(finished, events.Finished) and not finished.stopped
    assert finished.epoch == 10
    assert finished.test_acc >= 0.845


def test_event_stream_shape(sample):
    evs = run(TrainConfig(epochs=2, batch_size=256), sample)
    assert isinstance(evs[0], events.Started) and evs[0].is_sample is False
    assert evs[0].batches_per_epoch == 24
    batch = of(events.BatchMetrics, evs)
    xs = np.concatenate([b.epoch_x for b in batch])
    assert len(xs) == 48 and np.all(np.diff(xs) > 0) and xs[-1] == pytest.approx(2.0)
    assert len(of(events.EpochMetrics, evs)) == 2
    snaps = of(events.WeightSnapshot, evs)
    assert [s.epoch for s in snaps] == [1, 2]
    assert snaps[-1].state["1.weight"].shape == (10, 784)
    assert snaps[-1].classes[0] == "t-shirt"


def test_same_seed_same_metrics(sample):
    config = TrainConfig(epochs=2, batch_size=128, seed=5)
    a = [(e.train_loss, e.test_acc) for e in of(events.EpochMetrics, run(config, sample))]
    b = [(e.train_loss, e.test_acc) for e in of(events.EpochMetrics, run(config, sample))]
    assert a == b
    c = of(events.EpochMetrics, run(config.replace(seed=6), sample))
    assert [(e.train_loss, e.test_acc) for e in c] != a


def test_diverging_learning_rate_fails_clearly_and_yields_no_weights_of_that_epoch(sample):
    evs = run(TrainConfig(lr=1e6, epochs=3, model="softmax-scratch", standardize=False),
              sample)
    failed = evs[-1]
    assert isinstance(failed, events.Failed) and failed.epoch == 1
    assert "learning rate" in failed.message and "smaller" in failed.message
    # Nothing from the exploding epoch: the caller's weights from before the run stand.
    assert not of(events.WeightSnapshot, evs)
    # But its losses are, the explosion included, for the plot to show.
    losses = np.concatenate([b.loss for b in of(events.BatchMetrics, evs)])
    assert not np.isfinite(losses).all() or losses.max() > training.DIVERGED_LOSS


def test_every_epoch_reports_the_calibration_of_its_weights(sample):
    from softmax_gui.evaluation import calibration, softmax_np

    evs = run(TrainConfig(epochs=3, batch_size=256), sample)
    epochs, snaps = of(events.EpochMetrics, evs), of(events.WeightSnapshot, evs)
    assert len(epochs) == len(snaps) == 3
    labels = sample.test_labels.numpy()
    for metrics, snap in zip(epochs, snaps):
        p = softmax_np(snap.test_logits)
        expected = calibration(p.max(1), p.argmax(1) == labels)["ece"]
        assert metrics.test_ece == pytest.approx(expected, abs=1e-5)


def test_divergence_after_an_epoch_keeps_only_finished_epochs(sample):
    first = of(events.WeightSnapshot, run(TrainConfig(epochs=1), sample))[-1]
    # Continue at a rate that explodes: epoch 2's weights must never be yielded.
    evs = run(TrainConfig(epochs=3, lr=1e6, schedule="constant", model="softmax-scratch"),
              sample, initial=first, first_epoch=2)
    assert isinstance(evs[-1], events.Failed) and evs[-1].epoch == 2
    assert not of(events.WeightSnapshot, evs)


def test_cuda_unavailable_is_a_failed_event(sample, monkeypatch):
    monkeypatch.setattr(training.torch.cuda, "is_available", lambda: False)
    evs = run(TrainConfig(device="cuda", epochs=1), sample)
    assert isinstance(evs[-1], events.Failed) and "CUDA" in evs[-1].message


def test_stop_mid_epoch(sample):
    stop = threading.Event()
    seen = []
    for event in training.train(TrainConfig(epochs=5, batch_size=64), sample, stop=stop):
        seen.append(event)
        if isinstance(event, events.BatchMetrics) and event.epoch == 2:
            stop.set()
    finished, snapshot = seen[-1], seen[-2]
    assert isinstance(finished, events.Finished) and finished.stopped
    assert 1 < finished.epoch < 2  # part of epoch 2, not rounded to 1
    # The stopped weights are scored, so the window can show what they are worth.
    assert isinstance(snapshot, events.WeightSnapshot) and snapshot.epoch == finished.epoch
    assert snapshot.test_logits.shape == (1000, 10)
    assert finished.test_acc == snapshot.test_acc == pytest.approx(
        (snapshot.test_logits.argmax(1) == sample.test_labels.numpy()).mean())


def test_stop_before_the_first_batch_yields_no_weights(sample):
    stop = threading.Event()
    stop.set()
    evs = run(TrainConfig(epochs=2), sample, stop=stop)
    assert isinstance(evs[-1], events.Finished) and evs[-1].stopped and evs[-1].epoch == 0
    assert not of(events.WeightSnapshot, evs)  # random initial weights never leave


def test_pause_holds_the_run_until_cleared(sample):
    pause = threading.Event()
    pause.set()
    gen = training.train(TrainConfig(epochs=1), sample, pause=pause)
    assert isinstance(next(gen), events.Started)
    assert isinstance(next(gen), events.Holding)  # said once, as the hold begins
    result = []
    worker = threading.Thread(target=lambda: result.append(next(gen)))
    worker.start()
    worker.join(1.5)
    assert worker.is_alive() and not result  # held by the pause
    pause.clear()
    worker.join(5)
    assert isinstance(result[0], events.BatchMetrics)
    # The time held is not training time: the epoch and the run say so.
    rest = list(gen)
    finished = of(events.Finished, rest)[-1]
    alone = of(events.Finished, run(TrainConfig(epochs=1), sample))[-1]
    assert finished.train_seconds < alone.train_seconds + 1.0  # held 1.5 s at least
    assert of(events.EpochMetrics, rest)[-1].seconds < alone.train_seconds + 1.0


def test_continue_from_initial_weights(sample):
    first = of(events.WeightSnapshot, run(TrainConfig(epochs=1), sample))[-1]
    evs = run(TrainConfig(epochs=1, lr=1e-7, schedule="constant"), sample, initial=first)
    after = of(events.EpochMetrics, evs)[0]
    assert after.test_acc == pytest.approx(first.test_acc, abs=0.002)
    wrong = run(TrainConfig(epochs=1, model="mlp"), sample, initial=first)
    assert isinstance(wrong[-1], events.Failed) and "softmax" in wrong[-1].message


@pytest.mark.parametrize(("model", "optimizer", "lr"),
                         [("mlp", "sgd", 0.1), ("cnn", "adam", 0.002)])
def test_other_models_learn(sample, model, optimizer, lr):
    evs = run(TrainConfig(model=model, optimizer=optimizer, lr=lr, epochs=1, batch_size=128),
              sample)
    assert of(events.EpochMetrics, evs)[0].test_acc > 0.6


def test_a_continuation_picks_up_the_schedule_where_it_was(sample):
    config = TrainConfig(epochs=3, batch_size=128)
    whole = run(config, sample)
    after_two = of(events.WeightSnapshot, whole)[1]
    evs = run(config, sample, initial=after_two, first_epoch=3)
    started, metrics = evs[0], of(events.EpochMetrics, evs)
    assert started.first_epoch == 3 and started.epochs == 3
    assert [m.epoch for m in metrics] == [3] and of(events.WeightSnapshot, evs)[0].epoch == 3
    # The last batch of epoch 3 of 3 under cosine: the same small rate as the whole run's.
    assert metrics[0].lr == pytest.approx(of(events.EpochMetrics, whole)[-1].lr)
    assert metrics[0].lr < 0.01 * config.lr
    xs = np.concatenate([b.epoch_x for b in of(events.BatchMetrics, evs)])
    assert xs[0] > 2.0 and xs[-1] == pytest.approx(3.0)
    # One epoch out of the middle of a longer schedule: what Step does after a Stop.
    after_one = of(events.WeightSnapshot, whole)[0]
    middle = run(config, sample, initial=after_one, first_epoch=2, last_epoch=2)
    assert [m.epoch for m in of(events.EpochMetrics, middle)] == [2]
    assert of(events.EpochMetrics, middle)[0].lr == pytest.approx(
        of(events.EpochMetrics, whole)[1].lr)
    assert middle[-1].epoch == 2 and not middle[-1].stopped


def test_three_continued_epochs_keep_a_converged_model(fashion):
    from softmax_gui import weights_io
    from softmax_gui.datasets_registry import get_spec

    snapshot, meta = weights_io.load_snapshot(get_spec("fashion-mnist").default_weights)
    config = TrainConfig.from_dict(meta["config"])
    start = snapshot.test_acc
    for _ in range(3):  # what Step does: one more epoch of the same run
        done = int(snapshot.epoch)
        evs = run(config.replace(epochs=max(config.epochs, done + 1)), fashion,
                  initial=snapshot, first_epoch=done + 1)
        snapshot = of(events.WeightSnapshot, evs)[-1]
    assert snapshot.epoch == 13
    assert snapshot.test_acc >= start - 0.002  # at most 0.2 points lost in all


def test_lr_schedules():
    assert training.lr_at(0, 100, 0.1, "constant") == 0.1
    assert training.lr_at(0, 100, 0.1, "cosine") == pytest.approx(0.1)
    assert training.lr_at(50, 100, 0.1, "cosine") == pytest.approx(0.05)
    assert training.lr_at(100, 100, 0.1, "cosine") == pytest.approx(0.0)
    assert training.lr_at(0, 100, 0.1, "onecycle") == pytest.approx(0.004)
    assert training.lr_at(30, 100, 0.1, "onecycle") == pytest.approx(0.1)
    assert training.lr_at(100, 100, 0.1, "onecycle") == pytest.approx(1e-5)


def test_scratch_continues_concise_weights_and_back(sample):
    concise = of(events.WeightSnapshot, run(TrainConfig(epochs=1), sample))[-1]
    config = TrainConfig(epochs=1, model="softmax-scratch", lr=1e-7, schedule="constant")
    evs = run(config, sample, initial=concise)
    scratch = of(events.WeightSnapshot, evs)[-1]
    assert of(events.EpochMetrics, evs)[0].test_acc == pytest.approx(concise.test_acc, abs=0.002)
    assert np.allclose(scratch.state["W"], concise.state["1.weight"], atol=1e-4)
    back = run(TrainConfig(epochs=1, lr=1e-7, schedule="constant"), sample, initial=scratch)
    assert of(events.EpochMetrics, back)[0].test_acc == pytest.approx(concise.test_acc, abs=0.002)
    assert training.can_continue("softmax", "softmax-scratch")
    assert not training.can_continue("softmax", "mlp")
    out_of_range = run(TrainConfig(epochs=2), sample, initial=concise, first_epoch=3)
    assert isinstance(out_of_range[-1], events.Failed) and "first_epoch" in out_of_range[-1].message


@pytest.mark.parametrize(("model", "optimizer"), [("softmax", "sgd"), ("softmax-scratch", "sgd"),
                                                  ("softmax-numpy", "sgd"), ("mlp", "adam")])
def test_a_stop_and_a_step_train_exactly_what_the_run_would_have(sample, model, optimizer):
    """Step after a Stop inside epoch 2 finishes epoch 2: the same order from the batch it
    stopped at, momentum (or Adam's moments) and schedule going on, and the epoch's train
    figures counting all of its batches."""
    config = TrainConfig(model=model, optimizer=optimizer, epochs=3, batch_size=128,
                         momentum=0.9, lr=0.01 if optimizer == "adam" else 0.1)
    whole = run(config, sample)
    stop = threading.Event()
    first = []
    for event in training.train(config, sample, stop=stop):
        first.append(event)
        if isinstance(event, events.BatchMetrics) and event.epoch == 2 and event.batch >= 20:
            stop.set()
    finished = first[-1]
    assert finished.stopped and 1 < finished.epoch < 2 and finished.resume.batch > 20
    stopped = dataclasses.replace(of(events.WeightSnapshot, first)[-1], resume=finished.resume)
    rest = run(config, sample, initial=stopped, first_epoch=2, last_epoch=2)
    started = rest[0]
    assert started.first_batch == finished.resume.batch
    assert started.start == pytest.approx(finished.epoch)
    xs = np.concatenate([b.epoch_x for b in of(events.BatchMetrics, rest)])
    assert xs[0] > finished.epoch and xs[-1] == pytest.approx(2.0)  # never back in x
    # The stopped curve reached the stop: no batch is missing between the two.
    before = np.concatenate([b.epoch_x for b in of(events.BatchMetrics, first)])
    assert before[-1] == pytest.approx(finished.epoch)
    assert len(before) + len(xs) == 2 * started.batches_per_epoch
    ends = {m.epoch: m for m in of(events.EpochMetrics, whole)}
    resumed = of(events.EpochMetrics, rest)[0]
    assert resumed.train_loss == pytest.approx(ends[2].train_loss, rel=1e-5)
    assert resumed.train_acc == pytest.approx(ends[2].train_acc, abs=1e-9)
    assert resumed.test_acc == ends[2].test_acc
    a = of(events.WeightSnapshot, whole)[1].state
    b = of(events.WeightSnapshot, rest)[-1].state
    assert max(float(np.abs(a[k] - b[k]).max()) for k in a) < 1e-6
    # And the finished run's resume point carries epoch 3 on as the whole run did.
    third = run(config, sample, initial=dataclasses.replace(
        of(events.WeightSnapshot, rest)[-1], resume=rest[-1].resume), first_epoch=3)
    c = of(events.WeightSnapshot, whole)[2].state
    d = of(events.WeightSnapshot, third)[-1].state
    assert max(float(np.abs(c[k] - d[k]).max()) for k in c) < 1e-5


def test_auto_trains_softmax_regression_on_the_cpu_beside_a_gpu(monkeypatch):
    """Issue 23's honest auto: measured on an H200 host, softmax regression trained faster
    on its CPU (0.90 s) than eagerly on CUDA (1.57 s); the CNN the other way round."""
    import torch

    from softmax_gui.training import AUTO_CPU, model_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *_: "NVIDIA H200")
    for model in ("softmax", "softmax-scratch", "softmax-pitfall"):
        device, named = model_device(TrainConfig(model=model, device="auto"))
        assert device.type == "cpu" and named.endswith(AUTO_CPU), named
    device, named = model_device(TrainConfig(model="softmax", device="cuda"))  # asked for
    assert device.type == "cuda" and named == "NVIDIA H200"
    for model in ("mlp", "cnn"):
        device, named = model_device(TrainConfig(model=model, device="auto"))
        assert device.type == "cuda" and named == "NVIDIA H200"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    device, named = model_device(TrainConfig(model="softmax", device="auto"))
    assert device.type == "cpu" and AUTO_CPU not in named  # no GPU: nothing to explain
