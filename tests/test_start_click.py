from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from softmax_gui.qt.main_window import MainWindow


def test_click_start(qtbot, settings, fashion):
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.is_ready, timeout=30000)
    win.panel.epochs.setValue(1)
    with qtbot.waitSignal(win.run_finished, timeout=60000):
        QTest.mouseClick(win.start_button, Qt.MouseButton.LeftButton)
    assert not win.banner.isVisible(), win.banner.text()
    win.close()
