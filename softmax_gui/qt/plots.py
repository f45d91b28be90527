"""Live training curves (d2l's Animator, better): batch loss, epoch metrics, runs overlay.

Each run keeps its plot items for its whole life and only ever calls ``setData`` on
them (DESIGN.md rule 4). Earlier runs stay on the plots, dimmed, until removed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGraphicsItem,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import events

SMOOTHING = 0.9  # EMA factor of the smoothed batch-loss line
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"]
EPOCH_KEYS = ("train_loss", "train_acc", "test_loss", "test_acc", "seconds")


@dataclass
class Run:
    """One run's data and its persistent plot items."""

    number: int
    label: str
    color: str
    batch_x: list = field(default_factory=list)
    batch_loss: list = field(default_factory=list)
    smooth: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    metrics: dict = field(default_factory=lambda: {k: [] for k in EPOCH_KEYS})
    items: list = field(default_factory=list)


class PlotsView(QWidget):
    """The loss plot (per batch) over the epoch-metrics plot, and the run list."""

    runs_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.graphics = pg.GraphicsLayoutWidget()
        self.loss_plot = self.graphics.addPlot(row=0, col=0, title="Training loss per batch")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLabel("left", "cross-entropy (nats)")
        self.loss_legend = self.loss_plot.addLegend(offset=(-10, 10))
        self.epoch_plot = self.graphics.addPlot(row=1, col=0, title="Per epoch")
        self.epoch_plot.setLabel("bottom", "epoch")
        self.epoch_plot.setLabel("left", "loss / accuracy")
        for plot in (self.loss_plot, self.epoch_plot):
            plot.getAxis("left").enableAutoSIPrefix(False)
        # Repainting must stay cheap (it competes with the trainer for the GIL and delays
        # canvas strokes): no grids (a re-ticked grid costs ~20 ms a paint offscreen, and a
        # fast softmax run finishes ~10 epochs a second) and a fixed x range per run, so
        # the axes are not rebuilt on every update.
        for plot in (self.loss_plot, self.epoch_plot):
            plot.enableAutoRange(x=False)
        # Thousands of batch points: draw at most about one per pixel.
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_plot.setClipToView(True)
        self.epoch_legend = self.epoch_plot.addLegend(offset=(10, -10))

        self.run_list = QListWidget()
        self.run_list.setToolTip("Runs of this session: untick to hide, select and Remove to "
                                 "delete. Earlier runs stay dimmed for comparison.")
        self.run_list.itemChanged.connect(self._on_item_changed)
        remove = QPushButton("Remove run")
        remove.setToolTip("Remove the selected run's curves")
        remove.clicked.connect(self.remove_selected)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.run_list)
        buttons = QHBoxLayout()
        buttons.addWidget(remove)
        side_layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.graphics)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.runs: list[Run] = []
        self.current: Run | None = None
        self._epoch_offset = 0.0

    # --- runs ---------------------------------------------------------------------------

    def begin_run(self, label: str, epochs: int, continue_current: bool = False) -> Run:
        """Start plotting a new run of ``epochs`` (older runs are dimmed), or extend the current."""
        if continue_current and self.current is not None:
            self._epoch_offset = self.current.epochs[-1] if self.current.epochs else 0.0
            self._set_x_range(self._epoch_offset + epochs)
            return self.current
        self._epoch_offset = 0.0
        self._set_x_range(max([epochs] + [r.epochs[-1] for r in self.runs if r.epochs]))
        for run in self.runs:
            self._style(run, current=False)
        number = len(self.runs) + 1
        run = Run(number, f"#{number} {label}", COLORS[(number - 1) % len(COLORS)])
        self._make_items(run)
        self.runs.append(run)
        self.current = run
        item = QListWidgetItem(run.label)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        item.setForeground(pg.mkColor(run.color))
        item.setData(Qt.ItemDataRole.UserRole, run.number)
        self.run_list.addItem(item)
        self.runs_changed.emit()
        return run

    def _set_x_range(self, epochs: float) -> None:
        for plot in (self.loss_plot, self.epoch_plot):
            plot.setXRange(0, epochs, padding=0.02)

    def _make_items(self, run: Run) -> None:
        color = pg.mkColor(run.color)
        faint = pg.mkColor(color)
        faint.setAlpha(60)
        # The raw curve has a point per batch; antialiasing it costs more than it shows.
        raw = self.loss_plot.plot(pen=pg.mkPen(faint, width=1), antialias=False)
        # A 1 px antialiased line strokes ~5x faster than a 2 px one (1.0 vs 5.4 ms a
        # repaint, measured), and it repaints with every live update.
        smooth = self.loss_plot.plot(pen=pg.mkPen(color, width=1),
                                     name=f"run #{run.number}, smoothed")
        train_loss = self.epoch_plot.plot(pen=pg.mkPen(color, width=2), symbol="o",
                                          symbolSize=5, symbolBrush=color, name="train loss")
        train_acc = self.epoch_plot.plot(pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine),
                                         symbol="t", symbolSize=6, symbolBrush=color,
                                         name="train acc")
        test_acc = self.epoch_plot.plot(pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DotLine),
                                        symbol="s", symbolSize=6, symbolBrush=color,
                                        name="test acc")
        run.items = [raw, smooth, train_loss, train_acc, test_acc]
        if run.number > 1:
            # One legend entry per metric is enough; later runs are told apart by colour.
            for item in run.items[2:]:
                self.epoch_legend.removeItem(item)

    def _style(self, run: Run, current: bool) -> None:
        # Earlier runs no longer change: each is painted once into a pixmap and then only
        # blitted, so a live update does not repaint every overlaid curve (they cost
        # ~1 ms each to stroke, and the GUI thread competes with the trainer for the CPU).
        cache = (QGraphicsItem.CacheMode.NoCache if current
                 else QGraphicsItem.CacheMode.DeviceCoordinateCache)
        for item in run.items:
            item.setOpacity(1.0 if current else 0.35)
            for part in (item.curve, item.scatter):
                part.setCacheMode(cache)

    def remove_selected(self) -> None:
        for item in self.run_list.selectedItems():
            self.remove_run(item.data(Qt.ItemDataRole.UserRole))

    def remove_run(self, number: int) -> None:
        run = next((r for r in self.runs if r.number == number), None)
        if run is None:
            return
        for item in run.items:
            item.getViewBox().removeItem(item) if item.getViewBox() else None
            self.loss_legend.removeItem(item)
            self.epoch_legend.removeItem(item)
        self.runs.remove(run)
        if self.current is run:
            self.current = None
        for row in range(self.run_list.count()):
            if self.run_list.item(row).data(Qt.ItemDataRole.UserRole) == number:
                self.run_list.takeItem(row)
                break
        self.runs_changed.emit()

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        for run in self.runs:
            if run.number == number:
                for plot_item in run.items:
                    plot_item.setVisible(item.checkState() == Qt.CheckState.Checked)

    def add_saved_run(self, saved) -> Run:
        """Overlay a run from the runs folder (dimmed), with its batch and epoch curves."""
        current = self.current
        run = self.begin_run(f"saved {saved.info.get('label', saved.id)}",
                             len(saved.metrics) or 1)
        curves = saved.curves()
        run.batch_x, run.batch_loss = curves["x"].tolist(), curves["loss"].tolist()
        run.items[0].setData(curves["x"], curves["loss"])
        run.epochs = [m["epoch"] for m in saved.metrics]
        for key in EPOCH_KEYS:
            run.metrics[key] = [m[key] for m in saved.metrics]
        for item, key in zip(run.items[2:], ("train_loss", "train_acc", "test_acc")):
            item.setData(run.epochs, run.metrics[key])
        self._style(run, current=False)
        self.current = current  # an overlay never becomes the run being trained
        return run

    # --- streaming ----------------------------------------------------------------------

    def add_batches(self, event: events.BatchMetrics) -> None:
        run = self.current
        if run is None:
            return
        value = run.smooth[-1] if run.smooth else float(event.loss[0])
        for loss in event.loss:
            value = SMOOTHING * value + (1 - SMOOTHING) * float(loss)
            run.smooth.append(value)
        run.batch_x.extend((event.epoch_x + self._epoch_offset).tolist())
        run.batch_loss.extend(event.loss.tolist())
        x = np.asarray(run.batch_x)
        run.items[0].setData(x, np.asarray(run.batch_loss))
        run.items[1].setData(x, np.asarray(run.smooth))

    def add_epoch(self, event: events.EpochMetrics) -> None:
        run = self.current
        if run is None:
            return
        run.epochs.append(event.epoch + self._epoch_offset)
        for key in EPOCH_KEYS:
            run.metrics[key].append(getattr(event, key))
        x = np.asarray(run.epochs)
        for item, key in zip(run.items[2:], ("train_loss", "train_acc", "test_acc")):
            item.setData(x, np.asarray(run.metrics[key]))

    # --- export -------------------------------------------------------------------------

    def export_png(self, path: str) -> None:
        """Save both plots as one PNG (pyqtgraph's exporter, at twice screen resolution)."""
        exporter = pyqtgraph.exporters.ImageExporter(self.graphics.scene())
        exporter.parameters()["width"] = max(2 * self.graphics.width(), 800)
        if not exporter.export(path):
            raise OSError(f"could not write {path}")

    def export_csv(self, path: str) -> None:
        """Per-epoch metrics of every run, one row per run and epoch."""
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["run", "settings", "epoch", *EPOCH_KEYS])
            for run in self.runs:
                for i, epoch in enumerate(run.epochs):
                    writer.writerow([run.number, run.label, epoch,
                                     *(run.metrics[k][i] for k in EPOCH_KEYS)])
