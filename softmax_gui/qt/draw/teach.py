"""Teach the model a class by drawing (the Draw dock's *Teach…*): the drawing kept as
an example of a class the person names (``softmax_gui/drawn_classes.py``), the examples
shown and pruned in *My classes…*, and *Train with my classes*: a dataset of the loaded
one plus the drawn classes, loaded, and a run of the panel's settings trained on it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from softmax_gui import drawn_classes
from softmax_gui.qt.own_data.import_dialog import thumbnail

TAUGHT = "{base}-and-mine"  # the dataset Train with my classes makes from {base}


class TeachButton(QPushButton):
    """*Teach…* under the canvas: opens *My classes*, where the drawing is kept as an
    example of a class the person names. ``drawing()`` gives the canvas's model input
    (28x28 uint8) and its strokes, None when blank."""

    def __init__(self, session, drawing, clear, parent=None):
        super().__init__("Teach…", parent)
        self.clear = clear  # the canvas, emptied for the next drawing once one is kept
        self.setToolTip("Keep this drawing as an example of a class you name (a new one "
                        "or the dataset's), and train with your classes")
        self.session, self.drawing = session, drawing
        self.dialog: MyClasses | None = None
        self.examples: list = []
        # Read once the window is up: a file that cannot be read is said in its banner.
        session.ready.connect(self._read)
        self.clicked.connect(self.show_classes)

    def _read(self) -> None:
        try:
            self.examples = drawn_classes.load()
        except drawn_classes.DrawnError as error:
            self.examples = []
            try:  # kept aside, not written over by the next drawing added
                aside = f"; it was moved to {drawn_classes.set_aside()}"
            except OSError:
                aside = ""
            self.session.report(f"Your drawn examples could not be read: {error}{aside}. "
                                "A new list of drawings begins.")

    def keep(self, examples: list) -> bool:
        """Save ``examples`` (what was there stays if the disk refuses)."""
        try:
            drawn_classes.save(examples)
        except OSError as error:
            from softmax_gui.safe_files import reason

            self.session.report(f"Your drawings could not be kept: {reason(error)}")
            return False
        self.examples = examples
        if self.dialog is not None:
            self.dialog.fill()
        return True

    def show_classes(self) -> None:
        if self.dialog is None:
            self.dialog = MyClasses(self, self.window())
        self.dialog.fill()
        self.dialog.show()
        self.dialog.raise_()


class MyClasses(QDialog):
    """The drawing on the canvas added to a named class; the drawn examples as
    thumbnails under their class; Delete, Rename class…, and Train with my classes."""

    def __init__(self, row: TeachButton, parent=None):
        super().__init__(parent)
        self.setWindowTitle("My classes")
        self.setObjectName("my-classes")
        self.row, self.session = row, row.session
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.setAccessibleName("Class to teach")
        self.name.lineEdit().setAccessibleName("Class to teach")
        self.name.lineEdit().setPlaceholderText("a class name")
        self.name.setToolTip("The class the drawing on the canvas is an example of: one "
                             "of the dataset's, or a new one you name")
        self.add = QPushButton("Add drawing")
        self.add.setToolTip("Keep the drawing on the canvas as an example of this class")
        self.add.clicked.connect(self.add_drawing)
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(56, 56))
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setAccessibleName("Drawn examples")
        QShortcut(QKeySequence.StandardKey.Delete, self.list, self.delete)
        self.said = QLabel()
        self.said.setWordWrap(True)
        delete = QPushButton("Delete")
        delete.setToolTip("Forget the selected drawings (Del)")
        delete.clicked.connect(self.delete)
        rename = QPushButton("Rename class…")
        rename.setToolTip("Give the selected drawing's class another name")
        rename.clicked.connect(self.rename)
        self.train = QPushButton("Train with my classes")
        self.train.setToolTip("Train on the loaded dataset plus your classes (each drawn "
                              "class augmented to as many images as a dataset class)")
        self.train.clicked.connect(self.train_with_mine)
        self.grow = QCheckBox("From the active weights")
        self.grow.setToolTip("Start from the weights in use, a new row of W for each new "
                             "class (softmax regression), instead of fresh weights")
        buttons = QHBoxLayout()
        for button in (delete, rename):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.grow)
        buttons.addWidget(self.train)
        adding = QHBoxLayout()
        adding.addWidget(QLabel("The drawing on the canvas is a"))
        adding.addWidget(self.name, 1)
        adding.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.addLayout(adding)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.said)
        layout.addLayout(buttons)
        self.resize(520, 380)
        self._waiting_for = ""  # the dataset whose loading starts the run
        self._from = None  # the weights the run grows from (None: fresh)

    def fill(self) -> None:
        typed = self.name.currentText()
        self.name.clear()
        dataset = self.session.state.dataset
        self.name.addItems(list(dict.fromkeys([e.name for e in self.row.examples]
                                              + list(dataset.classes if dataset else []))))
        self.name.setEditText(typed)
        self.list.clear()
        for index, example in enumerate(self.row.examples):
            item = QListWidgetItem(QIcon(thumbnail(example.image)), example.name)
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.list.addItem(item)
        counts = {}
        for example in self.row.examples:
            counts[example.name] = counts.get(example.name, 0) + 1
        self.said.setText(", ".join(f"{name}: {n}" for name, n in counts.items()) or
                          "No drawings yet: draw one on the canvas, name its class above, "
                          "and press Add drawing.")
        self.train.setEnabled(bool(counts))

    def add_drawing(self) -> None:
        name, drawn = self.name.currentText().strip(), self.row.drawing()
        image, strokes = drawn if drawn is not None else (None, [])
        if not name:
            self.said.setText("Name the class the drawing is an example of, then Add "
                              "drawing.")
        elif image is None:
            self.said.setText("Draw something on the canvas first: it is empty.")
        elif not drawn_classes.CLASS_NAME.match(name):
            self.said.setText(f"{name!r} cannot name a class: letters, digits, spaces, "
                              ". ' - and _ (at most 40).")
        elif self.row.examples and np.array_equal(self.row.examples[-1].image, image):
            self.said.setText("That drawing is kept already: draw the next one.")
        elif self.row.keep([*self.row.examples, drawn_classes.Example(name, image,
                                                                      strokes)]):
            count = sum(e.name == name for e in self.row.examples)
            self.said.setText(f"Kept as an example of {name} ({count} so far). Draw the "
                              "next on the canvas.")
            self.row.clear()

    def _chosen(self) -> list[int]:
        return sorted(i.data(Qt.ItemDataRole.UserRole) for i in self.list.selectedItems())

    def delete(self) -> None:
        gone = set(self._chosen())
        if gone:
            self.row.keep([e for i, e in enumerate(self.row.examples) if i not in gone])

    def rename(self) -> None:
        chosen = self._chosen()
        if not chosen:
            return
        old = self.row.examples[chosen[0]].name
        ask = QInputDialog(self)  # not modal: nothing else waits on it
        ask.setObjectName("rename-class")
        ask.setWindowTitle("Rename class")
        ask.setLabelText(f"New name for {old}:")
        ask.setTextValue(old)
        ask.textValueSelected.connect(lambda new: self._renamed(old, new.strip()))
        ask.open()

    def _renamed(self, old: str, new: str) -> None:
        if not drawn_classes.CLASS_NAME.match(new):
            self.said.setText(f"{new!r} cannot name a class: letters, digits, spaces, "
                              ". ' - and _ (at most 40).")
        elif new != old:
            self.row.keep([drawn_classes.Example(new if e.name == old else e.name, e.image,
                                                 e.strokes) for e in self.row.examples])

    def train_with_mine(self) -> None:
        session, state = self.session, self.session.state
        if state.dataset is None or state.panel is None:
            self.said.setText("Load a dataset and fix the training panel first.")
            return
        base = state.dataset.name
        base = base.removesuffix("-and-mine")  # taught again: from the shipped dataset
        name, examples = TAUGHT.format(base=base), list(self.row.examples)
        # The weights to grow, taken now: the taught dataset has no weights of its own.
        self._from = state.weights.snapshot if self.grow.isChecked() and \
            state.weights is not None else None
        self.train.setEnabled(False)
        self.said.setText("Making the training set (your drawings augmented)…")

        def made(result) -> None:
            self.said.setText(f"Made {result.summary().removeprefix('dataset ')}: "
                              f"{result.note}. Training…")
            session.datasets_changed.emit()
            self._waiting_for = name
            state.events.dataset.connect(self._then_train)
            session.load_dataset(name)

        def failed(error: BaseException) -> None:
            self.train.setEnabled(True)
            self.said.setText(str(error))

        session.tasks.run("Making a dataset with your classes…",
                          lambda _task: drawn_classes.make_dataset(examples, name, base),
                          made, failed)

    def _then_train(self, dataset) -> None:
        """The taught dataset is loaded: train the panel's run on it (once)."""
        if dataset is None or dataset.name != self._waiting_for:
            return
        self.session.state.events.dataset.disconnect(self._then_train)
        self.train.setEnabled(True)
        config, initial = self.session.state.panel, None
        if self._from is not None:
            try:
                initial = drawn_classes.extended(self._from, dataset.classes, dataset.name)
            except drawn_classes.DrawnError as error:
                self.session.report(f"{error}.")
                return
        if config is not None:
            self.session.runs.start(config.replace(dataset=dataset.name), initial)
        self.close()


def model_input_of(canvas, dataset: str) -> tuple[np.ndarray, list] | None:
    """The canvas as the model sees it (28x28 uint8) and the strokes that drew it; None
    when nothing is drawn."""
    from softmax_gui.preprocess import is_blank, to_model_input

    drawn = canvas.image()
    if is_blank(drawn):
        return None
    return (np.round(to_model_input(drawn, dataset) * 255).astype(np.uint8),
            [list(stroke) for stroke in canvas.strokes])
