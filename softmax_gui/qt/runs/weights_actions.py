"""Weights files: File > Open weights and Export weights.

Files are read, validated and prepared in the background and only then made active in
the session; a file trained on another dataset is offered a switch. Problems go to the
window's banner through the session, so the app keeps running whatever a file holds.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QMessageBox, QWidget

from softmax_gui.active_weights import prepare
from softmax_gui.datasets_registry import DATASETS
from softmax_gui.qt.shell import file_dialogs
from softmax_gui.qt.state.session import Session

FILTERS = {
    ".safetensors": "safetensors with metadata (*.safetensors)",
    ".pt": "PyTorch state_dict (*.pt)",
    ".onnx": "ONNX: logits and probabilities (*.onnx)",
    ".npz": "NumPy W and b (*.npz)",
}


class WeightsActions(QObject):
    """Opening and exporting the session's weights from a window (``parent``)."""

    def __init__(self, session: Session, parent: QWidget, settings: QSettings):
        super().__init__(parent)
        self.session, self.parent_widget, self.settings = session, parent, settings

    # --- dialogs --------------------------------------------------------------------------

    def choose_and_open(self) -> None:
        file_dialogs.ask(self.parent_widget, self.settings, "weights", "Open weights",
                         lambda path, _: self.open(path),
                         ["Weights (*.safetensors *.pt *.onnx *.npz)", *FILTERS.values()])

    def choose_and_export(self) -> None:
        """Ask for a file name (the format follows its extension, else the filter)."""
        def chosen(path: str, name_filter: str) -> None:
            if Path(path).suffix.lower() not in FILTERS:
                path += next((s for s, f in FILTERS.items() if f == name_filter),
                             ".safetensors")
            self.export(path)

        file_dialogs.ask(self.parent_widget, self.settings, "weights", "Export weights",
                         chosen, list(FILTERS.values()), save_as="softmax-weights")

    # --- the work -------------------------------------------------------------------------

    def open(self, path: str, then=None) -> None:
        """Validate and prepare ``path`` in the background; activate it if it fits the
        loaded dataset, offer to switch if it was trained on another."""
        session, name = self.session, Path(path).name
        dataset, test_images = session.state.dataset, session.state.test_images

        def work(_task):
            from softmax_gui import weights_io

            snapshot, meta = weights_io.load_snapshot(path)
            if meta.get("dataset") in DATASETS and meta["dataset"] != dataset.name:
                return snapshot, meta, None
            if len(snapshot.classes) != len(dataset.classes):
                raise weights_io.WeightsError(
                    f"{name} predicts {len(snapshot.classes)} classes, {dataset.spec.title} "
                    f"has {len(dataset.classes)}: these weights do not fit it.")
            if meta.get("dataset") is None:  # a bare file from elsewhere that fits
                snapshot = _replace(snapshot, classes=dataset.classes, dataset=dataset.name)
            config = meta.get("config") or {}
            return snapshot, meta, prepare(snapshot, name, config, None, test_images,
                                           str(Path(path).resolve()))

        def done(result) -> None:
            snapshot, meta, weights = result
            if weights is None:
                self._ask_switch(snapshot, meta, name)
            else:
                session.activate(weights)
                session.message.emit(f"Opened {name}")
                if then is not None:
                    then()

        session.tasks.run(f"Opening {name}…", work, done, self._failed("open", name))

    def export(self, path: str) -> None:
        """Save the active weights to ``path`` (the format by its extension)."""
        from softmax_gui import weights_io

        weights, name = self.session.state.weights, Path(path).name
        args = (weights.snapshot, path, weights.config)
        done = lambda _: self.session.message.emit(  # noqa: E731
            f"Exported the weights to {path}")
        failed = self._failed("export", name)
        if Path(path).suffix.lower() == ".onnx":
            # The ONNX exporter holds the GIL for seconds: in a process of its own.
            self.session.tasks.run_in_process(f"Exporting {name}…", weights_io.save, args,
                                              done, failed)
        else:
            self.session.tasks.run(f"Exporting {name}…", lambda _task: weights_io.save(*args),
                                   done, failed)

    def _failed(self, verb: str, name: str):
        def failed(error: BaseException) -> None:
            from softmax_gui.weights_io import WeightsError

            text = str(error)
            if isinstance(error, WeightsError):
                # It names the file and says what is wrong.
                self.session.report(text if text.startswith(name) else
                                    text[:1].upper() + text[1:])
            else:  # another error: say whose
                self.session.report(f"Could not {verb} {name}: {text}")
        return failed

    def _ask_switch(self, snapshot, meta: dict, name: str) -> None:
        title = DATASETS[meta["dataset"]].title
        box = QMessageBox(QMessageBox.Icon.Question, "Different dataset",
                          f"{name} was trained on {title}, but "
                          f"{self.session.state.dataset.spec.title} is loaded. Switch to {title} "
                          "and use these weights?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.parent_widget)
        box.setObjectName("switch-dataset")

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.session.load_dataset(meta["dataset"],
                                          then=(snapshot, name, meta.get("config") or {}))

        box.finished.connect(answered)
        box.open()


def _replace(snapshot, **changes):
    import dataclasses

    return dataclasses.replace(snapshot, **changes)
