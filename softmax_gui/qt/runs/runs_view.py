"""The Runs tab: every finished run kept on disk, and every kept sweep as one row that
opens out into its runs; to compare, filter, make active, overlay or delete."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.qt.runs import runs_rows
from softmax_gui.qt.runs.runs_menu import RunsMenu
from softmax_gui.qt.runs.runs_rows import COLUMNS
from softmax_gui.qt.shell import theme
from softmax_gui.qt.shell.sortable_item import SortableRow

ENTRY = Qt.ItemDataRole.UserRole  # index into RunsView.entries
# A sweep's runs drawn at once from its row: its best, not a thousand curves.
OVERLAID_AT_MOST = 20


class RunsView(QWidget):
    """Lists ``session.archive``'s runs folder and kept sweeps (see the module docstring).

    Each row's entry is ``("run", SavedRun)``, ``("sweep", KeptSweep)`` or
    ``("sweep run", KeptSweep, index)``."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.archive = archive = session.archive
        self.tree = tree = QTreeWidget()
        tree.setColumnCount(len(COLUMNS))
        tree.setHeaderLabels(COLUMNS)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        tree.setUniformRowHeights(True)
        tree.setSortingEnabled(True)
        tree.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # the newest on top
        tree.itemExpanded.connect(self._open_out)
        header = tree.header()
        # Styles disagree on which way the arrow points for "descending" (a user read
        # "run ▲" as oldest first): the order is said in words under the table instead.
        header.setSortIndicatorShown(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setToolTip("Click a column's title to sort by it; click again to reverse")
        header.sortIndicatorChanged.connect(self._say_order)
        header.sectionClicked.connect(self._best_first)
        tree.setToolTip(f"Runs kept in {archive.store.root}; sweeps in "
                        f"{archive.sweeps.folder} (open one out with its arrow)")
        self.order = QLabel()
        self.order.setWordWrap(True)  # "2 runs and 1 sweep, by …" must not widen the window
        self.filter = QLineEdit()
        self.filter.setAccessibleName("Filter runs")
        self.filter.setPlaceholderText("Filter: lr=0.1, adam, stopped, sweep…")
        self.filter.setToolTip("Show only the runs whose cells match every word: "
                               "column=value (lr=0.1, seed=2, weight decay=0.001) or any "
                               "text of the row or its settings (adam, sweep, stopped)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.load_button = QPushButton("Load weights")
        self.overlay_button = QPushButton("Overlay curves")
        self.overlay_button.setToolTip("Draw the selected runs' curves on the plots, dimmed "
                                       f"(a sweep's row: its {OVERLAID_AT_MOST} best runs)")
        self.delete_button = QPushButton("Delete…")
        self.load_button.clicked.connect(self.load_selected)
        self.overlay_button.clicked.connect(self.overlay_selected)
        self.delete_button.clicked.connect(self.ask_delete)
        tree.itemSelectionChanged.connect(self._sync_buttons)
        buttons = QHBoxLayout()
        for button in (self.load_button, self.overlay_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        for widget, stretch in ((self.filter, 0), (tree, 1), (self.order, 0), (self.note, 0)):
            layout.addWidget(widget, stretch)
        layout.addLayout(buttons)
        self.entries: list[tuple] = []
        self._sorted_by = 0  # the column a click last sorted by
        self.refresh()
        archive.saved_runs_changed.connect(self.refresh)
        archive.sweeps.changed.connect(self.refresh)
        self.menu = RunsMenu(self, session)  # a row's script and report

    # --- the rows -------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the folders again, keeping what was selected and opened out."""
        store, sweeps = self.archive.store, self.archive.sweeps
        selected = {_identity(entry) for entry in self.selected()}
        opened = {_identity(self.entry(item)) for item in self.top_rows()
                  if item.isExpanded()}
        current = self.tree.currentItem()  # where the arrow keys go on from
        current = current and _identity(self.entry(current))
        runs, kept = store.list(), sweeps.list()
        damaged = [*store.damaged, *sweeps.damaged]
        self.note.setText(store.problem or (
            f"{len(damaged)} folder(s) with a damaged record were skipped: "
            + ", ".join(p.name for p in damaged[:5]) + (" …" if len(damaged) > 5 else "")
            + f" (in {store.root.parent})"))
        self.note.setStyleSheet(theme.error_css())
        self.note.setVisible(bool(damaged or store.problem))
        self.tree.setSortingEnabled(False)
        self.tree.clear()
        self.entries = []
        for row, run in enumerate(runs):
            self._add(None, runs_rows.saved_run(run, row), ("run", run), run.info["label"])
        for sweep in kept:
            group = self._add(None, runs_rows.sweep_group(sweep), ("sweep", sweep),
                              f"{sweep.title} ({sweep.name}): {len(sweep.results)} runs "
                              f"varying "
                              f"{', '.join(sweep.varied) or 'nothing'}")
            # Its runs are made when it is opened out: a sweep may hold a thousand.
            group.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
        self.tree.setSortingEnabled(True)
        self.tree.header().setSortIndicatorShown(False)  # sorting turns it on
        for item in self.top_rows():
            item.setExpanded(_identity(self.entry(item)) in opened)
        for item in self.tree.findItems("", Qt.MatchFlag.MatchContains
                                        | Qt.MatchFlag.MatchRecursive):
            if _identity(self.entry(item)) == current:
                self.tree.setCurrentItem(item, 0, QItemSelectionModel.SelectionFlag.NoUpdate)
            item.setSelected(_identity(self.entry(item)) in selected)
        self._apply_filter()
        self._fit_columns()
        self._sync_buttons()

    def _add(self, parent, cells, entry, label: str) -> SortableRow:
        item = SortableRow(cells)
        item.setData(0, ENTRY, len(self.entries))
        self.entries.append(entry)
        for column in range(len(COLUMNS)):
            item.setToolTip(column, label)
        if parent is None:
            self.tree.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item

    def entry(self, item: QTreeWidgetItem) -> tuple:
        return self.entries[item.data(0, ENTRY)]

    def _open_out(self, group: QTreeWidgetItem) -> None:
        kind, sweep = self.entry(group)[:2]
        if kind != "sweep" or group.childCount():
            return
        for index in range(len(sweep.results)):
            self._add(group, runs_rows.sweep_run(sweep, index), ("sweep run", sweep, index),
                      sweep.label(index))
        self._apply_filter()
        self._fit_columns()  # its runs' cells whole too ("stopped", not "stoppe…")

    def top_rows(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def _apply_filter(self, *_) -> None:
        words = runs_rows.filter_words(self.filter.text())
        shown = {"run": 0, "sweep": 0}
        for item in self.top_rows():
            entry = self.entry(item)
            own = runs_rows.matches(words, runs_rows.cells(entry), item.toolTip(0))
            inner = entry[0] == "sweep" and not own and any(
                runs_rows.matches(words, runs_rows.sweep_run(entry[1], i),
                                  entry[1].label(i)) for i in range(len(entry[1].results)))
            item.setHidden(not (own or inner))
            shown[entry[0]] += own or inner
            if inner and not item.isExpanded():
                item.setExpanded(True)  # opens it out: _open_out filters its runs
            for child in (item.child(i) for i in range(item.childCount())):
                child.setHidden(not own and not runs_rows.matches(
                    words, runs_rows.cells(self.entry(child)), child.toolTip(0)))
        # The buttons act on what is in sight: a selected row the filter hides is left
        # out (Qt's selectedItems skips hidden rows) until the filter shows it again.
        self._sync_buttons()
        self._say_order(shown=shown if words else None)

    def _fit_columns(self) -> None:
        """Every title and cell whole: each column as wide as its widest text."""
        header, metrics = self.tree.header(), self.tree.fontMetrics()
        for column, title in enumerate(COLUMNS):
            self.tree.resizeColumnToContents(column)
            header.resizeSection(column, max(header.sectionSize(column),
                                             metrics.horizontalAdvance(title) + 24))

    def _best_first(self, column: int) -> None:
        """A first click on a figure sorts the best on top (a new user's walk found the
        exploded runs first under "test acc")."""
        if COLUMNS[column] == "test acc" and column != self._sorted_by and \
                self.tree.header().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder:
            self.tree.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        self._sorted_by = column

    def _say_order(self, *_, shown: dict | None = None) -> None:
        header = self.tree.header()
        column = COLUMNS[header.sortIndicatorSection()] if \
            0 <= header.sortIndicatorSection() < len(COLUMNS) else "run"
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        words = {"run": ("oldest first", "newest first"), "date": ("oldest first",
                                                                  "newest first")}.get(
            column, ("smallest first", "largest first"))
        sweeps = sum(self.entry(item)[0] == "sweep" for item in self.top_rows())
        count = runs_rows.count_text(self.tree.topLevelItemCount() - sweeps, sweeps, shown)
        self.order.setText(f"{count}, by {column}: {words[descending]}. Click a title to "
                           "sort by it.")

    # --- what the buttons do --------------------------------------------------------------

    def selected(self) -> list[tuple]:
        return [self.entry(item) for item in self.tree.selectedItems()]

    def load_selected(self) -> None:
        (entry,) = self.selected()
        if entry[0] == "run":
            self.archive.load(entry[1])
        else:
            self.archive.sweeps.make_active(entry[1], entry[2])

    def overlay_selected(self) -> None:
        for entry in self.selected():
            if entry[0] == "run":
                self.archive.overlay(entry[1])
            elif entry[0] == "sweep run":
                self.archive.sweeps.overlay(entry[1], entry[2])
            else:
                sweep = entry[1]
                ranked = sorted((i for i, r in enumerate(sweep.results) if r.test_acc),
                                key=lambda i: -sweep.results[i].final_test_acc)
                for index in ranked[:OVERLAID_AT_MOST]:
                    self.archive.sweeps.overlay(sweep, index)

    def _sync_buttons(self) -> None:
        selected = self.selected()
        one = selected[0] if len(selected) == 1 else None
        weights = one is not None and (one[0] == "run" and one[1].has_weights or (
            one[0] == "sweep run" and bool(one[1].results[one[2]].test_acc)))
        self.load_button.setEnabled(weights)
        self.load_button.setToolTip(
            "Make the selected run's final weights active" if weights or one is None
            or one[0] == "sweep" else
            "This run exploded before it finished an epoch: it kept no weights. Overlay "
            "its curves to compare it with a run that trained.")
        self.overlay_button.setEnabled(bool(selected))
        deletable = [e for e in selected if e[0] != "sweep run"]
        self.delete_button.setEnabled(bool(deletable))
        self.delete_button.setToolTip(
            "Delete the selected runs and sweeps from disk (asks first)" if deletable or
            not selected else "A sweep's runs are deleted with their sweep: select its row")

    def ask_delete(self) -> None:
        runs = [e[1] for e in self.selected() if e[0] == "run"]
        sweeps = [e[1] for e in self.selected() if e[0] == "sweep"]
        if not runs and not sweeps:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Delete runs",
                          runs_rows.delete_question(runs, sweeps),
                          QMessageBox.StandardButton.Yes
                          | QMessageBox.StandardButton.No, self)
        box.setObjectName("delete-runs")
        box.finished.connect(lambda answer: answer == QMessageBox.StandardButton.Yes
                             and self._delete(runs, sweeps))
        box.open()

    def _delete(self, runs: list, sweeps: list) -> None:
        if runs:
            self.archive.delete(runs)
        if sweeps:
            self.archive.sweeps.delete(sweeps)


def _identity(entry: tuple) -> tuple:
    """What a row is on disk, which a refresh keeps: a run's folder, a sweep's, or a
    sweep's folder and the run's place in it."""
    return (entry[0], getattr(entry[1], "path", None) or entry[1].folder, *entry[2:])
