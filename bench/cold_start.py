"""Cold start: seconds from process start to the window shown (median of runs).

Usage::

    QT_QPA_PLATFORM=offscreen python bench/cold_start.py [--runs 5]

Each run is a fresh ``python main.py --exit-when-shown`` process, timed from just
before it is spawned to the moment it reports the window shown.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "XDG_CONFIG_HOME": tempfile.mkdtemp()}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "main.py", "--exit-when-shown"], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            if line.startswith("shown_s="):
                times.append(time.perf_counter() - t0)
                break
        proc.wait()
    print(f"cold start to window shown ({env['QT_QPA_PLATFORM']}), {args.runs} runs: "
          f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
          f"max {max(times):.2f} s")


if __name__ == "__main__":
    main()
