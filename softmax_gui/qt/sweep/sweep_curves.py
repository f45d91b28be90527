"""The Sweep page's curves: each configuration's test accuracy per epoch as it trains
(its seeds as a mean with a band), the best highlighted, and the run picked in the
results table drawn thick on top (the page names it on the plot's tab)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from softmax_gui.qt.shell import theme
from softmax_gui.sweep_plan import settings_text

BEST = pg.mkPen("#ff7f0e", width=3)
OTHER = pg.mkPen((31, 119, 180, 110), width=1)
CHOSEN_WIDTH = 5
LEGEND = 6  # configurations with a colour and a name each; more are one colour
LEGEND_ROOM = 180  # pixels of plot height the legend needs beside the curves


def live_plot() -> pg.PlotWidget:
    """The curves' plot: test accuracy per epoch, a legend at the bottom right."""
    # Axis labels, no title: on a 700-pixel screen the plot is ~100 pixels high.
    live = pg.PlotWidget(background=theme.colors().background)
    live.setAccessibleName("Sweep curves")
    live.setMenuEnabled(False)
    live.setLabel("bottom", "epoch")
    live.setLabel("left", "test accuracy")
    live.showGrid(x=True, y=True, alpha=0.2)
    live.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # 0.84, not 840 m
    legend = live.addLegend(offset=(-10, -10), brush=theme.legend_brush(), colCount=2)
    # A legend over a plot ~100 pixels high hid every curve (a new user's walk): it shows
    # when there is room; the table names a curve by drawing it thick.
    live.getViewBox().sigResized.connect(
        lambda box: legend.setVisible(box.height() >= LEGEND_ROOM))
    live.setToolTip("Click a run in the table below to draw its curve thick")
    return live


class SweepCurves:
    """Owns :attr:`plot` and a curve per configuration (:attr:`items`, by the values of
    what was varied, the seeds left out)."""

    def __init__(self):
        self.plot = live_plot()
        self.items: dict[tuple, tuple] = {}  # key -> (mean, low edge, high edge)
        self._pens: dict[tuple, tuple] = {}  # key -> (its pen, its height) unchosen
        self._configs, self._shown, self._curves = [], [], {}
        self._seeds: dict[tuple, int] = {}  # key -> seeds drawn in its mean
        self.chosen: tuple | None = None

    def start(self, configs: list, varied: list[str]) -> None:
        """A new sweep: no curves; the epochs axis as long as its longest run."""
        self._configs, self._shown, self._curves = configs, [f for f in varied
                                                             if f != "seed"], {}
        self.plot.clear()
        self.items, self._pens, self.chosen = {}, {}, None
        self.plot.setXRange(1, max(max(c.epochs for c in configs), 2), padding=0.05)

    def key(self, config) -> tuple:
        return tuple(getattr(config, f) for f in self._shown)

    def grow(self, curves: dict[int, list[float]]) -> None:
        """The configurations (by index) that finished an epoch, and their curves so far."""
        self._curves.update(curves)
        by_configuration: dict[tuple, list[list[float]]] = {}
        for i, accuracies in self._curves.items():
            by_configuration.setdefault(self.key(self._configs[i]), []).append(accuracies)
        ends = {key: np.mean([a[-1] for a in seeds]) for key, seeds in
                by_configuration.items()}
        best = max(ends, key=ends.get)
        for key, seeds in by_configuration.items():
            self._draw(key, seeds, key == best)
        self._seeds = {key: len(seeds) for key, seeds in by_configuration.items()}
        # The curves' own range, not 0 to 1: sweeps differ by a few points of accuracy.
        values = np.concatenate([np.asarray(a) for a in self._curves.values()])
        self.plot.setYRange(values.min(), values.max(), padding=0.08)

    def choose(self, config) -> None:
        """Draw ``config``'s curve thick and on top (None: no curve chosen)."""
        if self.chosen in self.items:
            pen, height = self._pens[self.chosen]
            self.items[self.chosen][0].setPen(pen)
            self.items[self.chosen][0].setZValue(height)
        self.chosen = None if config is None else self.key(config)
        if self.chosen in self.items:
            mean = self.items[self.chosen][0]
            colour = self._pens[self.chosen][0].color()
            colour.setAlpha(255)
            mean.setPen(pg.mkPen(colour, width=CHOSEN_WIDTH))
            mean.setZValue(20)


    def chosen_text(self) -> str:
        """What the Curves tab says of the configuration picked: ``thick: lr=0.1, mean of
        2 seeds``, or that it has no curve ("" for none picked)."""
        if self.chosen is None:
            return ""
        named = settings_text(self._shown, self.chosen)
        if self.chosen not in self.items:
            return f"{named}: no curve, no epoch finished"
        seeds = self._seeds.get(self.chosen, 1)
        return f"thick: {named}" + (f", mean of {seeds} seeds" if seeds > 1 else "")

    def _draw(self, key: tuple, seeds: list[list[float]], best: bool) -> None:
        """One configuration: the mean over its seeds, and their range as a band. Up to
        LEGEND configurations each have a colour and a name in the legend; more are one
        colour, the best in orange."""
        epochs = min(len(a) for a in seeds)
        values = np.array([a[:epochs] for a in seeds])
        x = np.arange(1, epochs + 1)
        shown = self._shown
        named = len({self.key(c) for c in self._configs}) <= LEGEND
        if key not in self.items:
            colour = pg.intColor(len(self.items), hues=LEGEND) if named else OTHER.color()
            name = settings_text(shown, key) if named else None
            # Markers for the few named ones, and where an epoch is all there is (a line
            # of one point draws nothing); many longer curves are lines only (markers on
            # 100 curves added 0.07 s to the first epoch's drawing, measured).
            marked = named or max(c.epochs for c in self._configs) == 1
            mean = self.plot.plot(pen=pg.mkPen(colour, width=1.5), name=name,
                                  symbol="o" if marked else None, symbolSize=4,
                                  symbolPen=None, symbolBrush=colour)
            self.items[key] = (mean, None, None)
        mean, low, high = self.items[key]
        if low is None and len(seeds) > 1:  # a band once there are seeds to spread
            # Invisible edges (a curve without a pen draws no path to fill between).
            low, high = (self.plot.plot(pen=pg.mkPen((0, 0, 0, 0))) for _ in range(2))
            shade = pg.mkColor(mean.opts["pen"].color())
            shade.setAlpha(45)
            self.plot.addItem(pg.FillBetweenItem(low, high, brush=shade))
            self.items[key] = (mean, low, high)
        mean.setData(x, values.mean(0))
        # Hovering a curve names it: with more than LEGEND there is no legend, and a
        # plot too short for one hides it.
        mean.curve.setToolTip(f"{settings_text(shown, key) or 'this run'}: "
                              f"{values.mean(0)[-1]:.2%} after epoch {epochs}"
                              + (f" (mean of {len(seeds)} seeds)" if len(seeds) > 1 else ""))
        pen = pg.mkPen(mean.opts["pen"].color(), width=3.5 if best else 1.5) if named else \
            BEST if best else OTHER
        self._pens[key] = (pen, 10 if best else 0)
        if key != self.chosen:
            mean.setPen(pen)
            mean.setZValue(10 if best else 0)
        if low is not None:
            low.setData(x, values.min(0))
            high.setData(x, values.max(0))
