"""The Playground's plane: the regions each class wins (shaded by its probability), the
boundary lines, each ``w_k`` as an arrow with handles to drag, the points with a ring as
large as their loss; click to add a point, drag to move one, right-click to delete.

It binds itself to :class:`PlaygroundState` and changes it only through its methods.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor

from softmax_gui.plane_model import line_in_box
from softmax_gui.plane_points import NUMPY_TEXT_QUERY
from softmax_gui.qt.playground.playground_state import PlaygroundState
from softmax_gui.qt.shell import theme

# Okabe and Ito's colour-blind-safe palette, and a marker per class besides.
CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
CLASS_SYMBOLS = ("o", "s", "t", "d", "p", "h")
REGION_SIZE = 96
HIT_PX = 9  # how near (in pixels) a press must be to take a point or a handle


class PlaneBox(pg.ViewBox):
    """A view box whose clicks and drags are the Playground's, not pan and zoom."""

    clicked = Signal(object, object)  # mouse button, position in data coordinates
    dragged = Signal(object, object, str)  # where it began, where it is, start|move|finish

    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        ev.accept()
        self.clicked.emit(ev.button(), self.mapSceneToView(ev.scenePos()))

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph's name
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        phase = "start" if ev.isStart() else "finish" if ev.isFinish() else "move"
        self.dragged.emit(self.mapSceneToView(ev.buttonDownScenePos()),
                          self.mapSceneToView(ev.scenePos()), phase)

    def wheelEvent(self, ev, axis=None):  # noqa: N802 - the plane does not zoom
        ev.ignore()


def nice_scale(longest: float, extent: float) -> float:
    """A factor 1, 2 or 5 times a power of ten that draws the longest arrow at 15% to
    45% of the plane's extent (weights start at 0.01 and can grow to hundreds)."""
    if longest <= 0 or not math.isfinite(longest):
        return 1.0
    target = 0.3 * extent / longest
    power = 10 ** math.floor(math.log10(target))
    return min((f * power for f in (1, 2, 5, 10)), key=lambda s: abs(math.log(s / target)))


def draw_points(dots, rings, points, losses, hovered_index: int) -> None:
    """Each point (hollow if held out, thicker if hovered), and a ring as large as its
    loss; a few pens and brushes made a frame (one per class and kind), not two per
    point."""
    colors = theme.colors()
    fill = [pg.mkBrush(c) for c in CLASS_COLORS]
    hollow = pg.mkBrush(colors.background)
    outline = {1: pg.mkPen(colors.foreground, width=1),
               2.5: pg.mkPen(colors.foreground, width=2.5)}
    edge = [pg.mkPen(c, width=2.5) for c in CLASS_COLORS]
    ring = [pg.mkPen(c, width=1.5) for c in CLASS_COLORS]
    test, labels = points.test, points.y
    hovered = np.arange(len(points)) == hovered_index
    safe = np.where(np.isfinite(losses), losses, 0.0) if len(losses) == len(points) \
        else np.zeros(len(points))
    dots.setData(
        pos=points.X, size=11, symbol=[CLASS_SYMBOLS[k] for k in labels],
        brush=[hollow if t else fill[k] for k, t in zip(labels, test)],
        pen=[edge[k] if t else outline[2.5 if h else 1]
             for k, t, h in zip(labels, test, hovered)])
    rings.setData(pos=points.X, size=12 + 8 * np.minimum(safe, 4.0),
                  pen=[ring[k] for k in labels], brush=pg.mkBrush(None))


