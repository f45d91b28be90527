"""Per-user folders, by the platform's convention (XDG on Linux)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "softmax-studio"
# kind -> (override variable, XDG variable, XDG default, macOS folder, Windows variable)
_KINDS = {
    "cache": ("SOFTMAX_GUI_CACHE", "XDG_CACHE_HOME", ".cache", "Library/Caches",
              "LOCALAPPDATA"),
    "data": ("SOFTMAX_GUI_DATA", "XDG_DATA_HOME", ".local/share",
             "Library/Application Support", "APPDATA"),
}


def user_dir(kind: str) -> Path:
    """The app's ``"cache"`` or ``"data"`` folder; ``SOFTMAX_GUI_CACHE``/``_DATA`` override."""
    override, xdg, xdg_default, mac, windows = _KINDS[kind]
    if value := os.environ.get(override):
        return Path(value)
    if sys.platform == "win32":
        base = Path(os.environ.get(windows, Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / mac
    else:
        base = Path(os.environ.get(xdg, Path.home() / xdg_default))
    return base / APP
