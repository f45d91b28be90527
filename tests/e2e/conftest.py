"""End-to-end tests: the window driven only the way a person drives it (``person.py``).

Tests read what a person would read (labels, the status bar, plots, files); they never
call the window's methods or touch private attributes to act (``test_user_like.py``
checks the source).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from person import activate, button, record

# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture
def open_window(qtbot, settings, fashion, tmp_path):
    """A function that opens the app's window (as ``python main.py`` does) and waits
    until it says it is ready; windows are closed after the test."""
    from softmax_gui.qt.shell.main_window import MainWindow
    from softmax_gui.runs import RunStore

    windows = []

    def open_(runs_folder: Path | None = None, engine=None, loaded: bool = True):
        # The session's one Fashion-MNIST, handed over (each window read and unpacked
        # its files again, and pickled them to the trainer again).
        window = MainWindow(settings, runs=RunStore(runs_folder or tmp_path / "runs"),
                            engine=engine, dataset=fashion if loaded else None)
        qtbot.addWidget(window)
        window.show()
        activate(qtbot, window)
        record(window)
        qtbot.waitUntil(lambda: button(window, "Start").isEnabled(), timeout=30_000)
        windows.append(window)
        return window

    yield open_
    for window in windows:
        window.close()


@pytest.fixture
def window(open_window):
    """The window, ready, with the bundled default weights active."""
    return open_window()
