"""A sweep through Ray Tune (issue 22): the grid cut into trials that each train a chunk
with the batched engine, on a local Ray started by the test, ends as the same results as
the local engine's; the command line keeps the same record the window opens; without Ray
it says how to install it, and an address where nothing listens is refused at once."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from softmax_gui.config import TrainConfig
from softmax_gui.sweep import grid, train_sweep
from softmax_gui.sweep_ray import chunks

ray = pytest.importorskip("ray", reason="the cluster extra: pip install -e '.[cluster]'")
if os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1":  # CI installs the extra
    import ray.tune  # noqa: F401  (fails rather than skips there)


def test_chunks_keep_each_data_order_together_and_spread_a_large_group():
    configs = grid(TrainConfig(epochs=1), lr=[0.01, 0.1, 1.0], seed=[0, 1])
    configs.append(TrainConfig(model="mlp", epochs=1))
    parts = chunks(configs, pieces=2)
    assert sorted(i for part in parts for i in part) == list(range(7))
    for part in parts:
        assert len({(configs[i].seed, configs[i].model) for i in part}) == 1
    assert sorted(map(len, parts)) == [1, 1, 1, 2, 2]  # 3 per seed in 2 pieces; the MLP
    assert len(chunks(configs, pieces=1)) == 3


def test_a_sweep_through_a_local_ray_equals_the_local_engine(fashion):
    from softmax_gui.sweep_ray import train_sweep_ray

    configs = grid(TrainConfig(epochs=2), lr=[0.01, 0.05, 0.2], weight_decay=[0.0, 0.01])
    seen = []
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        through_ray = train_sweep_ray(configs, fashion,
                                      on_epoch=lambda done, total, _c: seen.append(
                                          (done, total)))
    finally:
        ray.shutdown()
    here = train_sweep(configs, fashion)
    for a, b in zip(through_ray, here):
        assert a.config == b.config
        assert abs(a.final_test_acc - b.final_test_acc) <= 1e-3
        assert len(a.test_acc) == len(b.test_acc) == 2
        for name in b.state:
            assert np.abs(a.state[name] - b.state[name]).max() <= 1e-4
    assert seen and seen[-1] == (12, 12)  # 6 models x 2 epochs, counted across the trials


def test_the_command_through_ray_keeps_the_record_the_window_opens(tmp_path):
    from softmax_gui.sweep_record import load_record

    record = tmp_path / "record"
    done = subprocess.run(
        [sys.executable, "-m", "softmax_gui", "sweep", "--engine", "ray", "--lr", "0.05,0.5",
         "--epochs", "1", "--json", "--save", str(record)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # stdout is the JSON document alone
    assert [run["config"]["lr"] for run in document["runs"]] == [0.05, 0.5]
    assert f"record: {record}" in done.stderr
    results, varied, _seconds = load_record(record)
    assert varied == ["lr"]
    assert [r.final_test_acc for r in results] == pytest.approx(
        [run["test_acc"] for run in document["runs"]])
    assert all(r.state is not None for r in results)


def test_without_ray_the_engine_says_how_to_install_it():
    code = ("import sys; sys.modules['ray'] = None\n"  # as if it were not installed
            "from softmax_gui.cli import main\n"
            "sys.exit(main(['sweep', '--engine', 'ray', '--epochs', '1']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: --engine ray needs Ray Tune, which is not "
                                   "installed: pip install 'softmax-studio[cluster]' (or "
                                   "pip install 'ray[tune]')")


def test_an_address_where_nothing_listens_is_refused_at_once(fashion):
    from softmax_gui.sweep import GridError
    from softmax_gui.sweep_ray import train_sweep_ray

    with pytest.raises(GridError, match="cannot reach the Ray cluster at 127.0.0.1:1"):
        train_sweep_ray([TrainConfig(epochs=1)], fashion, address="127.0.0.1:1")
