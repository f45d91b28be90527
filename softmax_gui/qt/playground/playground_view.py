"""The Playground tab: softmax regression on points of a plane, where its geometry shows.

The plane (``plane_view.py``), the loss curves, the numbers of the point under the mouse,
what the preset teaches, and the controls (``playground_controls.py``) around one
:class:`PlaygroundState`. Keys while the tab has the focus: Space runs or pauses, → steps,
Home resets, 1 to 6 choose the class a click adds, Delete removes the point under the mouse,
Ctrl+Z undoes an added, moved or deleted point.
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from softmax_gui.plane_points import PointsError, read_csv, to_csv
from softmax_gui.qt.playground.plane_view import CLASS_COLORS, PlaneView
from softmax_gui.qt.playground.playground_controls import PlaygroundControls
from softmax_gui.qt.playground.playground_state import PlaygroundState
from softmax_gui.qt.shell.file_dialogs import ask
from softmax_gui.safe_files import WriteError, save_file

MAX_DRAWN = 2000  # points of a loss curve drawn
WIDE = 700  # narrower than this, the pages go under the plane
LESSONS = {
    "numpy-text": "The text's three points. Each class's region is where its score "
                  "w_k·x + b_k is the largest: convex, with straight edges where two "
                  "scores tie. Trained, the query [1.5, 1.5] (+) sits near where all "
                  "three regions meet: its probabilities are close, 0.37, 0.34, 0.30.",
    "xor": "XOR: each class sits in two opposite corners. A linear model's regions are "
           "convex, so the region holding one corner of a class cannot reach its other "
           "corner without taking the other class's points between them. A hidden layer "
           "bends the plane first: set Hidden to 4 or more.",
    "rings": "Rings around one centre: a convex region cannot be a ring. A hidden layer "
             "can draw the curved boundaries.",
    "spiral": "A spiral: no straight boundaries follow its arms; a hidden layer of 16+ "
              "units can.",
}
LESSON_LINEAR = ("Softmax regression: regions are convex and the boundaries straight lines "
                 "where two scores tie. Drag an arrow's tip (w_k) or its diamond (b_k).")


def numbers(values) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in values) + "]"


class PlaygroundView(QWidget):
    """The tab; ``session`` gives it the settings (remembered folders) and the banner."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.state = PlaygroundState(self)
        self.plane = PlaneView(self.state)
        self.controls = PlaygroundControls(self.state)
        self.curves = pg.PlotWidget()
        self.curves.setMenuEnabled(False)
        self.curves.setLabel("bottom", "update")
        self.curves.setLabel("left", "loss")
        self.legend = self.curves.addLegend(offset=(-5, 5))
        for side in ("bottom", "left"):  # 0.675 reads better than 675 (x0.001)
            self.curves.getAxis(side).enableAutoSIPrefix(False)
        self.train_curve = self.curves.plot(name="train", pen=pg.mkPen(CLASS_COLORS[0], width=2))
        self.test_curve = self.curves.plot(name="test", pen=pg.mkPen(
            CLASS_COLORS[4], width=2, style=Qt.PenStyle.DashLine))
        self.point_info = QLabel()
        self.point_info.setWordWrap(True)
        self.point_info.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel()
        self.note = QLabel()  # what was just done: saved, read, deleted, diverged
        self.lesson = QLabel()
        self.lesson.setWordWrap(True)
        self._lay_out()
        self._keys()
        self.plane.hovered.connect(self._show_point)
        self.state.model_changed.connect(self._show_progress)
        self.state.message.connect(self._say)
        self.state.points_changed.connect(self._points_changed)
        self.controls.import_button.clicked.connect(self._import)
        self.controls.export_button.clicked.connect(self._export)
        self.controls.hidden.valueChanged.connect(self._teach)
        self._show_progress()
        self._show_point(-1)
        self._teach()
        self._say("")

    def _lay_out(self) -> None:
        train = QWidget()
        column = QVBoxLayout(train)
        column.addWidget(self.controls)
        column.addWidget(self.curves, 1)
        column.addWidget(self.point_info)
        self.summary.setWordWrap(True)
        self.note.setWordWrap(True)
        self.pages = QTabWidget()
        for page, title, tip in (
                (train, "Train", "Step, Run, Reset; the loss; the point under the mouse"),
                (self.controls.points_page, "Points", "A preset, the number of points, "
                 "noise, the test split, the class a click adds, CSV files"),
                (self.controls.model_page, "Model", "The model and how it learns")):
            self.pages.setTabToolTip(self.pages.addTab(page, title), tip)
        self.side = QWidget()  # the pages, and under them what is said on every page
        side = QVBoxLayout(self.side)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.pages, 1)
        side.addWidget(self.summary)
        side.addWidget(self.note)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.addWidget(self.plane, 1)
        self.row.addWidget(self.side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.row, 1)
        layout.addWidget(self.lesson)
        self.plane.setAccessibleName("Playground plane")
        self.curves.setAccessibleName("Playground loss")
        self._arrange(wide=True)

    def _arrange(self, wide: bool) -> None:
        """The pages beside the plane, or under it when the tab is narrow (the docks of a
        1024-wide window leave it ~400 pixels)."""
        self.row.setDirection(QBoxLayout.Direction.LeftToRight if wide
                              else QBoxLayout.Direction.TopToBottom)
        self.side.setMinimumSize(0, 0)
        self.side.setMaximumSize(16777215, 16777215)
        if wide:
            self.side.setFixedWidth(300)
        else:
            self.side.setFixedHeight(250)
        # Narrow, the plane needs the height: the hovered point's numbers stay in its
        # tooltip.
        self.point_info.setVisible(wide)
        self.wide = wide

    def resizeEvent(self, event):  # noqa: N802 - Qt's name
        wide = event.size().width() >= WIDE
        if wide != self.wide:
            self._arrange(wide)
        super().resizeEvent(event)

    def _keys(self) -> None:
        c = self.controls
        for key, slot in (("Space", c.run_button.click), ("Right", c.step_button.click),
                          ("Home", c.reset_button.click), ("Delete", self._delete_hovered),
                          ("Ctrl+Z", self.state.undo)):
            QShortcut(QKeySequence(key), self, slot,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for k in range(6):
            QShortcut(QKeySequence(str(k + 1)), self, lambda k=k: self.state.choose_class(k),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _delete_hovered(self) -> None:
        if self.plane.hovered_index >= 0:
            self.state.delete_point(self.plane.hovered_index)

    # --- what it says -------------------------------------------------------------------

    def _show_progress(self) -> None:
        run, h = self.state.run, self.state.run.history
        every = -(-len(h.steps) // MAX_DRAWN)  # a long run drawn thinned, in constant time
        self.curves.setXRange(0, max(h.steps[-1], 10), padding=0.02)
        self.train_curve.setData(h.steps[::every], h.train_loss[::every])
        has_test = bool(self.state.points.test.any())
        self.test_curve.setData(h.steps[::every] if has_test else [],
                                h.test_loss[::every] if has_test else [])
        if has_test != (self.legend.getLabel(self.test_curve) is not None):
            if has_test:
                self.legend.addItem(self.test_curve, "test")
            else:
                self.legend.removeItem(self.test_curve)
        if run.diverged:
            return
        test = f", test {h.test_loss[-1]:.4f}" if has_test else ""
        self.summary.setText(
            f"Update {h.steps[-1]}: loss {h.train_loss[-1]:.4f}{test}; train accuracy "
            f"{h.train_acc[-1]:.0%}" + (f", test {h.test_acc[-1]:.0%}" if has_test else "")
            + (f"; arrows drawn ×{self.plane.scale:g}" if run.model.linear else ""))
        if self.plane.hovered_index >= 0:
            self._show_point(self.plane.hovered_index)

    def _say(self, text: str) -> None:
        """What was just done, under the pages (no empty line while there is none)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _show_point(self, index: int) -> None:
        points = self.state.points
        if index < 0 or index >= len(points):
            self.point_info.setText("Hover a point: its logits, softmax and losses, with "
                                    "the numbers. The ring round a point grows with its "
                                    "loss; test points are hollow.")
            self.plane.setToolTip("Click: add a point · drag: move it · right-click: "
                                  "delete it · drag an arrow's tip or diamond: w_k, b_k")
            return
        x, label = points.X[index], int(points.y[index])
        seen = self.state.model.explain_point(x, label)
        p_true = seen["probabilities"][label]
        split = "test" if points.test[index] else "train"
        settings = self.state.model.settings
        formula = "W·x + b" if self.state.model.linear else \
            f"W·{settings.activation}(W1·x + b1) + b"
        text = (f"<b>Point {index}</b> ({x[0]:.2f}, {x[1]:.2f}), class {label}, {split}<br>"
                f"logits o = {formula} = {numbers(seen['logits'])}<br>"
                f"softmax(o) = {numbers(seen['probabilities'])}<br>"
                f"cross-entropy = −log {p_true:.3f} = {seen['cross-entropy']:.4f}<br>"
                f"hinge = Σ max(0, o_j − o_{label} + 1) = {seen['hinge']:.4f}")
        self.point_info.setText(text)
        self.plane.setToolTip(text)

    def _teach(self) -> None:
        if self.state.model.linear:
            self.lesson.setText(LESSONS.get(self.state.source, LESSON_LINEAR))
        else:
            self.lesson.setText(f"A hidden layer of {self.state.model.settings.hidden} "
                                "units: the regions need not be convex, the boundaries "
                                "bend. Set Hidden to none to see what a line can do.")

    def _points_changed(self) -> None:
        self._teach()
        self._show_progress()

    # --- CSV ----------------------------------------------------------------------------

    def _import(self) -> None:
        def chosen(path: str, _filter: str) -> None:
            self.session.tasks.run("Reading points…", lambda _task: read_csv(path),
                                   lambda points: self._imported(points, Path(path).name),
                                   self._import_failed)

        ask(self, self.session.settings, "points", "Import points",
            chosen, ["Points (*.csv)", "All files (*)"])

    def _imported(self, points, name: str) -> None:
        self.state.pause()
        self.state.set_points(points, source=name)
        self.state.reset()
        self._say(f"Read {len(points)} points of {points.classes} classes")

    def _import_failed(self, error: BaseException) -> None:
        self.session.report(str(error) if isinstance(error, PointsError)
                            else f"Could not read the points: {error}")

    def _export(self) -> None:
        text = to_csv(self.state.points)

        def chosen(path: str, _filter: str) -> None:
            path = path if Path(path).suffix else path + ".csv"
            try:
                save_file(path, lambda temporary: Path(temporary).write_text(text))
            except WriteError as exc:
                self.session.report(str(exc))
                return
            self._say(f"Saved {len(self.state.points)} points to {Path(path).name}")

        ask(self, self.session.settings, "points", "Export points", chosen,
            ["Points (*.csv)"], save_as="points.csv")
