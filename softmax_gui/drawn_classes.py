"""Classes a person teaches by drawing (issue 24). No Qt.

Each example is a drawing's model input (28x28, as the canvas makes it) and its strokes,
kept with the class name the person gave it in ``<user data>/drawn/examples.json``
(written atomically; a damaged file is refused in one line, and nothing is lost by
adding to it). :func:`make_dataset` turns them into a dataset of the app's own kind
(``softmax_gui/user_datasets.py``): a shipped dataset's images plus, for each drawn
class, its drawings shifted, turned, scaled and thickened into as many training images
as the dataset has per class (a few dozen drawings would not count against 6,000
otherwise), and a quarter of the drawings held out, as drawn, to test on.
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from softmax_gui.paths import user_dir
from softmax_gui.user_datasets import CLASS_NAME  # a class name's rule, for the window too

FILE = "examples.json"
MAX_EXAMPLES = 10_000  # a person draws dozens; more is a damaged file


class DrawnError(ValueError):
    """Drawn examples that cannot be read or used, said in one line."""


@dataclass
class Example:
    """One drawing: its class, its 28x28 model input, and its strokes (point lists)."""

    name: str
    image: np.ndarray  # uint8 (28, 28)
    strokes: list = field(default_factory=list)


def folder() -> Path:
    return user_dir("data") / "drawn"


def load(where: Path | None = None) -> list[Example]:
    """The examples kept so far (none yet: an empty list).

    Raises
    ------
    DrawnError
        The file is damaged, too large, or not as :func:`save` writes it.
    """
    path = (where or folder()) / FILE
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a pipe would hang the reader
            raise DrawnError(f"{path} is not a regular file: move it away to start again")
        if info.st_size > 64 << 20:
            raise DrawnError(f"{path} is over 64 MB: it is not a file of drawings")
        records = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except OSError as error:
        raise DrawnError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError):
        raise DrawnError(f"{path} is damaged (not JSON): move it away to start "
                         "again") from None
    try:
        if len(records) > MAX_EXAMPLES:
            raise DrawnError(f"{path} holds {len(records):,} drawings; at most "
                             f"{MAX_EXAMPLES:,} are kept")
        examples = [Example(str(r["class"]), np.array(r["image"], np.uint8).reshape(28, 28),
                            list(r.get("strokes", []))) for r in records]
        bad = [e.name for e in examples if not CLASS_NAME.match(e.name)]
        if bad:  # shown as text in the window: no markup gets in
            raise ValueError(f"a class named {bad[0][:40]!r}")
        return examples
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise DrawnError(f"{path} is not as this app writes it ({error}): move it away "
                         "to start again") from None


def set_aside(where: Path | None = None) -> Path:
    """Move a file of drawings that cannot be read out of the way (nothing is lost: a
    new list begins beside it); returns where it went."""
    import time

    path = (where or folder()) / FILE
    aside = path.with_name(f"{FILE}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(aside)
    return aside


def save(examples: list[Example], where: Path | None = None) -> None:
    """Keep ``examples`` (all of them, atomically: a full disk keeps the old file)."""
    from softmax_gui.safe_files import atomic_write

    target = where or folder()
    target.mkdir(parents=True, exist_ok=True)
    records = [{"class": e.name, "image": e.image.astype(int).ravel().tolist(),
                "strokes": e.strokes} for e in examples]
    atomic_write({target / FILE: lambda path: Path(path).write_text(json.dumps(records))})


def augment(image: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` variations of one drawing: shifted by up to 2 pixels, turned by up to
    15 degrees, scaled by 0.85 to 1.15, and a stroke made thicker or thinner by one
    pixel a third of the time each (uint8 ``(count, 28, 28)``)."""
    from scipy import ndimage

    x = image.astype(np.float32) / 255.0
    out = np.empty((count, 28, 28), np.uint8)
    for k in range(count):
        angle, scale = rng.uniform(-15, 15), rng.uniform(0.85, 1.15)
        turned = ndimage.rotate(x, angle, reshape=False, order=1)
        zoomed = ndimage.zoom(turned, scale, order=1)
        fitted = _centre_crop(zoomed)
        moved = ndimage.shift(fitted, rng.integers(-2, 3, 2), order=0)
        width = rng.integers(0, 3)
        if width == 1:
            moved = ndimage.grey_dilation(moved, size=(2, 2))
        elif width == 2:
            moved = ndimage.grey_erosion(moved, size=(2, 2)) * 0.5 + moved * 0.5
        out[k] = np.clip(np.round(moved * 255), 0, 255).astype(np.uint8)
    return out


