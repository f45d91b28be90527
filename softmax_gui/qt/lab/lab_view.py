"""The Lab tab: the seeds' three implementations side by side, the nn.Softmax pitfall,
one minibatch under the gradient microscope (qt/lab/microscope_view.py), sweeps of
many runs (qt/sweep/) and the Playground (qt/playground/).

Each page runs its work as a session task (off the GUI thread) and shows the figures
``softmax_gui.implementations`` computes: nothing here does maths of its own.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import implementations
from softmax_gui.config import TrainConfig
from softmax_gui.qt.lab.microscope_view import MicroscopePage
from softmax_gui.qt.playground.playground_view import PlaygroundView
from softmax_gui.qt.shell import theme
from softmax_gui.qt.shell.compact_tabs import CompactTabs
from softmax_gui.qt.sweep.sweep_view import SweepView

# Colour and line style together: the curves read without colour too.
STYLES = {"numpy": ("#1f77b4", Qt.PenStyle.SolidLine),
          "scratch": ("#d62728", Qt.PenStyle.DashLine),
          "concise": ("#2ca02c", Qt.PenStyle.DotLine),
          "softmax": ("#1f77b4", Qt.PenStyle.SolidLine),
          "softmax-pitfall": ("#d62728", Qt.PenStyle.DashLine)}
NAMES = {"numpy": "NumPy", "scratch": "torch from scratch", "concise": "torch concise",
         "softmax": "correct (nn.Linear)", "softmax-pitfall": "pitfall (+ nn.Softmax)"}


def pen(key: str, width: float = 2) -> pg.QtGui.QPen:
    colour, style = STYLES[key]
    return pg.mkPen(colour, width=width, style=style)


def plot(graphics: pg.GraphicsLayoutWidget, title: str, row: int, col: int,
         x_label: str, log_y: bool = False) -> pg.PlotItem:
    item = graphics.addPlot(row=row, col=col, title=title)
    item.setLabel("bottom", x_label)
    item.showGrid(x=True, y=True, alpha=0.2)
    item.setLogMode(y=log_y)
    item.setMenuEnabled(False)
    return item


def fit_x(view: pg.ViewBox, count: int) -> None:
    """Show steps (or epochs) 1..count: pyqtgraph's automatic range gave one epoch an
    axis from -3 to 6."""
    view.setXRange(1, max(count, 2), padding=0.05)
    view.enableAutoRange(axis=pg.ViewBox.YAxis)


def wrapped(text: str = "", lines: int = 2) -> QLabel:
    """A word-wrapped label that keeps room for ``lines`` lines (docks squeeze wrapped
    labels below their text, docs/ARCHITECTURE.md rule 12)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * lines + 4)
    return label


