"""Datasets a person makes from a folder of their own images (issue 24). No Qt.

A folder with one subfolder per class (torchvision's ``ImageFolder`` convention; PNG,
JPEG, BMP, GIF, TIFF or WebP, any size and mode) becomes a dataset of the app's own
kind: each image read as the canvas reads one (``preprocess.load_image_file``: light
on dark or dark on light found, a grey background brought to black) and made into the
model input by a dataset's recipe (``preprocess.to_model_input``: trimmed, scaled,
centred), split into train and test per class with a seed, optionally joined to a
dataset's own classes, and written as the four IDX files the app reads
(``data.read_idx``) beside ``dataset.json`` (its classes and how it was made) in
``<user data>/datasets/<name>/``. ``datasets_registry.get_spec`` finds it there, so
``train``, ``evaluate`` and ``predict`` take ``--dataset <name>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from softmax_gui.datasets_registry import DATASETS, IDX_FILES, DatasetSpec
from softmax_gui.paths import user_dir

RECORD = "dataset.json"
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
CLASS_NAME = re.compile(r"^[\w][\w .'-]{0,39}$")  # no markup: no <, >, &, quotes
MAX_IMAGES = 200_000  # the most a split may hold (data.read_idx's rule)
RECIPES = ("fashion-mnist", "mnist")


class ImageFolderError(ValueError):
    """An image folder that cannot become a dataset, said in one line."""


def folder() -> Path:
    """Where imported datasets live: ``<user data>/datasets``."""
    return user_dir("data") / "datasets"


def specs() -> dict[str, DatasetSpec]:
    """The imported datasets, by name (a damaged record is left out)."""
    found = {}
    try:
        records = sorted(folder().glob(f"*/{RECORD}"))
    except OSError:
        return found
    for record in records:
        try:
            info = json.loads(record.read_text())
            name, classes = str(info["name"]), tuple(str(c) for c in info["classes"])
            convention = "fashion" if info["recipe"] == "fashion-mnist" else "digits"
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if NAME.match(name) and name not in DATASETS and 2 <= len(classes) <= 255:
            found[name] = DatasetSpec(name=name, title=f"{name} (your images)",
                                      torchvision_class="",
                                      classes=classes, system_dirs=(record.parent,),
                                      convention=convention)
    return found


@dataclass
class Imported:
    """What an import made: the dataset's classes, its splits' sizes, and what it
    noticed on the way (files skipped and why, images in both splits)."""

    name: str
    classes: list[str]
    train: int
    test: int
    skipped: list[str] = field(default_factory=list)  # "file: why"
    duplicates: int = 0  # test images identical to a train image, after the recipe
    replaced: bool = False  # a dataset of that name was there, and is no more
    swamped: str = ""  # joined classes far larger than the user's, in words
    note: str = ""  # what was done to the images beyond the recipe (drawn classes)

    def summary(self) -> str:
        return (f"dataset {self.name}: {len(self.classes)} classes, {self.train:,} train / "
                f"{self.test:,} test images")


def import_folder(source: str | Path, name: str, recipe: str = "fashion-mnist",
                  with_dataset: str | None = None, test_fraction: float = 0.2,
                  seed: int = 0, progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> Imported:
    """Make dataset ``name`` from the class folders in ``source`` (see the module).

    ``progress(done, total)`` after each image; ``cancelled()`` stops it (nothing
    written). A file that is not an image is skipped and named in the result.

    Raises
    ------
    ImageFolderError
        A bad name or fraction, fewer than two classes, an empty class, a class name
        with markup, no image at all, or more than :data:`MAX_IMAGES`.
    """
    source = Path(source)
    _check_request(source, name, recipe, with_dataset, test_fraction)
    files = scan(source)
    classes = list(files)
    base = _base_classes(with_dataset)
    own = [c for c in classes if c not in base]
    if len(base) + len(own) < 2:
        raise ImageFolderError(f"{source} has {len(classes)} class folder(s); a classifier needs "
                               "two classes at least (one subfolder per class)")
    names = list(base) + own
    total = sum(map(len, files.values()))
    if total > MAX_IMAGES:
        raise ImageFolderError(f"{source} holds {total:,} files; a dataset holds at most "
                               f"{MAX_IMAGES:,} images")
    images = np.zeros((total, 28, 28), np.uint8)  # bounded: 784 bytes an image
    labels = np.zeros(total, np.int64)
    kept, skipped, done = 0, [], 0
    for label_name in classes:
        for path in files[label_name]:
            if cancelled is not None and cancelled():
                raise ImageFolderError("the import was cancelled: nothing was written")
            try:
                images[kept] = model_input(path, recipe)
            except ValueError as error:  # preprocess.ImageError: said in one line
                skipped.append(str(error).removeprefix("cannot read "))
            else:
                labels[kept] = names.index(label_name)
                kept += 1
            done += 1
            if progress is not None:
                progress(done, total)
    if kept == 0:
        raise ImageFolderError(f"no file in {source} could be read as an image")
    images, labels = images[:kept], labels[:kept]
    train, test = _split(labels, test_fraction, seed)
    splits = {"train": (images[train], labels[train]), "test": (images[test], labels[test])}
    if with_dataset:
        splits = _joined(splits, with_dataset)
    duplicates = _in_both(splits)
    replaced = exists(name)
    write_dataset(folder() / name, splits, {"format": 1, "name": name, "classes": names,
                                     "recipe": recipe, "with": with_dataset,
                                     "source": str(source), "seed": seed,
                                     "test_fraction": test_fraction})
    made = Imported(name, names, len(splits["train"][1]), len(splits["test"][1]), skipped,
                    duplicates, replaced)
    if with_dataset:
        made.swamped = _swamped(splits["train"][1], len(base))
    return made


def exists(name: str) -> bool:
    """Whether a dataset of the user's is called ``name`` already."""
    return (folder() / name / RECORD).is_file()


