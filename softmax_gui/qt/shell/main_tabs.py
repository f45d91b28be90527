"""The central tabs: the curves, what the model learned, and the runs, bound to a session.

Updating every insight view costs ~60 ms a snapshot (bench/insight_update.py), time the
GUI thread would take from the trainer; a hidden view has nothing to show, so only the
visible one updates and the others catch up when they are shown.
"""

from __future__ import annotations

from PySide6.QtWidgets import QProxyStyle, QStyle, QTabWidget, QVBoxLayout, QWidget

from softmax_gui.qt.curves.curves_view import PlotsView
from softmax_gui.qt.insight.confusion_calibration import CalibrationView, ConfusionView
from softmax_gui.qt.insight.softmax_view import SoftmaxStepsView
from softmax_gui.qt.insight.timeline import TimelineBar
from softmax_gui.qt.insight.weights_view import WeightTemplates
from softmax_gui.qt.lab.lab_view import LabView
from softmax_gui.qt.runs.runs_view import RunsView
from softmax_gui.qt.state.session import Example, Session


class CompactTabs(QProxyStyle):
    """The application's style with less space around each tab's title."""

    def pixelMetric(self, metric, option=None, widget=None):  # noqa: N802 - Qt's name
        value = super().pixelMetric(metric, option, widget)
        if metric == QStyle.PixelMetric.PM_TabBarTabHSpace:
            return max(value - 16, 6)
        return value


class MainTabs(QTabWidget):
    """Curves, Weights, Confusion, Calibration, Softmax, Lab and Runs."""

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.plots = PlotsView(session.settings)  # its smoothing and log axis
        self.templates = WeightTemplates(session.tasks)
        self.confusion = ConfusionView()
        self.calibration = CalibrationView()
        self.steps = SoftmaxStepsView()
        self.runs = RunsView(session.runs.store)
        self.lab = LabView(session)
        self.setAccessibleName("Views")
        for widget, name in ((self.plots.graphics, "Training curves"),
                             (self.plots.run_list, "Runs on the plots"),
                             (self.templates.graphics, "Weight templates"),
                             (self.confusion.table, "Per-class precision, recall, F1, support"),
                             (self.calibration.diagram, "Reliability diagram"),
                             (self.calibration.history, "ECE per epoch"),
                             (self.steps.table, "Softmax steps"),
                             (self.runs.table, "Saved runs"),
                             (self.lab.same_batches.graphics, "Implementations per step"),
                             (self.lab.pitfall.graphics, "Pitfall against correct, per epoch"),
                             (self.lab.microscope.graphics, "Gradient microscope")):
            widget.setAccessibleName(name)
        # Seven tabs must fit beside the docks of a 1024-wide window without scroll arrows.
        # Narrower tabs by a proxy style: a style sheet (even on the bar alone) stops the
        # pages from following the palette, and the dark theme with it.
        self._compact = CompactTabs()
        self.tabBar().setStyle(self._compact)
        self._views: dict[QWidget, QWidget] = {}  # a page -> the insight view it holds
        self.timelines: list[TimelineBar] = []
        for widget, title, tip in (
                (self.plots, "Curves", "Loss and accuracy, live"),
                (self._with_timeline(self.templates), "Weights",
                 "What each class looks for: the rows of W"),
                (self._with_timeline(self.confusion), "Confusion",
                 "Which classes are mistaken for which"),
                (self._with_timeline(self.calibration), "Calibration",
                 "Are the probabilities honest?"),
                (self.steps, "Softmax", "The softmax step by step: from logits to "
                 "cross-entropy"),
                (self.lab, "Lab", "The implementations side by side, the nn.Softmax "
                 "pitfall, one minibatch under the microscope"),
                (self.runs, "Runs", "Every finished run, kept on disk")):
            self.setTabToolTip(self.addTab(widget, title), tip)
        self._stale: set = set()
        self.currentChanged.connect(self._refresh_visible)

        runs = session.runs
        runs.histories_changed.connect(lambda: self.plots.sync(runs.histories))
        runs.run_started.connect(self.plots.begin)
        runs.batches.connect(lambda history, _: self.plots.update_batches(history))
        runs.epoch_ended.connect(lambda history, _: self.plots.update_epochs(history))
        self.plots.remove_requested.connect(runs.remove_history)
        self.plots.shown_changed.connect(runs.set_shown)
        runs.finished.connect(lambda _: self.plots.run_ended())
        session.weights_changed.connect(self._weights_changed)
        runs.timeline.viewed_changed.connect(lambda: self._weights_changed(session.weights))
        self.confusion.cell_clicked.connect(session.show_confusion_cell)
        session.example_changed.connect(self._examine)
        session.drawing_cleared.connect(self.steps.forget_drawing)
        self.runs.overlay_requested.connect(runs.overlay)
        self.runs.delete_requested.connect(runs.delete_saved_runs)
        runs.saved_runs_changed.connect(self.runs.refresh)

    def _with_timeline(self, view: QWidget) -> QWidget:
        """``view`` above a timeline slider, as one tab's page."""
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(view, 1)
        bar = TimelineBar(self.session.runs.timeline)
        layout.addWidget(bar)
        self.timelines.append(bar)
        self._views[page] = view
        return page

    def _weights_changed(self, weights) -> None:
        weights = self.session.runs.timeline.viewed or weights
        self._stale = {self.templates, self.confusion, self.calibration} if weights else set()
        self._refresh_visible()

    def _refresh_visible(self) -> None:
        view = self._views.get(self.currentWidget(), self.currentWidget())
        weights = self.session.runs.timeline.viewed or self.session.weights
        if view not in self._stale or weights is None:
            return
        self._stale.discard(view)
        labels = self.session.dataset.test_labels.numpy()
        p = weights.probabilities
        if view is self.templates:
            self.templates.update_from(weights.snapshot)
        elif view is self.confusion:
            self.confusion.update_from(labels, p.argmax(1), self.session.dataset.classes)
        else:
            runs, timeline = self.session.runs, self.session.runs.timeline
            run = next((h for h in runs.histories if h.number == weights.run), None)
            metrics = run.epochs if run is not None else (
                timeline.metrics if timeline.run == weights.run else [])
            self.calibration.update_from(p, labels, weights.snapshot.epoch, metrics)

    def _examine(self, example: Example) -> None:
        self.steps.set_example(example.logits, example.label, self.session.dataset.classes,
                               example.title, tempered=example.on_canvas)
