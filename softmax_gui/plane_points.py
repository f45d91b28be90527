"""Points on a plane for the Playground: the presets a person picks (the NumPy text's three
points, blobs, separable or overlapping classes, XOR, rings, a spiral), the noise added,
the train/test split, and the points as CSV (``x,y,class,split``).

No Qt: the Playground tab and the ``playground`` command both use it.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PRESETS = ("numpy-text", "blobs", "separable", "overlapping", "xor", "rings", "spiral")
MIN_CLASSES, MAX_CLASSES = 2, 6
MAX_POINTS = 10_000
MAX_CSV_BYTES = 1_000_000
MAX_COORDINATE = 1e4
# The NumPy text's toy problem: two features, three classes, one point each.
NUMPY_TEXT_X = ((1.0, 2.0), (2.0, 3.0), (3.0, 1.0))
NUMPY_TEXT_Y = (0, 1, 2)
NUMPY_TEXT_QUERY = (1.5, 1.5)


class PointsError(ValueError):
    """A points file or a preset's settings that cannot be used; one line for a person."""


@dataclass
class Points:
    """Points of classes ``0 .. classes - 1``; ``test`` marks those held out."""

    X: np.ndarray  # (n, 2) float64
    y: np.ndarray  # (n,) int64
    classes: int
    test: np.ndarray = field(default=None)  # (n,) bool

    def __post_init__(self):
        self.X = np.asarray(self.X, np.float64).reshape(-1, 2)
        self.y = np.asarray(self.y, np.int64).reshape(-1)
        if self.test is None:
            self.test = np.zeros(len(self.y), bool)
        self.test = np.asarray(self.test, bool).reshape(-1)

    def __len__(self) -> int:
        return len(self.y)

    @property
    def train(self) -> np.ndarray:
        return ~self.test

    def copy(self) -> Points:
        return Points(self.X.copy(), self.y.copy(), self.classes, self.test.copy())

    def add(self, x: float, y: float, label: int, test: bool = False) -> Points:
        """These points and one more (a new object: a view redraws on identity)."""
        return Points(np.vstack([self.X, [[x, y]]]), np.append(self.y, label),
                      self.classes, np.append(self.test, test))

    def moved(self, index: int, x: float, y: float) -> Points:
        points = self.copy()
        points.X[index] = (x, y)
        return points

    def without(self, index: int) -> Points:
        keep = np.arange(len(self)) != index
        return Points(self.X[keep], self.y[keep], self.classes, self.test[keep])


def make_points(preset: str, n: int = 200, classes: int = 3, noise: float = 0.0,
                test_fraction: float = 0.0, seed: int = 0) -> Points:
    """``n`` points of ``preset`` with Gaussian jitter of standard deviation ``noise``
    added, ``test_fraction`` of them (per class, at random) held out for testing.

    XOR has two classes and the NumPy text its own three points whatever is asked.
    """
    if preset not in PRESETS:
        raise PointsError(f"no preset {preset!r}: choose one of {', '.join(PRESETS)}")
    if not MIN_CLASSES <= classes <= MAX_CLASSES:
        raise PointsError(f"{classes} classes: use {MIN_CLASSES} to {MAX_CLASSES}")
    if not 0 <= test_fraction < 1 or not 0 <= noise <= 10 or not 0 < n <= MAX_POINTS:
        raise PointsError("use 1 to 10,000 points, noise 0 to 10 and a test fraction "
                          "from 0 to below 1")
    rng = np.random.default_rng(seed)
    if preset == "numpy-text":
        return Points(NUMPY_TEXT_X, NUMPY_TEXT_Y, 3)
    if preset == "xor":
        classes = 2
    X, y = _SHAPES[preset](rng, n, classes)
    X = X + rng.normal(0.0, noise, X.shape) if noise else X
    return Points(X, y, classes, _held_out(rng, y, test_fraction))


def _held_out(rng, y: np.ndarray, fraction: float) -> np.ndarray:
    """``fraction`` of each class, chosen at random (each class keeps a training point)."""
    test = np.zeros(len(y), bool)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        test[members[:min(round(fraction * len(members)), len(members) - 1)]] = True
    return test


def _labels(n: int, classes: int) -> np.ndarray:
    return np.arange(n) % classes


def _around_circle(classes: int, radius: float) -> np.ndarray:
    angles = 2 * math.pi * np.arange(classes) / classes + math.pi / 2
    return radius * np.stack([np.cos(angles), np.sin(angles)], 1)


