"""File > Open weights / Export weights, and the bundled default model.

Opening validates everything before the current weights are touched; a file trained on
another dataset offers to switch. Messages appear in a non-blocking dialog and in the
window's banner, so the app keeps running whatever the file holds.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from softmax_gui.datasets_registry import DATASETS, RESOURCES
from softmax_gui.events import WeightSnapshot

DEFAULT_WEIGHTS = RESOURCES / "weights" / "fashion-mnist-softmax.safetensors"
FILTERS = {
    ".safetensors": "safetensors with metadata (*.safetensors)",
    ".pt": "PyTorch state_dict (*.pt)",
    ".onnx": "ONNX: logits and probabilities (*.onnx)",
    ".npz": "NumPy W and b (*.npz)",
}


class WeightsActions(QObject):
    """Opening, exporting and labelling the window's active weights."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.config: dict = {}  # training config of the active weights, for export metadata

    def load_default(self) -> bool:
        """Load the bundled Fashion-MNIST softmax regression, if it fits the dataset."""
        if DEFAULT_WEIGHTS.is_file() and self.window.dataset.name == "fashion-mnist":
            return self.open(DEFAULT_WEIGHTS, label="bundled default", ask=False)
        return False

    def choose_and_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open weights", "", "Weights (*.safetensors *.pt *.onnx *.npz);;"
            + ";;".join(FILTERS.values()))
        if path:
            self.open(path)

    def open(self, path, label: str | None = None, ask: bool = True) -> bool:
        """Validate and activate the weights in ``path``; False (with a message) if unusable."""
        from softmax_gui import weights_io  # needs torch, which loads after the window shows

        window = self.window
        try:
            snapshot, meta = weights_io.load_snapshot(path)
        except weights_io.WeightsError as exc:
            self._error(f"Could not open the weights: {exc}")
            return False
        name = label or Path(path).name
        dataset = meta.get("dataset")
        current = window.dataset
        if dataset in DATASETS and dataset != current.name:
            if not ask:
                return False
            self._ask_switch(snapshot, meta, name)
            return False
        if len(snapshot.classes) != len(current.classes):
            self._error(f"{name} predicts {len(snapshot.classes)} classes, {current.spec.title} "
                        f"has {len(current.classes)}: these weights do not fit it.")
            return False
        if dataset is None:
            # A bare file from elsewhere: it fits, so use the dataset's class names.
            snapshot = _with(snapshot, classes=current.classes, dataset=current.name)
        self.activate(snapshot, name, meta.get("config") or {})
        return True

    def _ask_switch(self, snapshot: WeightSnapshot, meta: dict, name: str) -> None:
        title = DATASETS[meta["dataset"]].title
        box = QMessageBox(QMessageBox.Icon.Question, "Different dataset",
                          f"{name} was trained on {title}, but {self.window.dataset.spec.title} "
                          f"is loaded. Switch to {title} and use these weights?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.window)
        box.setObjectName("switch-dataset")

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes and self.window.load_dataset(
                    meta["dataset"]):
                self.window.panel.set_config(
                    self.window.panel.config().replace(dataset=meta["dataset"]))
                self.activate(snapshot, name, meta.get("config") or {})

        box.finished.connect(answered)
        box.open()

    def activate(self, snapshot: WeightSnapshot, label: str, config: dict) -> None:
        self.config = config
        self.window.set_snapshot(snapshot)
        self.set_label(label, snapshot)

    def set_label(self, label: str, snapshot: WeightSnapshot) -> None:
        accuracy = f", {snapshot.test_acc:.1%}" if snapshot.test_acc else ""
        self.window.weights_label.setText(f"Weights: {label}{accuracy}")
        self.window.weights_label.setToolTip(
            f"Active weights: {label}\nmodel {snapshot.model}, dataset {snapshot.dataset}, "
            f"test accuracy {snapshot.test_acc or 0:.2%}\nThe grid and the canvas use them.")

    def export(self) -> None:
        """Ask for a file name (the format follows the filter or extension) and save."""
        window = self.window
        if window.snapshot is None:
            self._error("There are no weights to export yet: train a model or open weights.")
            return
        path, chosen = QFileDialog.getSaveFileName(
            window, "Export weights", "softmax-weights.safetensors", ";;".join(FILTERS.values()))
        if not path:
            return
        suffix = Path(path).suffix.lower()
        if suffix not in FILTERS:
            suffix = next(s for s, f in FILTERS.items() if f == chosen)
            path += suffix
        self.save(path)

    def save(self, path) -> bool:
        from softmax_gui import weights_io  # needs torch, which loads after the window shows

        try:
            weights_io.save(self.window.snapshot, path, self.config)
        except weights_io.WeightsError as exc:
            self._error(str(exc))
            return False
        self.window.statusBar().showMessage(f"Exported the weights to {path}", 8000)
        return True

    def _error(self, message: str) -> None:
        self.window.show_error(message)
        box = QMessageBox(QMessageBox.Icon.Warning, "Softmax Studio", message,
                          QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("weights-error")
        box.open()  # non-blocking: nothing waits on it


def _with(snapshot: WeightSnapshot, **changes) -> WeightSnapshot:
    import dataclasses

    return dataclasses.replace(snapshot, **changes)
