"""Evidence drawn on the model input, and integrated gradients off the GUI thread.

Shared by the Draw dock (its input view) and the Explain dock (qt/explain/explain_view.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

from softmax_gui import explain

RED = np.array([214, 39, 40], np.float32)
BLUE = np.array([31, 119, 180], np.float32)


def strong(values: np.ndarray) -> float:
    """The size of value drawn at full colour: the 95th percentile of the non-zero
    ``|values|``. Scaled to the largest alone, one pixel took the colour and the rest of
    the map was too faint to read."""
    magnitudes = np.abs(values[values != 0])
    return float(np.percentile(magnitudes, 95)) if magnitudes.size else 0.0


def overlay(pixels: np.ndarray, evidence: np.ndarray | None) -> np.ndarray:
    """``(28, 28, 3)`` uint8: the grey input, coloured red where a pixel argues for the
    class and blue against, as strongly as its share of the largest ``|evidence|``."""
    grey = np.repeat(np.asarray(pixels, np.float32).reshape(28, 28, 1) * 255, 3, axis=2)
    if evidence is None:
        return grey.round().astype(np.uint8)
    e = np.asarray(evidence, np.float32).reshape(28, 28)
    m = strong(e)
    if m == 0:
        return grey.round().astype(np.uint8)
    alpha = np.minimum(np.abs(e) / m, 1.0)[..., None]
    colour = np.where((e > 0)[..., None], RED, BLUE)
    return (grey * (1 - alpha) + colour * alpha).round().astype(np.uint8)


def diverging(values: np.ndarray) -> np.ndarray:
    """``(28, 28, 3)`` uint8: red positive, blue negative, white zero (a change)."""
    v = np.asarray(values, np.float32).reshape(28, 28)
    m = strong(v) or 1.0
    alpha = np.minimum(np.abs(v) / m, 1.0)[..., None]
    colour = np.where((v > 0)[..., None], RED, BLUE)
    white = np.full((28, 28, 3), 255, np.float32)
    return (white * (1 - alpha) + colour * alpha).round().astype(np.uint8)


class PixelImage(QWidget):
    """A 28x28 RGB image, magnified without smoothing."""

    def __init__(self, side: int, tip: str, parent=None):
        super().__init__(parent)
        self.side = side
        self.setFixedSize(side, side)
        self.setToolTip(tip)
        self.rgb = np.zeros((28, 28, 3), np.uint8)

    def set_rgb(self, rgb: np.ndarray) -> None:
        self.rgb = np.ascontiguousarray(rgb)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.side, self.side)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        image = QImage(self.rgb.data, 28, 28, 84, QImage.Format.Format_RGB888)
        painter = QPainter(self)
        painter.drawImage(QRectF(0, 0, self.side, self.side), image)
        painter.end()


class Attributions:
    """Integrated gradients as latest-only tasks: while one runs, only the newest request
    waits, and a result asked for before it is dropped (a stroke a frame must not queue
    a second of work). Each request works on its own copy of the model."""

    def __init__(self, tasks):
        self.tasks = tasks
        self._key = f"integrated gradients {id(self)}"  # this view's requests only

    def request(self, module, pixels: np.ndarray, target: int, other: int | None,
                shown: Callable[[np.ndarray, float], None],
                failed: Callable[[BaseException], None] | None = None) -> None:
        """Compute ``IG(target) - IG(other)`` (``other`` None: ``IG(target)``) and call
        ``shown(map, completeness error)`` on the GUI thread, or ``failed(error)``,
        unless a newer request came meanwhile."""
        def work(task):
            own = explain.own_copy(module)
            first = explain.integrated_gradients(own, pixels, target)
            if other is None or task.cancelled:
                return first.map, first.completeness_error
            second = explain.integrated_gradients(own, pixels, other)
            return first.map - second.map, max(first.completeness_error,
                                               second.completeness_error)

        # A failure is said, not swallowed, when the view is still waiting for it.
        self.tasks.run("Explaining the prediction…", work, lambda result: shown(*result),
                       failed or (lambda _: None), latest=self._key)
