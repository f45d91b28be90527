"""Memory over time: the window's resident memory across 100 start/stop cycles.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/soak_cycles.py [--cycles 100]

Each cycle clicks nothing but does what Start then Stop do: a run of the default config
starts, trains until its first losses reach the window, and is stopped. The resident
set size (``VmRSS``) of the window's process is read after a few warm-up cycles and
after the last one; the growth is what a long session would keep.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _window import open_window, wait_for


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=100)
    args = parser.parse_args()
    app, window = open_window()
    runs, config = window.session.runs, window.controls.panel.config()

    def cycle() -> None:
        runs.start(config)
        wait_for(app, lambda: runs.run is not None and runs.run.history.batch_loss)
        runs.stop()
        wait_for(app, lambda: runs.run is None)

    for _ in range(5):  # warm-up: the trainer process, first paints, caches
        cycle()
    before = rss_mb()
    samples = []
    for k in range(args.cycles):
        cycle()
        if k % 20 == 19:
            samples.append(round(rss_mb()))
    after = rss_mb()
    print(f"{args.cycles} start/stop cycles: RSS {before:.0f} MB -> {after:.0f} MB "
          f"(+{after - before:.0f} MB; every 20 cycles: {samples}); "
          f"{len(runs.histories)} runs listed in the window")
    window.close()


if __name__ == "__main__":
    main()
