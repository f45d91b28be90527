"""The prediction grid: d2l's ``predict_ch3`` as a live, filterable view of the test set."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.evaluation import ORDERS, select_examples

WRONG = {False: QColor("#c62828"), True: QColor("#ff7b72")}  # by theme: is it dark?
RIGHT = {False: QColor("#2c7a2c"), True: QColor("#7ee787")}
AUTO = 0  # the columns or rows spin box's "Auto": as many as fit at a legible size
LABEL_POINTS = 8.5


class Cell(NamedTuple):
    """One test image in the grid and the two lines under it."""

    index: int  # into the test split
    image: np.ndarray  # (28, 28) uint8, made a QImage only when its cell is painted
    true_text: str
    predicted_text: str
    correct: bool | None  # None: no model yet


class ThumbnailView(QWidget):
    """Paints the chosen test images with their labels; emits the index clicked.

    A cell is never narrower than its longest label nor its image smaller than 28
    pixels: a grid asked for that does not fit scrolls. With "Auto" columns or rows the
    grid holds as many cells as fit, and ``capacity_changed`` says when that changes.
    """

    clicked = Signal(int)
    capacity_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        font = QFont(self.font())
        font.setPointSizeF(LABEL_POINTS)
        self.setFont(font)
        metrics = self.fontMetrics()
        self.line = metrics.height()
        # At least 56 pixels an image: 28 made a 16x10 grid of unreadable specks.
        self.min_cell = QSize(metrics.horizontalAdvance("✗ ankle boot 100%") + 6,
                              56 + 2 * self.line + 6)
        self.auto_cell = QSize(self.min_cell.width() + 4, 84 + 2 * self.line)
        self.asked = (AUTO, AUTO)
        self.columns, self.rows = 1, 1
        self.cells: list[Cell] = []
        self.every = False  # a selection: all of its cells, in rows that scroll
        self.selected: int | None = None
        self.message = "Loading the test images…"  # until a dataset is set

    def sizeHint(self) -> QSize:
        return QSize(560, 320)

    def set_cells(self, cells, message: str = "", every: bool = False) -> None:
        """Show ``cells``; ``every``: all of them, however many, in rows that scroll
        (a confusion cell's 135 images, or 10,000: only the visible rows are painted)."""
        self.cells, self.message, self.every = cells, message, every
        columns, rows = self.asked
        height = max(rows, 1) * self.min_cell.height()
        if every:
            height = max(height, math.ceil(len(cells) / self.columns) * self.cell_height)
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
        self.update()

    @property
    def cell_height(self) -> float:
        """A cell's height: the rows asked for (or that fit) share the view, and a
        selection's rows each take a fitting cell's height."""
        if self.every:
            return self.auto_cell.height() if self.asked[1] == AUTO else \
                self.min_cell.height()
        return self.height() / self.rows

    def ask(self, columns: int, rows: int) -> None:
        """Lay out ``columns`` x ``rows`` cells (:data:`AUTO`: as many as fit)."""
        self.asked = (columns, rows)
        self.setMinimumSize(max(columns, 1) * self.min_cell.width(),
                            max(rows, 1) * self.min_cell.height())
        self._fit(announce=False)  # the caller fills the cells

    def _fit(self, announce: bool = True) -> None:
        columns, rows = self.asked
        fit_columns = max(1, self.width() // self.auto_cell.width())
        fit_rows = max(1, self.height() // self.auto_cell.height())
        if self.every:
            fit_rows = self.rows  # the view is as tall as the selection: rows don't count
        shape = (columns or fit_columns, rows or fit_rows)
        if shape != (self.columns, self.rows):
            self.columns, self.rows = shape
            if announce:
                self.capacity_changed.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _cell_rect(self, k: int) -> QRectF:
        w, h = self.width() / self.columns, self.cell_height
        return QRectF((k % self.columns) * w, (k // self.columns) * h, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text_colour = palette.color(QPalette.ColorRole.Text)
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        line = self.line
        if not self.cells:
            painter.setPen(text_colour)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             self.message or "No test images match this filter.")
        # Only the rows in view: a selection of 10,000 scrolls as smoothly as 20.
        h = self.cell_height
        first = max(int(event.rect().top() // h) * self.columns, 0)
        last = min((int(event.rect().bottom() // h) + 1) * self.columns, len(self.cells))
        for k in range(first, last):
            index, image, true_text, pred_text, correct = self.cells[k]
            cell = self._cell_rect(k).adjusted(2, 2, -2, -2)
            side = max(8.0, min(cell.width(), cell.height() - 2 * line))
            target = QRectF(cell.center().x() - side / 2, cell.top(), side, side)
            painter.drawImage(target, _qimage(image))
            if correct is False:
                painter.setPen(QPen(WRONG[dark], 3))
                painter.drawRect(target.adjusted(1, 1, -1, -1))
            if index == self.selected:
                painter.setPen(QPen(QColor("#1f77b4"), 2, Qt.PenStyle.DashLine))
                painter.drawRect(cell)
            text_box = QRectF(cell.left(), target.bottom(), cell.width(), line)
            metrics = painter.fontMetrics()
            width = int(cell.width())
            painter.setPen(text_colour)
            painter.drawText(text_box, Qt.AlignmentFlag.AlignHCenter,
                             metrics.elidedText(true_text, Qt.TextElideMode.ElideRight, width))
            painter.setPen(RIGHT[dark] if correct else WRONG[dark] if correct is False
                           else text_colour)
            painter.drawText(text_box.translated(0, line), Qt.AlignmentFlag.AlignHCenter,
                             metrics.elidedText(pred_text, Qt.TextElideMode.ElideMiddle, width))
        painter.end()

    def cell_at(self, x: float, y: float) -> Cell | None:
        """The cell under ``(x, y)``, if any."""
        k = int(y // self.cell_height) * self.columns + int(x // (self.width() / self.columns))
        return self.cells[k] if 0 <= k < len(self.cells) else None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is not None:
            self.clicked.emit(cell.index)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(event.pos().x(), event.pos().y())
            if cell is None:
                QToolTip.hideText()
            else:  # the CLI and NumPy count from 0 too: say so once, here
                QToolTip.showText(event.globalPos(), f"Test image #{cell.index} (index from "
                                  f"0): {cell.true_text}; click for its distribution", self)
            return True
        return super().event(event)

    def set_selected(self, index: int | None) -> None:
        self.selected = index
        self.update()


class SampleGrid(QWidget):
    """Controls (filter, order, size, reshuffle) over a :class:`ThumbnailView`."""

    clicked = Signal(int)  # a test image index

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.settings = session.settings  # the filter and the order are remembered
        scroll = self._build()
        self.images = np.zeros((0, 28, 28), np.uint8)
        self.labels = np.zeros(0, int)
        self.classes: tuple[str, ...] = ()
        self.probabilities: np.ndarray | None = None
        self.restrict: np.ndarray | None = None
        self._restrict_text = ""
        self.shown: np.ndarray = np.zeros(0, int)
        self.seed = 0
        for widget in (self.filter, self.order):
            widget.currentIndexChanged.connect(self.refresh)
            widget.activated.connect(self._remember)  # chosen by the user, not a reload
        # A filter chosen leaves a confusion cell's images (they hid the choice).
        self.filter.activated.connect(lambda _: self.restrict is not None
                                      and self.show_only(None))
        _select(self.order, self._remembered("grid/order"))
        for widget in (self.columns, self.rows):
            widget.valueChanged.connect(self.refresh)
        self.view.clicked.connect(self.clicked)
        scroll.setAccessibleName("Test images")
        self._bind(session)

    def _bind(self, session) -> None:
        """Show the session's test set, the active weights' predictions and the
        selection; a click selects."""
        state = session.state  # bound methods: psygnal holds them weakly
        state.events.dataset.connect(self._dataset_loaded)
        state.events.weights.connect(self._weights_changed)
        state.events.selected.connect(self.view.set_selected)
        session.examples_requested.connect(self.show_only)
        self.clicked.connect(session.select)

    def _build(self) -> QScrollArea:
        """The controls over the thumbnails (in a scroll area: returned)."""
        self.filter = QComboBox()
        self.filter.setToolTip("Which test images to show: all, only the model's mistakes, "
                               "or one true class")
        self.order = QComboBox()
        for name in ORDERS:
            self.order.addItem(name.capitalize(), name)
        self.order.setToolTip("Random; least confident first (top probability lowest); or "
                              "the most confident mistakes: wrong and sure, the instructive "
                              "ones")
        self.columns = QSpinBox()
        self.columns.setRange(AUTO, 16)
        self.columns.setToolTip("Columns of the grid (Auto: as many as fit)")
        self.rows = QSpinBox()
        self.rows.setRange(AUTO, 10)
        self.rows.setToolTip("Rows of the grid (Auto: as many as fit)")
        for spin, name in ((self.columns, "Grid columns"), (self.rows, "Grid rows")):
            spin.setSpecialValueText("Auto")
            spin.setAccessibleName(name)
        self.shuffle = QPushButton("Shuffle")
        self.shuffle.setToolTip("Draw another random set (R)")
        self.shuffle.setShortcut("R")
        self.shuffle.clicked.connect(self.reshuffle)
        self.clear_selection = QPushButton("Show all")
        self.clear_selection.setToolTip("Clear the confusion-matrix selection")
        self.clear_selection.clicked.connect(lambda: self.show_only(None))
        self.clear_selection.hide()
        for combo in (self.filter, self.order):
            # Sized to fit a narrow dock; the popup still shows the whole names.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        choose = QHBoxLayout()
        for widget in (self.filter, self.order):
            choose.addWidget(widget, 1)
        size = QHBoxLayout()
        for widget in (QLabel("Size"), self.columns, QLabel("x"), self.rows, self.shuffle,
                       self.clear_selection):
            size.addWidget(widget)
        size.addStretch(1)
        self.view = ThumbnailView()
        self.view.capacity_changed.connect(self.refresh)
        scroll = QScrollArea()  # a grid larger than the dock scrolls, never shrinks
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.view)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        # Two lines kept: a wrapped label's height is not counted when the docks share
        # the screen, and its second line went under the dock's tab.
        self.summary.setMinimumHeight(2 * self.summary.fontMetrics().lineSpacing())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(choose)
        layout.addLayout(size)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        return scroll

    def _dataset_loaded(self, dataset) -> None:
        self.set_dataset(dataset.test_images.numpy(), dataset.test_labels.numpy(),
                         dataset.classes)

    def _weights_changed(self, weights) -> None:
        self.set_probabilities(None if weights is None else weights.probabilities)

    def set_dataset(self, images: np.ndarray, labels: np.ndarray, classes) -> None:
        """The test split to draw from (uint8 ``(N, 28, 28)``); clears predictions."""
        self.images, self.labels, self.classes = images, np.asarray(labels), tuple(classes)
        self.probabilities = None
        self.restrict = None
        self.view.selected = None  # an index into the old test split means nothing now
        blocked = self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem("All", None)
        self.filter.addItem("Mistakes only", "mistakes")
        for i, name in enumerate(self.classes):
            self.filter.addItem(f"Class: {name}", i)
        wanted = self._remembered("grid/filter")
        _select(self.filter, int(wanted) if wanted.isdigit() else wanted or None)
        self.filter.blockSignals(blocked)
        self.refresh()

    def _remembered(self, key: str) -> str:
        value = self.settings.value(key) if self.settings is not None else None
        return value if isinstance(value, str) else ""

    def _remember(self) -> None:
        if self.settings is not None:
            choice = self.filter.currentData()
            self.settings.setValue("grid/filter", "" if choice is None else str(choice))
            self.settings.setValue("grid/order", self.order.currentData() or "")

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        """The current model's probabilities for every test image (None: no model)."""
        self.probabilities = probabilities
        self.refresh()

    def show_only(self, indices: np.ndarray | None, description: str = "") -> None:
        """Restrict the grid to ``indices`` (e.g. a confusion-matrix cell); None clears."""
        self.restrict = None if indices is None else np.asarray(indices)
        self._restrict_text = description
        self.clear_selection.setVisible(indices is not None)
        self.refresh()

    def reshuffle(self) -> None:
        self.seed += 1
        self.refresh()

    def refresh(self) -> None:
        choice = self.filter.currentData()
        if self.view.asked != (self.columns.value(), self.rows.value()):
            self.view.ask(self.columns.value(), self.rows.value())
        self.shown = select_examples(
            self.labels, self.probabilities,
            subset="mistakes" if choice == "mistakes" else "all",
            order=self.order.currentData() or "random",
            count=(len(self.restrict) if self.restrict is not None
                   else self.view.columns * self.view.rows), seed=self.seed,
            class_index=choice if isinstance(choice, int) else None, indices=self.restrict,
        )
        cells = []
        for index in self.shown:
            true_name = self.classes[self.labels[index]]
            if self.probabilities is None:
                pred_text, correct = "", None
            else:
                p = self.probabilities[index]
                top = int(p.argmax())
                correct = bool(top == self.labels[index])
                pred_text = f"{'' if correct else '✗ '}{self.classes[top]} {p[top]:.0%}"
            cells.append(Cell(int(index), self.images[index], true_name, pred_text, correct))
        self.view.set_cells(cells, "" if len(self.labels) else "Loading test images…",
                            every=self.restrict is not None)
        self._update_summary()

    def _update_summary(self) -> None:
        if self.probabilities is None:
            self.summary.setText("True labels only: train a model or open weights to see "
                                 "predictions.")
            return
        wrong = int((self.probabilities.argmax(1) != self.labels).sum())
        text = (f"Top line: true label. Bottom: prediction and its probability, red when "
                f"wrong. Test set: {wrong:,} of {len(self.labels):,} wrong "
                f"({1 - wrong / max(len(self.labels), 1):.2%} accurate).")
        if self.restrict is not None:
            more = " (scroll to see them all)" if len(self.shown) > \
                self.view.columns * max(self.view.rows, 1) else ""
            text = (f"Showing all {self._restrict_text or f'{len(self.shown)} selected'}"
                    f"{more}. " + text)
        self.summary.setText(text)


def _select(combo: QComboBox, value) -> None:
    """Choose the item whose data is ``value``, if there is one (else leave it)."""
    index = combo.findData(value)
    if index >= 0 and value not in (None, ""):
        combo.setCurrentIndex(index)


def _qimage(image: np.ndarray) -> QImage:
    data = np.ascontiguousarray(image, dtype=np.uint8)
    # copy(): the QImage must own its pixels once the numpy buffer goes away.
    return QImage(data.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
