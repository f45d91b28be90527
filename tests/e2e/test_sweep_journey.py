"""The Sweep tab and the learning-rate finder, used as a person uses them: a preset
chosen, rows typed into, a sweep trained, paused, resumed and stopped, a run made
active and kept; the finder opened from its button and from the Train menu."""

import re
import time

from person import (
    answer_file_dialog,
    answer_question,
    button,
    choose,
    click,
    click_button,
    click_tree_row,
    context_menu,
    keys,
    menu,
    show_lab_page,
    show_tab,
    status_text,
    tick,
    type_into,
    wait_until_done,
)
from PySide6.QtCore import QPoint, Qt

from softmax_gui.qt.sweep.sweep_curves import CHOSEN_WIDTH
from softmax_gui.qt.sweep.sweep_results import ACCURACY, LOSS
from softmax_gui.sweep_plan import settings_text


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
    # d2l's own setting pinned in the free rows: plain SGD at a constant rate.
    assert [(c.currentText(), v.text()) for c, v in zip(form.parameters[1:],
                                                        form.values[1:])] == [
        ("Momentum", "0"), ("Schedule", "constant")]
    assert "plain SGD at a constant rate" in view.status.text()
    # What each run trains with: the pins, not the panel's momentum 0.9 and cosine.
    assert form.rest.text().startswith("Each run: softmax concise SGD lr=* bs=512 constant,")
    # Smaller than the preset: three rates, two weight decays, two seeds, two epochs,
    # and the panel's momentum and schedule (its rows cleared of the pins).
    type_into(form.values[0], "0.01, 0.1, 1")
    choose(qtbot, form.parameters[1], "Weight decay")
    type_into(form.values[1], "0, 0.001")
    choose(qtbot, form.parameters[2], "—")
    type_into(form.seeds, "2")
    assert form.rest.text() == (  # the panel's momentum and schedule; seeds, not seed 0
        "Each run: softmax concise SGD m=0.9 lr=* bs=512 cosine wd=*, standardised inputs, "
        "seeds 0 to 1 (* from the rows); the rest as the training panel.")
    assert form.preset.currentIndex() == 0  # edited by hand: no longer the preset
    type_into(form.epochs, "2")
    click_button(window, "Train sweep")
    qtbot.waitUntil(lambda: " runs in " in view.status.text(), timeout=120_000)
    text = view.status.text()
    assert text.startswith("12 runs in "), text
    best_lr = re.search(r"best: lr=([0-9.]+)", text).group(1)
    assert best_lr == "0.1"  # d2l's rate; 1 oscillates, 0.01 is slow (measured)
    assert view.progress.value() == view.progress.maximum() == 24
    # One curve per configuration (seeds folded into a mean with a band), two epochs.
    assert len(view.curves.items) == 6
    # The results: a heatmap of the two, and a table of the 12 runs, best first.
    assert view.plots.currentWidget() is view.results.plot
    table = view.results.table
    accuracies = column(table, ACCURACY)
    assert len(accuracies) == 12 and accuracies == sorted(accuracies, reverse=True)
    assert set(column(table, "Seed")) == {0, 1} and set(column(table, "Epochs trained")) == {2}
    # Every finished sweep is kept on disk beside the runs, and opens again as it ended.
    qtbot.waitUntil(lambda: "Kept in the Runs tab as " in view.status.text(), timeout=30_000)
    kept = next((tmp_path / "sweeps").iterdir())
    clock = kept.name[-6:]  # sweep-20261205-062715: the window calls it sweep 06:27:15
    title = f"sweep {clock[:2]}:{clock[2:4]}:{clock[4:]}"
    assert f"Kept in the Runs tab as {title}." in view.status.text()
    click_button(window, "Open sweep…")
    answer_file_dialog(qtbot, kept / "sweep.json")
    qtbot.waitUntil(lambda: view.status.text().startswith(f"Opened {kept.name}: 12 runs"),
                    timeout=30_000)
    assert column(table, ACCURACY) == accuracies and len(view.curves.items) == 6
    click_row(table, 0)
    # The run picked in the table is drawn thick on the curves; their tab says which.
    chosen = view.curves.items[view.curves.chosen][0]
    assert chosen.opts["pen"].width() == CHOSEN_WIDTH and chosen.zValue() == 20
    first = [column(table, name)[0] for name in ("Learning rate", "Weight decay")]
    assert view.plots.tabText(0) == (
        f"Curves (thick: {settings_text(['lr', 'weight_decay'], first)}, mean of 2 seeds)")
    assert chosen.curve.toolTip().startswith(settings_text(['lr', 'weight_decay'], first))
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
    view = window.tabs.runs
    runs = view.tree
    qtbot.waitUntil(lambda: len(top_rows(view, "run")) == 1, timeout=10_000)
    (row,) = top_rows(view, "run")
    assert [row.text(c) for c in (1, 2, 3)] == [f"{accuracies[0]:.2%}", "2", "finished"]
    # The sweep itself is one row: its best accuracy and the span of what it varied.
    (group,) = top_rows(view, "sweep")
    assert [group.text(c) for c in (0, 1, 5, 8)] == [
        title, f"{accuracies[0]:.2%}", "0.01 to 1", "0 to 0.001"]
    assert group.text(3) == "12 runs"
    # The worst run kept too; the Runs tab's filter tells them apart by a column.
    show_tab(window, "Lab")
    click_row(table, 11)
    click_button(window, "Keep in Runs")
    show_tab(window, "Runs")
    qtbot.waitUntil(lambda: len(top_rows(view, "run")) == 2, timeout=10_000)

    def shown() -> list[str]:
        """The lr of every run in sight, a sweep's opened-out runs too."""
        return sorted(item.text(5) for item in every_row(view) if not hidden(item)
                      and view.entry(item)[0] != "sweep")

    type_into(view.filter, f"lr={best_lr}")
    # The kept run, and the sweep opened out to its runs at that rate (two seeds, two
    # weight decays).
    assert shown() == [best_lr] * 5, shown()
    assert view.order.text().startswith("1 run and 1 sweep shown of 2 runs and 1 sweep")
    type_into(view.filter, "sweep, finished")  # words of the runs' labels and cells
    assert len(shown()) == 2 + 12 and view.order.text().startswith("2 runs and 1 sweep,")
    type_into(view.filter, "seed=7")
    assert shown() == [] and view.order.text().startswith(
        "Nothing matches the filter (2 runs and 1 sweep in all)")
    # Opened out with the keyboard: a run of the sweep made active, its curves drawn.
    click(view.filter)
    keys(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    keys(window, Qt.Key.Key_Backspace)
    assert view.order.text().startswith("2 runs and 1 sweep,")
    (group,) = top_rows(view, "sweep")
    click_tree_row(runs, group)
    keys(window, Qt.Key.Key_Left)
    assert not group.isExpanded()
    keys(window, Qt.Key.Key_Right)
    assert group.isExpanded() and group.childCount() == 12
    best_child = max((group.child(i) for i in range(12)), key=lambda c: c.text(1))
    click_tree_row(runs, best_child)
    click_button(window, "Load weights")
    qtbot.waitUntil(lambda: window.session.state.weights.label.startswith(
        f"sweep run {title}: lr="), timeout=30_000)
    click_button(window, "Overlay curves")
    assert any(plots.run_list.item(i).text().find(title) >= 0
               for i in range(plots.run_list.count()))
    assert not button(window, "Delete…").isEnabled()  # a sweep's run goes with its sweep
    script = tmp_path / "best-of-the-sweep.py"
    context_menu(qtbot, runs, best_child, "Export as Python script…")
    answer_file_dialog(qtbot, script)
    qtbot.waitUntil(script.exists, timeout=5000)
    assert f"LR = {float(best_lr)!r}" in script.read_text()
    page = tmp_path / "sweep.html"
    context_menu(qtbot, runs, group, "Save report…")
    answer_file_dialog(qtbot, page)
    qtbot.waitUntil(page.exists, timeout=30_000)
    assert page.read_text().count("<tr><td>") == 12  # every run ranked
    click_tree_row(runs, group)
    click_button(window, "Delete…")
    assert f"Delete {title} and its 12 runs" in answer_question(qtbot, "Yes")
    qtbot.waitUntil(lambda: not top_rows(view, "sweep"), timeout=5000)
    assert not kept.exists() and len(top_rows(view, "run")) == 2


def top_rows(view, kind: str) -> list:
    """The Runs tab's top rows of one kind: ``run`` (a saved run) or ``sweep``."""
    return [item for item in view.top_rows() if view.entry(item)[0] == kind]


def every_row(view) -> list:
    return [*view.top_rows(), *(item.child(i) for item in view.top_rows()
                                for i in range(item.childCount()))]


def hidden(item) -> bool:
    """Out of sight: hidden itself, or inside a hidden or closed sweep."""
    parent = item.parent()
    return item.isHidden() or (parent is not None and (
        parent.isHidden() or not parent.isExpanded()))


def test_a_sweep_pauses_resumes_stops_and_refuses_bad_values(qtbot, window):
    # What the rows do not vary comes from the training panel, as typed there.
    type_into(window.controls.panel.batch_size, "1024")
    view = open_sweep(window)
    form = view.form
    assert "bs=1024" in form.rest.text() and form.rest.text().startswith("Each run: ")
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
    qtbot.waitUntil(lambda: view.status.text().startswith("Stopped: "), timeout=60_000)
    # One data order: the four stopped together, each after the same epochs.
    assert view.status.text().startswith("Stopped: 4 of 4 runs trained an epoch or more")
    epochs = column(view.results.table, "Epochs trained")
    assert len(epochs) == 4 and all(1 <= e < 30 for e in epochs)
    # Kept, a run says it trained with the panel's batch size.
    click_row(view.results.table, 0)
    click_button(window, "Keep in Runs")
    show_tab(window, "Runs")
    runs = window.tabs.runs
    qtbot.waitUntil(lambda: len(top_rows(runs, "run")) == 1, timeout=10_000)
    assert top_rows(runs, "run")[0].text(6) == "1024"  # the batch column
    show_tab(window, "Lab")
    assert set(column(view.results.table, "Status")) == {"stopped"}
    assert button(window, "Train sweep").isEnabled()
    assert view.results.plot.getPlotItem().getAxis("left").labelText == ACCURACY.lower()


def test_a_rate_that_explodes_is_marked_not_dropped(qtbot, window):
    import pyqtgraph as pg

    view = open_sweep(window)
    type_into(view.form.values[0], "0.1, 1000")
    type_into(view.form.epochs, "3")
    click_button(window, "Train sweep")
    qtbot.waitUntil(lambda: " runs in " in view.status.text(), timeout=60_000)
    assert view.status.text().startswith("2 runs in ") and "(1 exploded)" in \
        view.status.text()
    assert view.progress.value() == view.progress.maximum()  # it ended, exploded or not
    table = view.results.table
    assert column(table, "Status") == ["finished", "exploded"]
    click_row(table, 1)  # the exploded one: it has no curve to draw thick, and says so
    assert view.plots.tabText(0) == "Curves (lr=1000: no curve, no epoch finished)"
    assert column(table, LOSS)[0] < 1  # the loss is in the table beside the accuracy
    # On the results plot 1000 is in sight (a log axis), with a red cross and a word.
    plot = view.results.plot.getPlotItem()
    (cross,) = [i for i in plot.items if isinstance(i, pg.PlotDataItem)
                and i.opts["symbol"] == "x"]
    assert list(cross.getData()[0]) == [3.0]  # log10(1000)
    low, high = plot.viewRange()[0]
    assert low < -1 and 3 < high  # 0.1 and 1000 both
    marks = [i for i in plot.items if isinstance(i, pg.TextItem)]
    assert [m.toPlainText() for m in marks] == ["exploded"]


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


def test_a_kept_sweep_opens_out_in_the_runs_tab_and_stays_open(qtbot, open_window, sample,
                                                                tmp_path):
    from softmax_gui.config import TrainConfig
    from softmax_gui.sweep import grid, train_sweep
    from softmax_gui.sweep_record import save_record

    # A sweep kept earlier (the command line keeps them there too), and a damaged one.
    configs = grid(TrainConfig(epochs=1), lr=[0.05, 0.1, 0.2], seed=[0, 1])
    kept = tmp_path / "sweeps" / "sweep-20261205-101010"
    save_record(kept, train_sweep(configs, sample), ["lr", "seed"], 1.5)
    (tmp_path / "sweeps" / "sweep-damaged").mkdir()
    (tmp_path / "sweeps" / "sweep-damaged" / "sweep.json").write_text("{")
    window = open_window(tmp_path / "runs")
    show_tab(window, "Runs")
    view = window.tabs.runs
    (group,) = top_rows(view, "sweep")
    assert [group.text(c) for c in (0, 3, 5, 9, 12)] == [
        "sweep 10:10:10", "6 runs", "0.05 to 0.2", "0 to 1", "2026-12-05 10:10"]
    assert view.note.text().startswith("1 folder(s) with a damaged record were skipped: "
                                       "sweep-damaged")
    assert group.childCount() == 0  # its runs are made when it is opened out
    click_tree_row(view.tree, group)
    keys(window, Qt.Key.Key_Right)
    assert group.childCount() == 6
    assert sorted(group.child(i).text(5) for i in range(6)) == ["0.05", "0.05", "0.1",
                                                                  "0.1", "0.2", "0.2"]
    chosen = group.child(4)
    chosen_text = chosen.toolTip(0)
    click_tree_row(view.tree, chosen)
    # A run of the window's own ends and is kept: the list is read again, and the sweep
    # stays open with its run still selected.
    type_into(window.controls.panel.epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    qtbot.waitUntil(lambda: len(top_rows(view, "run")) == 1, timeout=10_000)
    (group,) = top_rows(view, "sweep")
    assert group.isExpanded()
    assert [item.toolTip(0) for item in view.tree.selectedItems()] == [chosen_text]
    assert view.tree.currentItem().toolTip(0) == chosen_text  # the arrow keys go on there
    assert button(window, "Load weights").isEnabled()
    # A first click on "test acc" puts the best on top.
    header = view.tree.header()
    click(header.viewport(), QPoint(header.sectionViewportPosition(1)
                                    + header.sectionSize(1) // 2, header.height() // 2))
    assert "by test acc: largest first" in view.order.text()
    # A filter that hides the selected run takes it out of the selection: the buttons
    # act only on what is in sight.
    type_into(view.filter, "seed=7")
    assert view.order.text().startswith("Nothing matches the filter (1 run and 1 sweep")
    assert not button(window, "Load weights").isEnabled()
