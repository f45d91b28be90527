"""The main window: docks, menus and dialogs. The state lives in the session.

Every view is given the :class:`~softmax_gui.qt.state.session.Session` and binds itself
to it; views never talk to each other (docs/ARCHITECTURE.md). The window only lays them
out, raises the dock that shows what the user asked for, and owns the menus.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from softmax_gui import trainer_process
from softmax_gui.qt.draw.draw_view import DrawPanel
from softmax_gui.qt.explain.explain_view import ExplainView
from softmax_gui.qt.own_data.import_dialog import ImportImages
from softmax_gui.qt.runs.take_away import TakeAway
from softmax_gui.qt.runs.weights_actions import WeightsActions
from softmax_gui.qt.shell import file_dialogs, theme
from softmax_gui.qt.shell.banner import Banner
from softmax_gui.qt.shell.last_session import LastSession
from softmax_gui.qt.shell.main_tabs import MainTabs
from softmax_gui.qt.shell.status_bar import SessionStatusBar
from softmax_gui.qt.shell.theme_menu import remembered
from softmax_gui.qt.shell.window_menus import build_menus
from softmax_gui.qt.state.session import Session
from softmax_gui.qt.test_images.grid import SampleGrid
from softmax_gui.qt.test_images.selected_image import SelectedImageDetails
from softmax_gui.qt.training.run_controls import RunControls
from softmax_gui.runs import RunStore
from softmax_gui.safe_files import WriteError

DEFAULT_SIZE = (1366, 740)
# Bumped when the docks change: a layout saved by another version is not restored.
LAYOUT_VERSION = 3


class MainWindow(QMainWindow):
    """Softmax Studio's window; ``session`` holds what it shows."""

    def __init__(self, settings: QSettings, data_dir: str | None = None,
                 runs: RunStore | None = None, engine=None, dataset=None):
        super().__init__()
        self.settings = settings
        self.setWindowTitle("Softmax Studio")
        # Never larger than the screen: 1366 px on a 1280-pixel screen cut the right edge.
        # (The offscreen platform's 800x600 is nobody's screen: screenshots keep the size.)
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None and \
            QGuiApplication.platformName() != "offscreen" else None
        self.resize(min(DEFAULT_SIZE[0], room.width() if room else DEFAULT_SIZE[0]),
                    min(DEFAULT_SIZE[1], room.height() if room else DEFAULT_SIZE[1]))
        self.first_theme = remembered(settings)
        theme.apply(self.first_theme)  # before the plots are made: they take its colours
        # Training runs in the shared trainer process unless told otherwise: in this
        # process it would share the GIL with the painting and take ~2x as long.
        self.session = Session(settings, runs, engine or trainer_process.shared().train,
                               data_dir, self, loaded=dataset)
        self._build_views()
        self._build_docks()
        self.status = SessionStatusBar(self.session)
        self.setStatusBar(self.status)
        self.import_images = ImportImages(self.session, self)
        self.take_away = TakeAway(self.session, self)
        build_menus(self)
        self._wire()
        self.controls.panel.restore_settings(settings)
        self.last_session = LastSession(settings, self.session, self.weights_actions,
                                        self.controls.panel, self.draw_panel, self)
        self._restore_layout()
        self.session.start_up(self.controls.panel.config().dataset)

    # --- layout ---------------------------------------------------------------------------

    def _build_views(self) -> None:
        session = self.session
        self.tabs = MainTabs(session)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs, 1)
        self.banner = Banner(session, central)  # at the tabs' foot, in room kept free
        self.banner.room_changed.connect(lambda room: layout.setContentsMargins(
            4, 4, 4, 4 + room))
        self.setCentralWidget(central)
        self.controls = RunControls(session)
        self.grid = SampleGrid(session)
        self.details = SelectedImageDetails(session)
        self.draw_panel = DrawPanel(session)
        self.explain = ExplainView(session)
        self.weights_actions = WeightsActions(session, self, self.settings)

    def _build_docks(self) -> None:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.controls)
        scroll.setAccessibleName("Training settings")
        # Never narrower than the panel's labels and fields: on a small screen it
        # scrolls rather than being squeezed until they are clipped.
        scroll.setMinimumWidth(self.controls.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 4)
        self.training_dock = self._dock("Training", scroll)
        self.grid_dock = self._dock("Test images", self.grid)
        self.details_dock = self._dock("Selected image", self.details)
        self.canvas_dock = self._dock("Draw", self.draw_panel)
        # Scrolls on a small screen rather than growing the window past it.
        explain = QScrollArea()
        explain.setWidgetResizable(True)
        explain.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        explain.setWidget(self.explain)
        explain.setAccessibleName("Explain the prediction")
        self.explain_dock = self._dock("Explain", explain)
        self.reset_layout()

    def reset_layout(self) -> None:
        """The first layout (View > Reset layout brings it back), sized for the window."""
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        size = self.size()
        docks = ((self.training_dock, left), (self.grid_dock, right),
                 (self.details_dock, right), (self.canvas_dock, right),
                 (self.explain_dock, right))
        for dock, _ in docks:
            # Out first: re-adding tabbed docks leaves a second, stale tab bar behind.
            self.removeDockWidget(dock)
        for dock, area in docks:
            dock.setFloating(False)
            self.addDockWidget(area, dock)
            dock.show()
        self.tabifyDockWidget(self.grid_dock, self.canvas_dock)
        # Beside them, not below: a second tabbed group made the right column taller
        # than a 700-pixel screen. The Draw dock shows the evidence on its own input.
        self.tabifyDockWidget(self.canvas_dock, self.explain_dock)
        # The three right docks, stacked for a moment, needed more height than a small
        # screen has, and the window grew: back to the size it had, once the layout knows
        # the docks are tabbed.
        self.layout().activate()
        self.resize(size)
        self.grid_dock.raise_()
        self.resizeDocks([self.training_dock, self.grid_dock],
                         [280, round(0.32 * self.width())], Qt.Orientation.Horizontal)
        self.resizeDocks([self.grid_dock, self.details_dock],
                         [round(0.65 * self.height()), round(0.3 * self.height())],
                         Qt.Orientation.Vertical)

    def _dock(self, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        return dock

    def _wire(self) -> None:
        """What the window itself does when the session asks: raise the dock that shows
        it, open a dialog, enable its menu."""
        session = self.session
        session.dataset_folder_wanted.connect(self.choose_dataset_folder)
        session.examples_requested.connect(lambda *_: self.grid_dock.raise_())
        session.canvas_image_requested.connect(lambda _: self.canvas_dock.raise_())
        self.grid.clicked.connect(lambda _: self.details_dock.raise_())
        # Raised (its tab clicked, an image sent to it), the canvas takes the keyboard:
        # B, E, F, Ctrl+Z and Delete work at once.
        self.canvas_dock.visibilityChanged.connect(
            lambda shown: shown and self.draw_panel.canvas.setFocus())
        session.state.events.weights.connect(self._weights_changed)  # bound: held weakly

    def _weights_changed(self, weights) -> None:
        for action in (self.export_action, self.script_action, self.report_action):
            action.setEnabled(weights is not None)

    # --- dialogs --------------------------------------------------------------------------

    def choose_dataset_folder(self, name: str) -> None:
        """Ask for the folder of dataset ``name`` and load it from there."""
        from softmax_gui.datasets_registry import get_spec

        file_dialogs.ask(self, self.settings, "dataset",
                         f"Folder with the {get_spec(name).title} IDX files",
                         lambda folder, _: self.session.load_dataset(name, folder),
                         folder=True)

    def open_image(self) -> None:
        self.canvas_dock.raise_()
        self.draw_panel.files.choose()

    def export_plots(self) -> None:
        def save(path: str, _) -> None:
            try:
                self.tabs.plots.export_png(path)
            except WriteError as exc:
                self.session.report(f"Could not save the plots: {exc}.")
                return
            self.session.message.emit(f"Saved the plots to {path}")

        file_dialogs.ask(self, self.settings, "plots", "Export plots", save, ["PNG (*.png)"],
                         save_as="training.png")

    def export_csv(self) -> None:
        file_dialogs.ask(self, self.settings, "metrics", "Export metrics",
                         lambda path, _: self.session.archive.export_csv(path), ["CSV (*.csv)"],
                         save_as="metrics.csv")

    # --- lifecycle ------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        if self.settings.value("window/layout_version") != str(LAYOUT_VERSION):
            return
        for key, restore in (("window/geometry", self.restoreGeometry),
                             ("window/state", self.restoreState)):
            value = self.settings.value(key)
            # Only what saveGeometry/saveState wrote: "hello" or a list there raised a
            # TypeError at every launch.
            if isinstance(value, (QByteArray, bytes)):
                restore(value)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # The docks on the right keep their share of the window's width (Qt would give
        # the whole change to the centre), so a layout squeezed on a small screen opens
        # out again in a larger window.
        old, new = event.oldSize().width(), event.size().width()
        # A dock behind another's tab still says it is visible (and keeps a stale width):
        # measure one that shows.
        right = next((d for d in (self.details_dock, self.grid_dock, self.canvas_dock,
                                  self.explain_dock)
                      if not d.visibleRegion().isEmpty() and not d.isFloating()), None)
        share = right.width() / old if right is not None and old > 0 else None
        super().resizeEvent(event)
        if share and old != new:
            self.resizeDocks([right], [round(share * new)], Qt.Orientation.Horizontal)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Stop and join the training thread (no "QThread destroyed while running"), and
        # let background work (a torch import, an export) finish first.
        self.session.shutdown()
        self.last_session.remember()  # the panel's values too
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/layout_version", str(LAYOUT_VERSION))
        self.settings.sync()
        super().closeEvent(event)
