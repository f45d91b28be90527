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

import torch
import torch.nn.functional as F

from softmax_gui import data, events, training
from softmax_gui.config import TrainConfig
from softmax_gui.model_registry import to_file_form


def gradient_norm(snapshot: events.WeightSnapshot, X: torch.Tensor, y: torch.Tensor,
                  pitfall: bool) -> float:
    """``||dL/d(W, b)||`` of the model's own loss at ``snapshot``'s weights."""
    state = to_file_form(snapshot.model, snapshot.state)
    W = torch.tensor(state["1.weight"], requires_grad=True)
    b = torch.tensor(state["1.bias"], requires_grad=True)
    o = ((X - snapshot.mean) / snapshot.std) @ W.T + b
    loss = F.cross_entropy(torch.softmax(o, 1) if pitfall else o, y)
    loss.backward()
    return float(torch.sqrt((W.grad ** 2).sum() + (b.grad ** 2).sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    dataset = data.load("fashion-mnist", download=False, allow_sample=False)
    print(f"data: {dataset.describe()}")
    X = dataset.train_images[:10_000].reshape(10_000, -1).float() / 255.0
    y = dataset.train_labels[:10_000].long()
    rows = {}
    for model in ("softmax", "softmax-pitfall"):
        config = TrainConfig(model=model, epochs=args.epochs)
        losses, accs, norms = [], [], []
        for event in training.train(config, dataset):
            if isinstance(event, events.EpochMetrics):
                losses.append(event.train_loss)
                accs.append(event.test_acc)
            elif isinstance(event, events.WeightSnapshot):
                norms.append(gradient_norm(event, X, y, model == "softmax-pitfall"))
        rows[model] = (losses, accs, norms)
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
