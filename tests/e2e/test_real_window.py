"""The main journey in a real X window (xcb under Xvfb), not only offscreen."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1"
JOURNEY = "tests/e2e/test_training_journeys.py::test_start_trains_a_run_and_every_view_shows_it"


def test_start_journey_in_a_real_window(tmp_path, fashion):
    if shutil.which("xvfb-run") is None:
        if IN_CI:
            pytest.fail("xvfb-run is missing (apt-get install xvfb)")
        pytest.skip("xvfb-run not installed")
    if os.environ.get("QT_QPA_PLATFORM") == "xcb":
        pytest.skip("already in a real window")  # this test, run by itself under Xvfb
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "SOFTMAX_GUI_SHOTS": str(tmp_path)}
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, "-m", "pytest",
         "-q", "-p", "no:cacheprovider", JOURNEY], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 passed" in proc.stdout
    shot = np.asarray(Image.open(tmp_path / "start-finished.png").convert("RGB"))
    height, width, _ = shot.shape
    assert width >= 1000 and height >= 600
    assert shot.std() > 20  # not one flat colour
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 200  # text, images, curves
    # The grid of test images draws black squares with grey items in the right half.
    assert (shot[:, width // 2 :].sum(axis=2) == 0).mean() > 0.02
