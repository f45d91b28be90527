"""The drawing canvas: brush (with pen pressure), eraser, fill, undo/redo, drop an image.

The drawing is an 8-bit grayscale image, bright ink on black like the datasets, at ten
times their resolution; ``image()`` hands a numpy copy to the preprocessing. A guide (a
class's average item) can be painted faintly under the strokes: it is only painted,
never part of that image, so the model never sees it.
"""

from __future__ import annotations

import time

import numpy as np
from PIL import Image, ImageDraw
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPen,
    QRadialGradient,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

SIDE = 280
UNDO_LIMIT = 50
TOOLS = ("brush", "eraser", "fill")
# The guide's colour at full strength: blue, a colour no stroke has, so it never reads as
# ink; dim, so that grey ink over it still shows.
GUIDE_RGB = (30, 70, 120)


class DrawingCanvas(QWidget):
    """A square drawing surface. ``changed`` fires (with the event's time) on every edit."""

    changed = Signal(float)  # time.perf_counter() of the input event that caused it
    file_dropped = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(100, 100)
        self.setAcceptDrops(True)
        # Drawing gives it focus, so the tool shortcuts (B, E, F, Ctrl+Z, Delete) work
        # right after a stroke.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Drawing canvas")
        self.setToolTip("Draw with the mouse or a pen (pressure sets the width). Bright on "
                        "black, like the dataset. Drop an image file here to load it.")
        self._image = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self.tool = "brush"
        self.brush_size = 18.0
        self.softness = 0.3
        # The strokes that made the drawing ([tool, size, [[x, y, pressure], ...]] in
        # image pixels), kept with a drawing taught to the model; undone with it.
        self.strokes: list[list] = []
        self._undo: list[tuple[QImage, list]] = []
        self._redo: list[tuple[QImage, list]] = []
        self._last: QPointF | None = None
        self.revision = 0  # counts the edits: "is this still the image I put here?"
        self._guide: QImage | None = None

    def sizeHint(self) -> QSize:
        return QSize(300, 300)

    # --- state --------------------------------------------------------------------------

    def image(self) -> np.ndarray:
        """The drawing as uint8 ``(280, 280)``, 255 = full ink (a copy)."""
        ptr = self._image.constBits()
        rows = np.frombuffer(ptr, np.uint8).reshape(SIDE, self._image.bytesPerLine())
        return rows[:, :SIDE].copy()

    def set_image(self, array: np.ndarray, announce: bool = True) -> None:
        """Replace the drawing with ``array`` (2-D, uint8 or float in [0, 1], any size);
        ``announce=False``: no ``changed`` (the caller says what the new drawing is)."""
        self._push_undo()
        self._set_pixels(array)
        self.strokes = []  # an image, not strokes
        self.revision += 1
        if announce:
            self.changed.emit(time.perf_counter())

    def _set_pixels(self, array: np.ndarray) -> None:
        array = np.asarray(array)
        if array.dtype != np.uint8:
            array = (np.clip(array, 0, 1) * 255).round().astype(np.uint8)
        resized = Image.fromarray(array, "L").resize((SIDE, SIDE), Image.Resampling.BICUBIC)
        data = np.ascontiguousarray(np.asarray(resized))
        self._image = QImage(data.data, SIDE, SIDE, SIDE, QImage.Format.Format_Grayscale8).copy()
        self.update()

    def set_guide(self, guide: np.ndarray | None) -> None:
        """Paint ``guide`` (float ``(SIDE, SIDE)`` in [0, 1]) faintly under the strokes;
        None: no guide. It stays out of :meth:`image`."""
        if guide is None:
            self._guide = None
        else:
            rgb = np.clip(guide, 0, 1)[..., None] * np.asarray(GUIDE_RGB, np.float32)
            data = np.ascontiguousarray(rgb.round().astype(np.uint8))
            self._guide = QImage(data.data, SIDE, SIDE, 3 * SIDE,
                                 QImage.Format.Format_RGB888).copy()
        self.update()

    @property
    def guide_shown(self) -> bool:
        return self._guide is not None

    def clear(self) -> None:
        self._push_undo()
        self._image.fill(0)
        self.strokes = []
        self.update()
        self._emit()

    def undo(self) -> None:
        self._step(self._undo, self._redo)

    def redo(self) -> None:
        self._step(self._redo, self._undo)

    def _step(self, source: list[QImage], target: list[QImage]) -> None:
        """Move one state from ``source`` to the drawing, keeping the current in ``target``."""
        if source:
            target.append((self._image.copy(), list(self.strokes)))
            self._image, self.strokes = source.pop()
            self.update()
            self._emit()

    def _push_undo(self) -> None:
        self._undo.append((self._image.copy(), list(self.strokes)))
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()

    def _emit(self, when: float | None = None) -> None:
        self.revision += 1
        self.changed.emit(time.perf_counter() if when is None else when)

    # --- painting on the image ----------------------------------------------------------

    def _to_image(self, pos: QPointF) -> QPointF:
        side = min(self.width(), self.height())
        left, top = (self.width() - side) / 2, (self.height() - side) / 2
        return QPointF((pos.x() - left) * SIDE / side, (pos.y() - top) * SIDE / side)

    def _dab(self, painter: QPainter, at: QPointF, radius: float) -> None:
        """One round dab: a hard core fading out over ``softness`` of the radius."""
        colour = QColor(0, 0, 0) if self.tool == "eraser" else QColor(255, 255, 255)
        gradient = QRadialGradient(at, radius)
        gradient.setColorAt(0.0, colour)
        gradient.setColorAt(max(0.0, 1.0 - self.softness), colour)
        transparent = QColor(colour)
        transparent.setAlpha(0)
        gradient.setColorAt(1.0, transparent)
        painter.setBrush(QBrush(gradient))
        painter.drawEllipse(at, radius, radius)

    def _stroke_to(self, pos: QPointF, pressure: float, when: float) -> None:
        if self.strokes:
            self.strokes[-1][2].append([round(pos.x(), 1), round(pos.y(), 1),
                                        round(pressure, 2)])
        radius = max(1.0, self.brush_size * pressure / 2)
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        start = self._last or pos
        distance = ((pos.x() - start.x()) ** 2 + (pos.y() - start.y()) ** 2) ** 0.5
        steps = max(1, int(distance / max(radius / 3, 1.0)))
        for i in range(1, steps + 1):
            t = i / steps
            self._dab(painter, start + (pos - start) * t, radius)
        painter.end()
        self._last = pos
        self.update()
        self._emit(when)

    def _fill(self, pos: QPointF, when: float) -> None:
        x, y = int(pos.x()), int(pos.y())
        if not (0 <= x < SIDE and 0 <= y < SIDE):
            return
        self._push_undo()
        # copy(): Pillow 13's fromarray shares the numpy buffer, and floodfill's writes
        # to such an image are lost.
        pil = Image.fromarray(self.image(), "L").copy()
        # Fill the region of similar darkness around the click (a silhouette's inside).
        ImageDraw.floodfill(pil, (x, y), 255, thresh=60)
        self._set_pixels(np.asarray(pil))
        self._emit(when)

    # --- events -------------------------------------------------------------------------

    def _press(self, pos: QPointF, pressure: float) -> None:
        when = time.perf_counter()
        point = self._to_image(pos)
        if self.tool == "fill":
            self._fill(point, when)
            self.strokes.append(["fill", 0.0, [[round(point.x(), 1), round(point.y(), 1)]]])
            return
        self._push_undo()
        self._last = None
        self.strokes.append([self.tool, self.brush_size, []])
        self._stroke_to(point, pressure, when)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self._press(event.position(), 1.0)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton and self.tool != "fill":
            self._stroke_to(self._to_image(event.position()), 1.0, time.perf_counter())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._last = None

    def tabletEvent(self, event) -> None:  # noqa: N802
        pressure = max(0.05, event.pressure())
        kind = event.type()
        if kind == event.Type.TabletPress:
            self._press(event.position(), pressure)
        elif kind == event.Type.TabletMove and event.buttons() and self.tool != "fill":
            self._stroke_to(self._to_image(event.position()), pressure, time.perf_counter())
        elif kind == event.Type.TabletRelease:
            self._last = None
        event.accept()

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.file_dropped.emit(urls[0].toLocalFile())

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#444"))
        side = min(self.width(), self.height())
        target = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self._image)
        if self._guide is not None:
            # Under the strokes: each pixel the brighter of ink and guide, so white ink
            # covers the guide and the black around it shows it.
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Lighten)
            painter.drawImage(target, self._guide)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.setPen(QPen(QColor("#888"), 1))
        painter.drawRect(target)
        painter.end()
