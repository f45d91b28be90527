"""Cells shown as text and sorted by their value: the Runs tab's rows and the Sweep
page's table."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidgetItem, QTreeWidgetItem


def _less(mine, theirs) -> bool:
    """Numbers as numbers, not strings; anything else as its text."""
    if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
        return mine < theirs
    return str(mine) < str(theirs)


class SortableItem(QTableWidgetItem):
    """A table cell shown as text and sorted by its value."""

    def __init__(self, text: str, key):
        super().__init__(text)
        self.key = key

    def __lt__(self, other) -> bool:
        return _less(self.key, getattr(other, "key", None))


class SortableRow(QTreeWidgetItem):
    """A tree's row from ``(text, value)`` cells, sorted by the sort column's value."""

    def __init__(self, cells: list[tuple[str, object]]):
        super().__init__([text for text, _key in cells])
        self.keys = [key for _text, key in cells]

    def __lt__(self, other) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else 0
        theirs = getattr(other, "keys", None)
        return _less(self.keys[column], theirs[column] if theirs else None)
