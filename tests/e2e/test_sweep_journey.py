"""The Sweep tab and the learning-rate finder, used as a person uses them: a preset
chosen, rows typed into, a sweep trained, paused, resumed and stopped, a run made
active and kept; the finder opened from its button and from the Train menu."""

import re
import time

from person import (
    answer_file_dialog,
    button,
    choose,
    click,
    click_button,
    menu,
    show_lab_page,
    show_tab,
    status_text,
    tick,
    type_into,
)

from softmax_gui.qt.sweep.sweep_results import ACCURACY


def open_sweep(window):
    show_tab(window, "Lab")
    show_lab_page(window, "Sweep")
    return window.tabs.lab.sweep


def click_row(table, row: int) -> None:
    """Click the table's ``row`` (its first cell), as a person picks a run."""
    click(table.viewport(), table.visualRect(table.model().index(row, 0)).center())


def column(table, title: str) -> list:
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    c = headers.index(title)
    return [table.item(r, c).key for r in range(table.rowCount())]  # what it sorts by


def holds(qtbot, read, quiet_s: float = 1.0, timeout_s: float = 15.0) -> None:
    """Wait until ``read()`` has not changed for ``quiet_s`` (what was on its way when
    Pause was pressed may still arrive), at most ``timeout_s``."""
    last, since, end = read(), time.monotonic(), time.monotonic() + timeout_s
    while time.monotonic() < end:
        qtbot.wait(100)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
    raise AssertionError("it kept changing while paused")


def test_a_preset_sweep_is_trained_compared_made_active_and_kept(qtbot, window, tmp_path):
    view = open_sweep(window)
    form = view.form
    choose(qtbot, form.preset, "Learning rate 0.001 to 10")
    assert form.parameters[0].currentText() == "Learning rate"
    assert form.values[0].text() == "0.001 to 10, 9 log"
    # Smaller than the preset: three rates, two weight decays, two seeds, two epochs.
    type_into(form.values[0], "0.01, 0.1, 1")
    choose(qtbot, form.parameters[1], "Weight decay")
    type_into(form.values[1], "0, 0.001")
    type_into(form.seeds, "2")
    type_into(form.epochs, "2")
    click_button(window, "Train sweep")
    qtbot.waitUntil(lambda: " runs in " in view.status.text(), timeout=120_000)
    text = view.status.text()
    assert text.startswith("12 runs in "), text
    best_lr = re.search(r"best: lr=([0-9.]+)", text).group(1)
    assert best_lr == "0.1"  # d2l's rate; 1 oscillates, 0.01 is slow (measured)
    assert view.progress.value() == view.progress.maximum() == 24
    # One curve per configuration (seeds folded into a mean with a band), two epochs.
    assert len(view.curve_items) == 6
    # The results: a heatmap of the two, and a table of the 12 runs, best first.
    assert view.plots.currentWidget() is view.results.plot
    table = view.results.table
    accuracies = column(table, ACCURACY)
    assert len(accuracies) == 12 and accuracies == sorted(accuracies, reverse=True)
    assert set(column(table, "Seed")) == {0, 1} and set(column(table, "Epochs trained")) == {2}
    # Every finished sweep is kept on disk beside the runs, and opens again as it ended.
    qtbot.waitUntil(lambda: "Kept as sweep-" in view.status.text(), timeout=30_000)
    kept = next((tmp_path / "sweeps").iterdir())
    assert f"Kept as {kept.name}." in view.status.text()
    click_button(window, "Open sweep…")
    answer_file_dialog(qtbot, kept / "sweep.json")
    qtbot.waitUntil(lambda: view.status.text().startswith(f"Opened {kept.name}: 12 runs"),
                    timeout=30_000)
    assert column(table, ACCURACY) == accuracies and len(view.curve_items) == 6
    click_row(table, 0)
    click_button(window, "Make active")
    qtbot.waitUntil(lambda: window.session.state.weights.label.startswith("sweep run"),
                    timeout=30_000)
    weights = window.session.state.weights
    assert f"lr={best_lr}" in weights.label
    assert abs(weights.snapshot.test_acc - accuracies[0]) < 1e-4
    click_button(window, "Keep in Runs")
    plots = window.tabs.plots
    qtbot.waitUntil(lambda: any(plots.run_list.item(i).text().find("sweep: lr=") >= 0
                                for i in range(plots.run_list.count())), timeout=30_000)
    show_tab(window, "Runs")
    runs = window.tabs.runs.table
    qtbot.waitUntil(lambda: runs.rowCount() >= 1, timeout=10_000)
    row = [runs.item(0, c).text() for c in range(runs.columnCount()) if runs.item(0, c)]
    assert row[1:4] == [f"{accuracies[0]:.2%}", "2", "finished"], row
    # The worst run kept too; the Runs tab's filter tells them apart by a column.
    show_tab(window, "Lab")
    click_row(table, 11)
    click_button(window, "Keep in Runs")
    show_tab(window, "Runs")
    qtbot.waitUntil(lambda: runs.rowCount() == 2, timeout=10_000)
    view = window.tabs.runs

    def shown() -> list[str]:
        return [runs.item(r, 5).text() for r in range(runs.rowCount())  # lr
                if not runs.isRowHidden(r)]

    type_into(view.filter, f"lr={best_lr}")
    assert shown() == [best_lr] and view.order.text().startswith("1 of 2 runs shown")
    type_into(view.filter, "sweep, finished")  # words of the runs' labels and cells
    assert len(shown()) == 2 and view.order.text().startswith("2 runs")
    type_into(view.filter, "seed=7")
    assert shown() == [] and view.order.text().startswith("0 of 2 runs shown")


