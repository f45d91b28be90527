"""What a person does with the window, as functions for the end-to-end tests.

Every action goes through a visible control: a mouse click on a button, a menu opened
and an item clicked, keys typed into the focused widget, drags on the canvas. Every
button, check box and menu action that fires is recorded (:data:`EXERCISED`), and
``test_zz_controls_coverage.py`` fails when a control of the window was never used.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabBar,
    QToolButton,
    QWidget,
)

RUN_TIMEOUT = 90_000
LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier

# Controls that fired because of a person-like event in this test session.
EXERCISED: set[str] = set()


def control_name(control) -> str:
    """A stable name for a button, check box or menu action."""
    if isinstance(control, QAction):
        return "action:" + control.text().replace("&", "")
    return f"{type(control).__name__}:{control.objectName() or control.text().replace('&', '')}"


def window_controls(window: QWidget) -> list:
    """The controls a person can use: menu-bar actions, and the window's buttons and
    check boxes (not Qt's own, such as tab-bar arrows, dock title buttons or a field's
    clear button)."""
    actions = []
    for top in window.menuBar().actions():
        actions.extend(_menu_items(top.menu()))
    buttons = [b for b in window.findChildren(QAbstractButton)
               if isinstance(b, (QPushButton, QToolButton, QCheckBox))
               and not isinstance(b.parent(), (QTabBar, QDialogButtonBox, QLineEdit))
               and type(b.parent()).__name__ not in ("QMenuBar", "QMessageBox")
               and not isinstance(b.window(), (QFileDialog, QMessageBox))]
    return actions + buttons


def _menu_items(menu) -> list[QAction]:
    """A menu's actions, those of its submenus in place of the submenus themselves."""
    items = []
    for action in menu.actions():
        if action.menu() is not None:
            items.extend(_menu_items(action.menu()))
        elif not action.isSeparator():
            items.append(action)
    return items


def record(window: QWidget) -> None:
    """Note every control of ``window`` that fires from now on."""
    for control in window_controls(window):
        signal = control.triggered if isinstance(control, QAction) else control.clicked
        signal.connect(lambda *_, c=control: EXERCISED.add(control_name(c)))


# --- finding what a person sees ----------------------------------------------------------

def button(window: QWidget, text: str) -> QAbstractButton:
    """The one visible button labelled ``text``."""
    found = [b for b in window.findChildren(QAbstractButton)
             if b.text().replace("&", "") == text and b.isVisibleTo(window)]
    assert len(found) == 1, f"{len(found)} visible buttons read {text!r}"
    return found[0]


def progress_text(window) -> str:
    return window.controls.progress.text()


def status_text(window) -> str:
    return window.statusBar().currentMessage()


# --- acting as a person ------------------------------------------------------------------

def click(widget: QWidget, pos: QPoint | None = None) -> None:
    assert widget.isVisible() and widget.isEnabled(), f"{widget} cannot be clicked"
    QTest.mouseClick(widget, LEFT, pos=pos if pos is not None else widget.rect().center())


def right_click(widget: QWidget, pos: QPoint) -> None:
    """Right-click ``pos`` of ``widget`` through its window, as the platform delivers a
    click: Qt makes the context-menu event from that (not from a widget's own event)."""
    assert widget.isVisible() and widget.isEnabled(), f"{widget} cannot be clicked"
    # Later than a double click's interval after the last click, as a person's is (the
    # events' own clock: otherwise a second right-click there reads as a double click).
    QTest.mouseClick(widget.window().windowHandle(), Qt.MouseButton.RightButton,
                     Qt.KeyboardModifier.NoModifier, widget.mapTo(widget.window(), pos),
                     QApplication.doubleClickInterval() + 50)


