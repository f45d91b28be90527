"""The installed app finds its shipped data: a wheel built from this checkout carries
resources/ inside the package, and, installed in another folder and run from a third,
loads the bundled default weights and the bundled sample (issue 21: a top-level
resources/ that the installed app still finds)."""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from softmax_gui.desktop import ENTRY

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from this checkout (once for this file's tests)."""
    wheels = tmp_path_factory.mktemp("wheels")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (made,) = wheels.glob("softmax_studio-*.whl")
    return made


def test_a_wheel_carries_the_resources_and_the_installed_app_finds_them(wheel, tmp_path):
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


def test_the_wheel_in_a_fresh_venv_runs_from_any_folder(wheel, tmp_path, fashion):
    """Issue 26: ``pip install .`` into a fresh venv gives working ``softmax-studio`` and
    ``softmax-gui`` commands from any folder, with the bundled weights found."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing else seen
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300,
                   env=env)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q",
                                str(wheel)], capture_output=True, text=True, timeout=300,
                               env=env)
    assert installed.returncode == 0, installed.stderr
    # Then its dependencies (torch is 2 GB) from this environment's site-packages, through
    # a path file (after the install: pip would take this checkout's editable install
    # there for the wheel, already installed). That folder's own path files, the
    # editable install's among them, are not read from there: only the wheel's
    # softmax_gui can be imported.
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                                "get_paths()['purelib'])"], capture_output=True, text=True,
                               check=True, env=env).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import softmax_gui; print(softmax_gui."
                            "__file__)"], capture_output=True, text=True, cwd=elsewhere,
                           env=env, check=True).stdout.strip()
    assert Path(where).is_relative_to(site)  # the wheel's, not the checkout's
    weights = site / "softmax_gui" / "resources" / "weights" / \
        "fashion-mnist-softmax.safetensors"
    out = subprocess.run([str(venv / "bin" / "softmax-studio"), "evaluate", "--weights",
                          str(weights)], capture_output=True, text=True, timeout=300,
                         cwd=elsewhere, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].startswith("test_acc=0.8458")
    env["XDG_DATA_HOME"] = str(tmp_path / "share")
    out = subprocess.run([str(venv / "bin" / "softmax-gui"), "--install-desktop-entry"],
                         capture_output=True, text=True, timeout=120, cwd=elsewhere, env=env)
    assert out.returncode == 0, out.stderr
    entry = (tmp_path / "share" / "applications" / ENTRY).read_text()
    assert f"Exec={venv / 'bin' / 'softmax-gui'}" in entry
