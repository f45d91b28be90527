"""Runs kept on disk survive restarts and never end up half-written."""

import numpy as np
import pytest

from softmax_gui import events, training
from softmax_gui.config import TrainConfig
from softmax_gui.inference import Predictor
from softmax_gui.run_history import RunHistory, write_csv
from softmax_gui.runs import RunStore


@pytest.fixture(scope="module")
def finished(sample):
    config = TrainConfig(epochs=2)
    history = RunHistory(1, "#1", config.to_dict())
    snapshot = None
    for event in training.train(config, sample):
        if isinstance(event, events.BatchMetrics):
            history.add_batches(event)
        elif isinstance(event, events.EpochMetrics):
            history.add_epoch(event)
        elif isinstance(event, events.WeightSnapshot):
            snapshot = event
    return history, snapshot


def test_save_list_load_delete(tmp_path, finished, sample):
    history, snapshot = finished
    store = RunStore(tmp_path / "runs")
    saved = store.save(history, snapshot)
    again = RunStore(tmp_path / "runs").list()  # a new store: as after a restart
    assert [r.id for r in again] == [saved.id]
    run = again[0]
    assert run.info["test_acc"] == history.epochs[-1]["test_acc"] == snapshot.test_acc
    assert run.info["config"]["epochs"] == 2 and run.info["epoch"] == 2
    assert np.allclose(run.curves()["loss"], history.batch_loss)
    overlay = run.history(7)
    assert overlay.saved and overlay.number == 7 and overlay.column("epoch") == [1.0, 2.0]
    images = sample.test_images[:100].numpy() / 255.0
    assert np.allclose(Predictor(run.weights()).logits(images), Predictor(snapshot).logits(images),
                       atol=1e-4)
    store.delete(run)
    assert store.list() == []


def test_csv_has_a_row_per_run_and_epoch(tmp_path, finished):
    history, _ = finished
    write_csv([history, run_copy(history, 2)], tmp_path / "m.csv")
    rows = (tmp_path / "m.csv").read_text().strip().splitlines()
    assert rows[0] == ("run,settings,epoch,train_loss,train_acc,test_loss,test_acc,seconds,"
                       "test_ece")
    assert len(rows) == 1 + 2 * 2 and rows[3].startswith("2,#1,1.0,")


def run_copy(history, number):
    return RunHistory(number, history.label, history.config, history.batch_x,
                      history.batch_loss, history.epochs)


def test_failed_save_leaves_nothing(tmp_path, finished, monkeypatch):
    history, snapshot = finished
    store = RunStore(tmp_path / "runs")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("softmax_gui.weights_io.save", broken)
    with pytest.raises(OSError):
        store.save(history, snapshot)
    assert list((tmp_path / "runs").iterdir()) == []
    assert store.list() == []


def test_run_numbers_last_and_older_records_still_list(tmp_path, finished):
    import dataclasses
    import json

    history, snapshot = finished
    store = RunStore(tmp_path / "runs")
    store.save(dataclasses.replace(history, number=12), snapshot)
    assert RunStore(tmp_path / "runs").highest_number() == 12
    # A record from before numbers and calibration were kept: listed, counted, no number.
    old = store.save(history, snapshot)
    info = json.loads((old.path / "run.json").read_text())
    del info["number"]
    for row in info["epochs"]:
        del row["test_ece"]
    (old.path / "run.json").write_text(json.dumps(info))
    runs = RunStore(tmp_path / "runs").list()
    assert sorted(str(r.number) for r in runs) == ["12", "None"]
    assert not store.damaged
    # A calibration figure of the wrong type is damage, not a crash later in the plot.
    info["epochs"][0]["test_ece"] = "x"
    (old.path / "run.json").write_text(json.dumps(info))
    assert len(store.list()) == 1 and len(store.damaged) == 1
