"""Your own image folder as a dataset, in the window, as a person does it (issue 24):
File > Import image folder…, a folder typed in and previewed, a name, Import, the new
dataset in the Dataset combo, Use it, a run trained on it."""

import numpy as np
import pytest
from person import (
    activate,
    answer_file_dialog,
    answer_question,
    button,
    choose,
    click_button,
    click_first_image,
    menu,
    save_screenshot,
    tick,
    type_into,
    wait_until_done,
)
from PIL import Image
from PySide6.QtWidgets import QLabel

CLASSES = {0: "tee", 7: "sneaker shoe", 9: "boot"}  # Fashion-MNIST labels -> our names


@pytest.fixture
def folder(fashion, tmp_path, monkeypatch):
    """Twelve real items a class, saved dark on light at four times the size, and one
    file that is not an image; the user's data folder somewhere of the test's own."""
    monkeypatch.setenv("SOFTMAX_GUI_DATA", str(tmp_path / "data"))
    labels = fashion.test_labels.numpy()
    root = tmp_path / "my clothes"
    for label, name in CLASSES.items():
        (root / name).mkdir(parents=True)
        for k, i in enumerate(np.flatnonzero(labels == label)[:12]):
            item = Image.fromarray(255 - fashion.test_images[i].numpy()).resize((112, 112))
            item.save(root / name / f"{k}.{'png' if k % 2 else 'jpg'}")
    (root / "tee" / "list.png").write_text("milk, eggs")
    return root


def test_an_image_folder_becomes_a_dataset_the_window_trains_on(qtbot, window, folder):
    menu(qtbot, window, "File", "Import image folder…")
    dialog = window.import_images.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    click_button(dialog, "Choose…")
    answer_file_dialog(qtbot, folder)
    # The preview: a row per class, six inputs each as the model will see them.
    qtbot.waitUntil(lambda: "3 classes, 37 files" in dialog.status.text(), timeout=30_000)
    rows = [label.text() for label in dialog.preview.findChildren(QLabel) if label.text()]
    assert rows == ["boot\n12 files", "sneaker shoe\n12 files", "tee\n13 files"]
    assert sum(1 for label in dialog.preview.findChildren(QLabel)
               if label.pixmap() is not None and not label.pixmap().isNull()) == 18
    assert dialog.name.text() == "my-clothes"  # from the folder's name
    choose(qtbot, dialog.recipe, "Fashion-MNIST (trim, fit, centre)")
    type_into(dialog.name, "clothes")
    assert not button(dialog, "Use it").isEnabled()
    click_button(dialog, "Import")
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Made "), timeout=30_000)
    assert dialog.status.text().startswith(
        "Made clothes: 3 classes, 30 train / 6 test images. 1 file(s) skipped: list.png: "
        "it is not a PNG")
    save_screenshot(dialog, "import-images")
    combo = window.controls.panel.dataset
    assert combo.findData("clothes") >= 0
    click_button(dialog, "Use it")
    qtbot.waitUntil(lambda: window.session.state.dataset.name == "clothes", timeout=30_000)
    assert not dialog.isVisible()
    assert combo.currentText() == "clothes (your images)"
    type_into(window.controls.panel.epochs, "20")
    click_button(window, "Start")
    assert wait_until_done(qtbot, window).startswith("Done: 20 epochs")
    weights = window.session.state.weights
    assert weights.snapshot.classes == ("boot", "sneaker shoe", "tee")
    assert weights.snapshot.test_acc >= 0.7  # three items that look nothing alike
    # Which data it learnt is said beside its curves, and in the Runs tab.
    assert window.tabs.plots.run_list.item(0).text().startswith("#1 clothes: softmax")
    runs = window.tabs.runs
    qtbot.waitUntil(lambda: runs.tree.topLevelItemCount() == 1, timeout=10_000)
    assert runs.tree.topLevelItem(0).text(14) == "clothes"


def test_joining_fashion_mnist_from_the_dialog(qtbot, window, folder):
    menu(qtbot, window, "File", "Import image folder…")
    dialog = window.import_images.dialog
    activate(qtbot, dialog)  # as a desktop does with a dialog that opens
    type_into(dialog.folder, str(folder))
    qtbot.waitUntil(lambda: "3 classes" in dialog.status.text(), timeout=30_000)
    tick(dialog.join)
    type_into(dialog.test_share, "0.25")
    type_into(dialog.seed, "3")
    click_button(dialog, "Import")
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Made "), timeout=60_000)
    assert dialog.status.text().startswith("Made my-clothes: 13 classes, 60,027 train / "
                                           "10,009 test images.")
    click_button(dialog, "Close")
    assert not dialog.isVisible()


def test_made_again_with_other_classes_its_old_weights_stay_away(qtbot, window, folder):
    # A new user re-imported under the same name from a folder of two classes: the
    # three-class weights came back on the two-class data and a click on a test image
    # raised IndexError.
    import shutil

    menu(qtbot, window, "File", "Import image folder…")
    dialog = window.import_images.dialog
    activate(qtbot, dialog)
    type_into(dialog.folder, str(folder))
    qtbot.waitUntil(lambda: "3 classes" in dialog.status.text(), timeout=30_000)
    click_button(dialog, "Import")
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Made "), timeout=30_000)
    click_button(dialog, "Use it")
    qtbot.waitUntil(lambda: window.session.state.dataset.name == "my-clothes",
                    timeout=30_000)
    type_into(window.controls.panel.epochs, "2")
    click_button(window, "Start")
    wait_until_done(qtbot, window)
    fewer = folder.parent / "fewer"
    shutil.copytree(folder, fewer)
    shutil.rmtree(fewer / "tee")
    menu(qtbot, window, "File", "Import image folder…")
    activate(qtbot, dialog)
    type_into(dialog.folder, str(fewer))
    qtbot.waitUntil(lambda: "2 classes" in dialog.status.text(), timeout=30_000)
    assert not button(dialog, "Use it").isEnabled()  # not the last import's any more
    type_into(dialog.name, "my-clothes")
    click_button(dialog, "Import")
    assert "A dataset called my-clothes exists already" in answer_question(qtbot, "No")
    assert not dialog.status.text().startswith("Made ")  # nothing replaced
    click_button(dialog, "Import")
    answer_question(qtbot, "Yes")
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Made "), timeout=30_000)
    click_button(dialog, "Close")
    choose(qtbot, window.controls.panel.dataset, "Fashion-MNIST")
    qtbot.waitUntil(lambda: window.session.state.dataset.name == "fashion-mnist",
                    timeout=30_000)
    choose(qtbot, window.controls.panel.dataset, "my-clothes (your images)")
    qtbot.waitUntil(lambda: window.session.state.dataset.name == "my-clothes",
                    timeout=30_000)
    assert window.session.state.dataset.classes == ("boot", "sneaker shoe")
    assert window.session.state.weights is None  # not the three-class run's
    click_first_image(window)  # a test image, clicked: no IndexError, its bars shown
    assert window.session.state.selected is not None
