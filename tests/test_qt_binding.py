"""The Qt binding itself must not corrupt reference counts (PySide6 6.12.0 did)."""

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    value = Signal(object)


def test_signal_emit_keeps_refcounts(qapp):
    emitter = Emitter()
    received = []
    emitter.value.connect(received.append)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(200):
        emitter.value.emit(i)
    after = sys.getrefcount(True), sys.getrefcount(None)
    # A reference lost per emit would be 200; other threads of the test process (a
    # task finishing, the collector) may move these counts by a few at any time.
    assert all(abs(a - b) < 20 for a, b in zip(after, before)), (before, after)
    assert received == list(range(200))
