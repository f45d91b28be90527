"""The main window: layout, menus and wiring. The state lives in the session.

Every view is built here and connected to the :class:`~softmax_gui.qt.session.Session`;
views never talk to each other (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import trainer_process
from softmax_gui.qt import file_dialogs
from softmax_gui.qt.banner import Banner
from softmax_gui.qt.details import SelectedImageDetails
from softmax_gui.qt.draw_panel import DrawPanel
from softmax_gui.qt.main_tabs import MainTabs
from softmax_gui.qt.run_controls import RunControls
from softmax_gui.qt.sample_grid import SampleGrid
from softmax_gui.qt.session import Problem, Session
from softmax_gui.qt.weights_actions import WeightsActions
from softmax_gui.runs import RunStore

DEFAULT_SIZE = (1366, 740)
# Bumped when the docks change: a layout saved by another version is not restored.
LAYOUT_VERSION = 2


class MainWindow(QMainWindow):
    """Softmax Studio's window; ``session`` holds what it shows."""

    def __init__(self, settings: QSettings, data_dir: str | None = None,
                 runs: RunStore | None = None, engine=None):
        super().__init__()
        self.settings = settings
        self.setWindowTitle("Softmax Studio")
        self.resize(*DEFAULT_SIZE)
        # Training runs in the shared trainer process unless told otherwise: in this
        # process it would share the GIL with the painting and take ~2x as long.
        self.session = Session(settings, runs, engine or trainer_process.shared().train,
                               data_dir, self)
        self._build_views()
        self._build_docks()
        self._build_status_bar()
        self._build_menus()
        self._wire()
        self.controls.panel.restore_settings(settings)
        self._restore_layout()
        self.session.start_up(self.controls.panel.config().dataset)

    # --- layout ---------------------------------------------------------------------------

    def _build_views(self) -> None:
        session = self.session
        self.banner = Banner()
        self.tabs = MainTabs(session)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.controls = RunControls(session)
        self.grid = SampleGrid()
        self.details = SelectedImageDetails(session)
        self.draw_panel = DrawPanel(session.tasks, self.settings)
        self.weights_actions = WeightsActions(session, self, self.settings)

    def _build_docks(self) -> None:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.controls)
        # Never narrower than the panel's labels and fields: on a small screen it
        # scrolls rather than being squeezed until they are clipped.
        scroll.setMinimumWidth(self.controls.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 4)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.training_dock = self._dock("Training", scroll, left)
        self.grid_dock = self._dock("Test images and predictions", self.grid, right)
        self.details_dock = self._dock("Selected image", self.details, right)
        self.canvas_dock = self._dock("Draw", self.draw_panel, right)
        self.tabifyDockWidget(self.grid_dock, self.canvas_dock)
        self.grid_dock.raise_()
        self.resizeDocks([self.training_dock, self.grid_dock], [280, 560],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.grid_dock, self.details_dock], [480, 220],
                         Qt.Orientation.Vertical)

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.busy_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: long work of unknown length
        self.busy_bar.setMaximumWidth(90)
        self.busy_bar.setMaximumHeight(14)
        self.weights_label = QLabel("Weights: none")
        self.source_label = QLabel("Loading data…")
        self.device_label = QLabel()
        self.speed_label = QLabel()
        for widget in (self.busy_label, self.busy_bar, self.weights_label, self.source_label,
                       self.device_label, self.speed_label):
            bar.addPermanentWidget(widget)
        self._set_busy("Loading PyTorch…")

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        weights = self.weights_actions
        self._action(file, "&Open weights…", weights.choose_and_open, "Ctrl+O",
                     "Load .safetensors, .pt, .onnx or .npz weights (validated first)")
        self.export_action = self._action(
            file, "&Export weights…", weights.choose_and_export, "Ctrl+S",
            "Save the active weights as .safetensors, .pt, .onnx or .npz")
        file.addSeparator()
        self._action(file, "Choose dataset &folder…",
                     lambda: self.choose_dataset_folder(self.controls.panel.config().dataset),
                     "Ctrl+Shift+O", "A folder with the four IDX files of the dataset "
                     "chosen in the panel (raw or torchvision layout)")
        self._action(file, "Open &image on canvas…", self._open_image, "Ctrl+I",
                     "Load a PNG/JPEG onto the drawing canvas (light backgrounds are "
                     "inverted)")
        file.addSeparator()
        self._action(file, "Export &plots as PNG…", self._export_plots, "Ctrl+Shift+P",
                     "Save the loss and accuracy plots as an image")
        self._action(file, "Export &metrics as CSV…", self._export_csv, "Ctrl+Shift+M",
                     "Save every run's per-epoch figures as a table")
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit, "Quit")
        train = menus.addMenu("&Train")
        for action in self.controls.actions:
            train.addAction(action)
        view = menus.addMenu("&View")
        for dock in (self.training_dock, self.grid_dock, self.details_dock, self.canvas_dock):
            view.addAction(dock.toggleViewAction())

    def _action(self, menu, text, slot, shortcut, tip) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda: slot())  # never triggered(bool) into a parameter
        menu.addAction(action)
        return action

    # --- wiring ---------------------------------------------------------------------------

    def _wire(self) -> None:
        session, grid, draw = self.session, self.grid, self.draw_panel
        session.tasks.busy_changed.connect(self._set_busy)
        session.problem.connect(self.banner.show_problem)
        session.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        session.dataset_changed.connect(self._dataset_changed)
        session.dataset_folder_wanted.connect(self.choose_dataset_folder)
        session.weights_changed.connect(self._weights_changed)
        session.selection_changed.connect(grid.view.set_selected)
        session.examples_requested.connect(self._show_examples)
        session.canvas_image_requested.connect(self._to_canvas)
        session.runs.engine_started.connect(
            lambda event: self.device_label.setText(f"Device: {event.device_name}"))
        session.runs.epoch_ended.connect(self._epoch_ended)
        session.runs.run_started.connect(lambda _: self.banner.hide())
        grid.clicked.connect(self._select)
        self.tabs.runs.load_requested.connect(self.weights_actions.load_saved_run)
        draw.examined.connect(session.examine_drawing)

    def _dataset_changed(self, dataset) -> None:
        self.banner.hide()
        self.grid.set_dataset(dataset.test_images.numpy(), dataset.test_labels.numpy(),
                              dataset.classes)
        source = dataset.source
        kind = "BUNDLED SAMPLE" if source.is_sample else {
            "folder": "your folder", "cache": "user cache", "system": "system copy",
            "download": "downloaded"}[source.kind]
        self.source_label.setText(f"{dataset.spec.title} ({kind})")
        self.source_label.setStyleSheet("color:#b00; font-weight:bold" if source.is_sample
                                        else "")
        self.source_label.setToolTip(
            ("The full dataset was not found: training uses the 6,000/1,000-image sample "
             "bundled with the app. Choose a folder (File menu) or install the dataset."
             if source.is_sample else dataset.describe()) + f"\n{source.path}")

    def _weights_changed(self, weights) -> None:
        self.export_action.setEnabled(weights is not None)
        self.grid.set_probabilities(None if weights is None else weights.probabilities)
        self.draw_panel.set_predictor(None if weights is None else weights.predictor,
                                      self.session.dataset.name)
        if weights is None:
            self.weights_label.setText("Weights: none (train a model or open weights)")
            self.weights_label.setToolTip("")
            return
        snapshot = weights.snapshot
        self.weights_label.setText(f"Weights: {weights.description}")
        self.weights_label.setToolTip(
            f"Active weights: {weights.label}\nmodel {snapshot.model}, dataset "
            f"{snapshot.dataset}\nThe grid, the canvas and the insight tabs use them.")

    def _epoch_ended(self, history, event) -> None:
        self.speed_label.setText(f"{event.samples_per_s:,.0f} samples/s")
        self.statusBar().showMessage(
            f"Run #{history.number}, epoch {event.epoch}/{event.epochs}: test accuracy "
            f"{event.test_acc:.2%}, train loss {event.train_loss:.3f}", 5000)

    def _set_busy(self, text: str) -> None:
        self.busy_label.setText(text)
        self.busy_label.setVisible(bool(text))
        self.busy_bar.setVisible(bool(text))

    def _select(self, index: int) -> None:
        self.session.select(index)
        self.details_dock.raise_()

    def _show_examples(self, indices, description: str) -> None:
        self.grid.show_only(indices, description)
        self.grid_dock.raise_()

    def _to_canvas(self, image) -> None:
        self.draw_panel.set_image(image)
        self.canvas_dock.raise_()

    # --- dialogs --------------------------------------------------------------------------

    def choose_dataset_folder(self, name: str) -> None:
        """Ask for the folder of dataset ``name`` and load it from there."""
        from softmax_gui.datasets_registry import get_spec

        file_dialogs.ask(self, self.settings, "dataset",
                         f"Folder with the {get_spec(name).title} IDX files",
                         lambda folder, _: self.session.load_dataset(name, folder),
                         folder=True)

    def _open_image(self) -> None:
        self.canvas_dock.raise_()
        self.draw_panel.open_file()

    def _export_plots(self) -> None:
        def save(path: str, _) -> None:
            try:
                self.tabs.plots.export_png(path)
            except OSError as exc:
                self.banner.show_problem(Problem(f"Could not save the plots: {exc}"))
                return
            self.statusBar().showMessage(f"Saved the plots to {path}", 5000)

        file_dialogs.ask(self, self.settings, "plots", "Export plots", save, ["PNG (*.png)"],
                         save_as="training.png")

    def _export_csv(self) -> None:
        file_dialogs.ask(self, self.settings, "metrics", "Export metrics",
                         lambda path, _: self.session.runs.export_csv(path), ["CSV (*.csv)"],
                         save_as="metrics.csv")

    # --- lifecycle ------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        if self.settings.value("window/layout_version") != str(LAYOUT_VERSION):
            return
        for key, restore in (("window/geometry", self.restoreGeometry),
                             ("window/state", self.restoreState)):
            value = self.settings.value(key)
            if value is not None:
                restore(value)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Stop and join the training thread (no "QThread destroyed while running"), and
        # let background work (a torch import, an export) finish first.
        self.session.shutdown()
        self.controls.panel.save_settings(self.settings)
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/layout_version", str(LAYOUT_VERSION))
        self.settings.sync()
        super().closeEvent(event)
