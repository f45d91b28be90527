"""The gradient microscope: one minibatch of SGD on softmax regression, laid open.

For each class (a row), as 28x28 images: the weights before the step, the gradient, the
momentum buffer, the update that was applied and the weights after; and, for the test
image selected in the grid, its own gradient ``(p - y) x^T``. The stepping is
``softmax_gui.microscope``'s, on a private copy of the weights: the active weights are
never changed here.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.microscope import Microscope, MicroscopeStep
from softmax_gui.model_registry import get_model
from softmax_gui.qt.insight.confusion_calibration import DIVERGING
from softmax_gui.qt.shell import theme

# Below this a column is float32 rounding, not a gradient: at p = 1.00 an image's own
# gradient is ~5e-16, which scaled to full colour looked like a real one.
NOTHING = 1e-7
COLUMNS = ("before", "grad", "v", "update", "after", "image")
COLUMN_TIPS = {
    "before": "Each class's row of W before the step (red: evidence for the class)",
    "grad": "The gradient dL/dW: the mean over the minibatch of (p − y) xᵀ",
    "v": "The momentum buffer v ← μ v + gradient (SGD with momentum steps along v)",
    "update": "What the step changed: W after − W before = −lr × gradient (or −lr × v)",
    "after": "Each class's row of W after the step, on the same colour scale as before",
    "image": "The selected test image's own gradient (p − y) xᵀ: the image, scaled by "
                  "p − y for each class",
}


class MicroscopePage(QWidget):
    """Step one minibatch and see everything that step did (module docstring)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.microscope: Microscope | None = None
        self.last: MicroscopeStep | None = None
        controls, again = self._build_controls()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.colors().background)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 3 + 4)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(again)
        self.caption = QLabel(
            "One row per class. Columns: W before the step, the gradient of the loss, the "
            "momentum buffer v, the update, W after, and the selected test image's own "
            "gradient. Red positive, blue negative; each column's scale on top.")
        self.caption.setWordWrap(True)
        self.caption.setMinimumHeight(self.caption.fontMetrics().lineSpacing() * 3 + 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)
        self.example_text = QLabel()
        self.example_text.setWordWrap(True)
        self.example_text.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 2 + 4)
        layout.addWidget(self.example_text)
        layout.addWidget(self.status)
        self.images: dict[str, list[pg.ImageItem]] = {}
        self.row_labels: dict[str, pg.LabelItem] = {}
        self._classes: tuple[str, ...] = ()

        self.step_button.clicked.connect(self.step)
        self.from_active.clicked.connect(self.reset_to_active)
        self.from_zeros.clicked.connect(self.reset_to_zeros)
        session.state.events.dataset.connect(self._dataset_changed)
        session.state.events.selected.connect(self._show_example)
        self._set_enabled(False)
        self.status.setText("Loading the dataset…")

    def _build_controls(self) -> tuple[QHBoxLayout, QHBoxLayout]:
        """The step's learning rate, momentum and button; where to start again from."""
        self.lr = QDoubleSpinBox()
        self.lr.setRange(0.001, 10.0)
        self.lr.setDecimals(3)
        self.lr.setSingleStep(0.05)
        self.lr.setValue(0.1)
        self.lr.setPrefix("lr ")
        self.lr.setAccessibleName("Microscope learning rate")
        self.lr.setToolTip("The learning rate of the step (0.001 to 10)")
        self.momentum = QDoubleSpinBox()
        self.momentum.setRange(0.0, 0.99)
        self.momentum.setSingleStep(0.1)
        self.momentum.setValue(0.0)
        self.momentum.setPrefix("μ = ")  # "momentum " made the tab too wide for 1024 px
        self.momentum.setAccessibleName("Microscope momentum")
        self.momentum.setToolTip("Momentum μ. 0: plain SGD (the update is −lr × gradient); "
                                 "above 0 the step follows the momentum buffer")
        self.step_button = QPushButton("Step one minibatch")
        self.step_button.setToolTip("One SGD step on the next 256 training images (the "
                                    "microscope's own minibatch, whatever the panel's "
                                    "batch size) (Ctrl+M)")
        self.step_button.setShortcut("Ctrl+M")
        self.from_active = QPushButton("Active weights")
        self.from_active.setToolTip("Start again from the active weights (softmax "
                                    "regression only)")
        self.from_zeros = QPushButton("Zeros")
        self.from_zeros.setToolTip("Start again from W = 0, b = 0")
        controls = QHBoxLayout()
        for widget in (self.lr, self.momentum, self.step_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        again = QHBoxLayout()
        again.addWidget(QLabel("Start again from"))
        again.addWidget(self.from_active)
        again.addWidget(self.from_zeros)
        again.addStretch(1)
        return controls, again

    # --- state ----------------------------------------------------------------------------

    def _set_enabled(self, enabled: bool) -> None:
        for button in (self.step_button, self.from_active, self.from_zeros):
            button.setEnabled(enabled)

    def _dataset_changed(self, dataset) -> None:
        self.microscope = Microscope(dataset.train_images.numpy(),
                                     dataset.train_labels.numpy(), len(dataset.classes))
        if tuple(dataset.classes) != self._classes:
            self._build(tuple(dataset.classes))
        self._set_enabled(True)
        self.reset_to_zeros()

    def reset_to_zeros(self) -> None:
        self.microscope.reset()
        self._reset_done("Starting from W = 0, b = 0: every class scores 0, p = 1/10 for all.")

    def reset_to_active(self) -> None:
        weights = self.session.state.weights
        if weights is None or get_model(weights.snapshot.model).family != "softmax":
            what = "no weights" if weights is None else \
                f"{get_model(weights.snapshot.model).label} weights"
            self.status.setText(f"The active weights are {what}: the microscope steps "
                                "softmax regression only. It starts from zeros.")
            self.microscope.reset()
            self._reset_done(None)
            return
        from softmax_gui.weights_io import canonical_state

        _, state, _, _ = canonical_state(weights.snapshot)  # standardisation folded in
        self.microscope.reset(state["1.weight"], state["1.bias"])
        self._reset_done(f"Starting from the active weights ({weights.label}), in raw pixel "
                         "space (their standardisation folded into W and b).")

    def _reset_done(self, text: str | None) -> None:
        self.last = None
        W = self.microscope.W
        for name in COLUMNS[:5]:
            self._set_row(name, W if name == "before" else np.zeros_like(W), None)
        self._show_example()
        if text:
            self.status.setText(text + " Step one minibatch to see the gradient and the "
                                "update.")

    def step(self) -> None:
        if self.microscope is None:
            return
        step = self.last = self.microscope.step(self.lr.value(), self.momentum.value())
        scale = max(float(np.abs(step.before).max()), float(np.abs(step.after).max()))
        self._set_row("before", step.before, scale)
        self._set_row("after", step.after, scale)
        self._set_row("grad", step.gradient, None)
        self._set_row("update", step.update, None)
        self._set_row("v", step.velocity if step.velocity is not None else
                      np.zeros_like(step.gradient), None, off=step.velocity is None)
        follows = "−lr × gradient" if step.velocity is None else "−lr × momentum buffer"
        expected = -step.lr * (step.gradient if step.velocity is None else step.velocity)
        gap = float(np.abs(step.update - expected).max())
        epoch = self.microscope.batches_per_epoch
        self.status.setText(
            f"Minibatch {step.number} ({step.batch_size} images; an epoch is {epoch}): "
            f"loss {step.loss:.4f} before the step, lr {step.lr:g}, momentum "
            f"{step.momentum:g}. The update (after − before) equals {follows} to "
            f"{gap:.1e}; the largest change of a weight is {np.abs(step.update).max():.2e}."
            + (" The loss is above ln 10 = 2.30, worse than guessing: try a smaller lr."
               if step.loss > np.log(10) + 0.01 and step.number > 1 else ""))
        self._show_example()

    def _show_example(self) -> None:
        index, dataset = self.session.state.selected, self.session.state.dataset
        if self.microscope is None or not self.images:
            return
        if index is None or dataset is None:
            self._set_row("image", np.zeros_like(self.microscope.W), None)
            self.example_text.setText("Click a test image in the grid to see its own "
                                      "gradient (p − y) xᵀ in the last column.")
            return
        label = int(dataset.test_labels[index])
        pixels = self.session.state.test_images[index]
        p, gradient = self.microscope.example_gradient(pixels, label)
        self._set_row("image", gradient, None)
        top = int(p.argmax())
        self.example_text.setText(
            f"Last column: test image #{index} (true class {dataset.classes[label]}): under "
            f"the microscope's weights p = {p[label]:.2f} for it, predicted "
            f"{dataset.classes[top]}. Its gradient is the image times p − y: blue for its "
            "class (to raise), red for the others.")

    # --- drawing --------------------------------------------------------------------------

    def _build(self, classes: tuple[str, ...]) -> None:
        """One row per class (its name on the left), one column per quantity: the
        quantities read across, before to after, and ten rows fit a narrow tab."""
        self._classes = classes
        self.graphics.clear()
        self.images = {name: [] for name in COLUMNS}
        layout = self.graphics.ci.layout
        for col, name in enumerate(COLUMNS, start=1):
            label = self.row_labels[name] = self.graphics.addLabel(name, row=0, col=col,
                                                                   size="8pt")
            label.setToolTip(COLUMN_TIPS[name])
        for row, class_name in enumerate(classes, start=1):
            # A label renders HTML: the names come from a file, shown as text only.
            self.graphics.addLabel(html.escape(class_name), row=row, col=0, size="8pt",
                                   justify="right")
            for col, name in enumerate(COLUMNS, start=1):
                view = self.graphics.addViewBox(row=row, col=col, lockAspect=True,
                                                enableMouse=False)
                view.invertY(True)
                image = pg.ImageItem(axisOrder="row-major")
                image.setColorMap(DIVERGING)
                view.addItem(image)
                self.images[name].append(image)
        layout.setHorizontalSpacing(2)
        layout.setContentsMargins(0, 0, 0, 0)
        for col in range(1, len(COLUMNS) + 1):  # equal columns: equal images
            layout.setColumnStretchFactor(col, 1)
            layout.setColumnMinimumWidth(col, 20)

    def _set_row(self, name: str, rows: np.ndarray, scale: float | None,
                 off: bool = False) -> None:
        """Show ``rows`` (K, 784) as images, on ``scale`` (default: their own max)."""
        m = scale if scale is not None else float(np.abs(rows).max())
        if m < NOTHING:  # rounding noise (p = 1.00): drawn as what it is, nothing
            rows, m = np.zeros_like(rows), 0.0
        for image, row in zip(self.images[name], rows):
            image.setImage(row.reshape(28, 28), autoLevels=False, levels=(-(m or 1), m or 1))
        scale_text = "off" if off else f"±{m:.2g}" if m else "0"
        self.row_labels[name].setText(f"{name}<br>{scale_text}",
                                      color=theme.colors().foreground, size="8pt")
