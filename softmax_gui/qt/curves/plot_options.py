"""The reader's choices for the Curves tab: how much the batch loss is smoothed, and a
logarithmic loss axis; both remembered across launches (QSettings ``plots/``).

A run of a few epochs has thousands of batches whose losses jump with each minibatch;
the smoothed line is what one reads, and how smooth it should be depends on the run
(TensorBoard has the same slider). A log axis shows the late, small improvements that a
linear one flattens against the first epoch's fall.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QWidget

SMOOTHING = 0.9  # until the reader chooses another
MAX_SMOOTHING = 0.99  # at 1 the average would never move


class Smoother:
    """TensorBoard's smoothing, fed the batches as they come: an exponential moving
    average started at 0 and divided by ``1 - smoothing ** t``, so that it follows a loss
    that falls fast in the first batches instead of lagging above it. At 0 it is the
    losses themselves."""

    def __init__(self, smoothing: float):
        self.smoothing = smoothing
        self.average = 0.0  # before the division
        self.values: list[float] = []

    def extend(self, losses) -> None:
        s = self.smoothing
        for loss in losses:
            self.average = s * self.average + (1 - s) * float(loss)
            self.values.append(self.average / (1 - s ** (len(self.values) + 1)))


class PlotOptions(QWidget):
    """The smoothing slider and the log-axis box, as last chosen in ``settings``
    (nothing remembered when it is None)."""

    smoothing_changed = Signal(float)
    log_changed = Signal(bool)

    def __init__(self, settings=None, parent=None):
        super().__init__(parent)
        self.settings = settings
        try:
            self.smoothing = min(max(float(self._remembered("smoothing", SMOOTHING)), 0.0),
                                 MAX_SMOOTHING)
        except (TypeError, ValueError):  # a settings file edited by hand
            self.smoothing = SMOOTHING
        tip = ("Smoothing of the batch loss's line, as in TensorBoard: 0 draws every "
               "batch, 0.99 averages over the last hundred or so")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round(MAX_SMOOTHING * 100))
        self.slider.setValue(round(self.smoothing * 100))
        self.slider.setMinimumWidth(60)
        self.slider.setAccessibleName("Smoothing")
        self.slider.setToolTip(tip)
        self.label = QLabel(self._text())
        self.label.setToolTip(tip)
        self.label.setBuddy(self.slider)
        self.slider.valueChanged.connect(self._moved)
        self.log_box = QCheckBox("Log loss axis")
        self.log_box.setToolTip("A logarithmic loss axis: the late, small improvements "
                                "show as clearly as the first ones")
        self.log_box.setChecked(str(self._remembered("log_loss", False)).lower() == "true")
        self.log_box.toggled.connect(self._log_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 1)
        layout.addSpacing(8)
        layout.addWidget(self.log_box)

    def _remembered(self, key: str, default):
        return default if self.settings is None else self.settings.value(f"plots/{key}",
                                                                         default)

    def _text(self) -> str:
        return f"Smoothing {self.smoothing:.2f}"

    def _moved(self, value: int) -> None:
        self.smoothing = value / 100
        self.label.setText(self._text())
        if self.settings is not None:
            self.settings.setValue("plots/smoothing", self.smoothing)
        self.smoothing_changed.emit(self.smoothing)

    def _log_toggled(self, on: bool) -> None:
        if self.settings is not None:
            self.settings.setValue("plots/log_loss", on)
        self.log_changed.emit(on)
