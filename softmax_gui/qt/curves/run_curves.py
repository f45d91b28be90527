"""The plot items of one run on the Curves tab, and the axes they are drawn on.

A run has one colour; its series differ by more than colour, for a colour-blind reader
too: train is solid with filled markers, test dashed with hollow ones, and each of the
four per-epoch series has its own marker shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"]
# Per-epoch curves: (history column, legend name, line style, symbol). Losses share the
# batch-loss plot (same unit, nats); accuracies have their own. Test is dashed and its
# markers hollow; no two series share a marker.
LOSS_CURVES = (("train_loss", "train loss", Qt.PenStyle.SolidLine, "o"),
               ("test_loss", "test loss", Qt.PenStyle.DashLine, "s"))
ACCURACY_CURVES = (("train_acc", "train accuracy", Qt.PenStyle.SolidLine, "t"),
                   ("test_acc", "test accuracy", Qt.PenStyle.DashLine, "d"))
EPOCH_CURVES = LOSS_CURVES + ACCURACY_CURVES
HOLLOW = ("test_loss", "test_acc")


def marker(key: str, color, size: int = 8) -> dict:
    """A series' line style and marker (filled for train, hollow for test)."""
    style, symbol = next((style, symbol) for k, _, style, symbol in EPOCH_CURVES if k == key)
    return {"pen": pg.mkPen(color, width=2, style=style), "symbol": symbol,
            "symbolSize": size, "symbolPen": pg.mkPen(color, width=1.5),
            "symbolBrush": pg.mkBrush(None) if key in HOLLOW else pg.mkBrush(color)}


class LossAxis(pg.AxisItem):
    """On a log scale, ticks at 1, 2 and 5 of each decade, or the decades alone when those
    would crowd: pyqtgraph labelled every minor tick, and "0.9 0.8 0.7" printed on top
    of each other."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph's name
        if not self.logMode:
            return super().tickValues(minVal, maxVal, size)
        room = max(int(size // 28), 2)  # a label is ~one line high, with air
        lo, hi = min(minVal, maxVal), max(minVal, maxVal)
        def inside(multiples):
            return [math.log10(m) + k for k in range(math.floor(lo) - 1, math.ceil(hi) + 1)
                    for m in multiples if lo <= math.log10(m) + k <= hi]

        for multiples in ((1, 2, 3, 5), (1, 2, 5)):  # 3s label a curve's last stretch
            if 3 <= len(inside(multiples)) <= room:
                return [(1.0, inside(multiples))]
        inside = inside((1, 2, 5))
        decades = [v for v in inside if abs(v - round(v)) < 1e-9]
        if len(inside) <= room:
            return [(1.0, inside)]
        if 2 <= len(decades) <= room:
            # The curve usually ends below its lowest decade (0.35 under 1): label there.
            if inside[0] < decades[0] and len(decades) < room:
                return [(1.0, [inside[0], *decades])]
            return [(1.0, decades)]
        return [(1.0, inside[::math.ceil(len(inside) / room)])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        return [f"{10 ** v:.3g}" for v in values]


class PercentAxis(pg.AxisItem):
    """An axis of fractions labelled as percentages, ticks chosen as usual."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        return [f"{v:.0%}" if spacing >= 0.01 else f"{v:.1%}" for v in values]


@dataclass
class RunCurves:
    """The plot items of one run."""

    raw: pg.PlotDataItem  # every batch's loss, faint
    smooth: pg.PlotDataItem  # its moving average
    epoch: dict[str, pg.PlotDataItem]  # per-epoch column -> curve
    explosion: pg.InfiniteLine | None = None  # where the loss exploded, if it did

    def items(self) -> list:
        return [self.raw, self.smooth, *self.epoch.values(),
                *([self.explosion] if self.explosion else [])]

    @classmethod
    def drawn(cls, number: int, loss_plot, epoch_plot) -> RunCurves:
        """Empty curves for run ``number`` on the two plots, in its colour."""
        color = color_of(number)
        faint = pg.mkColor(color)
        faint.setAlpha(60)
        return cls(
            # The raw curve has a point per batch; antialiasing it costs more than it shows.
            raw=loss_plot.plot(pen=pg.mkPen(faint, width=1), antialias=False),
            # A 1 px antialiased line strokes ~5x faster than a 2 px one (1.0 vs 5.4 ms a
            # repaint, measured), and it repaints with every live update.
            smooth=loss_plot.plot(pen=pg.mkPen(color, width=1)),
            epoch={key: plot.plot(**marker(key, color))
                   for plot, curves in ((loss_plot, LOSS_CURVES),
                                        (epoch_plot, ACCURACY_CURVES))
                   for key, *_ in curves})

    def style(self, current: bool) -> None:
        """Full strength for the run being trained; the others dimmed and cached."""
        # Earlier runs no longer change: each is painted once into a pixmap and then only
        # blitted, so a live update does not repaint every overlaid curve (they cost
        # ~1 ms each to stroke, and the GUI thread competes with the trainer for the CPU).
        cache = (QGraphicsItem.CacheMode.NoCache if current
                 else QGraphicsItem.CacheMode.DeviceCoordinateCache)
        for item in self.items():
            item.setOpacity(1.0 if current else 0.35)
            for part in (getattr(item, "curve", None), getattr(item, "scatter", None)):
                if part is not None:
                    part.setCacheMode(cache)

    def remove(self, loss_plot, epoch_plot) -> None:
        # PlotItem.removeItem, not the ViewBox's: the plot keeps its own list of the
        # items it made, and would keep every dropped run's curves alive.
        accuracy = [self.epoch[key] for key, *_ in ACCURACY_CURVES]
        for item in self.items():
            (epoch_plot if item in accuracy else loss_plot).removeItem(item)


def color_of(number: int):
    """Run ``number``'s colour (it keeps it across launches: numbers last)."""
    return pg.mkColor(COLORS[(number - 1) % len(COLORS)])
