"""Writing files so that a failure leaves nothing behind and the previous file intact.

Every file the app writes (weights, run records, exports) is written to a temporary
file beside its target and renamed over it only when complete. The temporary names are
short (``.sms-<8 hex>.tmp``), so any legal target name can be written; they are created
with the permissions a plain ``open()`` would give, or those of the file they replace,
without touching the process's umask (other threads create files meanwhile). Leftovers
of a killed process are removed by the next write into the same folder.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path

PREFIX = ".sms-"
SUFFIX = ".tmp"
# A temporary file this old is a leftover of a process that died while writing it.
LEFTOVER_AGE_S = 600


def atomic_write(targets: dict[Path, Callable[[str], None]]) -> None:
    """Write each target through ``write(temporary_path)``, then rename them all into place.

    With several targets (a ``.pt`` and its ``.pt.json``), either all appear or, if any
    write fails, none changes. Raises what the writers raise (or ``OSError``).
    """
    written: dict[Path, Path] = {}
    try:
        for target, write in targets.items():
            clean_leftovers(target.parent)
            temporary = _create_temporary(target)
            written[target] = temporary
            mode = stat.S_IMODE(temporary.stat().st_mode)  # the umask applied, or the old
            write(str(temporary))
            if stat.S_IMODE(temporary.stat().st_mode) != mode:
                os.chmod(temporary, mode)  # a writer that made its own file (safetensors
                # writes 0600) must not change who may read the export
        for target, temporary in written.items():
            os.replace(temporary, target)
    except BaseException:
        for temporary in written.values():
            temporary.unlink(missing_ok=True)
        raise


class WriteError(OSError):
    """A file the user asked for (plots, metrics) could not be written; one line why."""


def save_file(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Write ``path`` through ``write(temporary_path)`` atomically; ``WriteError`` with
    the reason in words if it cannot be (the old file, if any, stays as it was)."""
    path = Path(path)
    try:
        atomic_write({path: write})
    except OSError as exc:
        raise WriteError(f"cannot write {path.name}: {reason(exc)}") from None


def _create_temporary(target: Path) -> Path:
    try:
        mode = stat.S_IMODE(target.stat().st_mode)  # replacing a file: keep its mode
    except OSError:
        mode = 0o666  # a new file: the kernel applies the umask, as open() would
    while True:
        temporary = target.parent / f"{PREFIX}{secrets.token_hex(4)}{SUFFIX}"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        os.close(fd)
        if mode != 0o666:
            os.chmod(temporary, mode)  # exactly the old mode, whatever the umask
        return temporary


def clean_leftovers(folder: Path) -> None:
    """Remove this module's temporary files older than :data:`LEFTOVER_AGE_S` in ``folder``."""
    now = time.time()
    try:
        entries = list(folder.glob(f"{PREFIX}*{SUFFIX}"))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_file() and not entry.is_symlink() \
                    and now - entry.stat().st_mtime > LEFTOVER_AGE_S:
                entry.unlink()
        except OSError:
            pass


REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file would be too large for this disk",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENAMETOOLONG: "the name is too long",
}


def reason(exc: BaseException) -> str:
    """What went wrong with a write, in words, from ``exc`` or the error that caused it.

    Libraries wrap the operating system's error (safetensors, for one, raises its own
    error whose text holds "No space left on device"); the chain and the text are read.
    """
    seen = exc
    while seen is not None:
        code = getattr(seen, "errno", None)
        if code in REASONS:
            return REASONS[code]
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    for code, words in REASONS.items():
        if os.strerror(code) in text:
            return words
    if "inline_container" in text or "PytorchStreamWriter" in text:
        # torch's zip writer says "[enforce fail at inline_container.cc:672] ..."
        return "the file could not be written (is the disk full?)"
    return text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
