"""Is every text in a window readable in full? Qt knows each text's size and each widget's,
so a clipped label, a squeezed button or a tab bar that scrolls can be found, not guessed.
The gallery (scripts/gallery.py) and the tests (tests/e2e/test_gallery.py) use it.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QLabel,
    QStatusBar,
    QTabBar,
    QTableWidget,
    QWidget,
)


def clipped_texts(root: QWidget) -> list[str]:
    """A line for each text under ``root`` that is shown cut off; empty when none is."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 1:
            continue
        parent = widget.parentWidget()
        if isinstance(widget, (QLabel, QAbstractButton, pg.GraphicsView)) and parent and \
                not isinstance(parent.parentWidget(), QAbstractScrollArea) and \
                not parent.rect().contains(widget.geometry()):
            # Laid out past its panel's edge (a panel squeezed below its minimum).
            found.append(f"{type(widget).__name__} {widget.accessibleName() or ''!r}: "
                         "cut off by its panel")
        if isinstance(widget, QLabel):
            found += _label(widget)
        elif isinstance(widget, QAbstractButton) and widget.text():
            # A button's size hint is what its text (and icon, indicator) needs.
            if widget.sizeHint().width() > widget.width() + 1:
                found.append(f"button {widget.text()!r}: needs {widget.sizeHint().width()} "
                             f"px, has {widget.width()}")
        elif isinstance(widget, QTabBar):
            needed = sum(widget.tabSizeHint(i).width() for i in range(widget.count()))
            if needed > widget.width() + 1:
                found.append(f"tabs {[widget.tabText(i) for i in range(widget.count())]}: "
                             f"need {needed} px, have {widget.width()}")
            metrics = widget.fontMetrics()
            for i in range(widget.count()):
                text = widget.tabText(i).replace("&", "")
                if metrics.horizontalAdvance(text) + 4 > widget.tabRect(i).width():
                    found.append(f"tab {text!r}: {widget.tabRect(i).width()} px")
        elif isinstance(widget, QStatusBar) and widget.currentMessage():
            found += _status(widget)
        elif isinstance(widget, QTableWidget):
            found += _table(widget)
        elif isinstance(widget, pg.GraphicsView) and widget.centralWidget is not None:
            # A plot layout cannot shrink below its items' minimum: the rest is cut off.
            needed = widget.centralWidget.minimumWidth()
            if needed > widget.width() + 1:
                found.append(f"plots {type(widget).__name__}: need {needed:.0f} px, have "
                             f"{widget.width()}")
            if widget.minimumHeight() > widget.height() + 1:
                found.append(f"plots {type(widget).__name__}: need {widget.minimumHeight()} "
                             f"px high, have {widget.height()}")
    # A dock layout rebuilt badly leaves a stale tab bar drawn over a panel's text.
    bars = [tuple(b.tabText(i) for i in range(b.count())) for b in
            root.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if b.isVisible() and b.count()]
    found += [f"dock tabs {list(t)} shown twice" for t in set(bars) if bars.count(t) > 1]
    return found


def _label(label: QLabel) -> list[str]:
    text = label.text()
    if not text or label.pixmap() is not None and not label.pixmap().isNull():
        return []
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and text.lstrip().startswith("<"))
    if rich:
        return []  # laid out as a document: sized by its own layout
    room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(),
                                         -label.margin())
    metrics = label.fontMetrics()
    if label.wordWrap():
        needed = label.heightForWidth(label.width())
        if needed > label.height() + 1:
            return [f"label {text[:60]!r}: needs {needed} px high, has {label.height()}"]
        return []
    widest = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
    if widest > room.width() + 1:
        return [f"label {text[:60]!r}: needs {widest} px, has {room.width()}"]
    return []


def _table(table: QTableWidget) -> list[str]:
    """Cells and column headers whose text is wider than their column."""
    found = []
    metrics = table.fontMetrics()
    header = table.horizontalHeader()
    for col in range(table.columnCount()):
        width = header.sectionSize(col)
        title = table.horizontalHeaderItem(col)
        if title is not None and header.isVisible() and \
                header.fontMetrics().horizontalAdvance(title.text()) + 6 > width:
            # + 6: Fusion sizes a header to its text + 7 px (3 px each side and the
            # grid line), the whole text drawn.
            found.append(f"column title {title.text()!r}: has {width} px")
        for row in range(table.rowCount()):
            item = table.item(row, col)
            # Qt elides a cell's text once it comes within its margins (3 px a side).
            if item is not None and metrics.horizontalAdvance(item.text()) + 6 > width:
                found.append(f"cell {item.text()!r}: has {width} px")
                break  # one cell says the column is too narrow
    return found


def _status(bar: QStatusBar) -> list[str]:
    """The passing message shares the bar with the permanent widgets (and the size
    grip), which are all the bar's own widgets while it shows."""
    own = bar.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    taken = sum(w.width() + bar.layout().spacing() for w in own if w.isVisible())
    room = bar.width() - taken - 8  # the message's margins
    needed = bar.fontMetrics().horizontalAdvance(bar.currentMessage())
    if needed > room:
        return [f"status message {bar.currentMessage()[:60]!r}: needs {needed} px, has "
                f"{room}"]
    return []
