"""The Draw dock's temperature control: T of ``softmax(o / T)``, from 0.1 to 10.

The slider is logarithmic (T = 10 ** ((value - 100) / 100)), so its positions near 1
are 1.02 or 0.98 apart: a hand dragging it back could not find T = 1 again, the
temperature the model was trained at. A drag that comes within a few steps of it snaps
to it, and a double-click on the slider or the "T=1" button puts it back exactly.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

ONE = 100  # the slider's value for T = 1
SNAP = 3  # a drag within this many steps of T = 1 (T from 0.93 to 1.07) snaps to it


def temperature_of(value: int) -> float:
    """T at slider position ``value``: exactly 1.0 at ``ONE``."""
    return 10 ** ((value - ONE) / 100)


def label_of(temperature: float) -> str:
    """"T = 1" when T is exactly 1 (the model's own softmax), else two decimals."""
    return "T = 1" if temperature == 1 else f"T = {temperature:.2f}"


class TemperatureSlider(QSlider):
    """A horizontal slider that a double-click puts back at T = 1."""

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self.setValue(ONE)
            event.accept()
        else:
            super().mouseDoubleClickEvent(event)


class TemperatureRow(QWidget):
    """The T label, the slider and the reset button. ``chosen`` carries the T the user
    set; :meth:`show_temperature` shows one set elsewhere (the session's)."""

    chosen = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.slider = TemperatureSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 200)
        self.slider.setValue(ONE)
        self.slider.setMinimumWidth(40)
        self.slider.setAccessibleName("Temperature")
        self.slider.setToolTip("Temperature T of softmax(o / T): below 1 sharpens the "
                               "distribution, above 1 flattens it; the prediction (the "
                               "largest logit) never changes. Double-click for T = 1")
        self.label = QLabel(label_of(1.0))
        # As wide as its widest text: the slider does not move as the figures change.
        self.label.setMinimumWidth(QFontMetrics(self.label.font()).horizontalAdvance(
            label_of(10.0)) + 2)
        self.reset = QToolButton()
        self.reset.setText("T=1")
        self.reset.setObjectName("draw-t-reset")
        self.reset.setToolTip("Back to T = 1, the softmax the model was trained with "
                              "(also: double-click the slider)")
        self.reset.clicked.connect(lambda: self.slider.setValue(ONE))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.reset)
        self.slider.valueChanged.connect(self._moved)

    def _moved(self, value: int) -> None:
        if self.slider.isSliderDown() and value != ONE and abs(value - ONE) <= SNAP:
            self.slider.setValue(ONE)  # comes back here with ONE
            return
        temperature = temperature_of(value)
        self.label.setText(label_of(temperature))
        self.chosen.emit(temperature)

    def show_temperature(self, temperature: float) -> None:
        """Show ``temperature`` without announcing it."""
        self.label.setText(label_of(temperature))
        blocked = self.slider.blockSignals(True)
        self.slider.setValue(round(ONE + 100 * math.log10(temperature)))
        self.slider.blockSignals(blocked)