def _swamped(labels: np.ndarray, joined: int) -> str:
    """Words for user's classes far smaller than the joined dataset's (a model trained on
    both would hardly ever predict them), or ""."""
    counts = np.bincount(labels)
    theirs, mine = counts[:joined].min(), counts[joined:]
    if len(mine) and mine.max() * 10 < theirs:
        low, high = int(mine.min()), int(mine.max())
        count = f"{low:,}" if low == high else f"{low:,} to {high:,}"
        return (f"your classes have {count} training images each beside "
                f"{int(theirs):,} of each joined class: the model will "
                "rarely predict them (more images, or Teach… with drawings, which are "
                "augmented to balance)")
    return ""


def scan(source: Path) -> dict[str, list[Path]]:
    """Each class folder of ``source`` (sorted) and its files.

    Raises
    ------
    ImageFolderError
        A class name with markup, or a class folder with no file.
    """
    try:
        classes = sorted(p.name for p in Path(source).iterdir() if p.is_dir()
                         and not p.name.startswith("."))
        bad = [c for c in classes if not CLASS_NAME.match(c)]
        if bad:
            raise ImageFolderError(f"class folder {bad[0]!r} has a name that cannot be a "
                                   "class (letters, digits, spaces, . ' - and _, at most "
                                   "40): rename it")
        files = {c: sorted(p for p in (Path(source) / c).rglob("*") if not p.is_dir())
                 for c in classes}
    except OSError as error:
        raise ImageFolderError(f"cannot read {source}: {error.strerror or error}") from None
    empty = [c for c in classes if not files[c]]
    if empty:
        raise ImageFolderError(f"class folder {empty[0]!r} holds no file: add images or "
                               "remove it")
    return files


def model_input(path: Path, recipe: str) -> np.ndarray:
    """One image file as the model will see it: 28x28 bytes (``ValueError`` in words
    when it is not an image)."""
    from softmax_gui.preprocess import load_image_file, to_model_input

    return np.round(to_model_input(load_image_file(path), recipe) * 255).astype(np.uint8)