class SameBatchesPage(QWidget):
    """NumPy, torch from scratch and torch concise stepped on the same minibatches, and
    the gradient check."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.steps = QSpinBox()
        # At least 2: the three agree to ~1e-8 on every step, so one step is one point
        # whose loss axis has no height (pyqtgraph then labels it with 17 digits).
        self.steps.setRange(2, 1000)
        self.steps.setValue(100)
        self.steps.setSuffix(" steps")
        self.steps.setAccessibleName("Steps to compare")
        self.steps.setToolTip("How many minibatches (256 images, lr 0.1) to step all three")
        self.float64 = QCheckBox("float64")
        self.float64.setToolTip("Run all three in double precision: the differences fall "
                                "from ~1e-8 to ~1e-16")
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Start the three from one initialisation and step "
                                       "them on the same minibatches")
        self.check_button = QPushButton("Gradient check")
        self.check_button.setToolTip("Finite differences against the analytic (p − y) xᵀ, "
                                     "in float64")
        controls = QHBoxLayout()
        for widget in (self.steps, self.float64, self.compare_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.colors().background)
        self.loss = plot(self.graphics, "Loss of each, per step", 0, 0, "step")
        self.diff = plot(self.graphics, "Largest |W difference| of each pair", 1, 0, "step")
        # Top right of the loss (it falls away from there), top left of the differences
        # (they grow from 0); over a curve all the same at some widths: on a background.
        self.loss.addLegend(offset=(-10, 10), brush=theme.legend_brush())
        self.diff.addLegend(offset=(10, 10), brush=theme.legend_brush())
        self.loss_curves = {name: self.loss.plot(pen=pen(name), name=NAMES[name])
                            for name in implementations.NAMES}
        # Each pair borrows one implementation's pen: three distinct lines again.
        self.diff_curves = {pair: self.diff.plot(pen=pen(implementations.NAMES[i]),
                                                 name=f"{pair[0]} vs {pair[1]}")
                            for i, pair in enumerate(implementations.PAIRS)}
        self.result = wrapped("Compare runs NumPy, torch from scratch (d2l §3.6) and torch "
                              "concise (§3.7) on the same minibatches. Its own settings, not "
                              "the panel's: batch 256, lr 0.1, plain SGD, seed 0.", 2)
        self.check_result = wrapped("", 2)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.result)
        check = QHBoxLayout()  # beside its result: the compare row stays narrow
        check.addWidget(self.check_button)
        check.addWidget(self.check_result, 1)
        layout.addLayout(check)
        self.compare_button.clicked.connect(self.compare)
        self.check_button.clicked.connect(self.gradient_check)
        session.ready.connect(self._enable)
        self._enable()

    def _enable(self) -> None:
        ready = self.session.state.dataset is not None
        for button in (self.compare_button, self.check_button):
            button.setEnabled(ready)

    def compare(self) -> None:
        steps, float64 = self.steps.value(), self.float64.isChecked()
        dataset = self.session.state.dataset
        self.compare_button.setEnabled(False)
        self.result.setText(f"Stepping the three for {steps} minibatches…")

        def done(result: implementations.Comparison) -> None:
            self.compare_button.setEnabled(True)
            self.show_comparison(result)

        def failed(error: BaseException) -> None:
            self.compare_button.setEnabled(True)
            self.result.setText(f"The comparison failed: {error}")

        self.session.tasks.run(
            "Comparing the implementations…",
            lambda _task: implementations.compare(dataset, steps, float64=float64), done, failed)

    def show_comparison(self, result: implementations.Comparison) -> None:
        x = np.arange(1, result.steps + 1)
        for name, curve in self.loss_curves.items():
            curve.setData(x, result.losses[name])
        for pair, curve in self.diff_curves.items():
            curve.setData(x, result.max_abs_dW[pair])
        fit_x(self.loss.getViewBox(), result.steps)
        fit_x(self.diff.getViewBox(), result.steps)
        bound = 1e-5 if result.dtype == "float32" else 1e-10
        verdict = "within" if result.worst <= bound else "OVER"
        losses = ", ".join(f"{NAMES[n]} {result.losses[n][-1]:.6f}" for n in result.losses)
        self.result.setText(
            f"After {result.steps} steps ({result.dtype}): largest |W difference| between "
            f"any two = {result.worst:.2e} ({verdict} the bound {bound:g}). "
            f"Last losses: {losses}.")

    def gradient_check(self) -> None:
        dataset = self.session.state.dataset
        self.check_button.setEnabled(False)
        self.check_result.setText("Checking the gradient by finite differences…")

        def done(result: dict) -> None:
            self.check_button.setEnabled(True)
            ok = "✓" if result["rel_error"] <= 1e-6 else "✗"
            self.check_result.setText(
                f"{result['checked']} entries of dW and db, float64: relative error "
                f"{result['rel_error']:.2e} {ok} (bound 1e-6).")

        def failed(error: BaseException) -> None:
            self.check_button.setEnabled(True)
            self.check_result.setText(f"The gradient check failed: {error}")

        self.session.tasks.run("Checking the gradient…",
                               lambda _task: implementations.gradcheck(dataset), done, failed)


class PitfallPage(QWidget):
    """The correct concise model against the same model with an extra ``nn.Softmax``,
    trained side by side: loss, accuracy and gradient norm per epoch."""


    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 30)
        self.epochs.setValue(10)
        self.epochs.setSuffix(" epochs")
        self.epochs.setAccessibleName("Epochs to train both")
        self.epochs.setToolTip("How long to train each model (default configuration)")
        self.train_button = QPushButton("Train both")
        self.train_button.setObjectName("train_both")  # its text turns to "Stop both"
        self.train_button.setToolTip("Train the correct model and the pitfall with the same "
                                     "seed, one after the other")
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m epochs, both models")
        self.progress.setRange(0, self.epochs.value())
        self.progress.setAccessibleName("Epochs trained")
        self.progress.setValue(0)
        self.epochs.valueChanged.connect(self._epochs_changed)
        controls = QHBoxLayout()
        for widget in (self.epochs, self.train_button):
            controls.addWidget(widget)
        controls.addWidget(self.progress, 1)
        d = TrainConfig()
        self.explanation = wrapped(
            "nn.CrossEntropyLoss applies log-softmax itself. An extra nn.Softmax layer "
            "feeds it probabilities in [0, 1]: its softmax is nearly flat, the loss cannot "
            "fall below ~1.46 and its gradient stays near 0 (below). Both train with the "
            f"default settings, not the panel's: lr {d.lr:g}, batch {d.batch_size}, SGD "
            f"momentum {d.momentum:g}, {d.schedule} schedule, seed 0, on the CPU.", 4)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme.colors().background)
        # Loss and accuracy side by side, the gradient below across both: three plots in
        # a row would not fit the tab beside the docks of a 1024-wide window.
        loss = plot(self.graphics, "Training loss", 0, 0, "epoch")
        accuracy = plot(self.graphics, "Test accuracy", 0, 1, "epoch")
        gradient = self.graphics.addPlot(row=1, col=0, colspan=2, title="|gradient| of the loss")
        gradient.setLabel("bottom", "epoch")
        gradient.showGrid(x=True, y=True, alpha=0.2)
        gradient.setMenuEnabled(False)
        # Top right of the wide plot: the correct model's gradient falls away from it.
        gradient.addLegend(offset=(-10, 10), brush=theme.legend_brush())
        self.plots = (loss, accuracy, gradient)
        self.curves = {key: [p.plot(pen=pen(key), symbol="o" if i == 0 else "t",
                                    symbolSize=5, name=NAMES[key] if p is gradient else None)
                             for p in (loss, accuracy, gradient)]
                       for i, key in enumerate(implementations.PITFALL_PAIR)}
        self.result = wrapped("", 2)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.explanation)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.result)
        self.train_button.clicked.connect(self._clicked)
        self._task = None  # the two trainings, while they run
        session.ready.connect(self._enable)
        self._enable()

    def _enable(self) -> None:
        self.train_button.setEnabled(self.session.state.dataset is not None)

    def _epochs_changed(self, epochs: int) -> None:
        self.epochs.setSuffix(" epoch" if epochs == 1 else " epochs")
        if self._task is None:  # not while a comparison runs: its bar is its own
            self.progress.setRange(0, epochs)
            self.progress.setValue(0)

    def _clicked(self) -> None:
        if self._task is not None:  # running: the button reads Stop both
            self._task.cancel()  # it ends after this epoch; done() shows what it trained
            return
        self.train()

    def train(self) -> None:
        epochs, dataset = self.epochs.value(), self.session.state.dataset
        self.train_button.setText("Stop both")
        self.progress.setRange(0, epochs)
        self.progress.setValue(0)
        self.show_curves({}, final=False)
        self.result.setText("Training both, an epoch of each in turn…")

        def done(curves) -> None:
            stopped = self._task.cancelled
            self._finish()
            self.show_curves(curves, stopped=stopped)

        def failed(error: BaseException) -> None:
            self._finish()
            self.result.setText(f"Training failed: {error}")

        def work(task):  # the task is the stop flag; each epoch comes back as it ends
            return implementations.pitfall_curves(
                dataset, epochs, stop=task,
                # The curves first: when the bar says an epoch is done, its point is drawn.
                progress=lambda done, total, curves: (task.set_partial(curves),
                                                      task.set_progress(done, total)))

        self._task = self.session.tasks.run(
            "Training the correct model and the pitfall…", work, done, failed,
            progress=lambda done, _: self.progress.setValue(done),
            partial=lambda curves: self.show_curves(curves, final=False))

    def _finish(self) -> None:
        self._task = None
        self.train_button.setText("Train both")

    def show_curves(self, curves: dict, stopped: bool = False, final: bool = True) -> None:
        for key, items in self.curves.items():
            curve = curves.get(key)
            series = (curve.losses, curve.accuracies, curve.gradient_norms) if curve else \
                ([], [], [])
            for item, values in zip(items, series):
                item.setData(np.arange(1, len(values) + 1), np.asarray(values, float))
                fit_x(item.getViewBox(), len(values))
        epochs = max((len(c.losses) for c in curves.values() if c is not None), default=1)
        every = max(1, round(epochs / 6))  # whole epochs only: never a tick at 1.5
        for item in self.plots:
            item.getAxis("bottom").setTicks(
                [[(e, str(e)) for e in range(1, max(epochs, 2) + 1, every)]])
        if not final:
            return
        parts = []
        for key in implementations.PITFALL_PAIR:
            curve = curves.get(key)
            if curve is not None and curve.losses:
                parts.append(f"{NAMES[key]}: after {len(curve.losses)} epochs accuracy "
                             f"{curve.accuracies[-1]:.2%}, loss {curve.losses[-1]:.4f}, "
                             f"|gradient| {curve.gradient_norms[-1]:.4f}")
        text = "; ".join(parts) + "." if parts else "Stopped before both had trained an epoch."
        self.result.setText(("Stopped. " if stopped and parts else "") + text)


class LabView(QTabWidget):
    """Same minibatches, the pitfall, the gradient microscope, sweeps and the Playground,
    as inner tabs."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setDocumentMode(True)
        self.setAccessibleName("Lab")
        self.same_batches = SameBatchesPage(session)
        self.pitfall = PitfallPage(session)
        self.microscope = MicroscopePage(session)
        self.sweep = SweepView(session)
        self.playground = PlaygroundView(session)
        # Five titles in the ~380 pixels a 1024-wide window leaves the tabs.
        self._compact = CompactTabs()
        self.tabBar().setStyle(self._compact)
        for page, title, tip in (
                (self.same_batches, "Same batches",
                 "NumPy, torch from scratch and torch concise on the same minibatches"),
                (self.pitfall, "Pitfall", "nn.Softmax in front of CrossEntropyLoss, against "
                 "the correct model"),
                (self.microscope, "Microscope", "One minibatch of SGD: the gradient, the "
                 "update and the weights before and after"),
                (self.sweep, "Sweep", "Many runs at once (d2l §3.7's exercises): vary the "
                 "learning rate, batch size, epochs… and compare them"),
                (self.playground, "Playground", "Softmax regression on points of a plane: "
                 "its regions, boundaries and weights seen and dragged (View > Playground)")):
            self.setTabToolTip(self.addTab(page, title), tip)
