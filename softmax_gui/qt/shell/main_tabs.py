"""The central tabs: the curves, what the model learned, and the runs.

Each view binds itself to the session it is given; this only lays them out (with a
timeline slider under the insight views).
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from softmax_gui.qt.curves.curves_view import PlotsView
from softmax_gui.qt.insight.confusion_calibration import CalibrationView, ConfusionView
from softmax_gui.qt.insight.softmax_view import SoftmaxStepsView
from softmax_gui.qt.insight.timeline import TimelineBar
from softmax_gui.qt.insight.weights_view import WeightTemplates
from softmax_gui.qt.lab.lab_view import LabView
from softmax_gui.qt.runs.runs_view import RunsView
from softmax_gui.qt.shell.compact_tabs import CompactTabs
from softmax_gui.qt.state.session import Session


class MainTabs(QTabWidget):
    """Curves, Weights, Confusion, Calibration, Softmax, Lab and Runs."""

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.plots = PlotsView(session)
        self.templates = WeightTemplates(session)
        self.confusion = ConfusionView(session)
        self.calibration = CalibrationView(session)
        self.steps = SoftmaxStepsView(session)
        self.runs = RunsView(session)
        self.lab = LabView(session)
        self.setAccessibleName("Views")
        for widget, name in ((self.plots.graphics, "Training curves"),
                             (self.plots.run_list, "Runs on the plots"),
                             (self.templates.graphics, "Weight templates"),
                             (self.confusion.table, "Per-class precision, recall, F1, support"),
                             (self.calibration.diagram, "Reliability diagram"),
                             (self.calibration.history, "ECE per epoch"),
                             (self.steps.table, "Softmax steps"),
                             (self.runs.tree, "Saved runs and sweeps"),
                             (self.lab.same_batches.graphics, "Implementations per step"),
                             (self.lab.pitfall.graphics, "Pitfall against correct, per epoch"),
                             (self.lab.microscope.graphics, "Gradient microscope")):
            widget.setAccessibleName(name)
        # Seven tabs must fit beside the docks of a 1024-wide window without scroll arrows.
        # Narrower tabs by a proxy style: a style sheet (even on the bar alone) stops the
        # pages from following the palette, and the dark theme with it.
        self._compact = CompactTabs()
        self.tabBar().setStyle(self._compact)
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
                 "pitfall, one minibatch under the microscope, sweeps of many runs, and "
                 "the Playground: softmax regression on a plane"),
                (self.runs, "Runs", "Every finished run and sweep, kept on disk")):
            self.setTabToolTip(self.addTab(widget, title), tip)

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
        return page

    def show_playground(self) -> None:
        """The Lab's Playground page in front (View > Playground)."""
        self.setCurrentWidget(self.lab)
        self.lab.setCurrentWidget(self.lab.playground)
