"""The Runs tab's context menu: a right-click on a row offers its script and its report
(``take_away.py``), beside what the buttons under the table do."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMenu

from softmax_gui.qt.runs.take_away import TakeAway


class RunsMenu(QObject):
    """Opens the menu of the row under the mouse (selecting it first, as file managers
    do when the row was not among the selected)."""

    def __init__(self, view, session):
        super().__init__(view)
        self.view = view
        self.take_away = TakeAway(session, view)
        self.menu: QMenu | None = None
        view.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.tree.customContextMenuRequested.connect(self._open)

    def _open(self, position) -> None:
        tree = self.view.tree
        item = tree.itemAt(position)
        if item is None:
            return
        if not item.isSelected():
            tree.clearSelection()
            item.setSelected(True)
        tree.setCurrentItem(item)
        entry = self.view.entry(item)
        self.menu = menu = QMenu(tree)
        menu.setObjectName("runs-menu")
        script = menu.addAction("Export as Python script…")
        report = menu.addAction("Save report…")
        if entry[0] == "sweep":
            script.setEnabled(False)
            script.setToolTip("A sweep is many runs: open it out and choose one")
            report.triggered.connect(lambda: self.take_away.save_sweep_report(entry[1]))
        else:
            script.triggered.connect(
                lambda: self.take_away.export_script(self.take_away.of_entry(entry)))
            report.triggered.connect(
                lambda: self.take_away.save_report(self.take_away.of_entry(entry)))
        menu.addSeparator()
        for text, button in (("Load weights", self.view.load_button),
                             ("Overlay curves", self.view.overlay_button),
                             ("Delete…", self.view.delete_button)):
            action = menu.addAction(text)
            action.setEnabled(button.isEnabled())
            action.triggered.connect(button.click)
        menu.popup(tree.viewport().mapToGlobal(position))
