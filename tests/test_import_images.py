"""Your own image folder as a dataset (issue 24), through the command line a person
uses: real Fashion-MNIST items saved as the files a person has (dark on light, four
times the size, PNG, JPEG, BMP and WebP, RGB and grey), hostile files among them; the
new dataset trained, evaluated and predicted with by name, its class names in the
exported weights; bad folders refused in one line."""

import os
import shutil

import numpy as np
import pytest
from PIL import Image

FORMATS = ("PNG", "JPEG", "BMP", "WEBP")
CLASSES = {0: "tee", 7: "sneaker shoe", 9: "boot"}  # Fashion-MNIST labels -> our names


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """The user's data folder, where imported datasets are kept."""
    home = tmp_path / "data"
    monkeypatch.setenv("SOFTMAX_GUI_DATA", str(home))
    return home


def image_folder(root, fashion, per_class: int = 20):
    """One subfolder per class of real test images, as files a person might have."""
    labels = fashion.test_labels.numpy()
    for label, name in CLASSES.items():
        folder = root / name
        folder.mkdir(parents=True)
        for k, i in enumerate(np.flatnonzero(labels == label)[:per_class]):
            item = Image.fromarray(255 - fashion.test_images[i].numpy()).resize((112, 112))
            fmt = FORMATS[k % len(FORMATS)]
            (item.convert("RGB") if k % 2 else item).save(folder / f"{k}.{fmt.lower()}", fmt)
    return root


def test_a_folder_becomes_a_dataset_that_trains_evaluates_and_predicts(
        fashion, data_home, tmp_path, cli_here):
    folder = image_folder(tmp_path / "mine", fashion)
    tee = folder / "tee"
    (tee / "notes.png").write_text("a shopping list, not an image")
    (tee / "poster.png").write_bytes(b"%!PS-Adobe-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    os.mkfifo(tee / "pipe.png")  # would hang a reader that waits for its end
    Image.new("1", (12_000, 12_000)).save(tee / "bomb.png")  # 144 megapixels, ~20 KB
    made = cli_here("import-images", folder, "--name", "my-clothes", "--seed", "1")
    assert made.returncode == 0, made.stderr
    lines = made.stdout.strip().splitlines()
    assert lines[-1] == "dataset my-clothes: 3 classes, 48 train / 12 test images"
    skipped = sorted(line.split(":")[0] for line in lines if line.startswith("skipped "))
    assert skipped == ["skipped bomb.png", "skipped notes.png", "skipped pipe.png",
                       "skipped poster.png"]
    # What the app reads is what was written: four IDX files, 28x28 bytes.
    from softmax_gui import data

    dataset = data.load("my-clothes")
    assert dataset.classes == ("boot", "sneaker shoe", "tee")  # folder order
    assert tuple(dataset.train_images.shape) == (48, 28, 28)
    assert np.bincount(dataset.test_labels.numpy()).tolist() == [4, 4, 4]  # stratified

    weights = tmp_path / "w.safetensors"
    trained = cli_here("train", "--dataset", "my-clothes", "--epochs", "20", "--export",
                       weights)
    assert trained.returncode == 0, trained.stderr
    accuracy = trained.stdout.strip().splitlines()[-1].split()[0]
    assert float(accuracy.split("=")[1]) >= 0.75  # three very different items
    evaluated = cli_here("evaluate", "--weights", weights)  # its dataset, from the file
    assert evaluated.stdout.strip().splitlines()[-1].startswith(f"{accuracy} n=12")
    said = cli_here("predict", "--weights", weights, folder / "boot" / "0.png")
    assert said.returncode == 0, said.stderr
    assert said.stdout.split(": ")[1].split()[0] in ("boot", "sneaker", "tee")
    from softmax_gui.weights_io import load_snapshot

    snapshot, meta = load_snapshot(weights)
    assert meta["classes"] == ["boot", "sneaker shoe", "tee"] and meta["dataset"] == \
        "my-clothes"


def test_joined_to_fashion_mnist_a_folder_named_like_its_class_adds_to_it(
        fashion, data_home, tmp_path, cli_here):
    folder = image_folder(tmp_path / "more", fashion, per_class=10)
    shutil.move(folder / "boot", folder / "ankle boot")  # Fashion-MNIST's own class
    one = folder / "hat"
    one.mkdir()
    item = Image.fromarray(255 - fashion.test_images[0].numpy()).resize((56, 56))
    for k in range(10):  # the same picture ten times: some land in both splits
        item.save(one / f"{k}.png")
    made = cli_here("import-images", folder, "--name", "joined", "--with", "fashion-mnist")
    assert made.returncode == 0, made.stderr
    lines = made.stdout.strip().splitlines()
    assert lines[-1] == "dataset joined: 13 classes, 60,032 train / 10,008 test images"
    assert any(line.startswith("note: ") and "exactly a train image" in line
               for line in lines)
    # Ten drawings beside 6,000 images a class: said, with what to do about it.
    assert any(line.startswith("note: your classes have 8 training images each beside "
                               "6,000") for line in lines), lines
    again = cli_here("import-images", folder, "--name", "joined", "--with", "fashion-mnist")
    assert "note: the dataset joined that was there is replaced" in again.stdout
    from softmax_gui import data

    joined = data.load("joined")
    assert joined.classes[:10] == fashion.classes
    assert joined.classes[10:] == ("hat", "sneaker shoe", "tee")


@pytest.mark.parametrize(("make", "said"), [
    (lambda root: (root / "only").mkdir(), "two classes at least"),
    (lambda root: [(root / c).mkdir() for c in ("a", "b")], "holds no file"),
    (lambda root: [(root / c).mkdir() for c in ("<b>bold", "plain")], "cannot be a class"),
])
def test_a_folder_that_cannot_be_a_dataset_is_refused_in_one_line(
        make, said, data_home, tmp_path, cli_here):
    root = tmp_path / "bad"
    root.mkdir()
    make(root)
    for folder in root.iterdir():  # one real image each, so only the flaw is the cause
        if not said.startswith("holds"):
            Image.new("L", (28, 28), 255).save(folder / "x.png")
    refused = cli_here("import-images", root, "--name", "bad")
    assert refused.returncode == 2
    assert said in refused.stderr and refused.stderr.count("\n") == 1
    assert not (data_home / "datasets" / "bad").exists()  # nothing half-made


@pytest.mark.parametrize(("args", "said"), [
    (["--name", "fashion-mnist"], "a dataset the app ships"),
    (["--name", "Has Spaces"], "cannot name a dataset"),
    (["--name", "ok", "--test-fraction", "0.9"], "0.05 to 0.5"),
])
def test_a_bad_request_is_refused_in_one_line(args, said, fashion, data_home, tmp_path,
                                              cli_here):
    folder = image_folder(tmp_path / "fine", fashion, per_class=2)
    refused = cli_here("import-images", folder, *args)
    assert refused.returncode == 2 and said in refused.stderr


def test_a_cancelled_import_writes_nothing(fashion, data_home, tmp_path):
    from softmax_gui.user_datasets import ImageFolderError, import_folder

    folder = image_folder(tmp_path / "some", fashion, per_class=5)
    seen = []
    with pytest.raises(ImageFolderError, match="cancelled: nothing was written"):
        import_folder(folder, "halfway", progress=lambda done, total: seen.append(done),
                      cancelled=lambda: len(seen) >= 7)
    assert seen[-1] == 7 and not (data_home / "datasets" / "halfway").exists()
