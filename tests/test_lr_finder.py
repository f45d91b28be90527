"""The learning-rate finder (softmax_gui/lr_finder.py): it climbs until the loss
explodes, suggests a rate that trains, and leaves the weights it started from alone."""

import numpy as np

from softmax_gui import cli, events, training
from softmax_gui.config import TrainConfig
from softmax_gui.lr_finder import find_lr


def test_the_rate_climbs_until_the_loss_explodes_and_the_suggestion_trains(fashion):
    finding = find_lr(TrainConfig(), fashion)
    assert finding.stopped_early and len(finding.lrs) < 100
    assert finding.lrs[0] == 1e-7 and np.all(np.diff(finding.lrs) > 0)
    # It stopped because the smoothed loss passed 4x its best, and not before.
    assert finding.smoothed[-1] > 4 * finding.smoothed[:-1].min()
    assert np.all(finding.smoothed[:-1] <= 4 * np.minimum.accumulate(finding.smoothed[:-1]))
    suggested = finding.suggested
    assert 1e-4 < suggested < finding.lrs[np.argmin(finding.smoothed)]
    # One epoch at the suggested rate trains: what a suggestion is for.
    run = list(training.train(TrainConfig(lr=suggested, epochs=1), fashion))
    assert [e for e in run if isinstance(e, events.Finished)][0].test_acc > 0.8


def test_it_starts_from_given_weights_and_leaves_them_as_they_were(sample):
    snapshot = [e for e in training.train(TrainConfig(epochs=1), sample)
                if isinstance(e, events.WeightSnapshot)][-1]
    before = {k: v.copy() for k, v in snapshot.state.items()}
    fresh = find_lr(TrainConfig(), sample, steps=20)
    trained = find_lr(TrainConfig(), sample, initial=snapshot, steps=20)
    assert trained.losses[0] < fresh.losses[0] - 1.0  # it began where those weights were
    assert all(np.array_equal(before[k], snapshot.state[k]) for k in before)


def test_the_command_ends_with_the_suggested_rate(sample, capsys):
    from softmax_gui.datasets_registry import get_spec

    assert cli.main(["lr-find", "--data-dir", str(get_spec("fashion-mnist").sample_dir)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("suggested_lr=") and float(last.split("=")[1]) > 0
