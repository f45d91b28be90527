"""The bundled default weights are what the README's command makes."""

import pytest

from softmax_gui import events, weights_io
from softmax_gui.config import TrainConfig


def test_default_weights_reproducible_from_readme_command(fashion, default_run):
    # README: python -m softmax_gui train --epochs 10 --seed 0 --export <file>
    snapshot, meta = weights_io.load_snapshot(fashion.spec.default_weights)
    assert meta["config"] == TrainConfig(epochs=10, seed=0).to_dict()
    assert snapshot.test_acc >= 0.845
    # That command is TrainConfig()'s defaults: the run the session trains once.
    assert TrainConfig.from_dict(meta["config"]) == TrainConfig()
    finished = [e for e in default_run if isinstance(e, events.Finished)][0]
    assert finished.test_acc == pytest.approx(meta["test_acc"], abs=0.002)
