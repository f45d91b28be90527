"""A view that is gone is gone: the state it listened to does not keep it alive.

Views connect bound methods to ``session.state``'s events (psygnal holds those weakly);
a lambda there would hold its view, and every closed window's widgets would live on
(the suite once kept every window it had closed)."""

import gc
import weakref

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from softmax_gui.qt.curves.curves_view import PlotsView
from softmax_gui.qt.draw.draw_view import DrawPanel
from softmax_gui.qt.explain.explain_view import ExplainView
from softmax_gui.qt.insight.confusion_calibration import CalibrationView, ConfusionView
from softmax_gui.qt.insight.softmax_view import SoftmaxStepsView
from softmax_gui.qt.insight.weights_view import WeightTemplates
from softmax_gui.qt.lab.lab_view import LabView
from softmax_gui.qt.runs.runs_view import RunsView
from softmax_gui.qt.state.session import Session
from softmax_gui.qt.test_images.grid import SampleGrid
from softmax_gui.qt.test_images.selected_image import SelectedImageDetails
from softmax_gui.qt.training.run_controls import RunControls
from softmax_gui.runs import RunStore

VIEWS = [SampleGrid, SelectedImageDetails, DrawPanel, ExplainView, SoftmaxStepsView,
         ConfusionView, CalibrationView, WeightTemplates, PlotsView, RunsView, LabView,
         RunControls]


def _slots(state) -> int:
    return sum(len(signal) for signal in state.events.signals.values())


@pytest.mark.parametrize("view_class", VIEWS, ids=lambda c: c.__name__)
def test_a_deleted_view_is_freed_and_no_longer_called(qtbot, settings, tmp_path, sample,
                                                     view_class):
    session = Session(settings, RunStore(tmp_path / "runs"))
    before = _slots(session.state)
    view = view_class(session)
    if view_class is not RunsView:  # the Runs tab listens to the runs folder only
        assert _slots(session.state) > before  # it listens to the state
    gone = weakref.ref(view)
    view.deleteLater()
    del view
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert gone() is None
    assert _slots(session.state) == before
    session.state.dataset = sample  # nobody left to call: no error either
    session.shutdown()
