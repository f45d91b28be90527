"""Canvas latency: from a stroke event to the probabilities painted.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/canvas_latency.py [--strokes 200]

In the real window, synthetic mouse moves (60 per second, like a pointer at a display's
frame rate) draw on the canvas; each one is timed from the event to the bars repainted
with the new probabilities. For softmax regression and the MLP, idle and while a
training run of the same model is going; for softmax regression also with the evidence
map drawn on the model input (the Draw dock's Evidence box). Prints p50 / p95 / max in
milliseconds.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from _window import open_window, train, wait_for


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
        panel.input_view.repaint()
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
    app, window = open_window()
    window.canvas_dock.raise_()
    runs = window.session.runs
    for model in ("softmax", "mlp"):
        config = window.controls.panel.config().replace(model=model, epochs=1)
        train(app, window, config)
        idle = strokes(window, app, args.strokes)
        measured = [("idle", idle)]
        if model == "softmax":
            window.draw_panel.evidence_box.setChecked(True)
            measured.append(("idle, evidence", strokes(window, app, args.strokes)))
            window.draw_panel.evidence_box.setChecked(False)
        runs.start(config.replace(epochs=1000))
        wait_for(app, lambda: runs.run is not None and runs.run.delivered)
        busy = strokes(window, app, args.strokes)
        runs.stop()
        wait_for(app, lambda: runs.run is None)
        for label, ms in (*measured, ("while training", busy)):
            print(f"{model:8s} {label:15s} p50 {np.percentile(ms, 50):5.1f} ms  "
                  f"p95 {np.percentile(ms, 95):5.1f} ms  max {ms.max():5.1f} ms "
                  f"({len(ms)} strokes)")
    window.close()


if __name__ == "__main__":
    main()
