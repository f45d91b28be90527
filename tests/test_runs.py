"""Runs kept on disk survive restarts and never end up half-written."""

import numpy as np
import pytest

from softmax_gui import events, training
from softmax_gui.config import TrainConfig
from softmax_gui.inference import Predictor
from softmax_gui.runs import RunStore


@pytest.fixture(scope="module")
def finished(sample):
    evs = list(training.train(TrainConfig(epochs=2), sample))
    epochs = [e.__dict__ for e in evs if isinstance(e, events.EpochMetrics)]
    batches = [e for e in evs if isinstance(e, events.BatchMetrics)]
    x = np.concatenate([b.epoch_x for b in batches])
    loss = np.concatenate([b.loss for b in batches])
    return epochs, x, loss, [e for e in evs if isinstance(e, events.WeightSnapshot)][-1]


def test_save_list_load_delete(tmp_path, finished, sample):
    epochs, x, loss, snapshot = finished
    store = RunStore(tmp_path / "runs")
    saved = store.save(TrainConfig(epochs=2).to_dict(), epochs, x, loss, snapshot, 1.5, "#1")
    again = RunStore(tmp_path / "runs").list()  # a new store: as after a restart
    assert [r.id for r in again] == [saved.id]
    run = again[0]
    assert run.info["test_acc"] == epochs[-1]["test_acc"] and run.info["config"]["epochs"] == 2
    assert np.allclose(run.curves()["loss"], loss)
    images = sample.test_images[:100].numpy() / 255.0
    assert np.allclose(Predictor(run.weights()).logits(images), Predictor(snapshot).logits(images),
                       atol=1e-4)
    store.delete(run)
    assert store.list() == []


def test_failed_save_leaves_nothing(tmp_path, finished, monkeypatch):
    epochs, x, loss, snapshot = finished
    store = RunStore(tmp_path / "runs")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("softmax_gui.weights_io.save", broken)
    with pytest.raises(OSError):
        store.save({}, epochs, x, loss, snapshot, 1.0, "x")
    assert list((tmp_path / "runs").iterdir()) == []
    assert store.list() == []
