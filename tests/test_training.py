"""The training engine, driven synchronously as DESIGN.md rule 2 asks."""

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
def test_default_ten_epochs_reach_0845(fashion, model):
    evs = run(TrainConfig(model=model), fashion)
    finished = evs[-1]
    assert isinstance(finished, events.Finished) and not finished.stopped
    assert finished.epochs_done == 10
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


def test_diverging_learning_rate_fails_clearly_and_keeps_finite_weights(sample):
    evs = run(TrainConfig(lr=1e6, epochs=3, model="softmax-scratch", standardize=False),
              sample)
    failed = evs[-1]
    assert isinstance(failed, events.Failed)
    assert "learning rate" in failed.message and "smaller" in failed.message
    last = of(events.WeightSnapshot, evs)[-1]
    assert all(np.isfinite(v).all() for v in last.state.values())


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
    assert isinstance(seen[-1], events.Finished) and seen[-1].stopped
    assert seen[-1].epochs_done == 1
    assert isinstance(seen[-2], events.WeightSnapshot)


def test_pause_holds_the_run_until_cleared(sample):
    pause = threading.Event()
    pause.set()
    gen = training.train(TrainConfig(epochs=1), sample, pause=pause)
    assert isinstance(next(gen), events.Started)
    result = []
    worker = threading.Thread(target=lambda: result.append(next(gen)))
    worker.start()
    worker.join(0.3)
    assert worker.is_alive() and not result  # held by the pause
    pause.clear()
    worker.join(5)
    assert isinstance(result[0], events.BatchMetrics)
    gen.close()


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
