"""Sweeps (softmax_gui/sweep.py): models trained in one product end as they would alone;
one that explodes ends alone; a bad grid is refused in one line."""

import json
import threading

import numpy as np
import pytest

from softmax_gui import cli, events, training
from softmax_gui.config import TrainConfig
from softmax_gui.sweep import GridError, grid, train_sweep


def _alone(config, data):
    """What training.train makes of ``config``: its last snapshot and its epochs."""
    run = list(training.train(config, data))
    snapshot = [e for e in run if isinstance(e, events.WeightSnapshot)][-1]
    epochs = [e for e in run if isinstance(e, events.EpochMetrics)]
    return snapshot, epochs


def test_a_3x2_grid_trained_at_once_ends_as_each_configuration_alone(sample):
    """Learning rate x weight decay, 10 epochs (470 steps) on the CPU: every model's
    weights within 1e-4 of its own run, every epoch's test accuracy within 0.001.
    (bench/sweep.py measures the same on the full set.)

    Rates where momentum makes training chaotic are left out: there float32 rounding
    grows until two runs differ by 0.1 in W, and the same single run on 1 and on 2
    threads differs as much (lr 0.3 on the full set, measured)."""
    configs = grid(TrainConfig(epochs=10, batch_size=128), lr=[0.003, 0.01, 0.03],
                   weight_decay=[0.0, 1e-3])
    assert len(configs) == 6
    results = train_sweep(configs, sample)
    for config, result in zip(configs, results):
        snapshot, epochs = _alone(config, sample)
        assert result.batched and not result.diverged
        assert (result.mean, result.std) == (snapshot.mean, snapshot.std)
        worst = max(np.abs(result.state[k] - snapshot.state[k]).max() for k in snapshot.state)
        assert worst <= 1e-4, (config.lr, config.weight_decay, worst)
        assert len(result.test_acc) == 10
        assert np.allclose(result.test_acc, [e.test_acc for e in epochs], atol=1e-3)
        assert np.allclose(result.train_loss, [e.train_loss for e in epochs], atol=1e-3)
        assert np.allclose(result.train_acc, [e.train_acc for e in epochs], atol=1e-3)
    # Different settings, different models: the grid is not six copies of one run.
    assert len({round(r.train_loss[-1], 6) for r in results}) == 6


def test_a_model_that_explodes_ends_alone_and_the_others_go_on(sample):
    configs = grid(TrainConfig(epochs=2), lr=[0.1, 1000.0], seed=[0, 1])
    results = train_sweep(configs, sample)
    for config, result in zip(configs, results):
        if config.lr == 1000.0:
            assert result.diverged.startswith("The loss exploded in epoch 1")
            assert result.state is None and result.test_acc == []
        else:
            snapshot, _ = _alone(config, sample)
            assert not result.diverged and len(result.test_acc) == 2
            worst = max(np.abs(result.state[k] - snapshot.state[k]).max()
                        for k in snapshot.state)
            assert worst <= 1e-5
    # Two seeds: two groups, each with its own initial weights and data order.
    assert results[0].state["1.weight"].tolist() != results[1].state["1.weight"].tolist()


def test_what_cannot_share_a_product_is_trained_alone_with_the_same_result(sample):
    configs = grid(TrainConfig(epochs=1), optimizer=["sgd", "adam"])
    sgd, adam = train_sweep(configs, sample)
    assert sgd.batched and not adam.batched
    snapshot, _ = _alone(configs[1], sample)
    assert all(np.array_equal(adam.state[k], snapshot.state[k]) for k in snapshot.state)


def test_stop_ends_the_sweep_with_the_epochs_finished(sample):
    class StopAfterFirstEpoch:
        def __init__(self):
            self.epochs = 0

        def is_set(self):
            return self.epochs >= 1

    stop = StopAfterFirstEpoch()
    reported = []

    def counted(done, total, curves):
        stop.epochs = done
        reported.append((done, total, curves))

    configs = grid(TrainConfig(epochs=3), lr=[0.05, 0.1])
    results = train_sweep(configs, sample, stop=stop, on_epoch=counted)
    assert [len(r.test_acc) for r in results] == [1, 1]
    assert all(r.state is not None for r in results)
    # One report for the group's first epoch: both models, their accuracy so far.
    assert reported == [(2, 6, {0: results[0].test_acc, 1: results[1].test_acc})]


def test_pause_holds_the_sweep_until_cleared(sample):
    pause, stop = threading.Event(), threading.Event()
    pause.set()
    reported = []
    configs = grid(TrainConfig(epochs=1), lr=[0.05, 0.1], optimizer=["sgd", "adam"])
    worker = threading.Thread(target=lambda: reported.append(train_sweep(
        configs, sample, stop=stop, pause=pause)))
    worker.start()
    worker.join(1.0)
    assert worker.is_alive() and not reported  # held: not one epoch ended
    pause.clear()
    worker.join(120)
    assert [len(r.test_acc) for r in reported[0]] == [1, 1, 1, 1]


