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

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.events import DIVERGED_LOSS
from softmax_gui.qt.curves.plot_options import PlotOptions, Smoother
from softmax_gui.qt.curves.run_curves import (
    EPOCH_CURVES,
    LossAxis,
    PercentAxis,
    RunCurves,
    color_of,
    marker,
)
from softmax_gui.qt.curves.run_list import RunList
from softmax_gui.qt.shell import theme
from softmax_gui.qt.shell.png_file import save_png
from softmax_gui.run_history import RunHistory


class PlotsView(QWidget):
    """The loss plot (per batch) over the epoch-metrics plot, and the list of runs."""

    remove_requested = Signal(int)  # a run number
    shown_changed = Signal(int, bool)  # a run number, ticked or not

    def __init__(self, session=None, parent=None):
        """Bound to ``session``'s runs, whose settings remember the smoothing and the log
        axis (None: a view of whatever it is given, remembering nothing)."""
        super().__init__(parent)
        settings = session.settings if session is not None else None
        self._build_plots()
        self.run_list = RunList()
        self.run_list.ticked.connect(self._ticked)
        self.remove_button = QPushButton("Remove run")
        self.remove_button.setToolTip("Take the selected run's curves off the plots (it "
                                      "stays in the Runs tab)")
        self.remove_button.clicked.connect(
            lambda: [self.remove_requested.emit(n) for n in self.run_list.selected_numbers()])
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

    def _build_plots(self) -> None:
        """The loss plot over the accuracy plot, with the legend of line styles above."""
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
            for axis in ("left", "bottom"):  # 0.84 and "epoch", never "(x0.001)"
                plot.getAxis(axis).enableAutoSIPrefix(False)
            plot.getAxis("left").setWidth(56)  # both plots' x-axes line up
            plot.enableAutoRange(x=False)
        # Thousands of batch points: draw at most about one per pixel.
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_plot.setClipToView(True)
        grey, faint = pg.mkColor("#777"), pg.mkColor(119, 119, 119, 110)
        # The batch curve is a faint band of a thousand 1 px strokes; one such stroke in
        # the legend could not be seen: its sample is as wide as the band looks.
        self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen(faint, width=5)), "each batch")
        self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen(grey, width=2)), "smoothed")
        for key, name, *_ in EPOCH_CURVES:
            # A point of data: the legend draws the marker its scatter was given with
            # data, pyqtgraph's default blue dot without.
            self.legend.addItem(pg.PlotDataItem([0], [0], **marker(key, grey, size=10)),
                                name)

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
        # Bound methods: they end with this view (a lambda would live as long as runs).
        runs.batches.connect(self.update_batches)
        runs.epoch_ended.connect(self.update_epochs)
        runs.finished.connect(self.run_ended)
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
        self.run_list.relabel(wanted)

    def begin(self, history: RunHistory) -> None:
        """``history`` is being trained: draw it at full strength, the others dimmed."""
        self.current, self.training = history.number, True
        self.update_epochs(history)  # a continued run's stop point is a point on the way
        for number, curves in self.curves.items():
            curves.style(current=number == history.number)
        planned = float(history.config.get("epochs", 1))
        self._set_x_range(max([planned, *(h.batch_x[-1] for h in self._histories.values()
                                          if h.batch_x)]))

    def _set_x_range(self, last: float) -> None:
        """From the earliest shown run's start (a continuation starts late) to ``last``."""
        first = min((h.start for h in self._histories.values()), default=0.0)
        for plot in (self.loss_plot, self.epoch_plot):
            plot.setXRange(first, last, padding=0.04)  # room for the last epoch's label

    def _add(self, history: RunHistory) -> None:
        curves = RunCurves.drawn(history.number, self.loss_plot, self.epoch_plot)
        self.curves[history.number] = curves
        self._smooth[history.number] = Smoother(self.smoothing)
        self.run_list.add(history, color_of(history.number))
        for plot_item in curves.items():
            plot_item.setVisible(history.shown)
        self.update_batches(history)
        self.update_epochs(history)
        curves.style(current=history.number == self.current)

    def _drop(self, number: int) -> None:
        self.curves.pop(number).remove(self.loss_plot, self.epoch_plot)
        self._smooth.pop(number)
        if self.current == number:
            self.current = None
        self.run_list.take(number)

    def _ticked(self, number: int, shown: bool) -> None:
        curves = self.curves.get(number)
        if curves is not None:
            self.shown_changed.emit(number, shown)
            for plot_item in curves.items():
                plot_item.setVisible(shown)
            if not self.training:  # the axes fit what is shown
                self.fit_x()
                for plot in (self.loss_plot, self.epoch_plot):
                    plot.enableAutoRange(y=True)

    # --- streaming ------------------------------------------------------------------------

    def update_batches(self, history: RunHistory, _event=None) -> None:
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

    def update_epochs(self, history: RunHistory, _event=None) -> None:
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
