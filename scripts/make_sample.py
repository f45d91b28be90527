"""Extract the stratified Fashion-MNIST sample bundled in resources.

Usage::

    python scripts/make_sample.py [--source /usr/share/datasets/fashion-mnist]

Takes the first ``--train-per-class`` train and ``--test-per-class`` test images of
each class (in file order, so the result is reproducible) from the full dataset and
writes them as gzipped IDX files, the same format the loader reads for the full set.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np

from softmax_gui.data import read_idx
from softmax_gui.datasets_registry import IDX_FILES, get_spec

LICENSE = """\
This folder holds a stratified sample of Fashion-MNIST
(https://github.com/zalandoresearch/fashion-mnist), taken unchanged from the
original files by scripts/make_sample.py: {train} train and {test} test images,
an equal number per class.

The MIT License (MIT)
Copyright © [2017] Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify,
merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to the following
conditions:

The above copyright notice and this permission notice shall be included in all copies
or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT
HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE
OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as a gzipped IDX file (magic 0x08, ndim, big-endian dims)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    # mtime=0 keeps the bytes identical from run to run.
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def stratified(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first ``per_class`` examples of each class, in file order."""
    chosen = [np.flatnonzero(labels == c)[:per_class] for c in np.unique(labels)]
    return np.sort(np.concatenate(chosen))


def main() -> None:
    spec = get_spec("fashion-mnist")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=spec.system_dirs[0])
    parser.add_argument("--out", type=Path, default=spec.sample_dir)
    parser.add_argument("--train-per-class", type=int, default=600)
    parser.add_argument("--test-per-class", type=int, default=100)
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split, per_class in (("train", args.train_per_class), ("test", args.test_per_class)):
        images = read_idx(args.source / f"{IDX_FILES[split + '_images']}.gz")
        labels = read_idx(args.source / f"{IDX_FILES[split + '_labels']}.gz")
        keep = stratified(labels, per_class)
        write_idx(args.out / f"{IDX_FILES[split + '_images']}.gz", images[keep])
        write_idx(args.out / f"{IDX_FILES[split + '_labels']}.gz", labels[keep])
        counts[split] = len(keep)
    (args.out / "LICENSE").write_text(LICENSE.format(**counts))
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"wrote {counts['train']} train + {counts['test']} test images, {size / 1e6:.2f} MB "
          f"to {args.out}")


if __name__ == "__main__":
    main()
