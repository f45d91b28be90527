"""The window as the benchmarks use it: opened as the app opens it, ready to train.

Shared by bench/ui_responsiveness.py, bench/canvas_latency.py and
bench/insight_update.py.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def open_window(runs_root: Path | None = None):
    """A QApplication and a shown, ready MainWindow (torch and the dataset loaded),
    with throwaway settings and runs folder (or ``runs_root``: its kept sweeps are
    beside it)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from softmax_gui.qt.shell.main_window import MainWindow
    from softmax_gui.runs import RunStore

    sys.setswitchinterval(0.0005)  # as softmax_gui.qt.app.main does
    app = QApplication.instance() or QApplication([])
    window = MainWindow(QSettings(), runs=RunStore(runs_root or Path(tempfile.mkdtemp())
                                                   / "runs"))
    window.show()
    wait_for(app, lambda: window.session.is_ready)
    print(f"data: {window.session.state.dataset.describe()}")
    return app, window


def wait_for(app, condition) -> None:
    """Run the event loop until ``condition()``, sleeping between events: a loop that
    spins on processEvents() takes a core from the (lower-priority) trainer."""
    from PySide6.QtCore import QEventLoop, QTimer

    heartbeat = QTimer()
    heartbeat.start(20)  # re-check at least this often
    while not condition():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    heartbeat.stop()


def train(app, window, config, step: bool = False):
    """Start (or Step) a run of ``config`` and return its last event once it is over."""
    runs = window.session.runs
    result = {}
    runs.finished.connect(lambda event: result.setdefault("event", event))
    window.controls.panel.set_config(config)
    (runs.step if step else runs.start)(config)
    wait_for(app, lambda: "event" in result)
    runs.finished.disconnect()
    return result["event"]
