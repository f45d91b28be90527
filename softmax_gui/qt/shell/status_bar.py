"""The status bar: what is busy, which weights are active, the data, the device, speed."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from softmax_gui.qt.shell import theme
from softmax_gui.qt.state.session import Session

SOURCE_KINDS = {"folder": "your folder", "cache": "user cache", "system": "system copy",
                "download": "downloaded", "sample": "BUNDLED SAMPLE", "yours": "made here"}


class SessionStatusBar(QStatusBar):
    """Shows the session's passing messages and, permanently, its state."""

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.busy = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: long work of unknown length
        self.busy_bar.setMaximumWidth(90)
        self.busy_bar.setMaximumHeight(14)
        self.weights = QLabel("Weights: none")
        self.source = QLabel("Loading data…")
        self.device = QLabel()
        self.speed = QLabel()
        for widget in (self.busy, self.busy_bar, self.weights, self.source, self.device,
                       self.speed):
            self.addPermanentWidget(widget)
        self._set_busy("Loading PyTorch…")
        # A passing message needs the width: the data, device and speed labels step
        # aside while it shows (their tooltips and the window keep that information).
        self.messageChanged.connect(self._make_room)
        session.tasks.busy_changed.connect(self._set_busy)
        session.message.connect(lambda text: self.showMessage(text, 10000))
        session.state.events.dataset.connect(self._dataset_changed)
        session.state.events.weights.connect(self._weights_changed)
        session.runs.engine_started.connect(
            lambda event: self.device.setText(f"Device: {event.device_name}"))
        session.runs.epoch_ended.connect(self._epoch_ended)

    def _make_room(self, message: str) -> None:
        for label in (self.source, self.device, self.speed):
            label.setVisible(not message)

    def _set_busy(self, text: str) -> None:
        self.busy.setText(text)
        self.busy.setVisible(bool(text))
        self.busy_bar.setVisible(bool(text))

    def _dataset_changed(self, dataset) -> None:
        source = dataset.source
        self.source.setText(f"{dataset.spec.title} ({SOURCE_KINDS[source.kind]})")
        self.source.setStyleSheet(theme.error_css() + "; font-weight:bold"
                                  if source.is_sample else "")
        self.source.setToolTip(
            ("The full dataset was not found: training uses the 6,000/1,000-image sample "
             "bundled with the app. Choose a folder (File menu) or install the dataset."
             if source.is_sample else dataset.describe()) + f"\n{source.path}")

    def _weights_changed(self, weights) -> None:
        if weights is None:
            self.weights.setText("Weights: none (train a model or open weights)")
            self.weights.setToolTip("")
            return
        snapshot = weights.snapshot
        labels = self.session.state.dataset.test_labels.numpy()
        self.weights.setText(f"Weights: {weights.label}, {weights.accuracy(labels):.1%}")
        self.weights.setToolTip(
            f"Active weights: {weights.label}\nmodel {snapshot.model}, dataset "
            f"{snapshot.dataset}\nThe grid, the canvas and the insight tabs use them.")

    def _epoch_ended(self, history, event) -> None:
        self.speed.setText(f"{event.samples_per_s:,.0f} samples/s")
        self.showMessage(f"Run #{history.number}, epoch {event.epoch}/{event.epochs}: test "
                         f"accuracy {event.test_acc:.2%}, train loss {event.train_loss:.3f}",
                         5000)
