"""The window's state without a window: softmax_gui/app_state.py imports no Qt and its
events fire when, and only when, a field changes."""

import subprocess
import sys

import numpy as np
import pytest

from softmax_gui import events
from softmax_gui.active_weights import ActiveWeights
from softmax_gui.app_state import AppState, Example
from softmax_gui.run_history import RunHistory


def _weights(label: str, run: int | None = None) -> ActiveWeights:
    snapshot = events.WeightSnapshot(epoch=1.0, model="softmax",
                                     state={"w": np.zeros((2, 2))}, mean=0.0, std=1.0,
                                     classes=("a", "b"), dataset="fashion-mnist")
    return ActiveWeights(snapshot, predictor=None, probabilities=np.full((3, 2), 0.5),
                         label=label, config={}, run=run)


def _heard(state: AppState) -> list[tuple[str, object]]:
    heard = []
    for name in ("weights", "viewed", "temperature", "example", "runs", "running",
                 "explained_class", "selected", "previous"):
        # (new, old): psygnal passes the old value too to a callback that takes two.
        getattr(state.events, name).connect(
            lambda new, old, n=name: heard.append((n, new)))
    return heard


def test_it_imports_and_works_with_qt_blocked():
    code = ("import sys\n"
            "for blocked in ('PySide6', 'pyqtgraph', 'PyQt5', 'PyQt6'):\n"
            "    sys.modules[blocked] = None\n"
            "from softmax_gui.app_state import AppState\n"
            "state, heard = AppState(), []\n"
            "state.events.temperature.connect(heard.append)\n"
            "state.temperature = 2.0\n"
            "print(heard)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[2.0]"


def test_a_callback_gets_the_new_value_and_if_it_asks_the_old_one():
    state, got = AppState(), []
    state.events.selected.connect(got.append)
    state.events.selected.connect(lambda new, old: got.append((new, old)))
    state.selected = 7
    state.selected = 9
    assert got == [7, (7, None), 9, (9, 7)]


def test_an_event_fires_once_per_change_and_never_for_the_same_value():
    state = AppState()
    heard = _heard(state)
    state.temperature = 0.5
    state.temperature = 0.5
    state.selected = 3
    state.selected = 3
    state.selected = None
    assert heard == [("temperature", 0.5), ("selected", 3), ("selected", None)]


def test_objects_compare_by_identity_never_by_their_arrays():
    """Two examples with equal pixels are two examinations (a stroke that changed
    nothing still re-explains); the same weights set twice are one event, and comparing
    them never asks numpy for the truth of an array."""
    state = AppState()
    heard = _heard(state)
    pixels = np.zeros((28, 28), np.float32)
    first, second = (Example("drawing", pixels, np.zeros(10), on_canvas=True)
                     for _ in range(2))
    state.example = first
    state.example = first
    state.example = second
    weights = _weights("run #1", run=1)
    state.weights = weights
    state.weights = weights
    assert [n for n, _ in heard] == ["example", "example", "weights"]
    assert heard[1][1] is second


def test_the_weights_shown_are_the_viewed_epoch_else_the_active_ones():
    state = AppState()
    assert state.shown_weights is None
    active, epoch = _weights("active", run=1), _weights("epoch 1 (timeline)", run=1)
    state.weights = active
    assert state.shown_weights is active
    state.viewed = epoch
    assert state.shown_weights is epoch
    state.viewed = None
    assert state.shown_weights is active


def test_revert_waits_for_the_run_and_needs_weights_to_go_back_to():
    state = AppState()
    assert not state.can_revert
    state.previous = _weights("before")
    assert state.can_revert
    state.running = 4
    assert not state.can_revert
    state.running = None
    assert state.can_revert


@pytest.mark.parametrize("replace", [False, True])
def test_the_runs_are_a_tuple_replaced_whole_or_announced_when_one_changes(replace):
    state = AppState()
    heard = _heard(state)
    one, two = RunHistory(1, "#1 softmax"), RunHistory(2, "#2 mlp")
    state.runs = (one, two)
    assert state.run(2) is two and state.run(3) is None
    if replace:
        state.runs = tuple(r for r in state.runs if r.number != 1)
        assert state.runs == (two,)
    else:
        two.status = "exploded"
        state.announce_runs()  # what session.runs does for a label or status
    assert [n for n, _ in heard] == ["runs", "runs"]