def _centre_crop(x: np.ndarray) -> np.ndarray:
    """A zoomed image back to 28x28 around its centre (padded when it shrank)."""
    side = x.shape[0]
    if side >= 28:
        start = (side - 28) // 2
        return x[start:start + 28, start:start + 28]
    padded = np.zeros((28, 28), x.dtype)
    start = (28 - side) // 2
    padded[start:start + side, start:start + side] = x
    return padded


def make_dataset(examples: list[Example], name: str, base: str = "fashion-mnist",
                 test_share: float = 0.25, seed: int = 0):
    """Write dataset ``name``: ``base``'s images and classes, then each drawn class
    (a drawn class named like one of ``base``'s adds to it); returns what was made
    (``user_datasets.Imported``) with :attr:`note` saying what the augmentation did.

    Raises
    ------
    DrawnError
        No drawings, or a class with fewer than two (one to learn from, one to test).
    """
    from softmax_gui import data
    from softmax_gui.user_datasets import Imported, write_dataset

    if not examples:
        raise DrawnError("draw some examples first: there is nothing to learn from")
    theirs = data.load(base, allow_sample=False)
    names = list(theirs.classes)
    drawn = list(dict.fromkeys(e.name for e in examples))
    for cls in drawn:
        if sum(e.name == cls for e in examples) < 2:
            raise DrawnError(f"class {cls!r} has one drawing: draw one more at least (one "
                             "to learn from, one to test on)")
    names += [c for c in drawn if c not in names]
    rng = np.random.default_rng(seed)
    labels = theirs.train_labels.numpy()
    per_class = int(np.bincount(labels).max())  # 6,000 for Fashion-MNIST
    train_images, train_labels = [theirs.train_images.numpy()], [labels]
    test_images, test_labels = [theirs.test_images.numpy()], [theirs.test_labels.numpy()]
    for cls in drawn:
        mine = [e.image for e in examples if e.name == cls]
        order = rng.permutation(len(mine))
        held = max(1, round(test_share * len(mine)))
        test_images.append(np.stack([mine[i] for i in order[:held]]))
        test_labels.append(np.full(held, names.index(cls)))
        learn = [mine[i] for i in order[held:]]
        each = -(-per_class // len(learn))  # rounded up: the class balanced with the rest
        made = np.concatenate([augment(image, each, rng) for image in learn])[:per_class]
        train_images.append(made)
        train_labels.append(np.full(len(made), names.index(cls)))
    splits = {"train": (np.concatenate(train_images), np.concatenate(train_labels)),
              "test": (np.concatenate(test_images), np.concatenate(test_labels))}
    write_dataset(user_dir("data") / "datasets" / name, splits, {
        "format": 1, "name": name, "classes": names, "recipe": base, "with": base,
        "source": "drawn", "seed": seed, "test_fraction": test_share})
    made = Imported(name, names, len(splits["train"][1]), len(splits["test"][1]))
    made.note = (f"each drawn class: its drawings shifted, turned, scaled and thickened "
                 f"into {per_class:,} training images, as many as a {theirs.spec.title} "
                 f"class has; {', '.join(drawn)} tested on "
                 f"{sum(len(t) for t in test_images[1:])} drawings held out")
    return made


def extended(snapshot, classes: list[str] | tuple[str, ...], dataset: str):
    """``snapshot`` (a softmax regression's weights) grown to ``classes``: a row of
    ``W`` and a bias of 0 for each new class, the rest as it was, to train on from there.

    Raises
    ------
    DrawnError
        Not a linear model, or weights for other classes than ``classes`` begins with.
    """
    from dataclasses import replace

    from softmax_gui.model_registry import MODELS

    if not MODELS[snapshot.model].linear:
        raise DrawnError(f"only softmax regression grows a row of W for a new class; "
                         f"{MODELS[snapshot.model].label} trains fresh")
    old = list(snapshot.classes)
    if list(classes[:len(old)]) != old or len(classes) <= len(old):
        raise DrawnError("the active weights are for other classes than these: train fresh")
    extra = len(classes) - len(old)
    state = {name: np.concatenate([array, np.zeros((extra, *array.shape[1:]), array.dtype)])
             for name, array in snapshot.state.items()}
    return replace(snapshot, state=state, classes=tuple(classes), dataset=dataset,
                   epoch=0.0, test_acc=None, test_logits=None, resume=None)