def test_a_sweep_pauses_resumes_stops_and_refuses_bad_values(qtbot, window):
    # What the rows do not vary comes from the training panel, as typed there.
    type_into(window.controls.panel.batch_size, "1024")
    view = open_sweep(window)
    form = view.form
    assert "bs=1024" in form.rest.text() and form.rest.text().startswith(
        "Everything else as the training panel")
    type_into(form.values[0], "0.01, abc")
    click_button(window, "Train sweep")
    assert view.status.text() == ("Cannot train this sweep: learning rate: 'abc' is not a "
                                  "number (e.g. 0.01, 0.1, 1 or 0.001 to 10, 5 log).")
    type_into(form.values[0], "0.001 to 1, 4 log")
    type_into(form.epochs, "30")
    click_button(window, "Train sweep")
    assert not button(window, "Train sweep").isEnabled()
    qtbot.waitUntil(lambda: view.progress.value() >= 4, timeout=60_000)
    click_button(window, "Pause sweep")
    assert button(window, "Resume sweep").isVisible()
    assert view.status.text().startswith("Paused")
    holds(qtbot, view.progress.value)
    click_button(window, "Resume sweep")
    held = view.progress.value()
    qtbot.waitUntil(lambda: view.progress.value() > held, timeout=60_000)
    click_button(window, "Stop sweep")
    qtbot.waitUntil(lambda: view.status.text().startswith("Stopped."), timeout=60_000)
    assert "4 runs in" in view.status.text()
    epochs = column(view.results.table, "Epochs trained")
    assert len(epochs) == 4 and all(1 <= e < 30 for e in epochs)
    # Kept, a run says it trained with the panel's batch size.
    click_row(view.results.table, 0)
    click_button(window, "Keep in Runs")
    show_tab(window, "Runs")
    runs = window.tabs.runs.table
    qtbot.waitUntil(lambda: runs.rowCount() == 1, timeout=10_000)
    assert runs.item(0, 6).text() == "1024"  # the batch column
    show_tab(window, "Lab")
    assert set(column(view.results.table, "Status")) == {"stopped"}
    assert button(window, "Train sweep").isEnabled()
    assert view.results.plot.getPlotItem().titleLabel.text == ACCURACY


def test_the_finder_suggests_a_rate_and_puts_it_in_the_panel(qtbot, window):
    panel = window.controls.panel
    click_button(window, "Find rate…")
    dialog = window.controls.finder.dialog
    qtbot.waitUntil(lambda: dialog.use.isEnabled(), timeout=60_000)
    suggested = float(re.search(r"Suggested learning rate: ([0-9.e-]+)",
                                dialog.result.text()).group(1))
    assert 0.001 < suggested < 1  # 0.0085 for the defaults (tests/test_lr_finder.py)
    x, y = dialog.smooth.getData()
    assert len(x) > 50
    click_button(dialog, "Use this rate")
    assert not dialog.isVisible()
    assert abs(panel.lr.value() - suggested) < 1e-3 * suggested + 1e-6
    assert status_text(window).startswith("Learning rate set to")
    # From the Train menu too, from the active weights; Close leaves the panel alone.
    menu(qtbot, window, "Train", "Find a learning rate…")
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert not button(dialog, "Run again").isEnabled()  # it searches as it opens
    qtbot.waitUntil(lambda: dialog.use.isEnabled(), timeout=60_000)
    tick(dialog.from_active)
    assert dialog.from_active.isChecked()
    click_button(dialog, "Run again")
    qtbot.waitUntil(lambda: button(dialog, "Run again").isEnabled(), timeout=60_000)
    # The bundled weights are trained already: the loss may never fall from them.
    assert dialog.result.text().startswith(("Suggested learning rate", "The loss never fell"))
    click_button(dialog, "Close")
    assert not dialog.isVisible() and abs(panel.lr.value() - suggested) < 1e-3 * suggested
