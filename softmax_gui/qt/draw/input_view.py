"""The Draw dock's model input: the 28x28 image the model sees, magnified, with visible
pixels, and the evidence drawn over it when asked."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from softmax_gui.qt.explain.evidence import overlay

# Screen pixels per input pixel: 84 px, so that on a 700-pixel screen the bars below keep
# a line per class (the gallery checks it: scripts/gallery.py).
PIXEL = 3
INPUT_CAPTION = "Model input\n(28x28)"
VIEW = 28 * PIXEL


class ModelInputView(QWidget):
    """The 28x28 model input, magnified with visible pixels (no smoothing, a fine grid)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedSize(VIEW, VIEW)
        self.setToolTip("What the model sees: your drawing trimmed, scaled and centred the "
                        "way the dataset's images were made, at 28x28 pixels.")
        self.pixels = np.zeros((28, 28), np.float32)
        self.rgb: np.ndarray | None = None  # the input with evidence over it, when shown
        # The pixel grid never changes: draw it once (54 lines cost ~2 ms per paint).
        self._grid = QPixmap(VIEW, VIEW)
        self._grid.fill(Qt.GlobalColor.transparent)
        painter = QPainter(self._grid)
        painter.setPen(QPen(QColor(90, 90, 90, 90), 1))
        for k in range(1, 28):
            painter.drawLine(k * PIXEL, 0, k * PIXEL, VIEW)
            painter.drawLine(0, k * PIXEL, VIEW, k * PIXEL)
        painter.end()

    def set_input(self, pixels: np.ndarray, evidence: np.ndarray | None = None) -> None:
        """Show ``pixels``, with ``evidence`` (red for the class, blue against) over them
        when given."""
        self.pixels = pixels
        self.rgb = overlay(pixels, evidence) if evidence is not None else None
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(VIEW, VIEW)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.rgb is not None:
            data = self.rgb
            image = QImage(data.data, 28, 28, 84, QImage.Format.Format_RGB888)
        else:
            data = np.ascontiguousarray((self.pixels * 255).round().astype(np.uint8))
            image = QImage(data.data, 28, 28, 28, QImage.Format.Format_Grayscale8)
        painter = QPainter(self)
        painter.drawImage(QRectF(0, 0, VIEW, VIEW), image)  # nearest: every pixel a square
        painter.drawPixmap(0, 0, self._grid)
        painter.end()
