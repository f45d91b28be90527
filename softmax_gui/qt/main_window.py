"""The main window: layout, actions and wiring. No maths lives here."""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import data, events, trainer_process
from softmax_gui.evaluation import softmax_np
from softmax_gui.inference import Predictor
from softmax_gui.model_registry import can_continue
from softmax_gui.qt.draw_panel import DrawPanel
from softmax_gui.qt.insight import CalibrationView, ConfusionView, WeightTemplates
from softmax_gui.qt.plots import PlotsView
from softmax_gui.qt.probabilities import ProbabilityBars
from softmax_gui.qt.runs_view import RunsView
from softmax_gui.qt.sample_grid import SampleGrid
from softmax_gui.qt.softmax_steps import SoftmaxStepsView
from softmax_gui.qt.training_panel import TrainingPanel
from softmax_gui.qt.weights_actions import WeightsActions
from softmax_gui.qt.worker import TrainingController
from softmax_gui.runs import RunStore

DEFAULT_SIZE = (1366, 740)
# QProgressBar repaints itself synchronously on every visible change (~2 ms with the
# status bar behind it); 5 updates a second look smooth and leave the CPU to the trainer.
PROGRESS_INTERVAL_S = 0.2


class MainWindow(QMainWindow):
    """Softmax Studio's window. ``snapshot_changed`` fires whenever the active weights change."""

    snapshot_changed = Signal(object)
    run_finished = Signal(object)  # events.Finished or events.Failed
    torch_loaded = Signal(str)  # the CUDA GPU's name, or "" without one
    ready = Signal()  # start-up finished: torch imported, the dataset loaded (or failed to)

    def __init__(self, settings: QSettings, data_dir: str | None = None,
                 runs: RunStore | None = None, engine=None):
        super().__init__()
        self.settings = settings
        self.run_store = runs or RunStore()
        self._saved_runs: dict = {}  # plot run number -> its SavedRun (Step re-saves it)
        self.setWindowTitle("Softmax Studio")
        self.resize(*DEFAULT_SIZE)
        self.dataset: data.Dataset | None = None
        self.snapshot: events.WeightSnapshot | None = None
        self.predictor: Predictor | None = None
        self.data_dir = data_dir or settings.value("data_dir") or None
        # Training runs in the shared trainer process unless told otherwise: in this
        # process it would share the GIL with the painting and take ~2x as long.
        self.controller = TrainingController(self, engine or trainer_process.shared().train)
        self._run_started_at = self._progress_at = 0.0
        self._run_label = ""
        self._batches_per_epoch, self._epochs = 1, 1
        self._build()
        self.panel.restore_settings(settings)
        self._restore_layout()
        self._result: events.Finished | events.Failed | None = None
        self.controller.running_changed.connect(self._set_running)
        self._set_running(False)
        # Importing torch takes ~2 s: it happens off the GUI thread, so the window shows
        # and stays responsive meanwhile; the dataset loads once it is done.
        self.torch_loaded.connect(self._on_torch_loaded, Qt.ConnectionType.QueuedConnection)
        self.is_ready = False
        self.statusBar().showMessage("Loading PyTorch…")
        self._torch_thread = threading.Thread(target=self._import_torch, name="import-torch",
                                              daemon=True)
        self._torch_thread.start()

    def _import_torch(self) -> None:
        import torch

        name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""
        try:
            self.torch_loaded.emit(name)
        except RuntimeError:
            pass  # the window was closed first

    def _on_torch_loaded(self, cuda_name: str) -> None:
        if cuda_name:
            self.panel.add_cuda_device(cuda_name)
        self.statusBar().clearMessage()
        if self.dataset is None:
            self.load_dataset(self.panel.config().dataset)
        self.is_ready = True
        self.ready.emit()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background:#fde2e1; color:#8a1f11; padding:6px; "
                                  "border:1px solid #e8a39d; border-radius:3px")
        self.banner.hide()
        self.plots = PlotsView()
        self.templates = WeightTemplates()
        self.confusion = ConfusionView()
        self.confusion.cell_clicked.connect(self.show_confusion_cell)
        self.calibration = CalibrationView()
        self.steps = SoftmaxStepsView()
        self.runs_view = RunsView(self.run_store)
        self.runs_view.load_requested.connect(self.load_saved_run)
        self.runs_view.overlay_requested.connect(self.plots.add_saved_run)
        self.tabs = QTabWidget()
        # Six tabs must fit the central area of a 1366-wide screen without scroll arrows.
        self.tabs.setStyleSheet("QTabBar::tab { padding: 4px 7px; }")
        for widget, title, tip in (
                (self.plots, "Curves", "Loss and accuracy, live"),
                (self.templates, "Weights", "What each class looks for: the rows of W"),
                (self.confusion, "Confusion", "Which classes are mistaken for which"),
                (self.calibration, "Calibration", "Are the probabilities honest?"),
                (self.steps, "Softmax", "The softmax step by step: from logits to "
                 "cross-entropy"),
                (self.runs_view, "Runs", "Every finished run, kept on disk")):
            self.tabs.setTabToolTip(self.tabs.addTab(widget, title), tip)
        self._insight_input = None
        self._stale: set = set()
        self.tabs.currentChanged.connect(self._refresh_visible_insight)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.panel = TrainingPanel()
        self.panel.dataset_changed.connect(self.load_dataset)
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.step_button = QPushButton("Step")
        self.progress = QProgressBar()
        self.progress.setFormat("Idle")
        self.progress.setTextVisible(True)
        buttons = QGridLayout()
        for k, button in enumerate((self.start_button, self.pause_button, self.step_button,
                                    self.stop_button)):
            buttons.addWidget(button, k // 2, k % 2)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.panel)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setMinimumWidth(275)
        scroll.setWidget(left)
        self.training_dock = self._dock("Training", scroll, Qt.DockWidgetArea.LeftDockWidgetArea)

        self.grid = SampleGrid()
        self.grid.selected.connect(self.show_details)
        self.grid_dock = self._dock("Test images and predictions", self.grid,
                                    Qt.DockWidgetArea.RightDockWidgetArea)
        self.details_title = QLabel("Click a test image to see its full distribution.")
        self.details_title.setWordWrap(True)
        self.details_bars = ProbabilityBars(())
        self.send_to_canvas = QToolButton()
        self.send_to_canvas.setText("Send to canvas")
        self.send_to_canvas.setToolTip("Put this test image on the canvas to edit it")
        self.send_to_canvas.setEnabled(False)
        self.send_to_canvas.clicked.connect(self.send_selected_to_canvas)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        top.addWidget(self.details_title, 1)
        top.addWidget(self.send_to_canvas)
        details_layout.addLayout(top)
        details_layout.addWidget(self.details_bars, 1)
        self.details_dock = self._dock("Selected image", details,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.draw_panel = DrawPanel()
        self.canvas_dock = self._dock("Draw", self.draw_panel,
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.grid_dock, self.canvas_dock)
        self.grid_dock.raise_()
        self.snapshot_changed.connect(
            lambda snap: self.draw_panel.set_predictor(self.predictor, snap.dataset))
        self.draw_panel.logits_changed.connect(
            lambda logits: self.steps.set_example(logits, None, self.predictor.classes,
                                                  "Your drawing on the canvas (no true "
                                                  "class: no cross-entropy)"))
        self.resizeDocks([self.training_dock, self.grid_dock], [280, 560],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.grid_dock, self.details_dock], [480, 220],
                         Qt.Orientation.Vertical)

        self.weights = WeightsActions(self)
        self.weights_label = QLabel("Weights: none")
        self.weights_label.setToolTip("The weights the grid and the canvas use now")
        self.source_label = QLabel("Loading data…")
        self.device_label = QLabel()
        self.speed_label = QLabel()
        for label in (self.weights_label, self.source_label, self.device_label,
                      self.speed_label):
            self.statusBar().addPermanentWidget(label)
        self._build_actions()

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.file_menu = file_menu
        self._action(file_menu, "&Open weights…", self.weights.choose_and_open, "Ctrl+O",
                     "Load .safetensors, .pt, .onnx or .npz weights (validated first)")
        self._action(file_menu, "&Export weights…", self.weights.export, "Ctrl+S",
                     "Save the active weights as .safetensors, .pt, .onnx or .npz")
        file_menu.addSeparator()
        self._action(file_menu, "Choose dataset &folder…", self.choose_data_dir, "Ctrl+Shift+O",
                     "A folder with the four IDX files (raw or torchvision layout)")
        self._action(file_menu, "Open &image on canvas…", self._open_image_on_canvas,
                     "Ctrl+I", "Load a PNG/JPEG onto the drawing canvas (light backgrounds "
                     "are inverted)")
        file_menu.addSeparator()
        self._action(file_menu, "Export &plots as PNG…", self.export_plots, "Ctrl+Shift+P")
        self._action(file_menu, "Export &metrics as CSV…", self.export_csv, "Ctrl+Shift+M")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        train = menu.addMenu("&Train")
        # A lambda, not self.start: triggered(bool) would land in start(epochs=False).
        self.start_action = self._action(train, "&Start", lambda: self.start(), "Ctrl+Return",
                                         "Train a new run with the panel's settings")
        self.pause_action = self._action(train, "&Pause / Resume", self.toggle_pause, "Ctrl+P",
                                         "Hold the run between batches; resume where it was")
        self.stop_action = self._action(train, "S&top", self.stop, "Ctrl+.",
                                        "Stop after the current batch, keeping the weights")
        self.step_action = self._action(train, "Step one &epoch", self.step, "Ctrl+E",
                                        "Train one more epoch from the current weights")
        for button, action in ((self.start_button, self.start_action),
                               (self.pause_button, self.pause_action),
                               (self.stop_button, self.stop_action),
                               (self.step_button, self.step_action)):
            button.clicked.connect(action.trigger)
            button.setToolTip(f"{action.toolTip()} ({action.shortcut().toString()})")
        view = menu.addMenu("&View")
        for dock in (self.training_dock, self.grid_dock, self.details_dock, self.canvas_dock):
            view.addAction(dock.toggleViewAction())

    def _action(self, menu, text, slot, shortcut=None, tip="") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip or text.replace("&", "").rstrip("…"))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- data ---------------------------------------------------------------------------

    def load_dataset(self, name: str, data_dir: str | None = None) -> bool:
        """Load ``name`` (from ``data_dir`` or the usual sources); False with a banner on error."""
        folder = data_dir or (self.data_dir if name == "fashion-mnist" else None)
        try:
            dataset = data.load(name, folder)
        except (data.DatasetError, ValueError) as exc:
            self.show_error(f"Could not load {name}: {exc}")
            if self.dataset is not None:
                self.panel.set_config(self.panel.config().replace(dataset=self.dataset.name))
            return False
        self.dataset = dataset
        # Float copy made once per dataset: every epoch's snapshot is scored on all of it.
        self.test_images = dataset.test_images.numpy().astype(np.float32) / 255.0
        source = dataset.source
        kind = "BUNDLED SAMPLE" if source.is_sample else {
            "folder": "your folder", "cache": "user cache", "system": "system copy",
            "download": "downloaded"}[source.kind]
        self.source_label.setText(f"{dataset.spec.title} ({kind})")
        self.source_label.setStyleSheet("color:#b00; font-weight:bold" if source.is_sample else "")
        self.source_label.setToolTip(
            "The full dataset was not found: training uses the 6,000/1,000-image sample "
            "bundled with the app. Choose a folder (File menu) or install the dataset."
            if source.is_sample else dataset.describe())
        self.source_label.setToolTip(self.source_label.toolTip() + f"\n{source.path}")
        self.grid.set_dataset(dataset.test_images.numpy(), dataset.test_labels.numpy(),
                              dataset.classes)
        self.details_bars.set_classes(dataset.classes)
        if self.snapshot is not None and self.snapshot.dataset == dataset.name:
            self.set_snapshot(self.snapshot)
        elif not self.weights.load_default():  # other dataset's weights, or none yet
            self._clear_snapshot()
        return True

    def _clear_snapshot(self) -> None:
        """Drop weights that do not fit the loaded dataset."""
        self.snapshot = self.predictor = None
        self.grid.set_probabilities(None)
        self.draw_panel.set_predictor(None, self.dataset.name)
        self.weights_label.setText("Weights: none (train a model or open weights)")

    def choose_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the dataset's IDX files")
        if folder and self.load_dataset(self.panel.config().dataset, folder):
            self.data_dir = folder
            self.settings.setValue("data_dir", folder)

    # --- weights ------------------------------------------------------------------------

    def set_snapshot(self, snapshot: events.WeightSnapshot) -> None:
        """Make ``snapshot`` the active weights: grid, details and listeners update."""
        self.snapshot = snapshot
        self.predictor = Predictor(snapshot)
        if self.dataset is not None and len(snapshot.classes) == len(self.dataset.classes):
            if snapshot.test_logits is not None and snapshot.dataset == self.dataset.name:
                # Scored by the trainer at the epoch's end: no second pass in the GUI.
                probabilities = softmax_np(snapshot.test_logits)
            else:
                probabilities = self.predictor.probabilities(self.test_images)
            self.grid.set_probabilities(probabilities)
            self._update_insight(snapshot, probabilities)
            # Keep the details view live: the selected image, or the grid's first.
            selected = self.grid.canvas.selected
            if selected is None and len(self.grid.shown):
                selected = int(self.grid.shown[0])
            if selected is not None:
                self.show_details(selected, raise_dock=False)
        self.snapshot_changed.emit(snapshot)

    def _update_insight(self, snapshot, probabilities) -> None:
        """Refresh the visible insight view now; hidden ones when they are shown.

        Updating all of them costs ~60 ms a snapshot (bench/insight_update.py), time the
        GUI thread would take from the trainer; a hidden view has nothing to show.
        """
        self._insight_input = (snapshot, probabilities)
        self._stale = {self.templates, self.confusion, self.calibration}
        self._refresh_visible_insight()

    def _refresh_visible_insight(self) -> None:
        view = self.tabs.currentWidget()
        if view not in self._stale or self._insight_input is None:
            return
        self._stale.discard(view)
        snapshot, probabilities = self._insight_input
        labels = self.dataset.test_labels.numpy()
        if view is self.templates:
            self.templates.update_from(snapshot)
        elif view is self.confusion:
            self.confusion.update_from(labels, probabilities.argmax(1), self.dataset.classes)
        else:
            self.calibration.update_from(probabilities, labels, snapshot.epoch)

    def show_confusion_cell(self, true: int, predicted: int) -> None:
        """Filter the grid to the test images of one confusion-matrix cell."""
        if self.grid.probabilities is None:
            return
        labels = self.dataset.test_labels.numpy()
        chosen = np.flatnonzero((labels == true)
                                & (self.grid.probabilities.argmax(1) == predicted))
        names = self.dataset.classes
        self.grid.filter.setCurrentIndex(0)
        self.grid.show_only(chosen, f"{len(chosen)} {names[true]} predicted as "
                                    f"{names[predicted]}")
        self.grid_dock.raise_()

    def load_saved_run(self, run) -> None:
        try:
            snapshot = run.weights()
        except Exception as exc:  # noqa: BLE001 - a damaged run folder: say so, keep going
            self.show_error(f"Could not load run {run.id}: {exc}")
            return
        if snapshot.dataset != self.dataset.name:
            self.show_error(f"Run {run.info.get('label')} was trained on {snapshot.dataset}; "
                            "switch the dataset first.")
            return
        self.weights.activate(snapshot, f"saved run {run.info.get('label', run.id)}",
                              run.info.get("config", {}))

    def _save_run(self, finished: events.Finished) -> None:
        """Keep a finished run (config, curves, weights) in the runs folder."""
        plot_run = self.plots.current
        if plot_run is None or not plot_run.epochs or self.snapshot is None:
            return
        epochs = [{"epoch": e, **{k: v[i] for k, v in plot_run.metrics.items()}}
                  for i, e in enumerate(plot_run.epochs)]
        seconds = float(sum(plot_run.metrics["seconds"]))
        try:
            saved = self.run_store.save(self.weights.config, epochs, plot_run.batch_x,
                                        plot_run.batch_loss, self.snapshot, seconds,
                                        plot_run.label)
            if (old := self._saved_runs.get(plot_run.number)) is not None:
                self.run_store.delete(old)  # a Step extended this run: keep one entry
        except OSError as exc:
            self.show_error(f"The run finished but could not be saved: {exc}")
            return
        self._saved_runs[plot_run.number] = saved
        self.runs_view.refresh()

    def _open_image_on_canvas(self) -> None:
        self.canvas_dock.raise_()
        self.draw_panel.open_file()

    def send_selected_to_canvas(self) -> None:
        """Put the selected test image on the canvas, to edit and watch the prediction."""
        index = self.grid.canvas.selected
        if self.dataset is not None and index is not None:
            self.draw_panel.set_image(self.dataset.test_images[index].numpy())
            self.canvas_dock.raise_()

    def show_details(self, index: int, raise_dock: bool = True) -> None:
        if self.dataset is None:
            return
        self.grid.canvas.selected = index
        self.send_to_canvas.setEnabled(True)
        label = int(self.dataset.test_labels[index])
        name = self.dataset.classes[label]
        if self.predictor is None:
            self.details_title.setText(f"Test image #{index}: {name}. No model yet.")
            return
        logits = self.predictor.logits(self.test_images[index])
        p = softmax_np(logits)
        self.steps.set_example(logits, label, self.dataset.classes,
                               f"Test image #{index} (true class: {name})")
        verdict = "right" if p.argmax() == label else "WRONG"
        self.details_title.setText(f"Test image #{index}: true class {name}; the model says "
                                   f"{self.dataset.classes[p.argmax()]} ({verdict}).")
        self.details_bars.set_probabilities(p, true_class=label)
        if raise_dock:
            self.details_dock.raise_()

    # --- training -----------------------------------------------------------------------

    def start(self, epochs: int | None = None, continue_current: bool = False) -> bool:
        """Start a run from the panel's settings; returns False (with a message) if it can't."""
        if self.controller.running:
            return False
        try:
            config = self.panel.config()
            if epochs is not None:
                config = config.replace(epochs=epochs)
        except ValueError as exc:
            self.show_error(f"Invalid setting: {exc}")
            return False
        if self.dataset is None or self.dataset.name != config.dataset:
            if not self.load_dataset(config.dataset):
                return False
        initial = None
        if continue_current and self.snapshot is not None:
            if (can_continue(self.snapshot.model, config.model)
                    and self.snapshot.dataset == config.dataset):
                initial = self.snapshot
            else:
                continue_current = False
        self.banner.hide()
        worker = self.controller.start(config, self.dataset, initial)
        worker.started.connect(self._on_started)
        worker.batches.connect(self._on_batches)
        worker.epoch.connect(self._on_epoch)
        worker.snapshot.connect(self._on_run_snapshot)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        run = self.plots.begin_run(config.summary(), config.epochs,
                                   continue_current=continue_current)
        self._run_label = f"run #{run.number}"
        self.weights.config = config.to_dict()
        self._run_started_at = time.monotonic()
        self.progress.setFormat("Starting…")
        self.controller.launch()
        return True

    def _on_run_snapshot(self, snapshot: events.WeightSnapshot) -> None:
        self.set_snapshot(snapshot)
        self.weights.set_label(f"{self._run_label}, epoch {snapshot.epoch:g}", snapshot)

    def step(self) -> None:
        self.start(epochs=1, continue_current=True)

    def toggle_pause(self) -> None:
        if self.controller.running:
            paused = not self.controller.paused
            self.controller.set_paused(paused)
            self.pause_button.setText("Resume" if paused else "Pause")
            self.progress.setFormat("Paused — " + self.progress.format() if paused
                                    else self.progress.format().replace("Paused — ", ""))

    def stop(self) -> None:
        self.controller.stop()

    def _set_running(self, running: bool) -> None:
        self.panel.setEnabled(not running)
        for widget in (self.start_button, self.step_button, self.start_action, self.step_action):
            widget.setEnabled(not running)
        for widget in (self.pause_button, self.stop_button, self.pause_action, self.stop_action):
            widget.setEnabled(running)
        self.pause_button.setText("Pause")
        if not running and self._result is not None:
            # Announced only once the thread has ended and the controls are back.
            result, self._result = self._result, None
            self.run_finished.emit(result)

    def _on_started(self, event: events.Started) -> None:
        # The ETA counts from here: the first run may have waited for the trainer to spawn.
        self._run_started_at = time.monotonic()
        self.device_label.setText(f"Device: {event.device_name}")
        self._batches_per_epoch, self._epochs = event.batches_per_epoch, event.epochs
        self.progress.setRange(0, event.batches_per_epoch * event.epochs)
        self.progress.setValue(0)

    def _on_batches(self, event: events.BatchMetrics) -> None:
        self.plots.add_batches(event)
        now = time.monotonic()
        if now - self._progress_at < PROGRESS_INTERVAL_S and event.batch != self._batches_per_epoch:
            return
        self._progress_at = now
        done = (event.epoch - 1) * self._batches_per_epoch + event.batch
        total = self.progress.maximum()
        eta = (now - self._run_started_at) / max(done, 1) * (total - done)
        prefix = "Paused — " if self.controller.paused else ""
        # Format first: the value's synchronous repaint then shows both at once.
        self.progress.setFormat(f"{prefix}Epoch {event.epoch}/{self._epochs} — ETA {_clock(eta)}")
        self.progress.setValue(done)

    def _on_epoch(self, event: events.EpochMetrics) -> None:
        self.plots.add_epoch(event)
        self.speed_label.setText(f"{event.samples_per_s:,.0f} samples/s")
        self.statusBar().showMessage(
            f"Epoch {event.epoch}/{event.epochs}: test accuracy {event.test_acc:.2%}, "
            f"train loss {event.train_loss:.3f}", 5000)

    def _on_finished(self, event: events.Finished) -> None:
        self.progress.setValue(self.progress.maximum() if not event.stopped
                               else self.progress.value())
        accuracy = f"test accuracy {event.test_acc:.2%}" if event.test_acc is not None else ""
        self.progress.setFormat(("Stopped" if event.stopped else "Done") +
                                f" — {event.epoch:g} epochs, {event.train_seconds:.1f} s")
        self.statusBar().showMessage(f"Run {'stopped' if event.stopped else 'finished'}: "
                                     f"{accuracy}", 10000)
        self._result = event
        self._save_run(event)

    def _on_failed(self, event: events.Failed) -> None:
        self.progress.setFormat("Failed")
        self.show_error(event.message)
        self._result = event

    def show_error(self, message: str) -> None:
        """Show ``message`` in the window's banner (non-modal: the app keeps working)."""
        self.banner.setText(message)
        self.banner.show()
        self.statusBar().showMessage(message, 10000)

    # --- exports ------------------------------------------------------------------------

    def export_plots(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plots", "training.png", "PNG (*.png)")
        if path:
            self._guarded(lambda: self.plots.export_png(path), f"Saved the plots to {path}")

    def export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", "metrics.csv", "CSV (*.csv)")
        if path:
            self._guarded(lambda: self.plots.export_csv(path), f"Saved the metrics to {path}")

    def _guarded(self, action, success: str) -> bool:
        try:
            action()
        except (OSError, ValueError) as exc:
            self.show_error(str(exc))
            return False
        self.statusBar().showMessage(success, 5000)
        return True

    # --- lifecycle ----------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Stop and join the training thread: no "QThread destroyed while running". Let a
        # torch import still in progress finish: interpreter shutdown under it can crash.
        self.controller.shutdown()
        self._torch_thread.join(30)
        self.panel.save_settings(self.settings)
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        super().closeEvent(event)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
