"""Softmax Studio as a desktop app: its icon, its freedesktop launcher (``.desktop``) and
AppStream metainfo, shipped in ``resources/`` and put in the user's applications menu by
``softmax-gui --install-desktop-entry`` (``--uninstall-desktop-entry`` takes them out).

Files go where the freedesktop specifications say, under ``$XDG_DATA_HOME`` (default
``~/.local/share``): ``applications/``, ``icons/hicolor/<size>/apps/``, ``metainfo/``.
No Qt: it runs before any window.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from softmax_gui.datasets_registry import RESOURCES
from softmax_gui.safe_files import save_file

APP_ID = "org.softmaxstudio.SoftmaxStudio"
ICONS = RESOURCES / "icons"
DESKTOP = RESOURCES / "desktop"
ENTRY = f"{APP_ID}.desktop"
METAINFO = f"{APP_ID}.metainfo.xml"


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher() -> str:
    """How the menu starts the app: the installed ``softmax-gui`` beside this Python if
    there is one, else this Python running the package (a checkout)."""
    beside = Path(sys.executable).with_name("softmax-gui")
    if beside.is_file() and os.access(beside, os.X_OK):
        return shlex.quote(str(beside))
    found = shutil.which("softmax-gui")
    if found:
        return shlex.quote(found)
    return f"{shlex.quote(sys.executable)} -m softmax_gui.qt.app"


def entry_text(exec_line: str) -> str:
    """The shipped ``.desktop`` entry with its ``Exec`` made to start this install."""
    lines = (DESKTOP / ENTRY).read_text(encoding="utf-8").splitlines()
    return "\n".join(f"Exec={exec_line}" if line.startswith("Exec=") else line
                     for line in lines) + "\n"


def installed_files(home: Path | None = None) -> list[Path]:
    """Every file the entry puts in the user's data folder."""
    home = home or data_home()
    icons = home / "icons" / "hicolor"
    files = [home / "applications" / ENTRY, home / "metainfo" / METAINFO,
             icons / "scalable" / "apps" / f"{APP_ID}.svg"]
    files += [icons / p.parent.parent.name / "apps" / p.name
              for p in sorted((ICONS / "hicolor").glob(f"*/apps/{APP_ID}.png"))]
    return files


def install(home: Path | None = None) -> list[Path]:
    """Put the launcher, the icons and the metainfo in the user's data folder (each
    written atomically); returns what was written."""
    home = home or data_home()
    entry, metainfo, svg, *pngs = installed_files(home)
    sources = {metainfo: DESKTOP / METAINFO, svg: ICONS / f"{APP_ID}.svg"}
    sources.update({png: ICONS / "hicolor" / png.parent.parent.name / "apps" / png.name
                    for png in pngs})
    for target, source in sources.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes()
        save_file(target, lambda temporary, data=data: Path(temporary).write_bytes(data))
    entry.parent.mkdir(parents=True, exist_ok=True)
    text = entry_text(launcher())
    save_file(entry, lambda temporary: Path(temporary).write_text(text, encoding="utf-8"))
    return [entry, *sources]


def uninstall(home: Path | None = None) -> list[Path]:
    """Take out what :func:`install` put in; returns what was removed."""
    home = home or data_home()
    removed = []
    for path in installed_files(home):
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
            _remove_empty_folders(path.parent, home)
    return removed


def _remove_empty_folders(folder: Path, home: Path) -> None:
    """The folders the entry made, once empty (never ``home`` itself or a folder that
    holds anything else)."""
    while folder != home and home in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty: something else lives there
        folder = folder.parent


def main(install_it: bool) -> int:
    """``--install-desktop-entry`` / ``--uninstall-desktop-entry``: do it, say what."""
    try:
        paths = install() if install_it else uninstall()
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if install_it:
        print(f"Softmax Studio is in your applications menu: {paths[0]}")
        print(f"it starts: {launcher()}")
    else:
        print(f"removed {len(paths)} file(s) of the Softmax Studio launcher"
              if paths else "no Softmax Studio launcher was installed")
    return 0
