"""The Draw dock's guide: a class's average training image, shown faintly on the canvas.

Natural drawings (an outline, small, in a corner) are not what the dataset's items look
like: centred, filling the frame, filled. The guide shows where and how big to draw: the
average item of a class, at the size a drawing must have to become it
(:func:`~softmax_gui.preprocess.guide_image`). The averages are one pass over the
training images (~25 ms for Fashion-MNIST's 60,000), made in a task once per dataset.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QVBoxLayout, QWidget

from softmax_gui.preprocess import class_means, guide_image

PREDICTED = "predicted class"
ALL = -1  # the key of the average of every item: the guide before anything is predicted


class GuideControls(QWidget):
    """The Guide check box and the class it shows, both remembered in ``settings``.

    ``changed`` fires when the guide to show (:meth:`image`) is another one.
    """

    changed = Signal()

    def __init__(self, tasks, settings, side: int, parent=None):
        super().__init__(parent)
        self.tasks, self.settings, self.side = tasks, settings, side
        self.box = QCheckBox("Guide")
        self.box.setObjectName("draw-guide")
        self.box.setToolTip(
            "Show faintly, under your strokes, the average training image of a class, as "
            "big as a drawing must be to become it: the dataset's items are centred, fill "
            "the frame and are filled in, not outlined. The model never sees the guide")
        self.box.setChecked(_flag(settings.value("draw/guide", False)))
        self.choice = QComboBox()
        self.choice.setAccessibleName("Guide class")
        self.choice.setToolTip("Whose average the guide shows: the class the model "
                               "predicts now (every item's average while the canvas is "
                               "empty), or a class you choose")
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.choice.addItem(PREDICTED)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.box)
        layout.addWidget(self.choice, 0, Qt.AlignmentFlag.AlignLeft)
        self.guides: dict[int, np.ndarray] = {}  # class (or ALL) -> (side, side) image
        self.predicted: int | None = None
        self._dataset = None  # the Dataset the guides were made from
        self.box.toggled.connect(self._box_toggled)
        self.choice.currentIndexChanged.connect(self._choice_changed)

    def set_dataset(self, dataset) -> None:
        """Offer ``dataset``'s classes and average its training images (in a task)."""
        if dataset is self._dataset:
            return
        self._dataset, self.guides = dataset, {}
        wanted = str(self.settings.value("draw/guide_class", PREDICTED))
        blocked = self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItems([PREDICTED, *dataset.classes])
        self.choice.setCurrentIndex(max(0, self.choice.findText(wanted)))
        self.choice.blockSignals(blocked)
        images, labels = dataset.train_images.numpy(), dataset.train_labels.numpy()
        n, side = len(dataset.classes), self.side

        def work(_task) -> dict[int, np.ndarray]:
            means = class_means(images, labels, n)
            guides = {k: guide_image(means[k], side) for k in range(n)}
            guides[ALL] = guide_image(means.mean(axis=0), side)
            return guides

        def done(guides) -> None:
            if self._dataset is dataset:  # not replaced meanwhile
                self.guides = guides
                self.changed.emit()

        def failed(error) -> None:  # only memory could run out: the box says so
            self.box.setToolTip(f"No guide: the averages could not be made ({error})")

        self.tasks.run("Averaging the training images…", work, done, failed)

    def set_predicted(self, k: int | None) -> None:
        """The class the model predicts now (None: nothing drawn)."""
        if k != self.predicted:
            self.predicted = k
            if self.box.isChecked() and self.choice.currentIndex() == 0:
                self.changed.emit()

    @property
    def shown_class(self) -> int | None:
        """The class whose average the guide shows (ALL: every item's), None when off."""
        if not self.box.isChecked():
            return None
        index = self.choice.currentIndex()
        if index > 0:
            return index - 1
        return ALL if self.predicted is None else self.predicted

    def image(self) -> np.ndarray | None:
        """The guide to paint, or None (off, or the averages not made yet)."""
        k = self.shown_class
        return None if k is None else self.guides.get(k)

    def _box_toggled(self, on: bool) -> None:
        self.settings.setValue("draw/guide", on)
        self.changed.emit()

    def _choice_changed(self, index: int) -> None:
        self.settings.setValue("draw/guide_class", self.choice.itemText(index))
        self.changed.emit()


def _flag(value) -> bool:
    """A QSettings boolean: an INI file gives it back as the string "true" or "false"."""
    return value is True or str(value).lower() == "true"
