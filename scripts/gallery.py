"""Every view of the window after a default run, as PNG files: the gallery in docs/gallery.

Usage::

    python scripts/gallery.py [--out docs/gallery] [--sizes 1024x700,1920x1080]
                              [--themes light,dark] [--data-dir DIR]

It trains a run whose learning rate explodes (so the Curves tab shows what that looks
like) and then a default run, selects test image #3577, sends it to the canvas, sets
the temperature to 0.5, and saves each tab (with the grid dock in front) and the Draw
dock, at each size and theme. It prints every text that Qt says is drawn cut off
(softmax_gui/qt/shell/legibility.py) and exits 1 if there is one. Works offscreen
(``QT_QPA_PLATFORM=offscreen``) and in a real window (``xvfb-run``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = 3577  # a sandal the default model is sure of (the issue that asked for this)


def settle(app, seconds: float = 0.3) -> None:
    """Let the window lay out and paint for ``seconds``."""
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


# No event for this long, and no task running: the window has laid out and painted.
QUIET_S = 0.1


def count_events(app, owner):
    """An event filter on ``app`` whose ``count`` is the number of events delivered since
    (removed with ``app.removeEventFilter``, or when ``owner`` is deleted)."""
    from PySide6.QtCore import QObject

    class EventCounter(QObject):
        count = 0

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
            self.count += 1
            return False

    counter = EventCounter(owner)
    app.installEventFilter(counter)
    return counter


def settle_until_quiet(app, events, busy, longest: float = 30.0) -> None:
    """Let the window lay out, paint and finish what it started (a tab shown may start a
    task: the Weights tab's inputs): handle its events until none has come (``events``,
    from :func:`count_events`) for :data:`QUIET_S` while ``busy()`` is false, at most
    ``longest`` seconds. (A fixed 0.3 s a view was idle most of the time, and on a busy
    machine not always enough.)"""
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + longest
    seen, quiet_since = -1, time.perf_counter()
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        now = time.perf_counter()
        if events.count != seen or busy():
            seen, quiet_since = events.count, now
        elif now - quiet_since >= QUIET_S:
            return
        time.sleep(0.005)


def wait_for(app, condition, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not get there in time")
        settle(app, 0.05)


def save_png(image, path: Path) -> None:
    """A palette PNG: the gallery is kept in the repository, so it is kept small.

    ``image`` is a QPixmap (``window.grab()``); its pixels go to PIL as they are (an
    intermediate PNG, written by Qt and read back, cost a tenth of a second an image).
    """
    from PIL import Image
    from PySide6.QtGui import QImage

    rgb = image.toImage().convertToFormat(QImage.Format.Format_RGB888)
    pixels = Image.frombuffer("RGB", (rgb.width(), rgb.height()), bytes(rgb.constBits()),
                              "raw", "RGB", rgb.bytesPerLine(), 1)
    pixels.quantize(256).save(path, optimize=True)


def make_gallery(out: Path, sizes, themes, data_dir: str | None = None,
                 dataset=None) -> dict[str, list]:
    """Save the gallery into ``out``; returns each file's name and the texts Qt found
    clipped in it (an empty list when none). ``dataset``: one already loaded (the
    tests'), instead of reading its files again."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from softmax_gui.qt.shell import legibility
    from softmax_gui.qt.shell.main_window import MainWindow
    from softmax_gui.qt.training.worker import train_in_this_thread
    from softmax_gui.runs import RunStore

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="gallery-"))
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, data_dir=data_dir, runs=RunStore(scratch / "runs"),
                        engine=train_in_this_thread, dataset=dataset)
    window.show()
    session = window.session
    wait_for(app, lambda: session.is_ready)
    panel = window.controls.panel
    for config in (panel.config().replace(lr=1000.0, epochs=1, schedule="constant"),
                   panel.config()):
        session.runs.start(config)
        wait_for(app, lambda: session.runs.run is None)
    session.select(EXAMPLE)
    session.send_to_canvas(EXAMPLE)
    window.draw_panel.t_slider.setValue(70)  # T = 0.5
    lab = window.tabs.lab
    lab.same_batches.compare()
    lab.same_batches.gradient_check()
    lab.pitfall.epochs.setValue(2)
    lab.pitfall.train()
    wait_for(app, lambda: not session.tasks.busy)
    lab.sweep.form.epochs.setValue(2)
    lab.sweep.form.seeds.setValue(2)  # three rates, two seeds: a mean with its spread
    lab.sweep.train()
    wait_for(app, lambda: not session.tasks.busy)
    lab.microscope.momentum.setValue(0.9)
    for _ in range(2):
        lab.microscope.step()
    window.tabs.steps.smoothing.setValue(0.1)  # H(y) > 0 in the information table
    lab.playground.state.step(400)  # the NumPy text's points, part-way
    window.draw_panel.evidence_box.setChecked(True)  # the evidence on the canvas's input
    explain = window.explain
    explain.make_it.target.setCurrentIndex(7)  # "sneaker": the sandal made into one
    explain.make_it.find_change()
    explain.robustness.measure()
    wait_for(app, lambda: not session.tasks.busy)
    results: dict[str, list] = {}
    events = count_events(app, window)

    def shoot(name: str, size: tuple[int, int]) -> None:
        settle_until_quiet(app, events, lambda: session.tasks.busy)
        path = out / f"{name}.png"
        save_png(window.grab(), path)
        results[path.name] = legibility.clipped_texts(window)
        if (window.width(), window.height()) != size:  # it would not fit that screen
            results[path.name].append(f"window is {window.width()}x{window.height()}, "
                                      f"not {size[0]}x{size[1]}")

    tabs = window.tabs
    for theme in themes:
        window.theme_menu.choose(theme)
        for width, height in sizes:
            window.resize(width, height)
            window.reset_layout()
            settle_until_quiet(app, events, lambda: session.tasks.busy)
            prefix = f"{theme}-{width}x{height}"
            window.grid_dock.raise_()
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                if tabs.widget(index) is lab:
                    for page in range(lab.count()):
                        lab.setCurrentIndex(page)
                        name = lab.tabText(page).lower().replace(" ", "-")
                        shoot(f"{prefix}-lab-{name}", (width, height))
                    continue
                shoot(f"{prefix}-{tabs.tabText(index).lower()}", (width, height))
            window.canvas_dock.raise_()
            tabs.setCurrentIndex(tabs.indexOf(tabs.steps))
            shoot(f"{prefix}-draw", (width, height))
            window.explain_dock.raise_()
            shoot(f"{prefix}-explain", (width, height))
    app.removeEventFilter(events)
    window.close()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="docs/gallery", type=Path)
    parser.add_argument("--sizes", default="1024x700,1920x1080")
    parser.add_argument("--themes", default="light,dark")
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]
    results = make_gallery(args.out, sizes, args.themes.split(","), args.data_dir)
    clipped = 0
    for name, problems in results.items():
        print(f"{name}: {'ok' if not problems else '; '.join(problems)}")
        clipped += len(problems)
    print(f"{len(results)} images in {args.out}, {clipped} clipped texts")
    return 1 if clipped else 0


if __name__ == "__main__":
    sys.exit(main())
