"""An image folder of 10,000 PNGs made into a dataset (issue 24): seconds and peak memory.

Usage::

    python bench/import_images.py [--images 10000]

The folder holds real Fashion-MNIST test items as a person's files would be: 10 class
folders, each item dark on light at 112x112 (four times the size), saved as PNG. It is
imported as ``python -m softmax_gui import-images`` does (softmax_gui/user_datasets.py),
in a child process whose peak resident memory is read from the kernel afterwards.
Targets: <= 30 s on 2 cores, peak memory <= 1 GB.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_folder(root: Path, count: int) -> None:
    import numpy as np
    from PIL import Image

    from softmax_gui import data

    test = data.load("fashion-mnist")
    images, labels = test.test_images.numpy(), test.test_labels.numpy()
    for i in range(count):
        j = i % len(images)
        folder = root / test.classes[labels[j]]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(255 - images[j]).resize((112, 112)).save(folder / f"{i}.png")
    print(f"{count:,} PNGs in {len({p.parent for p in root.rglob('*.png')})} class "
          f"folders, {sum(p.stat().st_size for p in root.rglob('*.png')) / 1e6:.0f} MB")
    del np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    make_folder(work / "folder", args.images)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "softmax_gui", "import-images",
                           str(work / "folder"), "--name", "bench"], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**__import__("os").environ, "SOFTMAX_GUI_DATA": str(work)})
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stdout.strip().splitlines()[-1] if done.returncode == 0 else done.stderr)
    print(f"imported in {seconds:.1f} s (target 30 s), peak memory {peak:.0f} MB "
          f"(target 1,024 MB)")


if __name__ == "__main__":
    main()