def preview(source: str | Path, recipe: str, per_class: int = 6
            ) -> list[tuple[str, int, list[np.ndarray]]]:
    """Each class's name, its number of files, and its first images as the model will
    see them (files that are not images left out): what an import would make."""
    shown = []
    for name, paths in scan(Path(source)).items():
        images = []
        for path in paths:
            if len(images) == per_class:
                break
            try:
                images.append(model_input(path, recipe))
            except ValueError:
                continue
        shown.append((name, len(paths), images))
    return shown


def _check_request(source: Path, name: str, recipe: str, with_dataset, fraction) -> None:
    if not NAME.match(name):
        raise ImageFolderError(f"{name!r} cannot name a dataset: use lower-case letters, "
                               "digits, - and _ (at most 40), starting with a letter or digit")
    if name in DATASETS:
        raise ImageFolderError(f"{name!r} is a dataset the app ships: choose another name")
    if recipe not in RECIPES:
        raise ImageFolderError(f"recipe {recipe!r} is not one of {', '.join(RECIPES)}")
    if with_dataset is not None and with_dataset not in DATASETS:
        raise ImageFolderError(f"--with {with_dataset!r}: join one of {', '.join(DATASETS)}")
    if not 0.05 <= fraction <= 0.5:
        raise ImageFolderError(f"--test-fraction {fraction}: keep 0.05 to 0.5 for the test set")
    if not source.is_dir():
        raise ImageFolderError(f"{source} is not a folder (one subfolder per class)")


def _base_classes(with_dataset: str | None) -> tuple[str, ...]:
    return DATASETS[with_dataset].classes if with_dataset else ()


def _split(labels: np.ndarray, fraction: float, seed: int):
    """Train and test indices, stratified: each class gives ``fraction`` of its images
    to the test set (at least one when it has two or more), seeded."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        count = min(len(members) - 1, max(1, round(fraction * len(members))))
        test.extend(members[:count])
        train.extend(members[count:])
    return np.sort(np.array(train, int)), np.sort(np.array(test, int))


def _joined(splits: dict, with_dataset: str) -> dict:
    """The user's images added to ``with_dataset``'s own (its labels come first)."""
    from softmax_gui import data

    theirs = data.load(with_dataset, allow_sample=False)
    mine = {}
    for split, (images, labels) in splits.items():
        base_images = getattr(theirs, f"{split}_images").numpy()
        base_labels = getattr(theirs, f"{split}_labels").numpy()
        mine[split] = (np.concatenate([base_images, images]),
                       np.concatenate([base_labels, labels]))
    return mine


def _in_both(splits: dict) -> int:
    """Test images that are, after the recipe, exactly a train image."""
    seen = {image.tobytes() for image in splits["train"][0]}
    return sum(image.tobytes() in seen for image in splits["test"][0])


def write_dataset(target: Path, splits: dict, record: dict) -> None:
    """The four IDX files and the record, all or nothing (atomic writes)."""
    from softmax_gui.safe_files import atomic_write

    writers = {}
    for split, (images, labels) in splits.items():
        prefix = "train" if split == "train" else "test"
        writers[target / IDX_FILES[f"{prefix}_images"]] = _idx_writer(images)
        writers[target / IDX_FILES[f"{prefix}_labels"]] = _idx_writer(labels.astype(np.uint8))
    writers[target / RECORD] = lambda path: Path(path).write_text(json.dumps(record))
    target.mkdir(parents=True, exist_ok=True)
    atomic_write(writers)


def _idx_writer(array: np.ndarray):
    """An IDX file of unsigned bytes: magic ``00 00 08 ndim``, the sizes, the data."""
    def write(path) -> None:
        with open(path, "wb") as f:
            f.write(bytes([0, 0, 8, array.ndim]))
            for size in array.shape:
                f.write(int(size).to_bytes(4, "big"))
            f.write(np.ascontiguousarray(array, np.uint8).tobytes())
    return write
