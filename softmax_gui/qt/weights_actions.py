"""File > Open weights and Export weights: the dialogs around the session's weights.

The session validates, prepares and writes in the background; a file trained on another
dataset is offered a switch here. Problems reach the window's banner through the
session, so the app keeps running whatever the file holds.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QMessageBox, QWidget

from softmax_gui.datasets_registry import DATASETS
from softmax_gui.qt import file_dialogs
from softmax_gui.qt.session import Session

FILTERS = {
    ".safetensors": "safetensors with metadata (*.safetensors)",
    ".pt": "PyTorch state_dict (*.pt)",
    ".onnx": "ONNX: logits and probabilities (*.onnx)",
    ".npz": "NumPy W and b (*.npz)",
}


class WeightsActions(QObject):
    """Opening and exporting the active weights from a window (``parent``)."""

    def __init__(self, session: Session, parent: QWidget, settings: QSettings):
        super().__init__(parent)
        self.session, self.parent_widget, self.settings = session, parent, settings
        session.switch_offered.connect(self._ask_switch)

    def choose_and_open(self) -> None:
        file_dialogs.ask(self.parent_widget, self.settings, "weights", "Open weights",
                         lambda path, _: self.session.open_weights(path),
                         ["Weights (*.safetensors *.pt *.onnx *.npz)", *FILTERS.values()])

    def export(self) -> None:
        """Ask for a file name (the format follows its extension, else the filter)."""

        def chosen(path: str, name_filter: str) -> None:
            if Path(path).suffix.lower() not in FILTERS:
                path += next((s for s, f in FILTERS.items() if f == name_filter),
                             ".safetensors")
            self.session.export_weights(path)

        file_dialogs.ask(self.parent_widget, self.settings, "weights", "Export weights",
                         chosen, list(FILTERS.values()), save_as="softmax-weights")

    def _ask_switch(self, snapshot, meta: dict, name: str) -> None:
        title = DATASETS[meta["dataset"]].title
        box = QMessageBox(QMessageBox.Icon.Question, "Different dataset",
                          f"{name} was trained on {title}, but "
                          f"{self.session.dataset.spec.title} is loaded. Switch to {title} "
                          "and use these weights?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.parent_widget)
        box.setObjectName("switch-dataset")

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.session.switch_and_activate(snapshot, meta, name)

        box.finished.connect(answered)
        box.open()
