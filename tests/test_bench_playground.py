"""bench/playground.py still runs against the window as it is (it broke once, silently,
when the Playground moved into the Lab): a short run prints both rows of its table."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_playground_bench_measures_both_models(fashion, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "playground.py"),
                          "--seconds", "0.5", "--repeats", "1"], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = re.findall(r"^\| (softmax regression|hidden layer of 16 \(ReLU\)) \| (\d+) \| "
                      r"([0-9.]+) ms \| ([0-9,]+) \|$", out.stdout, re.M)
    assert [r[0] for r in rows] == ["softmax regression", "hidden layer of 16 (ReLU)"]
    assert all(int(frames) > 0 and int(updates.replace(",", "")) > 0
               for _, frames, _, updates in rows)
