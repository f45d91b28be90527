"""`python main.py --screenshot` as a subprocess (the real X window: tests/e2e)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def screenshot(tmp_path, prefix=(), platform="offscreen"):
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": platform,
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = subprocess.run([*prefix, sys.executable, "main.py", "--screenshot", str(out),
                           "--train-epochs", "1"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def check_not_blank(path: Path, stdout: str) -> None:
    image = Image.open(path).convert("RGB")
    width, height = (int(v) for v in stdout.strip().split("(")[-1].rstrip(")").split("x"))
    assert image.size == (width, height)
    assert width >= 1000 and height >= 600
    pixels = np.asarray(image)
    assert pixels.std() > 20  # not one flat colour
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # text, images, curves
    # The grid of test images draws black squares with grey items in the right half.
    right = pixels[:, width // 2 :]
    assert (right.sum(axis=2) == 0).mean() > 0.02


def test_the_window_opens_no_larger_than_a_small_screen_and_is_drawn(tmp_path, fashion):
    """In a real X window on a 1280x800 screen (Xvfb), or offscreen where there is no
    Xvfb: one subprocess, as each costs seconds of the suite (the offscreen window is
    also drawn and checked by the gallery, tests/e2e/test_gallery.py)."""
    import shutil

    if shutil.which("xvfb-run") is None:
        check_not_blank(*screenshot(tmp_path))
        return
    out, stdout = screenshot(tmp_path, ("xvfb-run", "-a", "-s", "-screen 0 1280x800x24"),
                             platform="xcb")
    width, height = (int(v) for v in stdout.strip().split("(")[-1].rstrip(")").split("x"))
    assert width <= 1280 and height <= 800  # 1366x740 cut the right edge off at first
    check_not_blank(out, stdout)
