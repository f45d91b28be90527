"""Event-loop lag while the window trains, next to a headless run of the same config.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/ui_responsiveness.py [--repeats 3]

A 5 ms QTimer probe records how late each tick fires while a 10-epoch softmax run
streams into the real window; the lag percentiles say whether the window stays
responsive. The same config then runs headless (no Qt) in the same process, and the
training times are compared (medians over the repeats).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def headless_seconds(config, dataset) -> float:
    from softmax_gui import events, training

    for event in training.train(config, dataset):
        if isinstance(event, events.Finished):
            return event.train_seconds
    raise SystemExit("headless run failed")


def gui_run(window, qapp) -> tuple[float, float, np.ndarray]:
    """Train in the window; returns (engine seconds, wall seconds, probe lags in ms)."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    ticks: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(lambda: ticks.append(clock.nsecsElapsed()))
    loop = QEventLoop()
    result = {}
    window.run_finished.connect(lambda event: (result.setdefault("event", event), loop.quit()))
    probe.start()
    t0 = time.perf_counter()
    window.start()
    loop.exec()
    wall = time.perf_counter() - t0
    probe.stop()
    intervals = np.diff(np.asarray(ticks)) / 1e6
    return result["event"].train_seconds, wall, np.maximum(intervals - 5.0, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from softmax_gui import data
    from softmax_gui.config import TrainConfig
    from softmax_gui.qt.main_window import MainWindow

    sys.setswitchinterval(0.0005)  # as softmax_gui.qt.app.main does, for both runs
    app = QApplication([])
    dataset = data.load("fashion-mnist", download=False)
    print(f"data: {dataset.describe()}")
    config = TrainConfig()
    window = MainWindow(QSettings())
    window.show()
    app.processEvents()
    window.load_dataset("fashion-mnist")
    window.panel.set_config(config)

    # Warm-up, not timed: the trainer process spawns (imports torch) on the first run.
    gui_run(window, app)
    headless_seconds(config, dataset)
    gui_times, walls, lags, headless = [], [], [], []
    for _ in range(args.repeats):
        seconds, wall, lag = gui_run(window, app)
        gui_times.append(seconds)
        walls.append(wall)
        lags.append(lag)
        headless.append(headless_seconds(config, dataset))
    lag = np.concatenate(lags)
    print(f"config: {config.summary()}, {args.repeats} repeats, platform "
          f"{app.platformName()}")
    print(f"event-loop lag over {len(lag)} probe ticks (5 ms timer): "
          f"p50 {np.percentile(lag, 50):.1f} ms, p99 {np.percentile(lag, 99):.1f} ms, "
          f"max {lag.max():.1f} ms")
    g, h = statistics.median(gui_times), statistics.median(headless)
    print(f"training time, median: GUI {g:.2f} s (wall incl. start/finish "
          f"{statistics.median(walls):.2f} s), headless {h:.2f} s, ratio {g / h:.2f}x")
    window.close()


if __name__ == "__main__":
    main()