def click_popup_item(popup, action) -> None:
    """Click ``action`` in an open context menu, through the menu's own window: clicked
    behind the window system's back, the menu closed but left Qt's popup state stale,
    and the next right-click opened nothing."""
    assert action.isEnabled(), f"{action.text()} is disabled"
    QTest.mouseClick(popup.windowHandle(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, popup.actionGeometry(action).center(),
                     QApplication.doubleClickInterval() + 50)


def context_menu(qtbot, tree, item, text: str) -> None:
    """Right-click ``item``'s row and click ``text`` in the menu that opens."""
    tree.scrollToItem(item)
    right_click(tree.viewport(), row_text_point(tree, item))
    qtbot.waitUntil(lambda: any(m.isVisible() for m in tree.findChildren(QMenu)),
                    timeout=5000)
    popup = next(m for m in tree.findChildren(QMenu) if m.isVisible())
    click_popup_item(popup, next(a for a in popup.actions() if a.text() == text))


def click_tree_row(tree, item) -> None:
    """Scroll a tree to ``item`` and click its first cell's text, as a person picks a
    row (a tree's item rectangle spans every column, most of them out of sight)."""
    tree.scrollToItem(item)
    click(tree.viewport(), row_text_point(tree, item))


def row_text_point(tree, item) -> QPoint:
    """A point on the text of ``item``'s first cell (its rectangle spans every column,
    most of them out of sight)."""
    row = tree.visualItemRect(item)
    left = tree.header().sectionViewportPosition(0)  # past the arrow, on the text
    return QPoint(left + tree.columnWidth(0) * 2 // 3, row.center().y())


def click_first_image(window) -> int:
    """Click the grid's first test image (the middle of its cell); returns its index."""
    view = window.grid.view
    click(view, QPoint(view.width() // view.columns // 2, view.height() // view.rows // 2))
    return view.cells[0].index


def show_tab(window, title: str) -> None:
    """Click the central tab called ``title``."""
    bar = window.tabs.tabBar()
    titles = [bar.tabText(i) for i in range(bar.count())]
    click(bar, bar.tabRect(titles.index(title)).center())
    assert window.tabs.tabText(window.tabs.currentIndex()) == title


def show_lab_page(window, title: str) -> None:
    """Click the Lab tab's inner tab called ``title`` (the Lab tab shown)."""
    lab = window.tabs.lab
    bar = lab.tabBar()
    titles = [bar.tabText(i) for i in range(bar.count())]
    click(bar, bar.tabRect(titles.index(title)).center())
    assert lab.tabText(lab.currentIndex()) == title


def show_dock(window, title: str) -> None:
    """Click the tab of the tabbed dock called ``title`` (as over the grid and Draw)."""
    for bar in window.findChildren(QTabBar):
        if bar.parent() is window and bar.isVisible():
            titles = [bar.tabText(i) for i in range(bar.count())]
            if title in titles:
                click(bar, bar.tabRect(titles.index(title)).center())
                return
    raise AssertionError(f"no dock tab {title!r}")


def tick(box: QCheckBox) -> None:
    """Click a check box's indicator (a wide one's centre can be empty space)."""
    click(box, QPoint(8, box.height() // 2))


def click_button(window, text: str) -> None:
    click(button(window, text))


def menu(qtbot, window, *path: str) -> None:
    """Open the menu bar's ``path[0]`` menu with the mouse, open the submenus named
    next, and click ``path[-1]``."""
    bar = window.menuBar()
    top = next(a for a in bar.actions() if a.text().replace("&", "") == path[0])
    click(bar, bar.actionGeometry(top).center())
    first = popup = top.menu()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    for name in path[1:]:
        item = next(a for a in popup.actions() if a.text().replace("&", "") == name)
        assert item.isEnabled(), f"{name} is disabled"
        click(popup, popup.actionGeometry(item).center())
        if item.menu() is not None:
            popup = item.menu()
            qtbot.waitUntil(popup.isVisible, timeout=2000)
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=2000)
    QApplication.processEvents()
    if QApplication.activeWindow() is not window and not _visible(QFileDialog) \
            and not _visible(QMessageBox) and window.isVisible():
        # The offscreen platform leaves the closed menu active; a desktop gives the
        # activation (and so the keyboard) back to the window, as here.
        activate(qtbot, window)


def keys(window, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Press ``key`` where the keyboard focus is, as a person at the keyboard does."""
    target = QApplication.focusWidget() or window
    QTest.keyClick(target, key, modifiers)


def type_into(widget: QWidget, text: str) -> None:
    """Click into a field, select what is there, type ``text`` and press Tab."""
    editor = widget.findChild(QLineEdit) or widget
    click(editor)
    QTest.keyClick(editor, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Tab)


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Open a combo box with the mouse and click the item that reads ``text``."""
    click(combo)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    # A popup ignores a click in its first moments (Qt's guard against picking an item
    # with the click that opened it); a person's second click comes later.
    qtbot.wait(QApplication.doubleClickInterval() + 50)
    row = combo.findText(text)
    assert row >= 0, f"{text!r} is not among {[combo.itemText(i) for i in range(combo.count())]}"
    index = view.model().index(row, 0)
    view.scrollTo(index)
    click(view.viewport(), view.visualRect(index).center())
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)


def answer_file_dialog(qtbot, path) -> None:
    """Type ``path`` into the open file dialog and press Return."""
    qtbot.waitUntil(lambda: _visible(QFileDialog) is not None, timeout=5000)
    dialog = _visible(QFileDialog)
    activate(qtbot, dialog)
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    click(edit)
    QTest.keyClick(edit, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(edit, str(path))
    # Return, not a click on Open: the completer's popup would take that click.
    owner = dialog.parentWidget().window()
    QTest.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    activate(qtbot, owner)


def answer_question(qtbot, text: str) -> str:
    """Click the button ``text`` of the open message box; returns the box's message."""
    qtbot.waitUntil(lambda: _visible(QMessageBox) is not None, timeout=5000)
    box = _visible(QMessageBox)
    activate(qtbot, box)
    message = box.text()
    owner = box.parentWidget().window()
    click(next(b for b in box.buttons() if b.text().replace("&", "") == text))
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
    activate(qtbot, owner)
    return message


def activate(qtbot, window) -> None:
    """Make ``window`` the active one, as a desktop does with a window or dialog that
    opens, and with a window whose dialog or menu closed (offscreen may not)."""
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        # A dialog that opened meanwhile (a question after a file was chosen) takes it.
        qtbot.waitUntil(lambda: QApplication.activeWindow() in
                        (window, QApplication.activeModalWidget()), timeout=5000)


def _visible(kind):
    found = [w for w in QApplication.topLevelWidgets() + _children(kind)
             if isinstance(w, kind) and w.isVisible()]
    return found[-1] if found else None


def _children(kind):
    out = []
    for top in QApplication.topLevelWidgets():
        out.extend(top.findChildren(kind))
    return out


def drag(canvas: QWidget, points) -> None:
    """Press at the first point, move through the others, release at the last."""
    QTest.mousePress(canvas, LEFT, pos=QPoint(*points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(canvas, QPoint(x, y))
    QTest.mouseRelease(canvas, LEFT, pos=QPoint(*points[-1]))


def wait_until_done(qtbot, window, timeout: int = RUN_TIMEOUT) -> str:
    """Wait until the run ends (Start is enabled again); returns the progress text."""
    qtbot.waitUntil(lambda: button(window, "Start").isEnabled()
                    and not button(window, "Stop").isEnabled(), timeout=timeout)
    return progress_text(window)


def fake_mnist(folder: Path) -> Path:
    """The four IDX files of a tiny random 'MNIST' (the format, not the digits)."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    files = (("train-images-idx3-ubyte", (60, 28, 28)), ("train-labels-idx1-ubyte", (60,)),
             ("t10k-images-idx3-ubyte", (20, 28, 28)), ("t10k-labels-idx1-ubyte", (20,)))
    for stem, shape in files:
        array = rng.integers(0, 10 if len(shape) == 1 else 256, shape, dtype=np.uint8)
        header = bytes([0, 0, 8, len(shape)]) + b"".join(int(d).to_bytes(4, "big")
                                                         for d in shape)
        (folder / f"{stem}.gz").write_bytes(gzip.compress(header + array.tobytes()))
    return folder


def save_screenshot(window, name: str) -> None:
    """Save what the window shows when SOFTMAX_GUI_SHOTS names a folder."""
    folder = os.environ.get("SOFTMAX_GUI_SHOTS")
    if folder:
        window.grab().save(str(Path(folder) / f"{name}.png"))
