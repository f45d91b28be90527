"""Training beside a busy process: how long 3 epochs of the default run take in a process
niced as the trainer is (softmax_gui/trainer_process.py), while another process keeps one
core busy, with torch's OpenMP threads spinning as libgomp does by default (300,000 turns
before they sleep) and as the app sets them (softmax_gui/__init__.py: 1,000 turns).
Also the same two settings on a quiet machine, so the price of spinning less is seen too.

Usage::

    python bench/busy_machine.py [--repeats 3] [--epochs 3]

Prints the medians of each setting, measured alternately in one run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

CHILD = """
import os, time
os.nice(10)
from softmax_gui import data, training
from softmax_gui.config import TrainConfig
dataset = data.load("fashion-mnist")
t0 = time.perf_counter()
for _ in training.train(TrainConfig(epochs={epochs}), dataset):
    pass
print(time.perf_counter() - t0)
"""

SETTINGS = {"libgomp's default (300,000 turns)": "300000", "the app's (1,000 turns)": "1000"}


def busy() -> None:
    while True:
        pass


def seconds(spincount: str, epochs: int) -> float:
    env = dict(os.environ, GOMP_SPINCOUNT=spincount)
    out = subprocess.run([sys.executable, "-c", CHILD.format(epochs=epochs)], env=env,
                         check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def measure(repeats: int, epochs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for _ in range(repeats):
        for name, spincount in SETTINGS.items():
            times[name].append(seconds(spincount, epochs))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.epochs} epochs of the default run, niced +10, {os.cpu_count()} CPUs, "
          f"medians of {args.repeats}")
    quiet = measure(args.repeats, args.epochs)
    hog = multiprocessing.Process(target=busy, daemon=True)
    hog.start()
    time.sleep(0.5)
    try:
        loaded = measure(args.repeats, args.epochs)
    finally:
        hog.kill()
    for name in SETTINGS:
        print(f"{name}: quiet {statistics.median(quiet[name]):.2f} s, beside one busy "
              f"process {statistics.median(loaded[name]):.2f} s")


if __name__ == "__main__":
    main()
