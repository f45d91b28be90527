"""Application entry: ``python main.py [--screenshot PATH [--train-epochs N]]``."""

from __future__ import annotations

import argparse
import gc
import sys
import time

_T0 = time.perf_counter()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="softmax-gui", description="Softmax Studio window")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="save a PNG of the whole window and exit (works offscreen)")
    parser.add_argument("--train-epochs", type=int, metavar="N",
                        help="with --screenshot: train N epochs first")
    parser.add_argument("--data-dir", metavar="DIR", help="folder with the dataset's IDX files")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="put Softmax Studio in your applications menu (a launcher, "
                        "its icon and metainfo in ~/.local/share) and exit")
    parser.add_argument("--uninstall-desktop-entry", action="store_true",
                        help="take the launcher out of the applications menu and exit")
    parser.add_argument("--exit-when-shown", action="store_true",
                        help="print the seconds to a shown window and exit (bench/cold_start.py)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Open the window; returns the exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        from softmax_gui import desktop

        return desktop.main(install_it=args.install_desktop_entry)
    problem = _check_args(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from softmax_gui import trainer_process
    from softmax_gui.qt.shell.main_window import MainWindow
    from softmax_gui.qt.state.tasks import collect_garbage_on_the_gui_thread


    # The relay thread (and the in-process engine, when used) drops the GIL around every
    # blocking call; a canvas stroke waiting for the GIL waits at most a switch interval,
    # 0.5 ms instead of 5 ms (bench/canvas_latency.py).
    sys.setswitchinterval(0.0005)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    # Before any Python thread starts: reference cycles are collected on this thread
    # only (softmax_gui/qt/tasks.py says why).
    collect_garbage_on_the_gui_thread()
    app.setOrganizationName("SoftmaxStudio")
    app.setApplicationName("Softmax Studio")
    app.setStyle("Fusion")
    _set_icon(app)
    note = check_settings_file(settings_path(app))
    settings = QSettings()
    if note.endswith(NOT_REMEMBERED):  # still there: never open it, it would block
        import tempfile

        settings = QSettings(f"{tempfile.mkdtemp()}/settings.ini", QSettings.Format.IniFormat)
    window = MainWindow(settings, data_dir=args.data_dir)
    window.show()
    if note:
        window.session.report(note)
    app.processEvents()  # the first paint: the window is on screen from here
    trainer = trainer_process.shared()
    # Spawn the trainer process (it imports torch, ~3 s) once the window has loaded torch
    # and the data, so the two start-ups do not compete for the CPU; it is ready soon
    # after, and exits with the app.
    app.aboutToQuit.connect(trainer.close)
    if not args.exit_when_shown:
        window.session.ready.connect(trainer.start)
        # torch and the data are loaded: from here on the garbage collector need not
        # scan their ~250k objects again (a full collection took ~120 ms, a stall the
        # window would feel; bench/ui_responsiveness.py).
        window.session.ready.connect(gc.freeze)
    if args.exit_when_shown:
        QTimer.singleShot(0, lambda: (print(f"shown_s={time.perf_counter() - _T0:.3f}",
                                            flush=True), window.close()))
    elif args.screenshot:
        _schedule_screenshot(app, window, args.screenshot, args.train_epochs)
    return app.exec()


def _set_icon(app) -> None:
    """The app's icon on every window, and its launcher's name (a Wayland desktop finds
    the icon and the menu entry by it)."""
    from PySide6.QtGui import QIcon

    from softmax_gui.desktop import APP_ID, ICONS

    icon = QIcon(str(ICONS / f"{APP_ID}.svg"))
    for png in sorted((ICONS / "hicolor").glob(f"*/apps/{APP_ID}.png")):
        icon.addFile(str(png))
    app.setWindowIcon(icon)
    app.setDesktopFileName(APP_ID)


def _check_args(args) -> str:
    """One line for arguments that cannot work, before anything opens."""
    from softmax_gui.config import MAX_EPOCHS

    if args.train_epochs is not None and not 1 <= args.train_epochs <= MAX_EPOCHS:
        return f"--train-epochs must be between 1 and {MAX_EPOCHS}"
    if args.train_epochs is not None and args.screenshot is None:
        return "--train-epochs needs --screenshot PATH"
    if args.screenshot is not None:
        from pathlib import Path

        path = Path(args.screenshot)
        if not args.screenshot.strip() or path.suffix.lower() != ".png":
            return "--screenshot needs a PATH ending in .png"
        if path.is_dir():
            return f"--screenshot {args.screenshot} is a folder; give a file name ending .png"
    return ""


def settings_path(app) -> str:
    """Where ``QSettings()`` keeps this app's settings on Linux (an INI file), found
    without opening it: QSettings reads its file as it is made."""
    from PySide6.QtCore import QStandardPaths

    folder = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.GenericConfigLocation)
    return f"{folder}/{app.organizationName()}/{app.applicationName()}.conf"


def check_settings_file(path: str) -> str:
    """Move ``path`` aside if it is no settings file (a FIFO kept the window from ever
    appearing: QSettings waited on it; a folder or a huge file are no settings either);
    returns what to tell the user, or "". The app then starts with its defaults."""
    import os
    import stat
    from pathlib import Path

    path = Path(path)
    try:
        info = path.lstat()
    except OSError:
        return ""  # none yet: QSettings makes it
    if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_SETTINGS_BYTES \
            and os.access(path, os.R_OK):
        return ""
    aside = path.with_name(path.name + ".unusable")
    try:
        os.replace(path, aside)
    except OSError as exc:
        return (f"The settings file {path} is not a readable file and could not be moved "
                f"aside ({exc.strerror}): {NOT_REMEMBERED}")
    return (f"The settings file {path} was not a readable file: it was moved aside to "
            f"{aside.name} and the defaults are used.")


MAX_SETTINGS_BYTES = 1 << 20
NOT_REMEMBERED = "nothing will be remembered this time."


def _schedule_screenshot(app, window, path: str, epochs: int | None) -> None:
    from PySide6.QtCore import QTimer

    def save() -> None:
        from softmax_gui.qt.shell.png_file import save_png
        from softmax_gui.safe_files import WriteError

        image = window.grab()
        try:  # atomic: a full disk leaves the old screenshot as it was
            save_png(image, path)
        except WriteError as exc:
            print(f"error: could not write {path}: {exc}", file=sys.stderr)
            window.close()
            app.exit(2)
            return
        print(f"saved {path} ({image.width()}x{image.height()})")
        window.close()

    session = window.session

    def after_load() -> None:
        if epochs:
            session.runs.finished.connect(lambda _: QTimer.singleShot(300, save))
            config = window.controls.panel.config().replace(epochs=epochs)
            if session.runs.start(config):
                return
        QTimer.singleShot(300, save)

    # torch and the dataset load after the window shows; start after them.
    if session.is_ready:
        QTimer.singleShot(50, after_load)
    else:
        session.ready.connect(lambda: QTimer.singleShot(50, after_load))


if __name__ == "__main__":
    sys.exit(main())
