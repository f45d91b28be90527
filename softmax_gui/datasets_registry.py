"""The datasets the app knows: names, class names, where copies may live.

Plain data with no torch import, so configuration and the GUI can list datasets cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def _resources() -> Path:
    """The shipped data: ``resources/`` at the top of a checkout, which a wheel installs
    inside the package (pyproject.toml maps it to ``softmax_gui.resources``)."""
    here = Path(__file__).resolve().parent
    installed = here / "resources"
    return installed if installed.is_dir() else here.parent / "resources"


RESOURCES = _resources()

# The four IDX files every MNIST-family dataset consists of, in torchvision's naming.
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class DatasetSpec:
    """How to find and describe one dataset.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"fashion-mnist"``.
    title : str
        Human name.
    torchvision_class : str
        Name of the class in ``torchvision.datasets``; also its folder name in
        torchvision's layout (``root/<class>/raw``).
    classes : tuple of str
        Class names in label order.
    system_dirs : tuple of Path
        Folders where a distribution package installs the raw files.
    sample_dir : Path or None
        The stratified sample bundled in ``resources/``.
    convention : str
        ``"fashion"`` (trim, longest edge to 28, centred) or ``"digits"`` (20x20 box,
        centre of mass), the preprocessing that made the dataset.
    default_weights : Path or None
        Weights bundled in ``resources/``, active until the user trains or opens others
        (how they were made: the README, "The default model").
    """

    name: str
    title: str
    torchvision_class: str
    classes: tuple[str, ...]
    system_dirs: tuple[Path, ...] = ()
    sample_dir: Path | None = None
    convention: str = "digits"
    default_weights: Path | None = None


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            name="fashion-mnist",
            title="Fashion-MNIST",
            torchvision_class="FashionMNIST",
            # d2l's text labels (§3.5), in label order.
            classes=(
                "t-shirt", "trouser", "pullover", "dress", "coat",
                "sandal", "shirt", "sneaker", "bag", "ankle boot",
            ),
            system_dirs=(Path("/usr/share/datasets/fashion-mnist"),),
            sample_dir=RESOURCES / "datasets" / "fashion-mnist-sample",
            convention="fashion",
            default_weights=RESOURCES / "weights" / "fashion-mnist-softmax.safetensors",
        ),
        DatasetSpec(
            name="mnist",
            title="MNIST",
            torchvision_class="MNIST",
            classes=tuple(str(d) for d in range(10)),
            system_dirs=(Path("/usr/share/datasets/mnist"),),
        ),
        DatasetSpec(
            name="kmnist",
            title="Kuzushiji-MNIST",
            torchvision_class="KMNIST",
            classes=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        ),
    )
}


def known() -> dict[str, DatasetSpec]:
    """The datasets the app ships and those made from the user's image folders
    (``softmax_gui/user_datasets.py``), by name."""
    from softmax_gui.user_datasets import specs

    return {**DATASETS, **specs()}


def get_spec(name: str) -> DatasetSpec:
    """Return the spec of dataset ``name`` or raise ``ValueError`` listing the known ones."""
    if name in DATASETS:
        return DATASETS[name]
    everything = known()
    try:
        return everything[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(everything)}") from None
