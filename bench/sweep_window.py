"""The window while a sweep of 100 softmax regressions streams in: event-loop lag and
memory.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/sweep_window.py [--epochs 10]

The Lab's Sweep page trains 10 learning rates x 10 weight decays (one seed) as a person
starts it; a 5 ms QTimer probe (bench/ui_responsiveness.py) records how late each tick
fires while the curves grow, and the resident memory is read before, at the end and
after the results are shown. Targets (issue 22): p99 lag <= 50 ms, memory <= +200 MB.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _window import open_window, wait_for
from soak_cycles import rss_mb
from ui_responsiveness import Probe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    app, window = open_window()
    view = window.tabs.lab.sweep
    window.tabs.setCurrentWidget(window.tabs.lab)
    window.tabs.lab.setCurrentWidget(view)
    form = view.form
    form.values[0].setText("0.001 to 1, 10 log")
    form.parameters[1].setCurrentIndex(form.parameters[1].findData("weight_decay"))
    form.values[1].setText("0.00001 to 0.1, 10 log")
    form.epochs.setValue(args.epochs)
    wait_for(app, lambda: True)
    before = rss_mb()
    with Probe() as probe:
        t0 = time.perf_counter()
        view.train_button.click()
        wait_for(app, lambda: view.train_button.isEnabled())
        seconds = time.perf_counter() - t0
    after = rss_mb()
    lags = probe.lags()
    print(f"{view.results.table.rowCount()} runs x {args.epochs} epochs in the window: "
          f"{seconds:.1f} s")
    print(f"event-loop lag p50 {np.percentile(lags, 50):.1f} ms, p99 "
          f"{np.percentile(lags, 99):.1f} ms, max {lags.max():.1f} ms (target p99 <= 50)")
    print(f"resident memory {before:.0f} -> {after:.0f} MB: {after - before:+.0f} MB "
          "(target <= +200)")


if __name__ == "__main__":
    main()
