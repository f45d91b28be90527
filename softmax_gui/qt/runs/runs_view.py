"""The runs table: every finished run, kept on disk, to compare, reload or overlay."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.model_registry import MODELS
from softmax_gui.qt.shell import theme
from softmax_gui.qt.shell.sortable_item import SortableItem
from softmax_gui.run_history import epochs_text
from softmax_gui.runs import SavedRun

ROW = Qt.ItemDataRole.UserRole
MODEL_NAMES = {name: spec.label for name, spec in MODELS.items()}
# The figures first, so a narrow window still shows which run did best; then what the
# runs differ in, then when.
COLUMNS = ["run", "test acc", "epochs", "status", "model", "lr", "batch", "momentum",
           "weight decay", "seed", "optimizer", "schedule", "date", "train s"]
# A filter's words: ``column=value`` (a column's name may be two words) or plain text.
FILTER_WORD = re.compile(r"(\w+(?: \w+)?)\s*=\s*([^\s,]+)|([^\s,=]+)")
HYPER_PARAMETERS = ("lr", "batch_size", "momentum", "weight_decay", "seed", "optimizer",
                    "schedule")


def _epochs(trained: float, planned) -> str:
    """``10``, or ``2.68 of 200`` for a run stopped before its planned epochs."""
    text = epochs_text(trained).split()[0]
    if isinstance(planned, int) and trained < planned:
        text += f" of {planned}"
    return text


def _key(name: str) -> str:
    """``weight decay``, ``weight_decay`` and ``weightdecay`` are one column name."""
    return name.lower().replace(" ", "").replace("_", "")


def _matches(word: str, cells: dict[str, str], label: str) -> bool:
    """``column=value`` (numbers compared as numbers), or ``word`` anywhere in the row's
    cells or its label, ignoring case."""
    if "=" in word:
        name, value = (part.strip() for part in word.split("=", 1))
        text = cells.get({"batchsize": "batch", "acc": "testacc"}.get(_key(name),
                                                                       _key(name)))
        if text is None:
            return False
        try:
            return float(text) == float(value)
        except ValueError:
            return text.lower() == value.lower()
    word = word.lower()
    return any(word in text.lower() for text in (*cells.values(), label))


class RunsView(QWidget):
    """Lists the runs folder of ``session.archive``: load a run's weights, overlay its
    curves, delete it."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        archive = session.archive
        self.store = store = archive.store
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # the newest run on top
        self.table.verticalHeader().hide()  # the run column numbers the rows
        header = self.table.horizontalHeader()
        # Styles disagree on which way the arrow points for "descending" (a user read
        # "run ▲" as oldest first): the order is said in words under the table instead.
        header.setSortIndicatorShown(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setToolTip("Click a column's title to sort by it; click again to reverse")
        self.order = QLabel()
        self.filter = QLineEdit()
        self.filter.setAccessibleName("Filter runs")
        self.filter.setPlaceholderText("Filter: lr=0.1, adam, stopped…")
        self.filter.setToolTip("Show only the runs whose cells match every word: "
                               "column=value (lr=0.1, seed=2, weight decay=0.001) or any "
                               "text of the row or its settings (adam, sweep, stopped)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        header.sortIndicatorChanged.connect(self._say_order)
        self.table.setToolTip(f"Runs kept in {store.root}")
        self.load_button = QPushButton("Load weights")
        self.load_button.setToolTip("Make the selected run's final weights active")
        self.overlay_button = QPushButton("Overlay curves")
        self.overlay_button.setToolTip("Draw the selected runs' curves on the plots, dimmed")
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Delete the selected runs from disk (asks first)")
        self.load_button.clicked.connect(lambda: self._each(archive.load, 1))
        self.overlay_button.clicked.connect(lambda: self._each(archive.overlay))
        self.delete_button.clicked.connect(lambda: self.ask_delete(archive.delete))
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        buttons = QHBoxLayout()
        for button in (self.load_button, self.overlay_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.order)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.runs: list[SavedRun] = []
        self.refresh()
        archive.saved_runs_changed.connect(self.refresh)

    def refresh(self) -> None:
        self.runs = self.store.list()
        damaged = self.store.damaged
        self.note.setText(self.store.problem or (
            f"{len(damaged)} run folder(s) with a damaged record were skipped: "
            + ", ".join(p.name for p in damaged[:5])
            + (" …" if len(damaged) > 5 else "") + f" (in {self.store.root})"))
        self.note.setStyleSheet(theme.error_css())
        self.note.setVisible(bool(damaged or self.store.problem))
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            info, config = run.info, run.info["config"]
            number = run.number
            acc = info.get("test_acc")
            cells = [(f"#{number}" if number else f"({row + 1})", number or 0),
                     ("" if acc is None else f"{acc:.2%}", acc if acc is not None else -1),
                     (_epochs(run.epochs_trained, config.get("epochs")), run.epochs_trained),
                     (run.status + ("" if run.has_weights else ", no weights"), run.status),
                     (MODEL_NAMES.get(info["model"], info["model"]), info["model"]),
                     *((str(config.get(k, "")), config.get(k, ""))
                       for k in HYPER_PARAMETERS),
                     (info["created"][:16].replace("T", " "), info["created"]),
                     (f"{info['train_seconds']:.1f}", info["train_seconds"])]
            for col, (text, key) in enumerate(cells):
                item = SortableItem(text, key)
                item.setData(ROW, row)  # index into self.runs, whatever the sort order
                item.setToolTip(info["label"])
                self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicatorShown(False)  # sorting turns it on
        self._apply_filter()
        self._fit_columns()
        self._say_order()
        self._sync_buttons()

    def _apply_filter(self, *_) -> None:
        words = [f"{m[1]}={m[2]}" if m[1] else m[3]
                 for m in FILTER_WORD.finditer(self.filter.text())]
        shown = 0
        for row in range(self.table.rowCount()):
            cells = {_key(COLUMNS[c]): self.table.item(row, c).text()
                     for c in range(len(COLUMNS))}
            hidden = not all(_matches(w, cells, self.table.item(row, 0).toolTip())
                             for w in words if w)
            self.table.setRowHidden(row, hidden)
            shown += not hidden
        self._say_order(shown=shown)

    def _fit_columns(self) -> None:
        """Every title and cell whole: each column as wide as its widest text."""
        self.table.resizeColumnsToContents()
        header, metrics = self.table.horizontalHeader(), self.table.fontMetrics()
        for col, title in enumerate(COLUMNS):
            header.resizeSection(col, max(header.sectionSize(col),
                                          metrics.horizontalAdvance(title) + 24))

    def _say_order(self, *_, shown: int | None = None) -> None:
        header = self.table.horizontalHeader()
        column = COLUMNS[header.sortIndicatorSection()] if \
            0 <= header.sortIndicatorSection() < len(COLUMNS) else "run"
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        words = {"run": ("oldest first", "newest first"), "date": ("oldest first",
                                                                  "newest first")}.get(
            column, ("smallest first", "largest first"))
        count = f"{len(self.runs)} runs" if shown is None or shown == len(self.runs) else \
            f"{shown} of {len(self.runs)} runs shown"
        self.order.setText(f"{count}, by {column}: {words[descending]}. Click a title to "
                           "sort by it.")

    def selected(self) -> list[SavedRun]:
        rows = {self.table.item(i.row(), 0).data(ROW) for i in self.table.selectedIndexes()}
        return [self.runs[r] for r in sorted(rows)]

    def _each(self, action, limit: int | None = None) -> None:
        for run in self.selected()[:limit]:
            action(run)

    def _sync_buttons(self) -> None:
        selected = self.selected()
        chosen = len(selected)
        self.load_button.setEnabled(chosen == 1 and selected[0].has_weights)
        self.load_button.setToolTip(
            "Make the selected run's final weights active" if chosen != 1
            or selected[0].has_weights else
            "This run exploded before it finished an epoch: it kept no weights. Overlay "
            "its curves to compare it with a run that trained.")
        self.overlay_button.setEnabled(chosen > 0)
        self.delete_button.setEnabled(chosen > 0)

    def ask_delete(self, delete) -> None:
        runs = self.selected()
        if not runs:
            return
        names = ", ".join(f"#{r.number}" if r.number else r.id for r in runs[:6]) + \
            (", …" if len(runs) > 6 else "")
        what = f"run {names} and its weights" if len(runs) == 1 else \
            f"{len(runs)} runs ({names}) and their weights"
        box = QMessageBox(QMessageBox.Icon.Question, "Delete runs",
                          f"Delete {what} from disk? This cannot be undone.",
                          QMessageBox.StandardButton.Yes
                          | QMessageBox.StandardButton.No, self)
        box.setObjectName("delete-runs")
        box.finished.connect(lambda answer: answer == QMessageBox.StandardButton.Yes
                             and delete(runs))
        box.open()

