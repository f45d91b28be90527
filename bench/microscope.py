"""The gradient microscope's shown update against -lr * gradient, on Fashion-MNIST.

Usage::

    python bench/microscope.py [--steps 100]

Steps the microscope (softmax_gui/microscope.py) from zeros, SGD lr 0.1 without momentum
and then with momentum 0.9, and prints the largest ``|update - (-lr * g)|`` over the
steps, where ``g`` is the gradient (or the momentum buffer), and the time of one step.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from softmax_gui import data
from softmax_gui.microscope import Microscope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    dataset = data.load("fashion-mnist", download=False, allow_sample=False)
    scope = Microscope(dataset.train_images.numpy(), dataset.train_labels.numpy(), 10)
    for momentum in (0.0, 0.9):
        scope.reset()
        gaps, seconds = [], []
        for _ in range(args.steps):
            start = time.perf_counter()
            step = scope.step(0.1, momentum)
            seconds.append(time.perf_counter() - start)
            followed = step.gradient if step.velocity is None else step.velocity
            gaps.append(float(np.abs(step.update - (-step.lr * followed)).max()))
        print(f"momentum={momentum:g}: max_gap={max(gaps):.2e} over {args.steps} steps, "
              f"loss {step.loss:.4f} at the last, step median "
              f"{statistics.median(seconds) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
