"""The gallery (scripts/gallery.py) runs offscreen: every view at 1024x700 and 1920x1080,
light and dark, non-blank, with no text Qt reports as cut off."""

import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image

from softmax_gui.qt.shell import theme

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gallery.py"


def test_the_gallery_shows_every_view_whole(qtbot, tmp_path, fashion):
    spec = importlib.util.spec_from_file_location("gallery", SCRIPT)
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    try:
        results = gallery.make_gallery(tmp_path, [(1024, 700), (1920, 1080)],
                                       ["light", "dark"], dataset=fashion)
    finally:
        theme.apply("light")  # the next tests' windows
    tabs = ["curves", "weights", "confusion", "calibration", "softmax", "lab-same-batches",
            "lab-pitfall", "lab-microscope", "lab-sweep", "lab-playground", "runs", "draw",
            "explain"]
    assert sorted(results) == sorted(f"{t}-{s}-{v}.png" for t in ("light", "dark")
                                     for s in ("1024x700", "1920x1080") for v in tabs)
    clipped = {name: problems for name, problems in results.items() if problems}
    assert not clipped
    for name in results:
        image = np.asarray(Image.open(tmp_path / name).convert("L"), float)
        assert image.std() > 20, f"{name} is blank"
        if name.startswith("dark"):
            assert np.median(image) < 100, f"{name} is not dark"
