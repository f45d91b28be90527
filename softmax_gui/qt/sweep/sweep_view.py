"""The Sweep tab: train a grid of configurations at once (``softmax_gui/sweep.py``), watch
a small curve per configuration grow with the best one highlighted, then compare them
(``sweep_results.py``).

The sweep is one session task: its epochs come back as partial results, Pause holds it
(``TaskState.pause``) and Stop ends it after the current minibatch, keeping every epoch
finished so far.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
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

from softmax_gui.qt.shell import theme
from softmax_gui.qt.sweep.sweep_files import SweepFiles
from softmax_gui.qt.sweep.sweep_form import SweepForm
from softmax_gui.qt.sweep.sweep_results import SweepResults
from softmax_gui.sweep_plan import seconds_left, settings_text, summarise

BEST = pg.mkPen("#ff7f0e", width=3)
OTHER = pg.mkPen((31, 119, 180, 110), width=1)
LEGEND = 6  # configurations with a colour and a name each; more are one colour


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def button(text: str, tip: str, name: str = "") -> QPushButton:
    made = QPushButton(text)
    made.setToolTip(tip)
    made.setObjectName(name)
    return made


def live_plot() -> pg.PlotWidget:
    """The curves' plot: test accuracy per epoch, a legend at the bottom right."""
    live = pg.PlotWidget(background=theme.colors().background, title="Test accuracy per epoch")
    live.setAccessibleName("Sweep curves")
    live.setMenuEnabled(False)
    live.setLabel("bottom", "epoch")
    live.showGrid(x=True, y=True, alpha=0.2)
    live.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # 0.84, not 840 m
    live.addLegend(offset=(-10, -10), brush=theme.legend_brush(), colCount=2)  # bottom right
    return live


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
        self.train_button.clicked.connect(self.train)
        self.pause_button.clicked.connect(self._pause_clicked)
        self.stop_button.clicked.connect(self._stop_clicked)
        controls = QHBoxLayout()
        for widget in (self.train_button, self.pause_button, self.stop_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        self.live = live_plot()
        self.results = SweepResults(session)
        self.results.buttons.insertWidget(0, self.open_button)  # the row under the table
        # One plot at a time, the tab's whole width: side by side, neither could be read
        # beside the docks of a 1024-wide window.
        self.plots = QTabWidget()
        self.plots.setDocumentMode(True)
        self.plots.addTab(self.live, "Curves")
        self.plots.addTab(self.results.plot, "Results")
        self.plots.setTabToolTip(0, "Each configuration's test accuracy, epoch by epoch")
        self.plots.setTabToolTip(1, "The final test accuracy against what was varied")
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
        self._configs, self._varied, self._curves = [], [], {}
        self.curve_items: dict[tuple, tuple] = {}
        self._started = self._paused_at = 0.0
        self._paused_for = 0.0
        session.ready.connect(self._enable)
        session.state.events.panel.connect(self.form.show_base)
        self.form.show_base(session.state.panel)
        self.form.preset_chosen.connect(self.status.setText)
        self._enable()

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
        self._configs, self._varied, self._curves = configs, varied, {}
        self.live.clear()
        self.curve_items = {}
        self.plots.setCurrentWidget(self.live)
        self.live.setXRange(1, max(max(c.epochs for c in configs), 2), padding=0.05)
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
            progress=self._progressed, partial=self._grown)
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

    def _grown(self, curves: dict[int, list[float]]) -> None:
        self._curves.update(curves)
        by_configuration: dict[tuple, list[list[float]]] = {}
        shown = [f for f in self._varied if f != "seed"]
        for i, accuracies in self._curves.items():
            key = tuple(getattr(self._configs[i], f) for f in shown)
            by_configuration.setdefault(key, []).append(accuracies)
        ends = {key: np.mean([a[-1] for a in seeds]) for key, seeds in
                by_configuration.items()}
        best = max(ends, key=ends.get)
        for key, seeds in by_configuration.items():
            self._draw(key, seeds, key == best, shown)
        # The curves' own range, not 0 to 1: sweeps differ by a few points of accuracy.
        values = np.concatenate([np.asarray(a) for a in self._curves.values()])
        self.live.setYRange(values.min(), values.max(), padding=0.08)

    def _draw(self, key: tuple, seeds: list[list[float]], best: bool, shown: list[str]
              ) -> None:
        """One configuration: the mean over its seeds, and their range as a band. Up to
        LEGEND configurations each have a colour and a name in the legend; more are one
        colour, the best in orange."""
        epochs = min(len(a) for a in seeds)
        values = np.array([a[:epochs] for a in seeds])
        x = np.arange(1, epochs + 1)
        named = len({tuple(getattr(c, f) for f in shown) for c in self._configs}) <= LEGEND
        if key not in self.curve_items:
            colour = pg.intColor(len(self.curve_items), hues=LEGEND) if named else OTHER.color()
            name = settings_text(shown, key) if named else None
            # Markers for the few named ones, and where an epoch is all there is (a line
            # of one point draws nothing); many longer curves are lines only (markers on
            # 100 curves added 0.07 s to the first epoch's drawing, measured).
            marked = named or max(c.epochs for c in self._configs) == 1
            mean = self.live.plot(pen=pg.mkPen(colour, width=1.5), name=name,
                                  symbol="o" if marked else None, symbolSize=4,
                                  symbolPen=None, symbolBrush=colour)
            self.curve_items[key] = (mean, None, None)
        mean, low, high = self.curve_items[key]
        if low is None and len(seeds) > 1:  # a band once there are seeds to spread
            # Invisible edges (a curve without a pen draws no path to fill between).
            low, high = (self.live.plot(pen=pg.mkPen((0, 0, 0, 0))) for _ in range(2))
            shade = pg.mkColor(mean.opts["pen"].color())
            shade.setAlpha(45)
            self.live.addItem(pg.FillBetweenItem(low, high, brush=shade))
            self.curve_items[key] = (mean, low, high)
        mean.setData(x, values.mean(0))
        pen = mean.opts["pen"]
        if named:
            mean.setPen(pg.mkPen(pen.color(), width=3.5 if best else 1.5))
        else:
            mean.setPen(BEST if best else OTHER)
        mean.setZValue(10 if best else 0)
        if low is not None:
            low.setData(x, values.min(0))
            high.setData(x, values.max(0))

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
        self.status.setText(
            ("Stopped. " if stopped else "") + f"{len(results)} runs in {duration(elapsed)}; "
            f"best: {named}, test accuracy {best.mean:.2%}"
            + (f" ± {best.spread:.2%} over {seeds} seeds" if seeds > 1 else "")
            + ". Select a run to use or keep it.")
        self.session.archive.sweeps.keep(
            results, self._varied, elapsed,
            lambda words: self.status.setText(f"{self.status.text()} {words}"))

    def _opened(self, results: list, varied: list[str], seconds: float, folder) -> None:
        """A kept sweep, shown as when it ended: its curves, its results, its table."""
        self._configs, self._varied, self._curves = [r.config for r in results], varied, {}
        self.live.clear()
        self.curve_items = {}
        self.live.setXRange(1, max(max(c.epochs for c in self._configs), 2), padding=0.05)
        self._grown({i: list(r.test_acc) for i, r in enumerate(results) if r.test_acc})
        self.results.show_results(results, varied)
        self.plots.setCurrentWidget(self.results.plot)
        self.status.setText(f"Opened {folder.name}: {len(results)} runs, trained in "
                            f"{duration(seconds)}.")

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self.pause_button.setText("Pause sweep")
        self._enable()
        self.status.setText(f"The sweep failed: {error}")
