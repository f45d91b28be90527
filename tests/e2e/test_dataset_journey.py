"""Choosing a dataset that is not installed, following the remedy, and coming back."""

from person import (
    answer_file_dialog,
    button,
    choose,
    click_button,
    fake_mnist,
    menu,
    save_screenshot,
    type_into,
    wait_until_done,
)


def test_a_missing_dataset_leads_to_its_folder_and_loads_as_that_dataset(qtbot, window,
                                                                         tmp_path):
    panel = window.controls.panel
    choose(qtbot, panel.dataset, "MNIST")
    banner = window.banner
    qtbot.waitUntil(banner.isVisible, timeout=10_000)
    assert banner.text.text().startswith("Could not load MNIST: MNIST was not found")
    assert panel.dataset.currentText() == "Fashion-MNIST"  # what is loaded, still usable
    save_screenshot(window, "mnist-missing")
    assert "Fashion-MNIST" in window.status.source.text()
    click_button(window, "Choose the MNIST folder…")
    answer_file_dialog(qtbot, fake_mnist(tmp_path / "digits"))
    qtbot.waitUntil(lambda: window.status.source.text() == "MNIST (your folder)",
                    timeout=10_000)
    assert panel.dataset.currentText() == "MNIST" and not banner.isVisible()
    assert "none" in window.status.weights.text()  # Fashion-MNIST's weights do not fit
    assert window.grid.summary.text().startswith("True labels only")
    type_into(panel.epochs, "1")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    assert "run #1, epoch 1" in window.status.weights.text()
    assert "dataset mnist" in window.status.weights.toolTip()
    save_screenshot(window, "mnist-trained")

    choose(qtbot, panel.dataset, "Fashion-MNIST")  # its weights come back
    qtbot.waitUntil(lambda: "Fashion-MNIST" in window.status.source.text(), timeout=10_000)
    assert "bundled default, 84.6%" in window.status.weights.text()
    choose(qtbot, panel.dataset, "MNIST")  # and the folder chosen is remembered
    qtbot.waitUntil(lambda: window.status.source.text() == "MNIST (your folder)",
                    timeout=10_000)
    assert "run #1, epoch 1" in window.status.weights.text()  # so are its weights


def test_choose_a_folder_for_the_dataset_from_the_file_menu(qtbot, window, fashion):
    menu(qtbot, window, "File", "Choose dataset folder…")
    answer_file_dialog(qtbot, fashion.source.path)
    qtbot.waitUntil(lambda: window.status.source.text() == "Fashion-MNIST (your folder)",
                    timeout=10_000)
    assert "bundled default" in window.status.weights.text()
    assert button(window, "Start").isEnabled()


def test_the_window_says_plainly_when_it_trains_on_the_bundled_sample(
        qtbot, open_window, monkeypatch, tmp_path):
    import dataclasses

    from softmax_gui.datasets_registry import DATASETS

    spec = DATASETS["fashion-mnist"]
    monkeypatch.setitem(DATASETS, "fashion-mnist", dataclasses.replace(spec, system_dirs=()))
    monkeypatch.setenv("SOFTMAX_GUI_CACHE", str(tmp_path / "empty-cache"))
    window = open_window(loaded=False)  # it finds its data itself: only the sample
    label = window.status.source
    assert "BUNDLED SAMPLE" in label.text() and "bold" in label.styleSheet()
    assert "sample" in label.toolTip()
    save_screenshot(window, "bundled-sample")
    assert "bundled default" in window.status.weights.text()  # the grid works at once
    type_into(window.controls.panel.epochs, "2")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 2 epochs")
    assert "run #1, epoch 2, 7" in window.status.weights.text() or \
        "run #1, epoch 2, 8" in window.status.weights.text()
