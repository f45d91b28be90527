"""The Sweep page's results plot, drawn to fit what was varied: accuracy against one
hyper-parameter (the spread over seeds as bars, the best starred, a value that exploded
crossed out), a heatmap of two, parallel coordinates of three."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from softmax_gui.qt.shell import theme
from softmax_gui.sweep_plan import PARAMETERS, Summary, value_text

ACCURACY = "Test accuracy"


def label_of(field: str) -> str:
    return "Seed" if field == "seed" else PARAMETERS[field].label


def positions(values: list, field: str) -> tuple[list[float], list[tuple[float, str]]]:
    """Where each value sits on an axis (its log10 for a parameter spread over decades;
    its rank for words, seeds, and decades that start at 0: ``0, 0.0001, ..., 0.1``
    evenly apart) and the ticks that name them."""
    numbers = field != "seed" and PARAMETERS[field].kind is not str
    if numbers and PARAMETERS[field].logarithmic and all(v > 0 for v in values):
        xs = [math.log10(v) for v in values]
    elif numbers and not PARAMETERS[field].logarithmic:
        xs = [float(v) for v in values]
    else:
        ranks = {v: float(i) for i, v in enumerate(sorted(set(values), key=str if not
                                                          numbers else None))}
        xs = [ranks[v] for v in values]
    return xs, [(x, tick_text(v)) for x, v in zip(xs, values)]


def tick_text(value) -> str:
    """A value under an axis: ``0.0032``, not ``0.003162`` (the table has it whole);
    ``1000``, not ``1e+03``."""
    if not isinstance(value, float):
        return value_text(value)
    return f"{value:.2g}" if abs(value) < 100 else f"{value:.0f}"


def _finite(summaries: list[Summary]) -> list[Summary]:
    return [s for s in summaries if s.mean is not None]


def against_one(plot, summaries: list[Summary], field: str, exploded: set) -> None:
    """Mean accuracy per value (a bar for the spread over seeds, a star for the
    best); a value whose runs exploded marked with a red cross, at its accuracy
    before it did or at the foot of the plot."""
    every_x, ticks = positions([s.values[0] for s in summaries], field)
    where = dict(zip((s.values for s in summaries), every_x))
    summaries = _finite(summaries)
    xs = [where[s.values] for s in summaries]
    means = np.array([s.mean for s in summaries])
    spreads = np.array([s.spread for s in summaries])
    item = plot.getPlotItem()
    seeds = any(len(s.finished) > 1 for s in summaries)
    item.setLabel("bottom", label_of(field))
    item.setLabel("left", ACCURACY.lower() + (" (mean ± sd)" if seeds else ""))
    item.getAxis("bottom").setTicks([ticks])
    if len(xs):
        width = (max(every_x) - min(every_x)) or 1.0
        plot.addItem(pg.ErrorBarItem(x=np.array(xs), y=means, height=2 * spreads,
                                          beam=0.03 * width, pen=pg.mkPen("#888")))
        plot.plot(xs, means, pen=pg.mkPen("#1f77b4", width=2), symbol="o",
                       symbolSize=8, symbolBrush="#1f77b4")
        best = int(np.argmax(means))
        plot.plot([xs[best]], [means[best]], pen=None, symbol="star",
                       symbolSize=18, symbolBrush="#ff7f0e")
    foot = means.min() - 0.02 if len(means) else 0.0
    for values, x in where.items():
        if values in exploded:
            mean = next((s.mean for s in summaries if s.values == values), None)
            y = foot if mean is None else mean
            plot.plot([x], [y], pen=None, symbol="x", symbolSize=14,
                           symbolBrush="#d62728", symbolPen=pg.mkPen("#d62728"))
            label = pg.TextItem("exploded", color="#d62728", anchor=(0.5, 1.2))
            label.setPos(x, y)
            plot.addItem(label)


def heatmap(plot, summaries: list[Summary], fields: list[str], seeds: bool) -> None:
    rows = list(dict.fromkeys(s.values[0] for s in summaries))
    cols = list(dict.fromkeys(s.values[1] for s in summaries))
    grid = np.full((len(rows), len(cols)), np.nan)
    for s in summaries:
        if s.mean is not None:
            grid[rows.index(s.values[0]), cols.index(s.values[1])] = s.mean
    item = plot.getPlotItem()
    item.setTitle("Mean test accuracy" if seeds else ACCURACY)
    item.setLabel("bottom", label_of(fields[0]))
    item.setLabel("left", label_of(fields[1]))
    finite = grid[np.isfinite(grid)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    image = pg.ImageItem(np.nan_to_num(grid, nan=low))
    image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
    image.setLevels((low, max(high, low + 1e-6)))
    plot.addItem(image)
    for i, j in np.ndindex(grid.shape):
        text = "—" if math.isnan(grid[i, j]) else f"{grid[i, j]:.1%}"
        dark = not math.isnan(grid[i, j]) and grid[i, j] < (low + high) / 2
        label = pg.TextItem(text, color="w" if dark else "k", anchor=(0.5, 0.5))
        label.setPos(i + 0.5, j + 0.5)
        plot.addItem(label)
    item.getAxis("bottom").setTicks([[(i + 0.5, tick_text(v)) for i, v in enumerate(rows)]])
    item.getAxis("left").setTicks([[(j + 0.5, tick_text(v)) for j, v in enumerate(cols)]])
    plot.setRange(xRange=(0, len(rows)), yRange=(0, len(cols)), padding=0.02)


def parallel(plot, summaries: list[Summary], fields: list[str]) -> None:
    """One vertical axis per hyper-parameter and one for the accuracy, each from its
    lowest value (bottom) to its highest (top); a line per configuration."""
    summaries = _finite(summaries)
    item = plot.getPlotItem()
    item.setTitle("One line per configuration, the best thickest")
    for axis in ("bottom", "left"):
        item.hideAxis(axis)
    axes, ends = [], []
    for k, field in enumerate(fields):
        values = [s.values[k] for s in summaries]
        xs, ticks = positions(values, field)
        low, high = min(xs, default=0), max(xs, default=1)
        axes.append([(x - low) / (high - low) if high > low else 0.5 for x in xs])
        names = dict((x, name) for x, name in ticks)
        ends.append((label_of(field), names.get(low, ""), names.get(high, "")))
    means = np.array([s.mean for s in summaries])
    low, high = (means.min(), means.max()) if len(means) else (0, 1)
    axes.append(list((means - low) / (high - low) if high > low else means * 0 + 0.5))
    ends.append(("Accuracy", f"{low:.1%}", f"{high:.1%}"))
    colours = pg.colormap.get("viridis")
    best = int(np.argmax(means)) if len(means) else -1
    for n in range(len(summaries)):
        # Viridis without its palest yellow, which does not read on white.
        line = plot.plot(list(range(len(axes))), [a[n] for a in axes],
                              pen=pg.mkPen(colours.map(0.8 * axes[-1][n], mode="qcolor"),
                                           width=4 if n == best else 1.5))
        line.setZValue(1 if n == best else 0)
    text = theme.colors().foreground
    for k, (name, bottom, top) in enumerate(ends):
        plot.addItem(pg.InfiniteLine(k, angle=90, pen=pg.mkPen("#999", width=1)))
        for words, y, anchor in ((name, 1.12, (0.5, 1)), (top, 1.0, (0.5, 1)),
                                 (bottom, 0.0, (0.5, 0))):
            label = pg.TextItem(words, color=text, anchor=anchor)
            label.setPos(k, y)
            plot.addItem(label)
    plot.setRange(xRange=(-0.5, len(axes) - 0.5), yRange=(-0.12, 1.2), padding=0)
