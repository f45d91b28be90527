"""The nn.Softmax + CrossEntropyLoss pitfall against the correct model, in numbers.

Usage::

    python bench/pitfall.py [--epochs 10]

Trains the concise softmax regression and the same model with an extra ``nn.Softmax``
in front of ``CrossEntropyLoss`` (``softmax-pitfall``), default configuration, same
seed. After each epoch it prints each one's training loss (as its own loss function sees
it), test accuracy, and the norm of its loss's gradient with respect to ``(W, b)`` at
that epoch's weights, on a fixed 10,000 training images.
"""

from __future__ import annotations

import argparse

from softmax_gui import data
from softmax_gui.implementations import pitfall_curves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    dataset = data.load("fashion-mnist", download=False, allow_sample=False)
    print(f"data: {dataset.describe()}")
    rows = {m: (c.losses, c.accuracies, c.gradient_norms)
            for m, c in pitfall_curves(dataset, args.epochs).items()}
    print(f"\n{'epoch':>5}  " + "  ".join(f"{m + ' loss':>22} {'acc':>7} {'|grad|':>8}"
                                           for m in rows))
    for e in range(args.epochs):
        print(f"{e + 1:>5}  " + "  ".join(f"{r[0][e]:>22.4f} {r[1][e]:>7.4f} {r[2][e]:>8.4f}"
                                          for r in rows.values()))
    for model, (losses, accs, norms) in rows.items():
        print(f"{model}: test_acc={accs[-1]:.4f} final_train_loss={losses[-1]:.4f} "
              f"grad_norm={norms[-1]:.4f} (epoch 1: {norms[0]:.4f})")


if __name__ == "__main__":
    main()
