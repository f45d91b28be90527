"""Insight views: time from an epoch's snapshot to every view updated and painted.

Usage::

    QT_QPA_PLATFORM=offscreen python bench/insight_update.py

Collects the weight snapshots of a 10-epoch run (softmax regression and MLP), then
hands each to the real window as the trainer's signal would and times the update of the
grid and every insight view (templates, confusion and per-class table, calibration) for
the 10,000 test images, including a synchronous repaint of each view.
"""

from __future__ import annotations

import time

import numpy as np
from _window import open_window


def main() -> None:
    from softmax_gui import events, training
    from softmax_gui.active_weights import prepare
    from softmax_gui.config import TrainConfig

    app, window = open_window()
    session, tabs = window.session, window.tabs
    views = [window.grid, tabs.templates, tabs.confusion, tabs.calibration]

    def paint_all() -> None:
        # Visit every view: each updates (lazily) when shown, then paints.
        for tab in (tabs.templates, tabs.confusion, tabs.calibration):
            tabs.setCurrentWidget(tab)
            for widget in [tab, *tab.findChildren(type(tabs.templates.graphics))]:
                widget.repaint()
            for plot in tab.findChildren(type(tabs.calibration.diagram)):
                plot.viewport().repaint()
        window.grid.view.repaint()

    for model in ("softmax", "mlp"):
        snaps = [e for e in training.train(TrainConfig(model=model), session.dataset)
                 if isinstance(e, events.WeightSnapshot)]
        times = []
        for snap in snaps:
            tabs.setCurrentWidget(tabs.plots)
            app.processEvents()
            t0 = time.perf_counter()
            # What the session does with a trainer's snapshot, then every view's update.
            session.set_weights(prepare(snap, "bench", {}, None, session.test_images))
            paint_all()
            times.append((time.perf_counter() - t0) * 1000)
        t = np.asarray(times[1:])  # the first builds the views' items once
        print(f"{model:8s} update + paint of {len(views)} views, {len(t)} epochs: "
              f"median {np.median(t):.1f} ms, max {t.max():.1f} ms (first, building items: "
              f"{times[0]:.1f} ms)")
    window.close()


if __name__ == "__main__":
    main()