class PlaneView(pg.PlotWidget):
    """The plane; ``hovered`` carries the index of the point under the mouse (or -1)."""

    hovered = Signal(int)

    def __init__(self, state: PlaygroundState, parent=None):
        super().__init__(parent, viewBox=PlaneBox())
        self.state = state
        self.box: PlaneBox = self.getViewBox()
        self.box.setAspectLocked(True)
        self.box.setMenuEnabled(False)
        self.box.setMouseEnabled(False, False)
        self.hideButtons()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # keys reach the tab's shortcuts
        self.regions = pg.ImageItem()
        self.boundaries = pg.PlotDataItem(connect="pairs")
        self.arrows = pg.PlotDataItem(connect="pairs")
        self.zero_lines = [pg.PlotDataItem() for _ in CLASS_COLORS]
        self.heads = [pg.ArrowItem(headLen=18, tipAngle=36, pen=None) for _ in CLASS_COLORS]
        self.rings = pg.ScatterPlotItem(pxMode=True)
        self.dots = pg.ScatterPlotItem(pxMode=True, hoverable=False)
        self.handles = pg.ScatterPlotItem(pxMode=True)
        # The point the NumPy text predicts, where its preset is on the plane.
        self.query = pg.ScatterPlotItem([NUMPY_TEXT_QUERY[0]], [NUMPY_TEXT_QUERY[1]],
                                        symbol="+", size=16, pxMode=True)
        self.query_label = pg.TextItem("[1.5, 1.5]", anchor=(0, 1))
        self.query_label.setPos(*NUMPY_TEXT_QUERY)
        for item in (self.regions, *self.zero_lines, self.boundaries, self.arrows, *self.heads,
                     self.rings, self.dots, self.query, self.query_label, self.handles):
            self.addItem(item)
        self.regions.setZValue(-10)
        self.scale = 1.0
        self.hovered_index = -1
        self._drag = None  # ("point", index) | ("weight" | "bias", class)
        self._drag_base = None  # a dragged arrow's foot, where it was when taken
        # A resize widens the locked-aspect view: the regions must cover it again.
        self.box.sigRangeChanged.connect(lambda *_: self.redraw())
        self.box.clicked.connect(self._clicked)
        self.box.dragged.connect(self._dragged)
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        state.points_changed.connect(self._points_changed)
        state.points_replaced.connect(self.fit)
        state.model_changed.connect(self.redraw)
        self.fit()

    # --- drawing ------------------------------------------------------------------------

    def fit(self) -> None:
        """Frame the points (the origin too, where the arrows start) with a margin."""
        X = self.state.points.X
        low = np.minimum(X.min(0), 0.0)
        high = np.maximum(X.max(0), 0.0)
        pad = max(float((high - low).max()) * 0.15, 0.5)
        self.box.setRange(xRange=(low[0] - pad, high[0] + pad),
                          yRange=(low[1] - pad, high[1] + pad), padding=0)
        self.scale = 0.0  # chosen again at the next redraw
        self.redraw()

    def view_box(self):
        (x0, x1), (y0, y1) = self.box.viewRange()
        return (x0, x1), (y0, y1)

    def redraw(self) -> None:
        """Regions, boundaries, arrows and the points' rings at the current weights."""
        x_range, y_range = self.view_box()
        model, points = self.state.model, self.state.points
        if self.state.run.diverged:
            self.regions.clear()
            self.boundaries.setData([], [])
        else:
            self._draw_regions(*model.regions(x_range, y_range, REGION_SIZE), x_range, y_range)
            segments = model.boundaries(x_range, y_range)
            xy = [end for *_, start, stop in segments for end in (start, stop)]
            self.boundaries.setData([p[0] for p in xy], [p[1] for p in xy])
            self.boundaries.setPen(pg.mkPen(theme.colors().foreground, width=2))
        draw_points(self.dots, self.rings, points, model.losses(points.X, points.y),
                    self.hovered_index)
        shown = self.state.source == "numpy-text"
        self.query.setVisible(shown)
        self.query_label.setVisible(shown)
        self.query.setPen(pg.mkPen(theme.colors().foreground, width=2))
        self.query_label.setColor(theme.colors().foreground)
        self._draw_arrows(x_range, y_range)

    def _draw_regions(self, winner, confidence, x_range, y_range) -> None:
        k = self.state.points.classes
        rgb = np.array([QColor(c).getRgb()[:3] for c in CLASS_COLORS[:k]], np.uint8)
        image = np.empty(winner.shape + (4,), np.uint8)
        image[..., :3] = rgb[winner]
        # Opacity by how sure the winner is: clear at a tie of all, strong at certainty.
        sure = np.clip((confidence - 1 / k) / (1 - 1 / k), 0, 1)
        image[..., 3] = (30 + 150 * sure).astype(np.uint8)
        self.regions.setImage(np.transpose(image, (1, 0, 2)), autoLevels=False)
        self.regions.setRect(x_range[0], y_range[0], x_range[1] - x_range[0],
                             y_range[1] - y_range[0])

    def _draw_arrows(self, x_range, y_range) -> None:
        """Each class's line where its score ``w_k . x + b_k`` is 0 (dashed), and ``w_k``
        as an arrow standing on it: the diamond at its foot moves the line (``b_k``),
        the dot at its tip turns and stretches ``w_k``."""
        model = self.state.model
        for line in self.zero_lines:
            line.setData([], [])
        if not model.linear or self.state.run.diverged:
            self.arrows.setData([], [])
            self.handles.setData([])
            for head in self.heads:
                head.hide()
            return
        W, b = model.params["W"], model.params["b"]
        extent = min(x_range[1] - x_range[0], y_range[1] - y_range[0])
        longest = float(np.linalg.norm(W, axis=1).max())
        settled = 0.1 * extent <= longest * self.scale <= 0.5 * extent
        if self._drag is None and (not settled or model.steps == 0):  # a start: one scale
            self.scale = nice_scale(longest, extent)
        spots, xs, ys = [], [], []
        fg = theme.colors().foreground
        for k, head in enumerate(self.heads):
            head.setVisible(k < len(W))
            if k >= len(W):
                continue
            base = self.arrow_base(k)
            tip = base + self.scale * W[k]
            xs += [base[0], tip[0]]
            ys += [base[1], tip[1]]
            head.setPos(*(base + 0.8 * self.scale * W[k]))  # clear of the tip's handle
            head.setStyle(angle=180 - math.degrees(math.atan2(W[k][1], W[k][0])),
                          brush=pg.mkBrush(CLASS_COLORS[k]))
            zero = line_in_box(W[k], b[k], x_range, y_range)
            if zero is not None:
                self.zero_lines[k].setData([zero[0][0], zero[1][0]], [zero[0][1], zero[1][1]],
                                           pen=pg.mkPen(CLASS_COLORS[k], width=1.5,
                                                        style=Qt.PenStyle.DashLine))
            # A dark dot ringed in the class's colour: not to be taken for a data point.
            spots.append({"pos": tuple(tip), "symbol": "o", "size": 11, "data": ("weight", k),
                          "brush": pg.mkBrush(fg), "pen": pg.mkPen(CLASS_COLORS[k], width=3)})
            spots.append({"pos": tuple(base), "symbol": "d", "size": 13, "data": ("bias", k),
                          "brush": pg.mkBrush(theme.colors().background),
                          "pen": pg.mkPen(CLASS_COLORS[k], width=2.5)})
        self.arrows.setData(xs, ys, pen=pg.mkPen(fg, width=1.5))
        self.handles.setData(spots)

    def arrow_base(self, k: int) -> np.ndarray:
        """Where class ``k``'s arrow stands on its zero-score line."""
        if self._drag == ("weight", k) and self._drag_base is not None:
            return self._drag_base  # the foot stays put while the tip turns
        return self._foot(k)

    def _foot(self, k: int) -> np.ndarray:
        """The point of class ``k``'s zero-score line nearest the class's points (the
        middle of the plane without any): each arrow stands by its class, and the lines
        of all classes, which meet where every score ties at 0, do not pile up there."""
        points = self.state.points
        own = points.X[points.y == k]
        if len(own):
            middle = own.mean(0)
        else:
            (x0, x1), (y0, y1) = self.view_box()
            middle = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        w, b = self.state.model.params["W"][k], self.state.model.params["b"][k]
        norm2 = float(w @ w)
        return middle - (w @ middle + b) / norm2 * w if norm2 > 1e-18 else middle

    def _points_changed(self) -> None:
        if self.hovered_index >= len(self.state.points):
            self._hover(-1)

    # --- the mouse ----------------------------------------------------------------------

    def to_pixels(self, xy) -> QPointF:
        """A data point's position in this widget's pixels."""
        return self.mapFromScene(self.box.mapViewToScene(QPointF(*map(float, xy))))

    def _nearest(self, pos: QPointF, candidates) -> int:
        """The index of the candidate nearest ``pos`` (data) within HIT_PX, or -1."""
        where = self.to_pixels((pos.x(), pos.y()))
        best, index = HIT_PX, -1
        for i, xy in enumerate(candidates):
            p = self.to_pixels(xy)
            distance = math.hypot(p.x() - where.x(), p.y() - where.y())
            if distance <= best:
                best, index = distance, i
        return index

    def _handle_at(self, pos: QPointF):
        handles = [spot.data() for spot in self.handles.points()]
        positions = [(spot.pos().x(), spot.pos().y()) for spot in self.handles.points()]
        index = self._nearest(pos, positions)
        return handles[index] if index >= 0 else None

    def _clicked(self, button, pos: QPointF) -> None:
        index = self._nearest(pos, self.state.points.X)
        if button == Qt.MouseButton.RightButton and index >= 0:
            self.state.delete_point(index)
        elif button == Qt.MouseButton.LeftButton and index < 0 and self._handle_at(pos) is None:
            self.state.add_point(pos.x(), pos.y())

    def _dragged(self, start: QPointF, pos: QPointF, phase: str) -> None:
        if phase == "start":
            handle = self._handle_at(start)
            index = self._nearest(start, self.state.points.X)
            self._drag = handle or (("point", index) if index >= 0 else None)
            self._drag_base = self._foot(handle[1]) if handle else None
            if self._drag is not None and self._drag[0] == "point":
                self.state.remember()  # one Undo for the whole drag
        if self._drag is not None:
            kind, which = self._drag
            if kind == "point":
                self.state.move_point(which, pos.x(), pos.y())
            else:
                self._drag_handle(kind, which, np.array([pos.x(), pos.y()]))
        if phase == "finish":
            self._drag = self._drag_base = None

    def _drag_handle(self, kind: str, k: int, at: np.ndarray) -> None:
        w = self.state.model.params["W"][k].copy()
        base = self.arrow_base(k)
        if kind == "weight":  # the tip follows the mouse; the zero line stays on the base
            w = (at - base) / self.scale
            b = -float(w @ base)
        else:  # the zero line moves through the mouse: w stays, b changes
            b = -float(w @ at)
        self.state.set_class_row(k, w, b)

    def _mouse_moved(self, scene_pos) -> None:
        if self._drag is not None:
            return
        pos = self.box.mapSceneToView(scene_pos)
        self._hover(self._nearest(pos, self.state.points.X))

    def _hover(self, index: int) -> None:
        if index != self.hovered_index:
            self.hovered_index = index
            points = self.state.points  # only the outline changes: not the regions
            draw_points(self.dots, self.rings, points,
                        self.state.model.losses(points.X, points.y), index)
            self.hovered.emit(index)
