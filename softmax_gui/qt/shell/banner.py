"""The message banner: what went wrong, the remedy as a button, and a way to dismiss it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

from softmax_gui.qt.state.session import Problem


class Banner(QFrame):
    """A non-modal message at the foot of ``parent`` (the tabs' area). Above the tabs it
    pushed them down 58 px; floating over them it hid the controls at their foot (a new
    user could not reach Load weights). So it floats there and says how much room it
    takes (``room_changed``): the window keeps that much free under the tabs, whose
    bar and top stay where they were. The app keeps working while it shows."""

    MARGIN = 4
    room_changed = Signal(int)  # pixels it covers at the foot; 0 once hidden

    def __init__(self, session, parent):
        super().__init__(parent)
        parent.installEventFilter(self)  # follow its size
        self.setObjectName("banner")
        self.setStyleSheet("#banner { background:#fde2e1; border:1px solid #e8a39d; "
                           "border-radius:3px } QLabel, QToolButton { color:#8a1f11 }")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.action = QPushButton()
        self.action.setObjectName("banner-remedy")
        self.action.setToolTip("Do what the message suggests")
        self.action.clicked.connect(self._remedy)
        self.dismiss = QToolButton()
        self.dismiss.setObjectName("banner-dismiss")
        self.dismiss.setText("✕")
        self.dismiss.setAutoRaise(True)
        self.dismiss.setToolTip("Dismiss this message")
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.dismiss)
        self._problem: Problem | None = None
        self.hide()
        session.problem.connect(self.show_problem)
        # One surface per message: a later success (a message, a run, a dataset loaded)
        # replaces a problem that was shown.
        for news in (session.message, session.runs.run_started, session.state.events.dataset):
            news.connect(self._news)  # bound: psygnal holds it weakly

    def _news(self, *_) -> None:
        self.hide()

    def show_problem(self, problem: Problem) -> None:
        self._problem = problem
        self.text.setText(problem.text)
        self.action.setText(problem.action)
        self.action.setVisible(bool(problem.action))
        self.show()
        self._place()
        self.raise_()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self.room_changed.emit(0)

    def _place(self) -> None:
        area = self.parentWidget().rect()
        width = area.width() - 2 * self.MARGIN
        self.layout().activate()
        height = max(self.sizeHint().height(), self.layout().totalHeightForWidth(width))
        self.setGeometry(self.MARGIN, area.height() - height - self.MARGIN, width, height)
        self.room_changed.emit(height + self.MARGIN)

    def _remedy(self) -> None:
        problem = self._problem
        self.hide()
        if problem is not None and problem.remedy is not None:
            problem.remedy()
