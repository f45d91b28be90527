"""The runs table: every finished run, kept on disk, to compare, reload or overlay."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.qt import theme
from softmax_gui.run_history import epochs_text
from softmax_gui.runs import RunStore, SavedRun

ROW = Qt.ItemDataRole.UserRole
# The figures first, so a narrow window still shows which run did best.
COLUMNS = ["run", "test acc", "epochs", "model", "date", "train s", "lr", "batch",
           "optimizer", "schedule"]


def _epochs(trained: float, planned) -> str:
    """``10``, or ``2.68 of 200`` for a run stopped before its planned epochs."""
    text = epochs_text(trained).split()[0]
    if isinstance(planned, int) and trained < planned:
        text += f" of {planned}"
    return text


class SortableItem(QTableWidgetItem):
    """A cell shown as text and sorted by its value (numbers as numbers, not strings)."""

    def __init__(self, text: str, key):
        super().__init__(text)
        self.key = key

    def __lt__(self, other) -> bool:
        mine, theirs = self.key, getattr(other, "key", None)
        if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
            return mine < theirs
        return str(mine) < str(theirs)


class RunsView(QWidget):
    """Lists a :class:`RunStore`; emits requests to load weights or overlay curves."""

    load_requested = Signal(object)      # SavedRun
    overlay_requested = Signal(object)   # SavedRun
    delete_requested = Signal(object)    # list of SavedRun, confirmed by the user

    def __init__(self, store: RunStore, parent=None):
        super().__init__(parent)
        self.store = store
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # the newest run on top
        self.table.verticalHeader().hide()  # the run column numbers the rows
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.setToolTip(f"Runs kept in {store.root}")
        self.load_button = QPushButton("Load weights")
        self.load_button.setToolTip("Make the selected run's final weights active")
        self.overlay_button = QPushButton("Overlay curves")
        self.overlay_button.setToolTip("Draw the selected runs' curves on the plots, dimmed")
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Delete the selected runs from disk (asks first)")
        self.load_button.clicked.connect(lambda: self._each(self.load_requested.emit, 1))
        self.overlay_button.clicked.connect(lambda: self._each(self.overlay_requested.emit))
        self.delete_button.clicked.connect(self.ask_delete)
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        buttons = QHBoxLayout()
        for button in (self.load_button, self.overlay_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.runs: list[SavedRun] = []
        self.refresh()

    def refresh(self) -> None:
        self.runs = self.store.list()
        damaged = self.store.damaged
        self.note.setText(f"{len(damaged)} run folder(s) with a damaged record were skipped: "
                          + ", ".join(p.name for p in damaged[:5])
                          + (" …" if len(damaged) > 5 else "") + f" (in {self.store.root})")
        self.note.setStyleSheet(theme.error_css())
        self.note.setVisible(bool(damaged))
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            info, config = run.info, run.info["config"]
            number = run.number
            acc = info.get("test_acc")
            cells = [(f"#{number}" if number else f"({row + 1})", number or 0),
                     ("" if acc is None else f"{acc:.2%}", acc if acc is not None else -1),
                     (_epochs(run.epochs_trained, config.get("epochs")), run.epochs_trained),
                     (info["model"], info["model"]),
                     (info["created"][:16].replace("T", " "), info["created"]),
                     (f"{info['train_seconds']:.1f}", info["train_seconds"]),
                     *((str(config.get(k, "")), config.get(k, ""))
                       for k in ("lr", "batch_size", "optimizer", "schedule"))]
            for col, (text, key) in enumerate(cells):
                item = SortableItem(text, key)
                item.setData(ROW, row)  # index into self.runs, whatever the sort order
                item.setToolTip(info["label"])
                self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        self._sync_buttons()

    def selected(self) -> list[SavedRun]:
        rows = {self.table.item(i.row(), 0).data(ROW) for i in self.table.selectedIndexes()}
        return [self.runs[r] for r in sorted(rows)]

    def _each(self, action, limit: int | None = None) -> None:
        for run in self.selected()[:limit]:
            action(run)

    def _sync_buttons(self) -> None:
        chosen = len(self.selected())
        self.load_button.setEnabled(chosen == 1)
        self.overlay_button.setEnabled(chosen > 0)
        self.delete_button.setEnabled(chosen > 0)

    def ask_delete(self) -> None:
        runs = self.selected()
        if not runs:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Delete runs",
                          f"Delete {len(runs)} run(s) and their weights from disk? This cannot "
                          "be undone.", QMessageBox.StandardButton.Yes
                          | QMessageBox.StandardButton.No, self)
        box.setObjectName("delete-runs")
        box.finished.connect(lambda answer: answer == QMessageBox.StandardButton.Yes
                             and self.delete_requested.emit(runs))
        box.open()

