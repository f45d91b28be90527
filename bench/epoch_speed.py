"""Seconds per epoch: d2l's reference pipeline against our engine, in one process.

Usage::

    python bench/epoch_speed.py [--epochs 3] [--device cpu]

(a) d2l §3.5-3.7: torchvision ``FashionMNIST`` + ``ToTensor`` + ``DataLoader(batch_size=256,
shuffle=True, num_workers=4)`` + ``Flatten/Linear(784, 10)`` + ``CrossEntropyLoss`` +
``SGD(lr=0.1)``, test evaluation each epoch. (b) our engine with the same hyperparameters,
NumPy, scratch and concise. One epoch = 60k training images + 10k test evaluation. Prints medians
and ratios, then the default configuration's 10-epoch accuracy and training time, and the
matmul-layout figures behind ``ScratchSoftmaxRegression``'s ``W`` layout.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torchvision
from torch import nn
from torch.utils.data import DataLoader

from softmax_gui import data, events, training
from softmax_gui.config import TrainConfig
from softmax_gui.datasets_registry import IDX_FILES


def torchvision_root(dataset: data.Dataset, tmp: Path) -> Path:
    """A folder in torchvision's layout (unzipped raw files) for ``FashionMNIST(root)``."""
    raw = tmp / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for stem in IDX_FILES.values():
        src = dataset.source.path / stem
        payload = src.read_bytes() if src.exists() else gzip.decompress(
            (dataset.source.path / f"{stem}.gz").read_bytes())
        (raw / stem).write_bytes(payload)
    return tmp


def d2l_epochs(root: Path, epochs: int, device: str) -> list[float]:
    """d2l's pipeline, timed per epoch (train + test evaluation)."""
    to_tensor = torchvision.transforms.ToTensor()
    train = torchvision.datasets.FashionMNIST(root, train=True, transform=to_tensor)
    test = torchvision.datasets.FashionMNIST(root, train=False, transform=to_tensor)
    train_iter = DataLoader(train, batch_size=256, shuffle=True, num_workers=4)
    test_iter = DataLoader(test, batch_size=256, shuffle=False, num_workers=4)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).to(device)
    net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if isinstance(m, nn.Linear) else None)
    loss = nn.CrossEntropyLoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    times, acc = [], 0.0
    for _ in range(epochs):
        t0 = time.perf_counter()
        net.train()
        for X, y in train_iter:
            X, y = X.to(device), y.to(device)
            trainer.zero_grad()
            loss(net(X), y).backward()
            trainer.step()
        net.eval()
        correct = 0
        with torch.no_grad():
            for X, y in test_iter:
                correct += (net(X.to(device)).argmax(1) == y.to(device)).sum().item()
        acc = correct / len(test)
        times.append(time.perf_counter() - t0)
    print(f"  d2l pipeline: test_acc after {epochs} epochs = {acc:.4f}")
    return times


def our_epochs(dataset, config: TrainConfig) -> tuple[list[float], float, float]:
    """Our engine: per-epoch seconds, final test accuracy, total training seconds."""
    times, acc, total = [], 0.0, 0.0
    for event in training.train(config, dataset):
        if isinstance(event, events.EpochMetrics):
            times.append(event.seconds)
        elif isinstance(event, events.Finished):
            acc, total = event.test_acc, event.train_seconds
        elif isinstance(event, events.Failed):
            raise SystemExit(event.message)
    return times, acc, total


def matmul_layouts(repeats: int = 300) -> dict[str, float]:
    """Median microseconds of the two layouts of a (256 x 784) x (784 x 10) product."""
    X, W, g = torch.randn(256, 784), torch.randn(784, 10), torch.randn(256, 10)
    Wt = W.T.contiguous()
    cases = {"X @ W (d2l layout)": lambda: X @ W, "(W^T @ X^T)^T (ours)": lambda: (Wt @ X.T).T,
             "X^T @ g (d2l grad)": lambda: X.T @ g, "g^T @ X (our grad)": lambda: g.T @ X}
    out = {}
    for name, fn in cases.items():
        samples = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(repeats):
                fn()
            samples.append((time.perf_counter() - t0) / repeats * 1e6)
        out[name] = statistics.median(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = parser.parse_args()

    dataset = data.load("fashion-mnist", download=False, allow_sample=False)
    print(f"data: {dataset.describe()}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    same = TrainConfig(lr=0.1, batch_size=256, momentum=0.0, schedule="constant",
                       standardize=False, epochs=max(args.epochs, 5), device=args.device)
    # Ours first: d2l's DataLoader worker processes take a while to exit and would
    # steal the CPU from whatever is timed right after them.
    # A first run in a process is cold (~1.6x slower per epoch here); warm up once, then
    # take the median epoch over two runs.
    ours = {}
    for model in ("softmax-numpy", "softmax-scratch", "softmax"):
        our_epochs(dataset, same.replace(model=model, epochs=1))
        times, acc, _ = our_epochs(dataset, same.replace(model=model))
        times += our_epochs(dataset, same.replace(model=model))[0]
        ours[model] = statistics.median(times)
        print(f"  ours {model}: test_acc after {same.epochs} epochs = {acc:.4f}")
    with tempfile.TemporaryDirectory() as tmp:
        root = torchvision_root(dataset, Path(tmp))
        d2l = statistics.median(d2l_epochs(root, args.epochs, args.device))
    rows = [("d2l pipeline (DataLoader, 4 workers)", d2l)]
    rows += [(f"ours, {model} (same hyperparameters)", t) for model, t in ours.items()]
    print(f"\nmedian seconds per epoch (60k train + 10k test); d2l {args.epochs} epochs, "
          f"ours 2 x {same.epochs} after a warm-up:")
    for name, seconds in rows:
        print(f"  {name:42s} {seconds:8.3f} s   {d2l / seconds:6.1f}x faster than d2l")

    print("\ndefault configuration, 10 epochs (median training time of 3 runs):")
    for model in ("softmax-numpy", "softmax-scratch", "softmax"):
        runs = [our_epochs(dataset, TrainConfig(model=model, device=args.device))
                for _ in range(3)]
        acc = runs[0][1]
        assert all(r[1] == acc for r in runs), "same seed, same accuracy"
        total = statistics.median(r[2] for r in runs)
        print(f"  {model:16s} test_acc={acc:.4f} train_s={total:.2f}")

    print("\nmatmul layout, median microseconds for one batch of 256:")
    for name, us in matmul_layouts().items():
        print(f"  {name:24s} {us:7.1f} us")


if __name__ == "__main__":
    main()