def _blobs(rng, n, classes, radius=2.0, spread=0.6):
    y = _labels(n, classes)
    return _around_circle(classes, radius)[y] + rng.normal(0, spread, (n, 2)), y


def _separable(rng, n, classes):
    return _blobs(rng, n, classes, radius=2.5, spread=0.35)


def _overlapping(rng, n, classes):
    return _blobs(rng, n, classes, radius=1.0, spread=0.9)


def _xor(rng, n, classes):
    X = rng.uniform(-2, 2, (n, 2))
    X += 0.1 * np.sign(X)  # a thin gap along the axes, where the label flips
    return X, (X[:, 0] * X[:, 1] < 0).astype(np.int64)


def _rings(rng, n, classes):
    y = _labels(n, classes)
    angle = rng.uniform(0, 2 * math.pi, n)
    radius = 0.5 + 1.0 * y + rng.normal(0, 0.1, n)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1), y


def _spiral(rng, n, classes):
    """CS231n's spiral: an arm per class, wound once and a half."""
    y = _labels(n, classes)
    t = rng.uniform(0.05, 1.0, n)
    angle = 2 * math.pi * y / classes + 4.5 * t + rng.normal(0, 0.15, n)
    return 2.5 * t[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1), y


_SHAPES = {"blobs": _blobs, "separable": _separable, "overlapping": _overlapping,
           "xor": _xor, "rings": _rings, "spiral": _spiral}


# --- CSV ---------------------------------------------------------------------------------

HEADER = ("x", "y", "class", "split")


def to_csv(points: Points) -> str:
    """The points as CSV text: a header, then ``x,y,class,split`` per point."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for (x, y), label, test in zip(points.X, points.y, points.test):
        writer.writerow((repr(float(x)), repr(float(y)), int(label),
                         "test" if test else "train"))
    return out.getvalue()


def read_csv(path: str | Path) -> Points:
    """Points from a CSV file written by :func:`to_csv` (or by hand: ``x,y,class`` with
    ``split`` optional); every fault is a :class:`PointsError` of one line."""
    path = Path(path)
    try:
        if not path.is_file():
            raise PointsError(f"{path.name} is not a file")
        with path.open("rb") as handle:
            data = handle.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        raise PointsError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_CSV_BYTES:
        raise PointsError(f"{path.name} is over 1 MB: a points file has at most "
                          f"{MAX_POINTS:,} rows")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PointsError(f"{path.name} is not text: choose a CSV of x,y,class") from None
    return parse_csv(text, path.name)


def parse_csv(text: str, name: str = "the file") -> Points:
    rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if rows and [c.strip().lower() for c in rows[0][:3]] == list(HEADER[:3]):
        rows = rows[1:]
    if not rows:
        raise PointsError(f"{name} has no points: each row is x,y,class")
    if len(rows) > MAX_POINTS:
        raise PointsError(f"{name} has {len(rows):,} points: at most {MAX_POINTS:,}")
    X, y, test = [], [], []
    for number, row in enumerate(rows, 1):
        try:
            x0, x1, label = float(row[0]), float(row[1]), int(row[2])
            split = row[3].strip().lower() if len(row) > 3 else "train"
        except (ValueError, IndexError):
            raise PointsError(f"{name}, row {number}: expected x,y,class with numbers, "
                              f"got {','.join(row)[:40]!r}") from None
        if not (math.isfinite(x0) and math.isfinite(x1)) \
                or max(abs(x0), abs(x1)) > MAX_COORDINATE:
            raise PointsError(f"{name}, row {number}: coordinates must be finite and "
                              f"within ±{MAX_COORDINATE:g}")
        if not 0 <= label < MAX_CLASSES:
            raise PointsError(f"{name}, row {number}: the class must be 0 to "
                              f"{MAX_CLASSES - 1}, not {label}")
        if split not in ("train", "test"):
            raise PointsError(f"{name}, row {number}: the split must be train or test, "
                              f"not {split[:20]!r}")
        X.append((x0, x1))
        y.append(label)
        test.append(split == "test")
    classes = max(max(y) + 1, MIN_CLASSES)
    if len(set(y)) < 2:
        raise PointsError(f"{name} has one class only: a classifier needs two")
    return Points(np.array(X), np.array(y), classes, np.array(test))
