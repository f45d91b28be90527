"""A sweep of 25 softmax regressions (5 learning rates x 5 weight decays, one seed, 10
epochs of the full Fashion-MNIST) trained at once (softmax_gui/sweep.py), against the
same 25 runs one after another (training.train), and against the arithmetic floor: the
two matrix products a step needs (logits, weight gradient) for all 25 models, over every
minibatch, and each epoch's product with the test set, and nothing else. Also how far
each model ends from its own run.

Usage::

    python bench/sweep.py [--repeats 3] [--data-dir DIR]

Prints the medians and the ratios, measured side by side in one process.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
import torch

from softmax_gui import data, events, training
from softmax_gui.config import TrainConfig
from softmax_gui.sweep import grid, train_sweep

LRS = [0.01, 0.02, 0.05, 0.1, 0.2]
DECAYS = [0.0, 1e-4, 3e-4, 1e-3, 3e-3]


def floor_seconds(dataset, models: int, config: TrainConfig) -> float:
    """The products alone: ``xb @ W.T`` and ``delta.T @ xb`` for ``models`` stacked
    models, every minibatch of ``config.epochs`` epochs, and the test set's logits once
    an epoch."""
    x = training.prepare_images(dataset.train_images, torch.device("cpu"), 0.0, 1.0
                                ).flatten(1)
    x_test = training.prepare_images(dataset.test_images, torch.device("cpu"), 0.0, 1.0
                                     ).flatten(1)
    classes = len(dataset.classes)
    W = torch.zeros(models * classes, x.shape[1])
    n, size = len(x), config.batch_size
    order = torch.randperm(n)
    t0 = time.perf_counter()
    for _ in range(config.epochs):
        for b in range(math.ceil(n / size)):
            xb = x.index_select(0, order[b * size:(b + 1) * size])
            logits = xb @ W.T
            W -= 1e-9 * (logits.T @ xb)
        W -= 1e-12 * (x_test @ W.T).sum()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    dataset = data.load("fashion-mnist", args.data_dir)
    configs = grid(TrainConfig(epochs=10), lr=LRS, weight_decay=DECAYS)
    batched, alone, floor = [], [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        results = train_sweep(configs, dataset)
        batched.append(time.perf_counter() - t0)
        floor.append(floor_seconds(dataset, len(configs), configs[0]))
        t0 = time.perf_counter()
        snapshots = [[e for e in training.train(c, dataset)
                      if isinstance(e, events.WeightSnapshot)][-1] for c in configs]
        alone.append(time.perf_counter() - t0)
    b, a, f = (statistics.median(v) for v in (batched, alone, floor))
    print(f"{len(configs)} configurations x 10 epochs, {torch.get_num_threads()} threads, "
          f"medians of {args.repeats}")
    print(f"at once {b:.2f} s; one after another {a:.2f} s; products alone {f:.2f} s")
    print(f"speed-up {a / b:.2f}x (target >= 1.7x); {b / f:.2f}x the floor (target <= 1.3x)")
    for lr in LRS:
        pairs = [(r, s) for r, s in zip(results, snapshots) if r.config.lr == lr]
        dw = max(np.abs(r.state[k] - s.state[k]).max() for r, s in pairs for k in s.state)
        da = max(abs(r.final_test_acc - s.test_acc) for r, s in pairs)
        print(f"lr {lr:g}: largest |W difference| {dw:.1e}, test accuracy {da:.4f}")


if __name__ == "__main__":
    main()
