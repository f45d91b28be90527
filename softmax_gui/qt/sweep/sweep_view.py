"""The Sweep tab: train a grid of configurations at once (``softmax_gui/sweep.py``), watch
a small curve per configuration grow with the best one highlighted, then compare them
(``sweep_results.py``).

The sweep is one session task: its epochs come back as partial results, Pause holds it
(``TaskState.pause``) and Stop ends it after the current minibatch, keeping every epoch
finished so far.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from softmax_gui.qt.sweep.sweep_curves import SweepCurves
from softmax_gui.qt.sweep.sweep_files import SweepFiles
from softmax_gui.qt.sweep.sweep_form import SweepForm
from softmax_gui.qt.sweep.sweep_results import SweepResults
from softmax_gui.sweep_plan import seconds_left, settings_text, summarise


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def button(text: str, tip: str, name: str = "") -> QPushButton:
    made = QPushButton(text)
    made.setToolTip(tip)
    made.setObjectName(name)
    return made


def plot_tabs(live, results) -> QTabWidget:
    """One plot at a time, the tab's whole width: side by side, neither could be read
    beside the docks of a 1024-wide window."""
    tabs = QTabWidget()
    tabs.setDocumentMode(True)
    tabs.addTab(live, "Curves")
    tabs.addTab(results, "Results")
    tabs.setTabToolTip(0, "Each configuration's test accuracy, epoch by epoch")
    tabs.setTabToolTip(1, "The final test accuracy against what was varied")
    return tabs


class SweepView(QWidget):
    """The form, Train/Pause/Stop with the sweep's progress, the live curves and the
    results."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.form = SweepForm()
        self.train_button = button("Train sweep", "Train every configuration of the grid, "
                                   "the softmax ones together in one product")
        # Named: its text turns to Resume sweep.
        self.pause_button = button("Pause sweep", "Hold the sweep; Resume goes on where it "
                                   "was", "sweep-pause")
        self.stop_button = button("Stop sweep", "End the sweep now, keeping every finished "
                                  "epoch", "sweep-stop")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sweep progress")
        self.progress.setFormat("%p%")
        self.status = QLabel("Choose what to vary, then Train sweep.")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Sweep status")
        self.open_button = button("Open sweep…", "Show a sweep kept on disk again (every "
                                  "finished sweep is kept beside the runs folder)")
        self.files = SweepFiles(session, self)
        self.open_button.clicked.connect(
            lambda: self.files.choose_and_open(self._opened, self.status.setText))
        controls = QHBoxLayout()
        for widget, clicked in ((self.train_button, self.train),
                                (self.pause_button, self._pause_clicked),
                                (self.stop_button, self._stop_clicked)):
            widget.clicked.connect(clicked)
            controls.addWidget(widget)
        controls.addStretch(1)
        self.curves = SweepCurves()
        self.live = self.curves.plot
        self.results = SweepResults(session)
        self.results.run_chosen.connect(self._chosen)
        self.results.buttons.insertWidget(0, self.open_button)  # the row under the table
        self.plots = plot_tabs(self.live, self.results.plot)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plots)
        split.addWidget(self.results)
        split.setSizes([3000, 1000])  # the plots first; the table keeps its 4 rows
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        self._task = None
        self._configs, self._varied = [], []
        self._started = self._paused_at = self._paused_for = 0.0
        session.ready.connect(self._enable)
        session.state.events.panel.connect(self.form.show_base)
        self.form.show_base(session.state.panel)
        self.form.preset_chosen.connect(self.status.setText)
        self._enable()

    def _chosen(self, config) -> None:
        """The run picked in the table: its curve thick, named on the Curves tab."""
        self.curves.choose(config)
        named = self.curves.chosen_text()
        self.plots.setTabText(0, f"Curves ({named})" if named else "Curves")

    def _enable(self) -> None:
        running = self._task is not None
        self.train_button.setEnabled(not running and self.session.state.dataset is not None)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.form.setEnabled(not running)

    # --- training --------------------------------------------------------------------------

    def train(self) -> None:
        state = self.session.state
        try:
            if state.panel is None:
                raise ValueError("a setting in the training panel is invalid")
            configs, varied = self.form.plan(state.panel.replace(dataset=state.dataset.name))
        except ValueError as exc:
            self.status.setText(f"Cannot train this sweep: {exc}.")
            return
        self._configs, self._varied = configs, varied
        self.curves.start(configs, varied)
        self.results.clear()  # not the last sweep's rows beside this one's curves
        self.plots.setCurrentWidget(self.live)
        self.progress.setRange(0, sum(c.epochs for c in configs))
        self.progress.setValue(0)
        self._started, self._paused_for = time.monotonic(), 0.0
        self.status.setText(f"Training {len(configs)} runs…")
        dataset = state.dataset

        def work(task):
            from softmax_gui import sweep  # imports torch: not before the window shows

            return sweep.train_sweep(
                configs, dataset, stop=task, pause=task.pause,
                on_epoch=lambda done, total, curves: (task.set_partial(curves),
                                                      task.set_progress(done, total)))

        self._task = self.session.tasks.run(
            f"Training a sweep of {len(configs)} runs…", work, self._done, self._failed,
            progress=self._progressed, partial=self.curves.grow)
        self._enable()

    def _pause_clicked(self) -> None:
        task = self._task
        if task is None:
            return
        paused = not task.pause.is_set()
        task.set_paused(paused)
        self.pause_button.setText("Resume sweep" if paused else "Pause sweep")
        if paused:
            self._paused_at = time.monotonic()
            self.status.setText("Paused. Resume sweep goes on where it was.")
        else:
            self._paused_for += time.monotonic() - self._paused_at

    def _stop_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()  # ends after this minibatch; done() shows what it trained
            self.status.setText("Stopping after this minibatch…")

    def _progressed(self, done: float, total: float) -> None:
        self.progress.setValue(int(done))
        if self._task is None or self._task.pause.is_set():
            return
        elapsed = time.monotonic() - self._started - self._paused_for
        left = seconds_left(elapsed, int(done), int(total))
        self.status.setText(f"{int(done)} of {int(total)} epochs trained in "
                            f"{duration(elapsed)}" + (f", about {duration(left)} left"
                                                      if left is not None else ""))

    def _done(self, results: list) -> None:
        stopped = self._task.cancelled
        self._task = None
        self.pause_button.setText("Pause sweep")
        self._enable()
        elapsed = time.monotonic() - self._started - self._paused_for
        self.results.show_results(results, self._varied)
        self.plots.setCurrentWidget(self.results.plot)
        shown = [f for f in self._varied if f != "seed"] or self._varied
        summaries = [s for s in summarise([r.config for r in results],
                                          [r.final_test_acc for r in results], shown)
                     if s.mean is not None]
        if not summaries:
            self.status.setText("Stopped before any run finished an epoch.")
            return
        best = max(summaries, key=lambda s: s.mean)
        seeds = len(best.finished)
        named = settings_text(shown, best.values)
        trained = sum(bool(r.test_acc) for r in results)
        exploded = sum(bool(r.diverged) for r in results)
        if not stopped:  # a run that exploded left its last epochs untrained
            self.progress.setValue(self.progress.maximum())
        self.status.setText(
            (f"Stopped: {trained} of {len(results)} runs trained an epoch or more, in "
             if stopped else f"{len(results)} runs in ") + f"{duration(elapsed)}"
            + (f" ({exploded} exploded)" if exploded else "")
            + f"; best: {named}, test accuracy {best.mean:.2%}"
            + (f" ± {best.spread:.2%} over {seeds} seeds" if seeds > 1 else "")
            + ".")
        self.session.archive.sweeps.keep(
            results, self._varied, elapsed,
            lambda words: self.status.setText(f"{self.status.text()} {words}"))

    def _opened(self, results: list, varied: list[str], seconds: float, folder) -> None:
        """A kept sweep, shown as when it ended: its curves, its results, its table."""
        self._configs, self._varied = [r.config for r in results], varied
        self.curves.start(self._configs, varied)
        self.curves.grow({i: list(r.test_acc) for i, r in enumerate(results) if r.test_acc})
        self.progress.setRange(0, 1)  # not the last sweep's progress beside this one
        self.progress.setValue(1)
        self.results.show_results(results, varied)
        self.plots.setCurrentWidget(self.results.plot)
        self.status.setText(f"Opened {folder.name}: {len(results)} runs, trained in "
                            f"{duration(seconds)}.")

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self.pause_button.setText("Pause sweep")
        self._enable()
        self.status.setText(f"The sweep failed: {error}")
