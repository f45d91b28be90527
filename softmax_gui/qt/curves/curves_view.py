"""Live training curves (d2l's Animator, better): batch loss, epoch metrics, runs overlay.

The curves are the session's :class:`~softmax_gui.run_history.RunHistory` objects; this
view only draws them. Each run keeps its plot items for as long as it is shown and only
calls ``setData`` on them (docs/ARCHITECTURE.md, rule 4). Earlier runs stay, dimmed.

A run has one colour; its series differ by more than colour, for a colour-blind reader
too: train is solid with filled markers, test dashed with hollow ones, and each of the
four per-epoch series has its own marker shape. The smoothing of the batch loss and a
logarithmic loss axis are the reader's to choose, remembered across launches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QGraphicsItem,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.events import DIVERGED_LOSS
from softmax_gui.qt.curves.plot_options import PlotOptions, Smoother
from softmax_gui.qt.shell import theme
from softmax_gui.qt.shell.png_file import save_png
from softmax_gui.run_history import RunHistory

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


def _marker(key: str, color, size: int = 8) -> dict:
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


class PlotsView(QWidget):
    """The loss plot (per batch) over the epoch-metrics plot, and the list of runs."""

    remove_requested = Signal(int)  # a run number
    shown_changed = Signal(int, bool)  # a run number, ticked or not

    def __init__(self, session=None, parent=None):
        """Bound to ``session``'s runs, whose settings remember the smoothing and the log
        axis (None: a view of whatever it is given, remembering nothing)."""
        super().__init__(parent)
        settings = session.settings if session is not None else None
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.colors().background)
        # The legend explains line styles (the run list beside says which colour is which).
        # It has its own row above the plots, so it never covers a curve.
        self.legend = pg.LegendItem(colCount=2)
        self.graphics.addItem(self.legend, row=0, col=0)
        self.loss_plot = self.graphics.addPlot(row=1, col=0, title="Loss",
                                               axisItems={"left": LossAxis("left")})
        self.loss_plot.setLabel("left", "cross-entropy (nats)")
        self.epoch_plot = self.graphics.addPlot(row=2, col=0, title="Accuracy per epoch",
                                                axisItems={"left": PercentAxis("left")})
        self.epoch_plot.setLabel("bottom", "epoch")
        self.epoch_plot.setLabel("left", "accuracy")
        self.epoch_plot.setXLink(self.loss_plot)
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)
        # Repainting must stay cheap (it competes with the trainer for the CPU and delays
        # canvas strokes): no grids (a re-ticked grid costs ~20 ms a paint offscreen) and
        # a fixed x range per run, so the axes are not rebuilt on every update.
        for plot in (self.loss_plot, self.epoch_plot):
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.getAxis("left").setWidth(56)  # both plots' x-axes line up
            plot.enableAutoRange(x=False)
        # Thousands of batch points: draw at most about one per pixel.
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_plot.setClipToView(True)
        grey = pg.mkColor("#777")
        faint = pg.mkColor(grey)
        faint.setAlpha(110)
        # The batch curve is a faint band of a thousand 1 px strokes; one such stroke in
        # the legend could not be seen: its sample is as wide as the band looks.
        self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen(faint, width=5)), "each batch")
        self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen(grey, width=2)), "smoothed")
        for key, name, *_ in EPOCH_CURVES:
            # A point of data: the legend draws the marker its scatter was given with
            # data, pyqtgraph's default blue dot without.
            self.legend.addItem(pg.PlotDataItem([0], [0], **_marker(key, grey, size=10)),
                                name)

        self.run_list = QListWidget()
        self.run_list.setToolTip("Runs of this window, in their colours: untick to hide, "
                                 "select and Remove to take off the plots")
        self.run_list.itemChanged.connect(self._on_item_changed)
        # Whole rows only (a fifth run showed half clipped): five, then it scrolls.
        row = self.run_list.fontMetrics().height() + 4
        self.run_list.setUniformItemSizes(True)
        self.run_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep both ends
        self.run_list.setSpacing(0)
        self.run_list.setFixedHeight(5 * row + 2 * self.run_list.frameWidth())
        self._row_height = row
        self.remove_button = QPushButton("Remove run")
        self.remove_button.setToolTip("Take the selected run's curves off the plots (it "
                                      "stays in the Runs tab)")
        self.remove_button.clicked.connect(self._remove_selected)
        self.remove_button.setEnabled(False)  # until a run is selected
        self.run_list.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.run_list.selectedItems())))
        self.options = PlotOptions(settings)
        self.smoothing = self.options.smoothing
        self.options.smoothing_changed.connect(self._smoothing_moved)
        self.options.log_changed.connect(self._log_toggled)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.options)
        side_layout.addWidget(self.run_list)
        side_layout.addWidget(self.remove_button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.graphics)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.curves: dict[int, RunCurves] = {}
        self._histories: dict[int, RunHistory] = {}
        self._smooth: dict[int, Smoother] = {}
        self.current: int | None = None  # the run being trained, or trained last
        self.training = False
        self._log_toggled(self.options.log_box.isChecked())
        if session is not None:
            self._bind(session.runs)

    def _smoothing_moved(self, smoothing: float) -> None:
        self.smoothing = smoothing
        for number, history in self._histories.items():
            if number in self.curves:
                self._smooth[number] = Smoother(self.smoothing)  # averaged again
                self.update_batches(history)

    def _log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.setLabel("left", "cross-entropy (nats, log scale)" if on
                                else "cross-entropy (nats)")
        self.loss_plot.enableAutoRange(y=True)

    # --- runs -----------------------------------------------------------------------------

    def _bind(self, runs) -> None:
        """Draw ``runs``' curves as they come (``state.runs``, and the running one's
        batches and epochs); the list's ticks and removals go back to it."""
        runs.state.events.runs.connect(self.sync)
        runs.run_started.connect(self.begin)
        runs.batches.connect(lambda history, _: self.update_batches(history))
        runs.epoch_ended.connect(lambda history, _: self.update_epochs(history))
        runs.finished.connect(lambda _: self.run_ended())
        self.remove_requested.connect(runs.remove_history)
        self.shown_changed.connect(runs.set_shown)

    def sync(self, histories: list[RunHistory]) -> None:
        """Show exactly ``histories``: add curves for new ones, drop removed ones."""
        wanted = {h.number: h for h in histories}
        self._histories = wanted
        for number in list(self.curves):
            if number not in wanted:
                self._drop(number)
        for history in histories:
            if history.number not in self.curves:
                self._add(history)
        for row in range(self.run_list.count()):  # a label can change ("(exploded)")
            item = self.run_list.item(row)
            history = wanted.get(item.data(Qt.ItemDataRole.UserRole))
            if history is not None and item.text() != history.label:
                item.setText(history.label)

    def begin(self, history: RunHistory) -> None:
        """``history`` is being trained: draw it at full strength, the others dimmed."""
        self.current, self.training = history.number, True
        self.update_epochs(history)  # a continued run's stop point is a point on the way
        for number, curves in self.curves.items():
            self._style(curves, current=number == history.number)
        planned = float(history.config.get("epochs", 1))
        self._set_x_range(max([planned, *(h.batch_x[-1] for h in self._histories.values()
                                          if h.batch_x)]))

    def _set_x_range(self, last: float) -> None:
        """From the earliest shown run's start (a continuation starts late) to ``last``."""
        first = min((h.start for h in self._histories.values()), default=0.0)
        for plot in (self.loss_plot, self.epoch_plot):
            plot.setXRange(first, last, padding=0.04)  # room for the last epoch's label

    def _add(self, history: RunHistory) -> None:
        color = pg.mkColor(COLORS[(history.number - 1) % len(COLORS)])
        faint = pg.mkColor(color)
        faint.setAlpha(60)
        curves = RunCurves(
            # The raw curve has a point per batch; antialiasing it costs more than it shows.
            raw=self.loss_plot.plot(pen=pg.mkPen(faint, width=1), antialias=False),
            # A 1 px antialiased line strokes ~5x faster than a 2 px one (1.0 vs 5.4 ms a
            # repaint, measured), and it repaints with every live update.
            smooth=self.loss_plot.plot(pen=pg.mkPen(color, width=1)),
            epoch={key: plot.plot(**_marker(key, color))
                   for plot, curves in ((self.loss_plot, LOSS_CURVES),
                                        (self.epoch_plot, ACCURACY_CURVES))
                   for key, *_ in curves})
        self.curves[history.number] = curves
        self._smooth[history.number] = Smoother(self.smoothing)
        item = QListWidgetItem(history.label)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setForeground(color)
        item.setSizeHint(QSize(0, self._row_height))
        item.setData(Qt.ItemDataRole.UserRole, history.number)
        item.setCheckState(Qt.CheckState.Checked if history.shown else Qt.CheckState.Unchecked)
        self.run_list.addItem(item)
        for plot_item in curves.items():
            plot_item.setVisible(history.shown)
        self.update_batches(history)
        self.update_epochs(history)
        self._style(curves, current=history.number == self.current)

    def _style(self, curves: RunCurves, current: bool) -> None:
        # Earlier runs no longer change: each is painted once into a pixmap and then only
        # blitted, so a live update does not repaint every overlaid curve (they cost
        # ~1 ms each to stroke, and the GUI thread competes with the trainer for the CPU).
        cache = (QGraphicsItem.CacheMode.NoCache if current
                 else QGraphicsItem.CacheMode.DeviceCoordinateCache)
        for item in curves.items():
            item.setOpacity(1.0 if current else 0.35)
            for part in (getattr(item, "curve", None), getattr(item, "scatter", None)):
                if part is not None:
                    part.setCacheMode(cache)

    def _drop(self, number: int) -> None:
        curves = self.curves.pop(number)
        # PlotItem.removeItem, not the ViewBox's: the plot keeps its own list of the
        # items it made, and would keep every dropped run's curves alive.
        accuracy = [curves.epoch[key] for key, *_ in ACCURACY_CURVES]
        for item in curves.items():
            (self.epoch_plot if item in accuracy else self.loss_plot).removeItem(item)
        self._smooth.pop(number)
        if self.current == number:
            self.current = None
        for row in range(self.run_list.count()):
            if self.run_list.item(row).data(Qt.ItemDataRole.UserRole) == number:
                self.run_list.takeItem(row)
                break

    def _remove_selected(self) -> None:
        for item in self.run_list.selectedItems():
            self.remove_requested.emit(item.data(Qt.ItemDataRole.UserRole))

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        curves = self.curves.get(number)
        if curves is not None:
            self.shown_changed.emit(number, item.checkState() == Qt.CheckState.Checked)
            for plot_item in curves.items():
                plot_item.setVisible(item.checkState() == Qt.CheckState.Checked)
            if not self.training:  # the axes fit what is shown
                self.fit_x()
                for plot in (self.loss_plot, self.epoch_plot):
                    plot.enableAutoRange(y=True)

    # --- streaming ------------------------------------------------------------------------

    def update_batches(self, history: RunHistory) -> None:
        curves = self.curves.get(history.number)
        if curves is None or not history.batch_loss:
            return
        losses = np.asarray(history.batch_loss)
        exploded = ~np.isfinite(losses) | (losses > DIVERGED_LOSS)
        if exploded.any():
            # The explosion is the lesson, but inf, NaN and 1e30 would flatten the axis:
            # draw it clipped at a ceiling well above where training started, and mark it.
            first = losses[0] if np.isfinite(losses[0]) else np.log(10)
            losses = np.minimum(np.nan_to_num(losses, nan=np.inf), max(10.0, 4 * first))
            if curves.explosion is None:
                self._mark_explosion(curves, history.batch_x[int(np.argmax(exploded))])
        smoother = self._smooth[history.number]
        smoother.extend(losses[len(smoother.values):])  # only the batches not yet averaged
        x = np.asarray(history.batch_x)
        curves.raw.setData(x, losses)
        curves.smooth.setData(x, np.asarray(smoother.values))

    def _mark_explosion(self, curves: RunCurves, x: float) -> None:
        color = curves.smooth.opts["pen"].color()
        curves.explosion = pg.InfiniteLine(
            x, angle=90, pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine),
            label=f"loss exploded in epoch {math.ceil(x)} (clipped)",
            # On the legend's background: over the exploding curve it could not be read.
            labelOpts={"position": 0.9, "color": color, "anchors": [(0, 0), (0, 0)],
                       "fill": theme.legend_brush()})
        self.loss_plot.addItem(curves.explosion)

    def run_ended(self) -> None:
        """The run ended: its curves end where it did (a Stop's scored point too), and
        the axes show what was trained, not what was planned."""
        self.training = False
        history = self._histories.get(self.current)
        if history is not None:
            self.update_epochs(history)
        self.fit_x()

    def fit_x(self) -> None:
        """A run ended (or runs were hidden): show what the runs shown trained, not the
        epochs that were planned."""
        shown = [h for h in self._histories.values()
                 if h.number in self.curves and self.curves[h.number].raw.isVisible()]
        ends = [h.batch_x[-1] for h in shown if h.batch_x]
        first = min((h.start for h in shown), default=0.0)
        for plot in (self.loss_plot, self.epoch_plot):
            plot.setXRange(first, max([first + 1.0, *ends]), padding=0.04)

    def update_epochs(self, history: RunHistory) -> None:
        curves = self.curves.get(history.number)
        if curves is None or not history.epochs:
            return
        x = np.asarray(history.column("epoch"))
        if x[-1] > self.epoch_plot.viewRange()[0][1]:
            self._set_x_range(float(x[-1]))  # a Step went past the planned epochs
        for key, item in curves.epoch.items():
            values = np.asarray(history.column(key))
            if key == "test_acc" and history.stopped_at is not None:
                # Stopped inside an epoch: its weights were scored, the curve ends there.
                x_, values = (np.append(x, history.stopped_at[0]),
                              np.append(values, history.stopped_at[1]))
                item.setData(x_, values)
            else:
                item.setData(x, values)

    # --- export ---------------------------------------------------------------------------

    def export_png(self, path: str) -> None:
        """Save both plots as one PNG (pyqtgraph's exporter, at twice screen resolution),
        written atomically: a full disk leaves the old file as it was. Raises
        ``WriteError``."""
        exporter = pyqtgraph.exporters.ImageExporter(self.graphics.scene())
        exporter.parameters()["width"] = max(2 * self.graphics.width(), 800)
        save_png(exporter.export(toBytes=True), path)
