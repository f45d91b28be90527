"""A sweep's results: the plot that fits what was varied (``results_plot.py``), a
sortable table of every run with its accuracy and loss, and what to do with one: see its
curve, make its weights active, or keep it in the Runs tab (and on the Curves plots)."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
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
from softmax_gui.qt.sweep import results_plot
from softmax_gui.qt.sweep.results_plot import ACCURACY, label_of
from softmax_gui.sweep_plan import summarise, value_text

LOSS = "Train loss"


class SweepResults(QWidget):
    """The plot (``plot``, placed by the Sweep tab), the table and the two actions on
    the selected run; ``run_chosen`` with its configuration (None: none selected)."""

    run_chosen = Signal(object)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.results, self.varied = [], []
        self.plot = pg.PlotWidget(background=theme.colors().background)
        self.plot.setMenuEnabled(False)
        self.plot.setAccessibleName("Sweep results plot")
        for axis in ("left", "bottom"):  # 0.84, not 840 (x0.001)
            self.plot.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.plot.getViewBox().setDefaultPadding(0.08)  # the end points' bars in full
        self.table = QTableWidget()
        self.table.setAccessibleName("Sweep runs")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        # Two runs at least, whatever the plot above would take (and no more: on a
        # 700-pixel screen the plot needs the rest).
        self.table.setMinimumHeight(self.table.verticalHeader().defaultSectionSize() * 3 + 8)
        self.table.setToolTip("Click a run to draw its curve thick on the Curves tab; then "
                              "Make active or Keep in Runs")
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

    def clear(self) -> None:
        """Nothing shown (a new sweep is training)."""
        self.results = []
        self.table.setRowCount(0)
        self.plot.clear()
        self.plot.getPlotItem().setTitle(None)

    def show_results(self, results: list, varied: list[str]) -> None:
        self.results, self.varied = results, varied
        self._fill_table()
        shown = [f for f in varied if f != "seed"] or varied
        summaries = summarise([r.config for r in results],
                              [r.final_test_acc for r in results], shown)
        exploded = {tuple(getattr(r.config, f) for f in shown) for r in results
                     if r.diverged}
        self.plot.clear()
        item = self.plot.getPlotItem()
        item.setTitle(None)  # the heatmap and the parallel coordinates set their own
        for axis in ("bottom", "left"):
            item.getAxis(axis).setTicks(None)
            item.showAxis(axis)
        item.enableAutoRange()
        if len(shown) == 1:
            results_plot.against_one(self.plot, summaries, shown[0], exploded)
        elif len(shown) == 2:
            results_plot.heatmap(self.plot, summaries, shown, "seed" in varied)
        else:
            results_plot.parallel(self.plot, summaries, shown)

    def _fill_table(self) -> None:
        table = self.table
        table.setSortingEnabled(False)
        # The loss too: a rate too large can keep 70% accuracy at a loss of 20 nats.
        headers = [label_of(f) for f in self.varied] + [ACCURACY, LOSS, "Epochs trained",
                                                         "Status"]
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(self.results))
        for row, result in enumerate(self.results):
            accuracy = result.final_test_acc
            loss = result.train_loss[-1] if result.train_loss else None
            cells = [(value_text(getattr(result.config, f)), getattr(result.config, f))
                     for f in self.varied]
            cells += [("—", -1.0) if accuracy is None else (f"{accuracy:.2%}", accuracy),
                      ("—", math.inf) if loss is None else (f"{loss:.3g}", loss),
                      (str(len(result.test_acc)), len(result.test_acc)),
                      (sweep_record.status(result),) * 2]
            for col, (text, key) in enumerate(cells):
                cell = SortableItem(text, key)
                cell.setData(Qt.ItemDataRole.UserRole, row)
                table.setItem(row, col, cell)
        table.setSortingEnabled(True)
        table.sortItems(len(self.varied), Qt.SortOrder.DescendingOrder)
        table.resizeColumnsToContents()
        table.scrollToTop()  # the best first, in sight

    # --- acting on one run -----------------------------------------------------------------

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.results[self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)]

    def _selection_changed(self) -> None:
        result = self.selected()
        self.run_chosen.emit(None if result is None else result.config)
        has_weights = result is not None and result.state is not None
        self.activate_button.setEnabled(has_weights)
        self.keep_button.setEnabled(has_weights)

    def make_active(self) -> None:
        result = self.selected()
        if result is not None:
            self.session.archive.sweeps.activate(
                result, f"sweep run {sweep_record.label(result, self.varied)}")

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
