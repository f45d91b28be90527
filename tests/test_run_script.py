"""A run exported as a Python script trains the same run again, with torch alone: the
script runs in a subprocess that cannot import this app, and ends at the run's test
accuracy (issue 26: to 1e-4)."""

import os
import re
import subprocess
import sys

import pytest

from softmax_gui import events, training
from softmax_gui.config import TrainConfig
from softmax_gui.run_script import script_for

CONFIGS = {
    "concise, the default": TrainConfig(epochs=2),
    "from scratch, constant rate, raw pixels": TrainConfig(
        model="softmax-scratch", epochs=2, momentum=0.0, schedule="constant",
        batch_size=256, standardize=False),
    "NumPy with weight decay": TrainConfig(model="softmax-numpy", epochs=2,
                                           weight_decay=0.001, seed=3),
    "the pitfall": TrainConfig(model="softmax-pitfall", epochs=1),
    "Adam, one-cycle": TrainConfig(optimizer="adam", lr=0.001, schedule="onecycle",
                                   epochs=2),
    "MLP": TrainConfig(model="mlp", hidden=64, epochs=1, seed=1),
    "CNN": TrainConfig(model="cnn", epochs=1, batch_size=1024),
}


def final_accuracy(config, dataset) -> float:
    for event in training.train(config, dataset):
        assert not isinstance(event, events.Failed), event
        if isinstance(event, events.Finished):
            return event.test_acc


@pytest.mark.parametrize("name", CONFIGS)
def test_the_exported_script_reproduces_the_run(name, fashion, tmp_path):
    config = CONFIGS[name]
    expected = final_accuracy(config, fashion)
    text = script_for(config, fashion.classes, str(fashion.source.path), f"run: {name}")
    assert "softmax_gui" not in text and len(text.splitlines()) <= 175
    for d2l_name in ("cross_entropy", "train_epoch_ch3", "evaluate_accuracy"):
        assert d2l_name in text
    script = tmp_path / "run.py"
    script.write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-I", str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    assert len(lines) == config.epochs + 1
    assert all(re.match(rf"epoch {e}/{config.epochs} train_loss=", line)
               for e, line in enumerate(lines[:-1], 1))
    got = float(re.fullmatch(r"test_acc=([0-9.]+)", lines[-1]).group(1))
    assert abs(got - expected) <= 1e-4


def test_the_script_takes_another_data_folder_and_refuses_none(fashion, tmp_path):
    script = tmp_path / "run.py"
    script.write_text(script_for(TrainConfig(epochs=1), fashion.classes, "/nowhere",
                                 "run"))
    out = subprocess.run([sys.executable, "-I", str(script), "--data-dir",
                          str(fashion.source.path)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip().splitlines()[-1].startswith("test_acc=")
    out = subprocess.run([sys.executable, "-I", str(script)], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert out.returncode != 0 and "nowhere" in out.stderr
