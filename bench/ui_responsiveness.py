"""The window stays responsive: event-loop lag while it trains and during long actions.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/ui_responsiveness.py [--repeats 3]

A 5 ms QTimer probe records how late each tick fires.

1. While a 10-epoch softmax run streams into the real window: lag percentiles, and the
   training time against a headless run of the same config in the same process.
2. During each long action a person can start, the largest stall of the event loop:
   opening the window until it is ready (torch and the dataset), loading a dataset,
   the first ONNX export, opening an 8000x8000 image. Beside it, how long the same work
   takes when done directly, which is how long the window froze when it was done on
   the GUI thread.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _window import open_window, train, wait_for


class Probe:
    """A 5 ms timer; ``lags()`` are how late its ticks fired, in ms."""

    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.ticks: list[int] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.ticks.append(self.clock.nsecsElapsed()))

    def __enter__(self):
        self.clock.start()
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()

    def lags(self) -> np.ndarray:
        intervals = np.diff(np.asarray(self.ticks)) / 1e6
        return np.maximum(intervals - 5.0, 0.0) if len(intervals) else np.zeros(1)


def headless_seconds(config, dataset) -> float:
    from softmax_gui import events, training

    for event in training.train(config, dataset):
        if isinstance(event, events.Finished):
            return event.train_seconds
    raise SystemExit("headless run failed")


def training_lag(app, window, repeats: int) -> None:
    from softmax_gui.config import TrainConfig

    config, dataset = TrainConfig(), window.session.dataset
    train(app, window, config)  # warm-up: the trainer process spawns on the first run
    headless_seconds(config, dataset)
    gui, headless, lags = [], [], []
    for _ in range(repeats):
        with Probe() as probe:
            gui.append(train(app, window, config).train_seconds)
        lags.append(probe.lags())
        headless.append(headless_seconds(config, dataset))
    lag = np.concatenate(lags)
    print(f"training {config.summary()}, {repeats} repeats, platform {app.platformName()}")
    print(f"  event-loop lag over {len(lag)} ticks: p50 {np.percentile(lag, 50):.1f} ms, "
          f"p99 {np.percentile(lag, 99):.1f} ms, max {lag.max():.1f} ms")
    g, h = statistics.median(gui), statistics.median(headless)
    print(f"  training time, median: GUI {g:.2f} s, headless {h:.2f} s, ratio {g / h:.2f}x")


def stall(app, name: str, start, done, direct) -> None:
    """Run ``start()``, wait for ``done()``; print its largest stall and ``direct()``'s time."""
    with Probe() as probe:
        t0 = time.perf_counter()
        start()
        wait_for(app, done)
        took = time.perf_counter() - t0
    t0 = time.perf_counter()
    direct()
    direct_s = time.perf_counter() - t0
    print(f"  {name:32s} largest stall {probe.lags().max():6.1f} ms over {took:5.2f} s; "
          f"the same work done directly: {direct_s:5.2f} s")


def action_stalls(app, window) -> None:
    from PIL import Image

    from softmax_gui import data, weights_io
    from softmax_gui.preprocess import fit_square, load_image_file

    session, folder = window.session, Path(tempfile.mkdtemp())
    print("largest event-loop stall during long actions (window) vs the work done directly:")
    name = session.dataset.name
    changed = []
    session.dataset_changed.connect(changed.append)
    stall(app, "load the dataset", lambda: session.load_dataset(name),
          lambda: bool(changed), lambda: data.load(name))
    messages = []
    session.message.connect(messages.append)
    onnx = folder / "first.onnx"
    snapshot = session.weights.snapshot
    stall(app, "first ONNX export (helper process)",
          lambda: window.weights_actions.export(str(onnx)),
          lambda: any("Exported" in m for m in messages),
          lambda: weights_io.save(snapshot, folder / "direct.onnx"))
    big = folder / "big.png"
    pixels = np.zeros((8000, 8000), np.uint8)
    pixels[2000:6000, 3000:5000] = 200
    Image.fromarray(pixels).save(big)
    inferred = []
    window.draw_panel.inferred.connect(inferred.append)
    stall(app, "open an 8000x8000 image", lambda: window.draw_panel.load_file(str(big)),
          lambda: bool(inferred), lambda: fit_square(load_image_file(big), 280))


def start_up_stall() -> tuple:
    """Open the window and measure the event loop until it is ready."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    # The probe's timer needs the application; open_window() then reuses it.
    _ = QApplication.instance() or QApplication([])
    with Probe() as probe:
        t0 = time.perf_counter()
        app_, window = open_window()
        took = time.perf_counter() - t0
    print(f"  {'open the window until ready':32s} largest stall {probe.lags().max():6.1f} ms "
          f"over {took:5.2f} s (Start and Step are disabled until then)")
    return app_, window


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    app, window = start_up_stall()
    action_stalls(app, window)
    training_lag(app, window, args.repeats)
    window.close()


if __name__ == "__main__":
    main()
