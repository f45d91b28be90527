"""A sweep's results: one plot that fits what was varied (accuracy against one
hyper-parameter with its spread over seeds, a heatmap for two, parallel coordinates for
three), a sortable table of every run, and what to do with one: make its weights
active, or keep it in the Runs tab (and on the Curves plots)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import sweep_record
from softmax_gui.qt.shell import theme
from softmax_gui.qt.shell.sortable_item import SortableItem
from softmax_gui.sweep_plan import PARAMETERS, Summary, summarise, value_text

ACCURACY = "Test accuracy"


def label_of(field: str) -> str:
    return "Seed" if field == "seed" else PARAMETERS[field].label


def positions(values: list, field: str) -> tuple[list[float], list[tuple[float, str]]]:
    """Where each value sits on an axis (its log10 for a parameter spread over decades,
    its rank for words) and the ticks that name them."""
    if field != "seed" and PARAMETERS[field].kind is not str and \
            PARAMETERS[field].logarithmic and all(v > 0 for v in values):
        xs = [math.log10(v) for v in values]
    elif all(isinstance(v, (int, float)) for v in values) and field != "seed":
        xs = [float(v) for v in values]
    else:
        xs = [float(i) for i in range(len(values))]
    return xs, [(x, value_text(v)) for x, v in zip(xs, values)]


def _finite(summaries: list[Summary]) -> list[Summary]:
    return [s for s in summaries if s.mean is not None]


class SweepResults(QWidget):
    """The plot (``plot``, placed by the Sweep tab), the table and the two actions on
    the selected run."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.results, self.varied = [], []
        self.plot = pg.PlotWidget(background=theme.colors().background)
        self.plot.setMenuEnabled(False)
        self.plot.setAccessibleName("Sweep results plot")
        self.plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # 0.84, not 840
        self.plot.getViewBox().setDefaultPadding(0.08)  # the end points' bars in full
        self.table = QTableWidget()
        self.table.setAccessibleName("Sweep runs")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        # Three runs at least, whatever the plot above would take (and no more: on a
        # 700-pixel screen the plot needs the rest).
        self.table.setMinimumHeight(self.table.verticalHeader().defaultSectionSize() * 4 + 8)
        self.activate_button = QPushButton("Make active")
        self.activate_button.setToolTip("Use this run's weights everywhere in the window "
                                        "(Revert goes back)")
        self.keep_button = QPushButton("Keep in Runs")
        self.keep_button.setToolTip("Save this run in the runs folder and draw its curves "
                                    "on the Curves tab")
        for button in (self.activate_button, self.keep_button):
            button.setEnabled(False)
        self.activate_button.clicked.connect(self.make_active)
        self.keep_button.clicked.connect(self.keep)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.buttons = buttons = QHBoxLayout()  # the Sweep page adds Open sweep… first
        buttons.addStretch(1)
        buttons.addWidget(self.activate_button)
        buttons.addWidget(self.keep_button)
        # The plot is laid out by the Sweep tab, beside the live curves.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    # --- showing ---------------------------------------------------------------------------

    def show_results(self, results: list, varied: list[str]) -> None:
        self.results, self.varied = results, varied
        self._fill_table()
        shown = [f for f in varied if f != "seed"] or varied
        summaries = summarise([r.config for r in results],
                              [r.final_test_acc for r in results], shown)
        self.plot.clear()
        item = self.plot.getPlotItem()
        for axis in ("bottom", "left"):
            item.getAxis(axis).setTicks(None)
            item.showAxis(axis)
        item.enableAutoRange()
        if len(shown) == 1:
            self._against_one(summaries, shown[0])
        elif len(shown) == 2:
            self._heatmap(summaries, shown)
        else:
            self._parallel(summaries, shown)

    def _against_one(self, summaries: list[Summary], field: str) -> None:
        summaries = _finite(summaries)
        xs, ticks = positions([s.values[0] for s in summaries], field)
        means = np.array([s.mean for s in summaries])
        spreads = np.array([s.spread for s in summaries])
        item = self.plot.getPlotItem()
        item.setTitle(ACCURACY + (" (mean ± sd over seeds)" if "seed" in self.varied else ""))
        item.setLabel("bottom", label_of(field))
        item.setLabel("left", ACCURACY)
        item.getAxis("bottom").setTicks([ticks])
        if len(xs):
            self.plot.addItem(pg.ErrorBarItem(x=np.array(xs), y=means, height=2 * spreads,
                                              beam=0.05, pen=pg.mkPen("#888", width=1)))
            self.plot.plot(xs, means, pen=pg.mkPen("#1f77b4", width=2), symbol="o",
                           symbolSize=8, symbolBrush="#1f77b4")
            best = int(np.argmax(means))
            self.plot.plot([xs[best]], [means[best]], pen=None, symbol="star",
                           symbolSize=18, symbolBrush="#ff7f0e")

    def _heatmap(self, summaries: list[Summary], fields: list[str]) -> None:
        rows = list(dict.fromkeys(s.values[0] for s in summaries))
        cols = list(dict.fromkeys(s.values[1] for s in summaries))
        grid = np.full((len(rows), len(cols)), np.nan)
        for s in summaries:
            if s.mean is not None:
                grid[rows.index(s.values[0]), cols.index(s.values[1])] = s.mean
        item = self.plot.getPlotItem()
        item.setTitle("Mean test accuracy" if "seed" in self.varied else ACCURACY)
        item.setLabel("bottom", label_of(fields[0]))
        item.setLabel("left", label_of(fields[1]))
        finite = grid[np.isfinite(grid)]
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        image = pg.ImageItem(np.nan_to_num(grid, nan=low))
        image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        image.setLevels((low, max(high, low + 1e-6)))
        self.plot.addItem(image)
        for i, j in np.ndindex(grid.shape):
            text = "—" if math.isnan(grid[i, j]) else f"{grid[i, j]:.1%}"
            dark = not math.isnan(grid[i, j]) and grid[i, j] < (low + high) / 2
            label = pg.TextItem(text, color="w" if dark else "k", anchor=(0.5, 0.5))
            label.setPos(i + 0.5, j + 0.5)
            self.plot.addItem(label)
        item.getAxis("bottom").setTicks([[(i + 0.5, value_text(v)) for i, v in enumerate(rows)]])
        item.getAxis("left").setTicks([[(j + 0.5, value_text(v)) for j, v in enumerate(cols)]])
        self.plot.setRange(xRange=(0, len(rows)), yRange=(0, len(cols)), padding=0.02)

    def _parallel(self, summaries: list[Summary], fields: list[str]) -> None:
        """One vertical axis per hyper-parameter and one for the accuracy, each from its
        lowest value (bottom) to its highest (top); a line per configuration."""
        summaries = _finite(summaries)
        item = self.plot.getPlotItem()
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
            line = self.plot.plot(list(range(len(axes))), [a[n] for a in axes],
                                  pen=pg.mkPen(colours.map(0.8 * axes[-1][n], mode="qcolor"),
                                               width=4 if n == best else 1.5))
            line.setZValue(1 if n == best else 0)
        text = theme.colors().foreground
        for k, (name, bottom, top) in enumerate(ends):
            self.plot.addItem(pg.InfiniteLine(k, angle=90, pen=pg.mkPen("#999", width=1)))
            for words, y, anchor in ((name, 1.12, (0.5, 1)), (top, 1.0, (0.5, 1)),
                                     (bottom, 0.0, (0.5, 0))):
                label = pg.TextItem(words, color=text, anchor=anchor)
                label.setPos(k, y)
                self.plot.addItem(label)
        self.plot.setRange(xRange=(-0.5, len(axes) - 0.5), yRange=(-0.12, 1.2), padding=0)

    def _fill_table(self) -> None:
        table = self.table
        table.setSortingEnabled(False)
        headers = [label_of(f) for f in self.varied] + [ACCURACY, "Epochs trained", "Status"]
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(self.results))
        for row, result in enumerate(self.results):
            cells = [getattr(result.config, f) for f in self.varied]
            accuracy = result.final_test_acc
            cells += [accuracy if accuracy is not None else float("nan"),
                      len(result.test_acc), sweep_record.status(result)]
            for col, value in enumerate(cells):
                text = ("—" if math.isnan(value) else f"{value:.2%}") \
                    if col == len(self.varied) else \
                    value_text(value)
                cell = SortableItem(text, -1.0 if text == "—" else value)
                cell.setData(Qt.ItemDataRole.UserRole, row)
                table.setItem(row, col, cell)
        table.setSortingEnabled(True)
        table.sortItems(len(self.varied), Qt.SortOrder.DescendingOrder)
        table.resizeColumnsToContents()

    # --- acting on one run -----------------------------------------------------------------

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.results[self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)]

    def _selection_changed(self) -> None:
        result = self.selected()
        has_weights = result is not None and result.state is not None
        self.activate_button.setEnabled(has_weights)
        self.keep_button.setEnabled(has_weights)

    def make_active(self) -> None:
        from softmax_gui.active_weights import prepare

        result, session = self.selected(), self.session
        if result is None:
            return
        state = session.state
        name = f"sweep run {sweep_record.label(result, self.varied)}"
        classes, test_images = state.dataset.classes, state.test_images

        def work(_task):
            return prepare(sweep_record.snapshot(result, classes), name,
                           result.config.to_dict(), None, test_images)

        def done(weights) -> None:
            session.activate(weights)
            session.message.emit(f"Active: {name}")

        def failed(error: BaseException) -> None:
            session.report(f"Could not use {name}: {error}")

        session.tasks.run(f"Preparing {name}…", work, done, failed)

    def keep(self) -> None:
        result, session = self.selected(), self.session
        if result is None:
            return
        archive = session.archive
        history = sweep_record.history(result, archive.take_number(), self.varied)
        snapshot = sweep_record.snapshot(result, session.state.dataset.classes)
        # Once kept, drawn on the Curves plots beside the window's own runs.
        archive.save(history, snapshot, [], then=lambda saved: archive.overlay(saved))
        session.message.emit(f"Keeping run #{history.number} ({history.label}): it goes "
                             "to the Runs tab and onto the Curves plots")
