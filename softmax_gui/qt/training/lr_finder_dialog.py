"""The learning-rate finder, in a dialog (``softmax_gui/lr_finder.py`` does the work): the
loss against a learning rate growing from 1e-7 to 10, the suggestion marked, and "Use
this rate" to put it in the training panel. It trains a copy: the active weights stay."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from softmax_gui.qt.shell import theme
from softmax_gui.qt.shell.actions import make_action


class LrFinder(QObject):
    """Train > Find a learning rate… (and its button): opens the dialog, made once."""

    def __init__(self, session, panel, parent):
        super().__init__(parent)
        self.session, self.panel = session, panel
        self.action = make_action(parent, "&Find a learning rate…", self.open, "Ctrl+L",
                                  "Try rates from 1e-7 to 10, a minibatch each, on a copy "
                                  "of the model, and suggest one for the panel")
        self.dialog: LrFinderDialog | None = None

    def open(self) -> None:
        if self.dialog is None:
            self.dialog = LrFinderDialog(self.session, self.panel, self.parent().window())
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.run()


class LrFinderDialog(QDialog):
    """Runs the finder with the panel's settings when shown, and on "Run again"."""

    def __init__(self, session, panel, parent=None):
        super().__init__(parent)
        self.session, self.panel = session, panel
        self.setWindowTitle("Find a learning rate")
        self.from_active = QCheckBox("Start from the active weights")
        self.from_active.setToolTip("Off: fresh weights, as a new run starts. On: the "
                                    "weights in use now, as Step goes on from them")
        self.plot = pg.PlotWidget(background=theme.colors().background,
                                  title="Training loss as the learning rate grows")
        self.plot.setAccessibleName("Loss against learning rate")
        self.plot.setMenuEnabled(False)
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "loss")
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # 0.3 to 0.65, not x0.001
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.addLegend(offset=(10, 10), brush=theme.legend_brush())
        self.raw = self.plot.plot(pen=pg.mkPen((150, 150, 150), width=1), name="each batch")
        self.smooth = self.plot.plot(pen=pg.mkPen("#1f77b4", width=2), name="smoothed")
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ff7f0e", width=2),
                                      label="suggested", labelOpts={
                                          "position": 0.9, "color": "#ff7f0e"})
        self.marker.hide()
        self.plot.addItem(self.marker)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Finder result")
        buttons = QDialogButtonBox()
        self.again = QPushButton("Run again")
        self.use = QPushButton("Use this rate")
        self.use.setDefault(True)
        self.use.setToolTip("Put the suggested learning rate in the training panel")
        self.again.clicked.connect(self.run)
        self.use.clicked.connect(self._use)
        buttons.addButton(self.again, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.use, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.from_active)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.result)
        layout.addWidget(buttons)
        self.resize(560, 420)
        self._task = None
        self.suggested: float | None = None
        self.finished.connect(self._closed)

    def run(self) -> None:
        from softmax_gui import lr_finder

        state = self.session.state
        try:
            config = self.panel.config()
        except ValueError as exc:
            self.result.setText(f"The panel's settings cannot train: {exc}")
            return
        weights = state.weights if self.from_active.isChecked() else None
        initial = weights.snapshot if weights is not None else None
        if initial is not None and initial.model != config.model:
            self.result.setText(f"The active weights are a {initial.model} model, the panel "
                                f"names {config.model}: untick the box or choose that model.")
            return
        dataset = state.dataset
        self.suggested = None
        self.use.setEnabled(False)
        self.again.setEnabled(False)
        self.marker.hide()
        self.result.setText("Trying 100 learning rates from 1e-7 to 10, a minibatch each…")

        def work(task):
            return lr_finder.find_lr(config, dataset, initial, stop=task)

        self._task = self.session.tasks.run("Finding a learning rate…", work, self._found,
                                            self._failed)

    def _found(self, finding) -> None:
        self._task = None
        self.again.setEnabled(True)
        finite = np.isfinite(finding.losses)
        self.raw.setData(finding.lrs[finite], finding.losses[finite])
        self.smooth.setData(finding.lrs[finite], finding.smoothed[finite])
        if finite.any():  # the descent, not the explosion at the end, fills the plot
            # Down to the lowest single batch too (a new user missed the raw minimum).
            low = min(finding.smoothed[finite].min(), finding.losses[finite].min())
            self.plot.setYRange(0.9 * low, 2 * finding.smoothed[finite][0], padding=0)
        self.suggested = finding.suggested
        if finding.suggested is None:
            self.result.setText("The loss never fell: no rate to suggest. Try fresh weights "
                                "or another model.")
            return
        self.marker.setValue(np.log10(finding.suggested))  # the axis is log10 of the rate
        self.marker.show()
        self.use.setEnabled(True)
        self.result.setText(
            f"Suggested learning rate: {finding.suggested:.3g} (where the smoothed loss "
            "falls fastest)" + (". The loss exploded before 10: the search stopped there."
                                if finding.stopped_early else "."))

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self.again.setEnabled(True)
        self.result.setText(f"The finder failed: {error}")

    def _use(self) -> None:
        if self.suggested is not None:
            self.panel.lr.setValue(self.suggested)
            self.session.message.emit(f"Learning rate set to {self.suggested:.3g} by the "
                                      "finder")
            self.accept()

    def _closed(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
