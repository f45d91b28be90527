"""Softmax Studio as a desktop app: its launcher and metainfo validate with the
freedesktop tools, ``--install-desktop-entry`` puts them in the menu and
``--uninstall-desktop-entry`` takes them out, and the wheel installed in a fresh venv
gives working ``softmax-gui`` and ``softmax-studio`` commands from any folder."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from PIL import Image

from softmax_gui.desktop import APP_ID, DESKTOP, ENTRY, ICONS, METAINFO

ROOT = Path(__file__).resolve().parents[1]


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (apt-get install desktop-file-utils appstream)"
        if os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1":
            pytest.fail(message)  # CI installs it
        pytest.skip(message)
    return found


def validate_entry(path: Path) -> None:
    out = subprocess.run([tool("desktop-file-validate"), str(path)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout + out.stderr


def test_the_launcher_and_the_metainfo_validate():
    validate_entry(DESKTOP / ENTRY)
    out = subprocess.run([tool("appstreamcli"), "validate", "--no-net", str(DESKTOP / METAINFO)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (ICONS / f"{APP_ID}.svg").read_text().startswith("<svg")
    for size in (16, 32, 48, 64, 128, 256):
        png = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert Image.open(png).size == (size, size)


def test_the_entry_goes_into_the_menu_and_out_again(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--install-desktop-entry"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Softmax Studio is in your applications menu")
    entry = tmp_path / "share" / "applications" / ENTRY
    validate_entry(entry)
    program = next(line[5:] for line in entry.read_text().splitlines()
                   if line.startswith("Exec="))
    assert os.access(program.split()[0], os.X_OK), program
    assert (tmp_path / "share" / "icons" / "hicolor" / "48x48" / "apps"
            / f"{APP_ID}.png").is_file()
    assert (tmp_path / "share" / "metainfo" / METAINFO).is_file()
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--uninstall-desktop-entry"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0 and out.stdout.startswith("removed 10 file(s)")
    assert not [p for p in (tmp_path / "share").rglob("*") if p.is_file()]


def test_the_wheel_in_a_fresh_venv_runs_from_any_folder(tmp_path, fashion):
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("softmax_studio-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    # Its dependencies (torch is 2 GB) from this environment's site-packages, through a
    # path file: that folder's own path files, this checkout's editable install among
    # them, are not read from there, so only the wheel's softmax_gui can be imported.
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                                "get_paths()['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q",
                                str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
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
