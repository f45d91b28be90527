"""The installed app finds its shipped data: a wheel built from this checkout carries
resources/ inside the package, and, installed in another folder and run from a third,
loads the bundled default weights and the bundled sample (issue 21: a top-level
resources/ that the installed app still finds)."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_wheel_carries_the_resources_and_the_installed_app_finds_them(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("softmax_studio-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(ROOT / "resources").as_posix()
               for p in (ROOT / "resources").rglob("*") if p.is_file()}
    assert shipped and {f"softmax_gui/resources/{n}" for n in shipped} <= names
    packages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "softmax_gui").rglob(
        "__init__.py")}
    assert packages <= names, f"pyproject.toml does not ship {packages - names}"
    target = tmp_path / "installed"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                                "--target", str(target), str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import softmax_gui, sys\n"
            "from softmax_gui import data, weights_io\n"
            "from softmax_gui.datasets_registry import get_spec\n"
            "spec = get_spec('fashion-mnist')\n"
            "snapshot, meta = weights_io.load_snapshot(spec.default_weights)\n"
            "sample = data.load('fashion-mnist', spec.sample_dir)\n"
            "print(softmax_gui.__file__, meta['test_acc'], len(sample.test_labels))\n")
    # Only the installed copy of the package: not the checkout's (no editable finder).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-S", "-c",
                          f"import sys; sys.path[:0] = [{str(target)!r}] + "
                          f"{[p for p in sys.path if 'site-packages' in p]!r}\n" + code],
                         cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    where, accuracy, tests = run.stdout.split()
    assert Path(where).is_relative_to(target)  # the installed package, not the checkout
    assert float(accuracy) > 0.8 and int(tests) == 1000
