"""The softmax laid open: every step from logits to cross-entropy for one image."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import information as info
from softmax_gui.evaluation import naive_softmax_np, softmax_steps
from softmax_gui.qt.state.when_shown import WhenShown

SCALE = 100.0  # large enough that some logits pass float32's exp limit (~88.7)


def figure(value: float) -> str:
    """Four decimals, with no "-0.0000": an entropy or a KL rounded below zero."""
    return f"{0.0 if abs(value) < 5e-5 else value:.4f}"


def fmt(value: float) -> str:
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.3g}"


class SoftmaxStepsView(QWidget):
    """A table of ``o``, ``o - max o``, ``exp``, ``p``, one-hot ``y``; CE below."""

    COLUMNS = ["o", "o−max", "exp", "p", "y"]
    LEGEND = "o: logit · o−max: shifted · exp: exp(o − max o) · p: exp / Σ exp · y: target label"
    NAIVE = ["naive exp", "naive p"]
    TIPS = {"o": "the logit o = Wx + b", "o/T": "the logit divided by the temperature T "
            "(the canvas's T slider); the softmax below is of o/T",
            "o−max": "o − max(o): the largest becomes 0",
            "o/T−max": "o/T − max(o/T): the largest becomes 0",
            "exp": "exp(o − max o): at most 1, so it cannot overflow",
            "p": "p = exp / Σ exp: the softmax probability",
            "y": "the target: the one-hot label (1 for the true class), smoothed by ε "
                 "when the label smoothing below is on",
            "naive exp": "exp(o) without the shift: overflows above ~88.7 (float32)",
            "naive p": "exp(o) / Σ exp(o): inf / inf = NaN after an overflow"}

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.state = session.state
        self.title = QLabel("Click a test image in the grid, or draw on the canvas.")
        self.legend = QLabel(self.LEGEND)
        self.legend.setWordWrap(True)
        self.title.setWordWrap(True)
        self.large = QCheckBox(f"Logits ×{SCALE:g}: naive vs stable softmax")
        self.large.setToolTip("exp overflows float32 above ~88.7: the naive exp(o) / Σ exp(o) "
                              "turns into inf / inf = NaN, while subtracting max(o) first "
                              "gives the same probabilities without overflow.")
        self.large.toggled.connect(self._draw)
        self.table = QTableWidget(0, len(self.COLUMNS))
        # Each column as wide as its figures (never "3...."); a narrow tab scrolls.
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        for widget in (self.title, self.legend, self.large):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(self._information_section())
        self.logits = None
        self._title = ""
        self.label: int | None = None
        self.classes: tuple[str, ...] = ()
        self.tempered = False  # whether the example is the canvas's (its T applies)
        # Named columns from the start, not Qt's "1 2 3 4 5".
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        # The canvas brings an example on every stroke: the table is rebuilt when seen.
        self._when_shown = WhenShown(self, self._draw)
        self.state.events.example.connect(self._examine)
        self.state.events.temperature.connect(self._when_shown.request)

    @property
    def temperature(self) -> float:
        return self.state.temperature

    def _examine(self, example) -> None:
        if example is None:
            self._show_nothing()
        else:
            self.set_example(example.logits, example.label, self.state.class_names(),
                             example.title, tempered=example.on_canvas)

    INFORMATION_ROWS = ("H(p): entropy", "H(y, p): cross-entropy", "H(y): of the target",
                        "KL(y ‖ p)")

    def _information_section(self) -> QVBoxLayout:
        """Entropy, cross-entropy and KL of this prediction, in nats and bits."""
        self.smoothing = QDoubleSpinBox()
        self.smoothing.setRange(0.0, 0.5)
        self.smoothing.setSingleStep(0.05)
        self.smoothing.setPrefix("label smoothing ε = ")
        self.smoothing.setToolTip("The target y = (1 − ε) one-hot + ε / K: with ε > 0, "
                                  "H(y) > 0 and H(y, p) = H(y) + KL(y ‖ p) has three terms")
        self.smoothing.setAccessibleName("Label smoothing")
        self.smoothing.valueChanged.connect(self._draw)
        self.information = QTableWidget(len(self.INFORMATION_ROWS), 2)
        self.information.setAccessibleName("Entropy, cross-entropy and KL divergence")
        self.information.setHorizontalHeaderLabels(["nats", "bits"])
        self.information.setVerticalHeaderLabels(list(self.INFORMATION_ROWS))
        self.information.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        self.information.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows = self.information.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        height = (self.information.horizontalHeader().sizeHint().height()
                  + len(self.INFORMATION_ROWS) * rows.defaultSectionSize()
                  + 2 * self.information.frameWidth())
        self.information.setFixedHeight(height)
        self.identity = QLabel()
        self.identity.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Information:"))
        top.addWidget(self.smoothing)
        top.addStretch(1)
        section = QVBoxLayout()
        section.addLayout(top)
        section.addWidget(self.information)
        section.addWidget(self.identity)
        return section

    def _draw_information(self, o: np.ndarray) -> None:
        eps = self.smoothing.value()
        y = None if self.label is None else info.target(self.label, len(o), eps)
        values = info.information(o, y)
        figures = (values.entropy, values.cross_entropy, values.target_entropy, values.kl)
        for row, nats in enumerate(figures):
            for col, value in enumerate((nats, None if nats is None else info.bits(nats))):
                self.information.setItem(row, col, QTableWidgetItem(
                    "—" if value is None else figure(value)))
        if values.cross_entropy is None:
            self.identity.setText("No true class (a drawing): only the entropy of the "
                                  "prediction. Send a test image to the canvas for the rest.")
            return
        ok = "✓" if abs(values.identity_gap) < 1e-9 else "✗"
        target = (f"y smoothed with ε = {eps:.2f} (the y column)" if eps else
                  "y one-hot: H(y) = 0 and the cross-entropy is the KL divergence")
        self.identity.setText(
            f"H(y, p) = H(y) + KL(y ‖ p): {figure(values.cross_entropy)} = "
            f"{figure(values.target_entropy)} + {figure(values.kl)} {ok} (gap "
            f"{abs(values.identity_gap):.0e}); {target}. 1 bit = ln 2 nats.")

    def _show_nothing(self) -> None:
        """Nothing is examined (the canvas was cleared, another dataset loaded)."""
        if self.logits is not None:
            self.logits = None
            self.title.setText("Click a test image in the grid, or draw on the canvas.")
            self.table.setRowCount(0)
            self.summary.setText("")
            self.information.clearContents()
            self.identity.setText("")

    def set_example(self, logits: np.ndarray, label: int | None, classes, title: str,
                    tempered: bool = False) -> None:
        """Show the steps for ``logits`` (true class ``label``, None when unknown); with
        ``tempered``, at the canvas's temperature, as its bars show them."""
        self.logits, self.label, self.classes = np.asarray(logits), label, tuple(classes)
        self.tempered = tempered
        self._title = title
        self._when_shown.request()

    def _draw(self) -> None:
        if self.logits is None:
            return
        self.title.setText(self._title)
        large = self.large.isChecked()
        o = self.logits * (SCALE if large else 1.0)
        t = self.temperature if self.tempered else 1.0
        tempered = t != 1.0
        self.legend.setText(("o: logit · o/T: divided by the temperature · o/T−max: "
                             "shifted · exp: exp(o/T − max) · p: exp / Σ exp · y: target "
                             "label") if tempered else self.LEGEND)
        steps = softmax_steps(o / t, self.label)
        columns = [o, *([o / t] if tempered else []), steps["shifted"], steps["exp"],
                   steps["p"]]
        headers = (["o", "o/T", "o/T−max"] if tempered else ["o", "o−max"]) + ["exp", "p"]
        if self.label is not None:
            # The target of the information table below: one-hot, or smoothed.
            columns.append(info.target(self.label, len(o), self.smoothing.value()))
            headers.append(self.COLUMNS[4])
        if large:
            columns.extend(naive_softmax_np(o / t))
            headers.extend(self.NAIVE)
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        for col, header in enumerate(headers):
            self.table.horizontalHeaderItem(col).setToolTip(self.TIPS[header])
        self.table.setRowCount(len(o))
        self.table.setVerticalHeaderLabels(list(self.classes))
        top = int(np.argmax(steps["p"]))
        for row in range(len(o)):
            for col, values in enumerate(columns):
                item = QTableWidgetItem(fmt(float(values[row])))
                if not np.isfinite(values[row]):
                    item.setForeground(QColor("#d62728"))
                if row == top:  # a light row in either theme: its text stays dark
                    item.setBackground(QColor("#fde2e1"))
                    item.setForeground(QColor("#b00020" if not np.isfinite(values[row])
                                              else "#111111"))
                self.table.setItem(row, col, item)
        shift = "o/T − max(o/T)" if tempered else "o − max o"
        text = f"Σ exp({shift}) = {fmt(steps['total'])}."
        if tempered:
            text = (f"Temperature T = {t:.2f}: p = softmax(o / T), as in the canvas bars "
                    "(the model was trained at T = 1). ") + text
        if self.label is not None:
            name = self.classes[self.label]
            text += (f" True class: {name}. Cross-entropy with the one-hot label, "
                     f"−log p[{name}] = {steps['ce_nats']:.4f} nats = "
                     f"{steps['ce_bits']:.4f} bits (the surprisal of the truth under the "
                     "model).")
        if large:
            text += " Naive: red infinities and NaNs; stable: the same steps, all finite."
        self.summary.setText(text)
        self._draw_information(o / t)
