"""The Playground's controls: the points (preset, classes, how many, noise, test split,
the class a click adds, CSV in and out) and the model (hidden units, loss, learning rate,
L2, batch, seed), and Step, Run/Pause, Reset.

Every change goes to :class:`PlaygroundState`; the controls read it back from its signals.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from softmax_gui.plane_model import PlaneSettings
from softmax_gui.plane_points import MAX_CLASSES, PRESETS
from softmax_gui.qt.playground.plane_view import CLASS_COLORS
from softmax_gui.qt.playground.playground_state import SPEEDS, PlaygroundState

PRESET_TIPS = {
    "numpy-text": "The NumPy text's three points, one per class: X = [[1,2],[2,3],[3,1]]",
    "blobs": "A Gaussian blob per class around a circle",
    "separable": "Blobs far apart: a straight line can split every pair",
    "overlapping": "Blobs that overlap: no boundary gets every point right",
    "xor": "Two classes in opposite corners: no straight line separates them",
    "rings": "A ring per class around the same centre: not linearly separable",
    "spiral": "An arm per class, wound around the centre (CS231n's spiral)",
}
BATCHES = (("full batch (the text's)", 0), ("minibatch 1", 1), ("minibatch 8", 8),
           ("minibatch 32", 32))
L2_STEPS = 40  # the slider's last position is L2 = 1; each 10 below it a tenth of that


def l2_of(position: int) -> float:
    return 0.0 if position == 0 else 10 ** ((position - L2_STEPS) / 10)


def class_icon(k: int) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(CLASS_COLORS[k]))
    return QIcon(pixmap)


class PlaygroundControls(QWidget):
    """Step, Run/Pause, Reset and the speed; the points' and the model's pages
    (``points_page``, ``model_page``) for the tab to lay out."""

    def __init__(self, state: PlaygroundState, parent=None):
        super().__init__(parent)
        self.state = state
        self.points_page = self._points_page()
        self.model_page = self._model_page()
        self.step_button = self._button("Step", "One update of the weights (→)", self._step)
        self.run_button = self._button("Run", "Train a few updates a frame; again to "
                                       "pause (Space)", state.toggle_running)
        self.reset_button = self._button("Reset", "Back to the same initialisation, step 0 "
                                         "(Home)", state.reset)
        self.speed = QComboBox()
        for count in SPEEDS:
            self.speed.addItem(f"{count} update{'s' * (count > 1)} a frame", count)
        self.speed.setCurrentIndex(SPEEDS.index(state.speed))
        self.speed.setToolTip("How many updates Run makes between two redraws")
        self.speed.currentIndexChanged.connect(
            lambda: state.set_speed(self.speed.currentData()))
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for column, button in enumerate((self.step_button, self.run_button,
                                         self.reset_button)):
            layout.addWidget(button, 0, column)
        layout.addWidget(self.speed, 1, 0, 1, 3)
        state.running_changed.connect(
            lambda running: self.run_button.setText("Pause" if running else "Run"))
        state.class_chosen.connect(self._show_class)
        state.points_changed.connect(self._list_classes)
        self._list_classes()

    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(f"playground-{text.lower()}")
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _step(self) -> None:
        self.state.pause()
        self.state.step(1)

    # --- the points ---------------------------------------------------------------------

    def _points_page(self) -> QWidget:
        self.preset = QComboBox()
        for name in PRESETS:
            self.preset.addItem(name, name)
            self.preset.setItemData(self.preset.count() - 1, PRESET_TIPS[name],
                                    Qt.ItemDataRole.ToolTipRole)
        self.preset.setToolTip("Which points: choosing one makes them")
        self.classes = self._spin(2, MAX_CLASSES, 3, "How many classes (XOR has 2, the "
                                  "NumPy text 3)")
        self.count = self._spin(3, 2000, 150, "How many points")
        self.noise = QSlider(Qt.Orientation.Horizontal)
        self.noise.setRange(0, 100)
        self.noise.setToolTip("Jitter added to every point: its standard deviation, 0 to 1")
        self.test_percent = self._spin(0, 50, 0, "Held out for the test loss, per class "
                                       "(drawn hollow)")
        self.test_percent.setSuffix(" %")
        self.new_points = QPushButton("New points")
        self.new_points.setObjectName("playground-new-points")
        self.new_points.setToolTip("Make the preset's points again with these settings")
        self.new_points.clicked.connect(self._make_points)
        self.preset.activated.connect(self._make_points)
        self.preset.currentIndexChanged.connect(self._fit_fields)
        self.add_class = QComboBox()
        self.add_class.setToolTip("The class a click on the plane adds (keys 1 to 6). "
                                  "Drag a point to move it, right-click it to delete it")
        self.add_class.activated.connect(lambda i: self.state.choose_class(i))
        self.import_button = QPushButton("Import CSV…")
        self.export_button = QPushButton("Export CSV…")
        self.import_button.setToolTip("Points from a CSV of x,y,class[,split]")
        self.export_button.setToolTip("Save the points as CSV: x,y,class,split")
        files = QHBoxLayout()
        files.addWidget(self.import_button)
        files.addWidget(self.export_button)
        page = QWidget()
        form = QFormLayout(page)
        for label, field in (("Preset", self.preset), ("Classes", self.classes),
                             ("Points", self.count), ("Noise", self.noise),
                             ("Test", self.test_percent)):
            form.addRow(label, field)
        form.addRow(self.new_points)
        form.addRow("Click adds", self.add_class)
        form.addRow(files)
        self._fit_fields()
        return page

    def _fit_fields(self) -> None:
        """The text's three points take no number, classes, noise or split; XOR has two
        classes."""
        preset = self.preset.currentData()
        for field in (self.count, self.noise, self.test_percent):
            field.setEnabled(preset != "numpy-text")
        self.classes.setEnabled(preset not in ("numpy-text", "xor"))

    def _spin(self, low: int, high: int, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    def _make_points(self) -> None:
        self.state.new_points(self.preset.currentData(), self.count.value(),
                              self.classes.value(), self.noise.value() / 100,
                              self.test_percent.value() / 100, self.seed.value())

    def _list_classes(self) -> None:
        k = self.state.points.classes
        if self.add_class.count() != k:
            self.add_class.clear()
            for label in range(k):
                self.add_class.addItem(class_icon(label), f"class {label}")
        self._show_class(self.state.chosen_class)

    def _show_class(self, k: int) -> None:
        self.add_class.setCurrentIndex(k)

    # --- the model ----------------------------------------------------------------------

    def _model_page(self) -> QWidget:
        self.hidden = self._spin(0, 64, 0, "Units of one hidden layer; 0 is softmax "
                                 "regression itself (straight boundaries)")
        self.hidden.setSpecialValueText("none (linear)")
        self.activation = QComboBox()
        self.activation.addItems(["relu", "tanh"])
        self.activation.setToolTip("The hidden layer's nonlinearity")
        self.loss = QComboBox()
        self.loss.addItem("cross-entropy", "cross-entropy")
        self.loss.addItem("hinge (SVM)", "hinge")
        self.loss.setToolTip("Cross-entropy never stops pushing a correct point; the "
                             "multiclass hinge (CS231n's SVM) stops once the true class "
                             "leads every other by 1")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(4)
        self.lr.setRange(0.0001, 100)
        self.lr.setValue(0.1)
        self.lr.setSingleStep(0.05)
        self.lr.setToolTip("Learning rate (the text's 0.1)")
        self.l2 = QSlider(Qt.Orientation.Horizontal)
        self.l2.setRange(0, L2_STEPS)
        self.l2_label = QLabel()
        self.l2.setToolTip("L2 penalty λ/2·|W|² on the weights (not the biases): 0, or "
                           "1e-4 to 1")
        self.batch = QComboBox()
        for text, size in BATCHES:
            self.batch.addItem(text, size)
        self.batch.setToolTip("Gradient descent on every training point (the text's), or "
                              "minibatch SGD")
        self.seed = self._spin(0, 999_999, 0, "The seed of the initial weights and of the "
                               "points: Reset brings back this start")
        for combo in (self.activation, self.loss, self.batch):
            combo.activated.connect(self._apply)
        for spin in (self.hidden, self.seed):
            spin.valueChanged.connect(self._apply)
        self.lr.valueChanged.connect(self._apply)
        self.l2.valueChanged.connect(self._apply)
        page = QWidget()
        form = QFormLayout(page)
        l2_row = QHBoxLayout()
        l2_row.addWidget(self.l2, 1)
        l2_row.addWidget(self.l2_label)
        for label, field in (("Hidden", self.hidden), ("Activation", self.activation),
                             ("Loss", self.loss), ("Rate", self.lr), ("L2", l2_row),
                             ("Batch", self.batch), ("Seed", self.seed)):
            form.addRow(label, field)
        self._apply()
        return page

    def settings(self) -> PlaneSettings:
        return PlaneSettings(lr=self.lr.value(), l2=l2_of(self.l2.value()),
                             loss=self.loss.currentData(), hidden=self.hidden.value(),
                             activation=self.activation.currentText(),
                             batch_size=self.batch.currentData(), seed=self.seed.value())

    def _apply(self) -> None:
        settings = self.settings()
        self.l2_label.setText("0" if settings.l2 == 0 else f"{settings.l2:.0e}")
        self.activation.setEnabled(settings.hidden > 0)
        self.state.set_settings(settings)
