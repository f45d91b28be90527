"""The Curves tab's list of runs: each in its plot colour, ticked when its curves show.

Whole rows only (a fifth run showed half clipped): five, then it scrolls. A long label
is cut in its middle, so both the run's number and the end of its settings stay.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from softmax_gui.run_history import RunHistory

NUMBER = Qt.ItemDataRole.UserRole  # each row's run number


class RunList(QListWidget):
    """A row per run on the plots; ``ticked`` says which the user shows or hides."""

    ticked = Signal(int, bool)  # a run number, shown or not

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setToolTip("Runs of this window, in their colours: untick to hide, select and "
                        "Remove to take off the plots")
        self.row_height = self.fontMetrics().height() + 4
        self.setUniformItemSizes(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep both ends
        self.setSpacing(0)
        self.setFixedHeight(5 * self.row_height + 2 * self.frameWidth())
        self.itemChanged.connect(lambda item: self.ticked.emit(
            item.data(NUMBER), item.checkState() == Qt.CheckState.Checked))

    def add(self, history: RunHistory, color) -> None:
        item = QListWidgetItem(history.label)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setForeground(color)
        item.setSizeHint(QSize(0, self.row_height))
        item.setData(NUMBER, history.number)
        item.setCheckState(Qt.CheckState.Checked if history.shown else Qt.CheckState.Unchecked)
        self.addItem(item)

    def take(self, number: int) -> None:
        for row in range(self.count()):
            if self.item(row).data(NUMBER) == number:
                self.takeItem(row)
                return

    def relabel(self, histories: dict[int, RunHistory]) -> None:
        """A label can change ("(exploded)"): rows say what their runs say now."""
        for row in range(self.count()):
            item = self.item(row)
            history = histories.get(item.data(NUMBER))
            if history is not None and item.text() != history.label:
                item.setText(history.label)

    def selected_numbers(self) -> list[int]:
        return [item.data(NUMBER) for item in self.selectedItems()]
