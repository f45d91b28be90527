"""Insight views: time from an epoch's snapshot to every view updated and painted.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/insight_update.py

Collects the weight snapshots of a 10-epoch run (softmax regression and MLP), then
hands each to the real window as the trainer's signal would and times the update of the
grid and every insight view (templates, confusion and per-class table, calibration) for
the 10,000 test images, including a synchronous repaint of each view.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from softmax_gui import data, events, training
    from softmax_gui.config import TrainConfig
    from softmax_gui.qt.main_window import MainWindow
    from softmax_gui.runs import RunStore

    app = QApplication([])
    dataset = data.load("fashion-mnist", download=False)
    print(f"data: {dataset.describe()}")
    window = MainWindow(QSettings(), runs=RunStore(Path(tempfile.mkdtemp())))
    window.show()
    app.processEvents()
    window.load_dataset("fashion-mnist")
    views = [window.grid, window.templates, window.confusion, window.calibration]

    def paint_all() -> None:
        # Visit every view: each updates (lazily) when shown, then paints.
        for tab in (window.templates, window.confusion, window.calibration):
            window.tabs.setCurrentWidget(tab)
            for widget in [tab, *tab.findChildren(type(window.templates.graphics))]:
                widget.repaint()
            for plot in tab.findChildren(type(window.calibration.diagram)):
                plot.viewport().repaint()
        window.grid.canvas.repaint()

    for model in ("softmax", "mlp"):
        snaps = [e for e in training.train(TrainConfig(model=model), dataset)
                 if isinstance(e, events.WeightSnapshot)]
        times = []
        for snap in snaps:
            window.tabs.setCurrentWidget(window.plots)
            app.processEvents()
            t0 = time.perf_counter()
            window.set_snapshot(snap)
            paint_all()
            times.append((time.perf_counter() - t0) * 1000)
        t = np.asarray(times[1:])  # the first builds the views' items once
        print(f"{model:8s} update + paint of {len(views)} views, {len(t)} epochs: "
              f"median {np.median(t):.1f} ms, max {t.max():.1f} ms (first, building items: "
              f"{times[0]:.1f} ms)")
    window.close()


if __name__ == "__main__":
    main()
