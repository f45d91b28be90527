"""File > Import image folder…: a folder of one subfolder per class made into a dataset
(``softmax_gui/user_datasets.py``), with a preview of each class as the model will see
it, progress and Cancel; the new dataset goes into the Dataset combo, and *Use it* loads
it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.qt.shell import file_dialogs
from softmax_gui.user_datasets import NAME

THUMB = 42  # pixels a side of a 28x28 input in the preview
SHOWN = 6  # images shown per class


def thumbnail(image: np.ndarray) -> QPixmap:
    """A 28x28 model input as a small picture (bright ink on black, as the model sees)."""
    data = np.ascontiguousarray(image, np.uint8)
    picture = QImage(data.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(picture).scaled(THUMB, THUMB)


class ImportDialog(QDialog):
    """Chooses the folder, names the dataset, previews it, imports it in a task."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import an image folder")
        self.setObjectName("import-images")
        self.session = session
        self._task = None
        self.made: str | None = None  # the dataset the last import made
        self._guessed = ""  # the name taken from the folder's (followed until typed over)
        form = self._build_fields()
        self.preview = QWidget()
        self.preview_area = QScrollArea()
        self.preview_area.setWidgetResizable(True)
        self.preview_area.setWidget(self.preview)
        self.preview_area.setMinimumHeight(THUMB * 3 + 40)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.status = QLabel("Choose a folder: each of its subfolders is a class.")
        self.status.setWordWrap(True)
        self.import_button = QPushButton("Import")
        self.cancel_button = QPushButton("Cancel import")
        self.use_button = QPushButton("Use it")
        self.use_button.setToolTip("Load the new dataset in the window to train on it")
        close = QPushButton("Close")
        self.import_button.clicked.connect(self._import)
        self.cancel_button.clicked.connect(self._cancel)
        self.use_button.clicked.connect(self._use)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.import_button, self.cancel_button, self.use_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Each class as the model will see it:"))
        layout.addWidget(self.preview_area, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(560, 520)
        self._sync()

    def _build_fields(self) -> QFormLayout:
        """The folder, the dataset's name, the recipe, joining, the test share, the seed."""
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Image folder")
        self.folder.setPlaceholderText("a folder with one subfolder per class")
        self.folder.editingFinished.connect(self._folder_changed)
        self.choose = QPushButton("Choose…")
        self.choose.setToolTip("Choose the folder (one subfolder of images per class)")
        self.choose.clicked.connect(self._choose)
        self.name = QLineEdit()
        self.name.setAccessibleName("Dataset name")
        self.name.setToolTip("Lower-case letters, digits, - and _: the Dataset combo and "
                             "train --dataset NAME use it")
        self.recipe = QComboBox()
        self.recipe.addItem("Fashion-MNIST (trim, fit, centre)", "fashion-mnist")
        self.recipe.addItem("MNIST (20x20 box, centre of mass)", "mnist")
        self.recipe.setToolTip("How each image becomes the 28x28 input, as the canvas does")
        self.recipe.currentIndexChanged.connect(self._folder_changed)
        self.join = QCheckBox("Add them to Fashion-MNIST's ten classes")
        self.join.setToolTip("Train on Fashion-MNIST and your classes together (a folder "
                             "named like one of its classes adds to that class)")
        self.test_share = QDoubleSpinBox()
        self.test_share.setRange(0.05, 0.5)
        self.test_share.setSingleStep(0.05)
        self.test_share.setValue(0.2)
        self.test_share.setToolTip("The share of each class kept aside to test on")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Which images go to the test set (the same seed, the same split)")
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose)
        form.addRow("Folder", row)
        form.addRow("Name", self.name)
        form.addRow("Recipe", self.recipe)
        form.addRow("", self.join)
        form.addRow("Test share", self.test_share)
        form.addRow("Seed", self.seed)
        return form

    # --- choosing and previewing ----------------------------------------------------------

    def _choose(self) -> None:
        def chosen(folder: str, _filter: str) -> None:
            self.folder.setText(folder)
            self._folder_changed()

        file_dialogs.ask(self, self.session.settings, "images", "Folder of class folders",
                         chosen, folder=True)

    def _folder_changed(self) -> None:
        from softmax_gui.user_datasets import preview

        source = self.folder.text().strip()
        if not source:
            return
        # Another folder: nothing of the last import stays (Use it would load that one).
        self.made = None
        self.progress.setValue(0)
        if not self.name.text() or self.name.text() == self._guessed:
            guess = "".join(c if c.isalnum() or c in "-_" else "-"
                            for c in Path(source).name.lower()).strip("-_")[:40]
            self._guessed = guess if NAME.match(guess) else "my-images"
            self.name.setText(self._guessed)
        recipe = self.recipe.currentData()
        self.status.setText("Reading a few images of each class…")
        self.session.tasks.run("Previewing the folder…",
                               lambda _task: preview(source, recipe, SHOWN),
                               self._show_preview, self._failed, latest="import-preview")

    def _show_preview(self, classes: list) -> None:
        grid = QGridLayout()
        for row, (name, count, images) in enumerate(classes):
            label = QLabel(f"{name}\n{count:,} file{'s' if count != 1 else ''}")
            label.setToolTip(name)
            grid.addWidget(label, row, 0)
            for column, image in enumerate(images, start=1):
                picture = QLabel()
                picture.setPixmap(thumbnail(image))
                grid.addWidget(picture, row, column)
        grid.setColumnStretch(SHOWN + 1, 1)
        self.preview = QWidget()
        self.preview.setLayout(grid)
        self.preview_area.setWidget(self.preview)
        total = sum(count for _name, count, _images in classes)
        self.status.setText(f"{len(classes)} classes, {total:,} files. Import makes the "
                            "dataset; files that are not images are skipped and named.")
        self._sync()

    # --- importing ------------------------------------------------------------------------

    def _import(self) -> None:
        from softmax_gui.user_datasets import exists

        name = self.name.text().strip()
        if not exists(name):
            self._start_import()
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Replace a dataset",
                          f"A dataset called {name} exists already. Replace it with this "
                          "folder's images? (Runs trained on it keep their weights, which "
                          "will not load on the new one if its classes differ.)",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self)
        box.setObjectName("replace-dataset")
        box.finished.connect(lambda answer: answer == QMessageBox.StandardButton.Yes
                             and self._start_import())
        box.open()

    def _start_import(self) -> None:
        from softmax_gui.user_datasets import import_folder

        source, name = self.folder.text().strip(), self.name.text().strip()
        recipe = self.recipe.currentData()
        joined = "fashion-mnist" if self.join.isChecked() else None
        share, seed = self.test_share.value(), self.seed.value()

        def work(task):
            return import_folder(source, name, recipe, joined, share, seed,
                                 task.set_progress, lambda: task.cancelled)

        self.progress.setValue(0)
        self.status.setText("Importing…")
        self._task = self.session.tasks.run(f"Importing {Path(source).name}…", work,
                                            self._imported, self._failed,
                                            progress=self._progressed)
        self._sync()

    def _progressed(self, done: float, total: float) -> None:
        self.progress.setRange(0, int(total))
        self.progress.setValue(int(done))

    def _imported(self, made) -> None:
        self._task, self.made = None, made.name
        skipped = f" {len(made.skipped)} file(s) skipped: " + "; ".join(made.skipped[:3]) + \
            (" …" if len(made.skipped) > 3 else "") + "." if made.skipped else ""
        seen = (f" {made.duplicates} test image(s) are exactly a train image after the "
                "recipe.") if made.duplicates else ""
        swamped = f" Note: {made.swamped}." if made.swamped else ""
        self.status.setText(f"Made {made.summary().removeprefix('dataset ')}.{skipped}"
                            f"{seen}{swamped} It is in the Dataset combo.")
        self.session.datasets_changed.emit()
        self._sync()

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self.status.setText(str(error) if isinstance(error, ValueError) else
                            f"The folder cannot be imported: {error}")
        self._sync()

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status.setText("Cancelling…")

    def _use(self) -> None:
        if self.made is not None:
            self.session.load_dataset(self.made)
            self.close()

    def _sync(self) -> None:
        running = self._task is not None
        self.import_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.use_button.setEnabled(self.made is not None and not running)
        for widget in (self.folder, self.choose, self.name, self.recipe, self.join,
                       self.test_share, self.seed):
            widget.setEnabled(not running)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._cancel()  # nothing half-written: the import writes at its end, or not at all
        super().closeEvent(event)



class ImportImages(QObject):
    """The window's File > Import image folder…: one dialog, made when first asked and
    kept (its folder and name stay filled in)."""

    def __init__(self, session, window):
        super().__init__(window)
        self.session, self.window = session, window
        self.dialog: ImportDialog | None = None

    def show(self) -> None:
        if self.dialog is None:
            self.dialog = ImportDialog(self.session, self.window)
        self.dialog.show()
        self.dialog.raise_()