@pytest.mark.parametrize(("values", "said"), [
    ({"lr": []}, "--lr has no values"),
    ({"lr": [0.0, 0.1]}, "lr must be a number"),
    ({"lr": [0.001 * (i + 1) for i in range(1000)], "seed": list(range(1000))},
     "1,000,000 configurations"),
    ({"colour": ["red"]}, "colour is not a hyper-parameter"),
])
def test_a_bad_grid_is_refused_in_words(values, said):
    with pytest.raises(GridError, match=said):
        grid(TrainConfig(), **values)


def test_the_command_prints_a_line_per_configuration_then_its_count(sample, capsys):
    from softmax_gui.datasets_registry import get_spec

    folder = str(get_spec("fashion-mnist").sample_dir)
    assert cli.main(["sweep", "--lr", "0.05,0.1", "--seed", "0 to 1, 2", "--epochs", "1",
                     "--data-dir", folder]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("data: ")
    rows = lines[1:-2]
    assert len(rows) == 4
    assert lines[-2].startswith("record: ")  # kept where the window's Open sweep… looks
    assert rows[0].startswith("lr=0.05 batch_size=512 weight_decay=0.0 momentum=0.9 seed=0 "
                              "test_acc=0.")
    assert lines[-1].startswith("sweep: 4 runs in ") and lines[-1].endswith(" s")

    assert cli.main(["sweep", "--lr", "0.1", "--epochs", "2", "--json",
                     "--data-dir", folder]) == 0
    document = json.loads(capsys.readouterr().out)
    (run,) = document["runs"]
    assert run["config"]["lr"] == 0.1 and run["config"]["epochs"] == 2
    assert len(run["test_acc_per_epoch"]) == 2 and run["test_acc"] == run[
        "test_acc_per_epoch"][-1]
    assert document["seconds"] > 0


@pytest.mark.parametrize("argv", [["--lr", ","], ["--lr", "0,1"], ["--batch-size", "x"],
                                  ["--lr", "0.1 to 1, 500"], ["--seed", "1.5"]])
def test_the_command_refuses_a_bad_grid_in_one_line(argv, capsys):
    assert cli.main(["sweep", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err


@pytest.mark.parametrize("schedule", ["constant", "cosine", "onecycle"])
def test_the_rate_table_is_the_engine_s_own_schedule(schedule):
    from softmax_gui.sweep import lr_at_steps

    steps = np.arange(0, 1300)
    table = lr_at_steps(steps, 1180, 0.3, schedule)
    assert np.allclose(table, [training.lr_at(int(s), 1180, 0.3, schedule) for s in steps],
                       rtol=1e-12, atol=0)


def test_a_sweep_is_kept_as_one_record_and_read_back_whole(sample, tmp_path):
    from softmax_gui.sweep_record import WEIGHTS, load_record, save_record

    configs = grid(TrainConfig(epochs=2), lr=[0.05, 0.1], optimizer=["sgd", "adam"])
    results = train_sweep(configs, sample)
    save_record(tmp_path / "sweep", results, ["lr", "optimizer"], 1.5)
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir()) == ["sweep.json", WEIGHTS]
    back, varied, seconds = load_record(tmp_path / "sweep")
    assert varied == ["lr", "optimizer"] and seconds == 1.5
    for old, new in zip(results, back, strict=True):
        assert new.config == old.config and new.test_acc == old.test_acc
        assert new.train_loss == old.train_loss and new.batched == old.batched
        assert set(new.state) == set(old.state)
        assert all(np.array_equal(new.state[k], old.state[k]) for k in old.state)


@pytest.mark.parametrize("damage", ["no folder", "truncated record", "not a list",
                                    "weights garbage", "a lr of 0"])
def test_a_damaged_sweep_record_is_refused_in_one_line(sample, tmp_path, damage):
    from softmax_gui.sweep_record import (
        RECORD,
        WEIGHTS,
        SweepRecordError,
        load_record,
        save_record,
    )

    folder = tmp_path / "sweep"
    if damage != "no folder":
        save_record(folder, train_sweep(grid(TrainConfig(epochs=1), lr=[0.1]), sample),
                    ["lr"], 1.0)
    record = folder / RECORD
    if damage == "truncated record":
        record.write_text(record.read_text()[:40])
    elif damage == "not a list":
        record.write_text(json.dumps({"runs": 3, "varied": [], "seconds": 1}))
    elif damage == "weights garbage":
        (folder / WEIGHTS).write_bytes(b"\xff" * 64)
    elif damage == "a lr of 0":
        info = json.loads(record.read_text())
        info["runs"][0]["config"]["lr"] = 0
        record.write_text(json.dumps(info))
    with pytest.raises(SweepRecordError) as caught:
        load_record(folder)
    assert "\n" not in str(caught.value) and "is not a sweep this app can open" in str(
        caught.value)
