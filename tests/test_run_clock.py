"""The ETA's clock counts training time only: paused time is left out."""

from softmax_gui.qt.training import run_controls
from softmax_gui.qt.training.run_controls import RunClock


def test_paused_time_does_not_count(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(run_controls.time, "monotonic", lambda: now[0])
    clock = RunClock()
    assert clock.elapsed() == 0.0
    clock.start()
    now[0] = 110.0
    clock.pause(True)
    now[0] = 170.0  # a minute paused
    assert clock.elapsed() == 10.0
    clock.pause(False)
    now[0] = 175.0
    assert clock.elapsed() == 15.0
    clock.pause(False)  # resuming twice changes nothing
    assert clock.elapsed() == 15.0
