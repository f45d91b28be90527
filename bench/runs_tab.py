"""The Runs tab with a kept sweep of 1,000 runs: listing it, opening it out, filtering.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/runs_tab.py [--runs 1000]

A sweep of 10 learning rates x 10 weight decays x 10 seeds (2 epochs of the bundled
sample, so that it is made in seconds) is kept as the window keeps one
(softmax_gui/sweep_record.py); then, in the window, each of these is timed on the GUI
thread (median of 5): the list read again with the record changed on disk, and
unchanged (a run saved elsewhere refreshes the tab); the sweep opened out into its
rows; a filter typed that finds 100 of its runs. Issue 22: 1,000 models stay under
~50 MB on disk and the Runs tab stays responsive (each under 100 ms, rule 9 of
docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _window import open_window, wait_for


def timed(action, times: int = 5) -> float:
    """The median milliseconds of ``action()`` over ``times`` calls."""
    spans = []
    for _ in range(times):
        t0 = time.perf_counter()
        action()
        spans.append((time.perf_counter() - t0) * 1000)
    return statistics.median(spans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="10, 100 or 1000")
    args = parser.parse_args()
    from softmax_gui import data
    from softmax_gui.config import TrainConfig
    from softmax_gui.datasets_registry import get_spec
    from softmax_gui.sweep import grid, train_sweep
    from softmax_gui.sweep_plan import parse_values
    from softmax_gui.sweep_record import RECORD, WEIGHTS, save_record

    root = Path(tempfile.mkdtemp())
    sample = data.load("fashion-mnist", get_spec("fashion-mnist").sample_dir)
    tens = {10: 1, 100: 2, 1000: 3}[args.runs]
    values = {"lr": parse_values("lr", "0.001 to 1, 10 log"),
              "weight_decay": parse_values("weight_decay", "0.00001 to 0.1, 10 log"),
              "seed": list(range(10))}
    configs = grid(TrainConfig(epochs=2), **dict(list(values.items())[:tens]))
    t0 = time.perf_counter()
    folder = root / "sweeps" / "sweep-20261205-120000"
    save_record(folder, train_sweep(configs, sample), list(values)[:tens], 1.0)
    size = sum((folder / name).stat().st_size for name in (RECORD, WEIGHTS)) / 1e6
    print(f"{len(configs)} runs trained and kept in {time.perf_counter() - t0:.1f} s: "
          f"{size:.1f} MB on disk (target ~50 MB for 1,000)")

    app, window = open_window(root / "runs")
    window.tabs.setCurrentWidget(window.tabs.runs)
    view = window.tabs.runs
    wait_for(app, lambda: True)

    def changed_on_disk() -> None:
        stamp = time.time() + len(view.entries)  # a new mtime each time
        os.utime(folder / RECORD, (stamp, stamp))
        view.refresh()

    read = timed(changed_on_disk)
    cached = timed(view.refresh)

    def open_out() -> None:
        view.refresh()  # closed again, its rows not made
        view.top_rows()[0].setExpanded(True)

    opened = timed(open_out) - cached
    print(f"list read with the record changed: {read:.0f} ms; unchanged: {cached:.0f} ms; "
          f"opened out into {len(configs)} rows: {opened:.0f} ms")
    lr = view.top_rows()[0].child(0).text(5)
    filtered = timed(lambda: (view.filter.setText(f"lr={lr}"), view.filter.setText("")))
    print(f"a filter typed and cleared ({lr}, {len(configs) // 10} runs found): "
          f"{filtered:.0f} ms")
    window.close()


if __name__ == "__main__":
    main()
