"""The main window's menu bar (File, Train, View), laid out here so that the window's
class stays a layout of docks and views."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from softmax_gui.qt.shell.actions import make_action
from softmax_gui.qt.shell.theme_menu import ThemeMenu


def build_menus(window) -> None:
    """Fill ``window``'s menu bar; keeps the actions whose state changes on it
    (``export_action``, ``script_action``, ``report_action``, ``theme_menu``)."""
    menus = window.menuBar()
    file = menus.addMenu("&File")
    weights, take = window.weights_actions, window.take_away

    def add(menu, text, slot, shortcut, tip):
        action = make_action(window, text, slot, shortcut, tip)
        menu.addAction(action)
        return action

    add(file, "&Open weights…", weights.choose_and_open, "Ctrl+O",
        "Load .safetensors, .pt, .onnx or .npz weights (validated first)")
    window.export_action = add(file, "&Export weights…", weights.choose_and_export,
                               "Ctrl+S", "Save the active weights as .safetensors, .pt, "
                               ".onnx or .npz")
    file.addSeparator()
    add(file, "Choose dataset &folder…",
        lambda: window.choose_dataset_folder(window.controls.panel.config().dataset),
        "Ctrl+Shift+O", "A folder with the four IDX files of the dataset chosen in the "
        "panel (raw or torchvision layout)")
    add(file, "Open &image on canvas…", window.open_image, "Ctrl+I",
        "Load a PNG/JPEG onto the drawing canvas (light backgrounds are inverted)")
    add(file, "Import image fol&der…", window.import_images.show, "Ctrl+Shift+I",
        "Make a dataset of your own from a folder with one subfolder of images per class")
    file.addSeparator()
    window.script_action = add(
        file, "Export run as Python &script…", lambda: take.export_script(take.active()),
        "Ctrl+Shift+E", "A script of the active weights' run: torch alone, d2l's names; "
        "it trains the same run again")
    window.report_action = add(
        file, "Save &report…", lambda: take.save_report(take.active()), "Ctrl+Shift+R",
        "One HTML file of the active weights' run, to hand in: curves, metrics, "
        "confusion, templates, calibration, mistakes and the script")
    add(file, "Export &plots as PNG…", window.export_plots, "Ctrl+Shift+P",
        "Save the loss and accuracy plots as an image")
    add(file, "Export &metrics as CSV…", window.export_csv, "Ctrl+Shift+M",
        "Save every run's per-epoch figures as a table")
    file.addSeparator()
    add(file, "&Quit", window.close, QKeySequence.StandardKey.Quit, "Quit")
    train = menus.addMenu("&Train")
    for action in window.controls.actions:
        train.addAction(action)
    view = menus.addMenu("&View")
    for dock in (window.training_dock, window.grid_dock, window.details_dock,
                 window.canvas_dock, window.explain_dock):
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    add(view, "&Playground", window.tabs.show_playground, "Ctrl+G",
        "Softmax regression on points of a plane (the Lab's last page)")
    add(view, "Reset &layout", window.reset_layout, "Ctrl+Shift+L",
        "Put the panels back where they were at first, sized for this window")
    window.theme_menu = ThemeMenu(window, window.settings, window.first_theme)
    view.addMenu(window.theme_menu)
