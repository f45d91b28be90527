"""A table cell shown as text and sorted by its value: the Runs tab's and the Sweep
page's tables."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidgetItem


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
