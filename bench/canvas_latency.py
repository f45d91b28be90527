"""Canvas latency: from a stroke event to the probabilities painted.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/canvas_latency.py [--strokes 200]

In the real window, synthetic mouse moves (60 per second, like a pointer at a display's
frame rate) draw on the canvas; each one is timed from the event to the bars repainted
with the new probabilities. For softmax regression and the MLP, idle and while a
training run of the same model is going. Prints p50 / p95 / max in milliseconds.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def strokes(window, app, count: int) -> np.ndarray:
    """Draw ``count`` mouse moves around a circle; latency of each in ms."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    panel = window.draw_panel
    canvas = panel.canvas
    latencies = []
    done = {}
    panel.inferred.connect(lambda seconds: done.setdefault("t", seconds))
    cx, cy, r = canvas.width() // 2, canvas.height() // 2, min(canvas.size().toTuple()) // 3
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(cx + r, cy))
    app.processEvents()
    for k in range(count):
        next_frame = time.perf_counter() + 1 / 60
        angle = 2 * math.pi * k / 50
        done.clear()
        started = time.perf_counter()
        QTest.mouseMove(canvas, QPoint(int(cx + r * math.cos(angle)),
                                       int(cy + r * math.sin(angle * 1.5))))
        while "t" not in done:
            app.processEvents()
        # Paint now, synchronously: the bars, the model input and the canvas are all part
        # of what the user waits for.
        panel.repaint()
        panel.bars.viewport().repaint()
        latencies.append((time.perf_counter() - started) * 1000)
        while time.perf_counter() < next_frame:
            app.processEvents()
        if k % 40 == 39:
            panel.canvas.clear()
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(cx, cy))
    panel.inferred.disconnect()
    return np.asarray(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    from PySide6.QtCore import QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication

    from softmax_gui.qt.main_window import MainWindow

    sys.setswitchinterval(0.0005)  # as the app does
    app = QApplication([])
    window = MainWindow(QSettings())
    window.show()
    app.processEvents()
    window.load_dataset("fashion-mnist")
    window.canvas_dock.raise_()
    print(f"data: {window.dataset.describe()}")

    def run_until_done():
        loop = QEventLoop()
        window.run_finished.connect(lambda _: loop.quit())
        loop.exec()
        window.run_finished.disconnect()

    for model in ("softmax", "mlp"):
        config = window.panel.config().replace(model=model, epochs=1)
        window.panel.set_config(config)
        window.start()
        run_until_done()
        idle = strokes(window, app, args.strokes)
        window.panel.set_config(config.replace(epochs=1000))
        window.start()
        while window.snapshot is None or not window.controller.running:
            app.processEvents()
        busy = strokes(window, app, args.strokes)
        window.stop()
        run_until_done()
        for label, ms in (("idle", idle), ("while training", busy)):
            print(f"{model:8s} {label:15s} p50 {np.percentile(ms, 50):5.1f} ms  "
                  f"p95 {np.percentile(ms, 95):5.1f} ms  max {ms.max():5.1f} ms "
                  f"({len(ms)} strokes)")
    window.close()


if __name__ == "__main__":
    main()
