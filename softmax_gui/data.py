"""Locate and load MNIST-family datasets as resident uint8 tensors.

Sources are tried in the order of docs/ARCHITECTURE.md: a folder the user chose, the user cache,
the system copy (Debian's ``dataset-fashion-mnist``), a torchvision download, and last
the stratified sample bundled with the app. Every file is validated on read, so a
truncated or corrupt file raises :class:`DatasetError` naming the file and the remedy.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from softmax_gui.datasets_registry import IDX_FILES, DatasetSpec, get_spec
from softmax_gui.paths import user_dir

if TYPE_CHECKING:
    import torch

# IDX magic numbers: unsigned bytes with 3 (images) or 1 (labels) dimensions.
_MAGIC = {3: 0x00000803, 1: 0x00000801}
# Fashion-MNIST's largest split has 60,000 images; a file declaring far more is damaged
# or hostile (200,000 images take 157 MB).
MAX_ITEMS = 200_000


class DatasetError(RuntimeError):
    """A dataset cannot be found or read; the message says which file and what to do."""


@dataclass(frozen=True)
class Source:
    """Where a dataset was loaded from.

    Attributes
    ----------
    kind : str
        ``"folder"``, ``"cache"``, ``"system"``, ``"download"``, ``"sample"`` or
        ``"yours"`` (a dataset made from the user's images).
    path : Path
        The folder holding the four IDX files.
    """

    kind: str
    path: Path

    @property
    def is_sample(self) -> bool:
        """True for the small bundled sample, which the UI must say plainly."""
        return self.kind == "sample"

    def describe(self) -> str:
        """One line for status bars and CLI output."""
        labels = {
            "folder": "your folder",
            "cache": "user cache",
            "system": "system copy",
            "download": "downloaded",
            "sample": "BUNDLED SAMPLE (not the full dataset)",
            "yours": "made from your images",
        }
        return f"{labels[self.kind]}: {self.path}"


@dataclass(frozen=True)
class Dataset:
    """A dataset held in memory: uint8 images ``(N, 28, 28)``, int64 labels ``(N,)``."""

    spec: DatasetSpec
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    source: Source

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def classes(self) -> tuple[str, ...]:
        return self.spec.classes

    def describe(self) -> str:
        """Name, sizes and source in one line."""
        return (
            f"{self.spec.title}: {len(self.train_labels):,} train / "
            f"{len(self.test_labels):,} test images from {self.source.describe()}"
        )


def user_cache_dir() -> Path:
    """The per-user cache root, where downloads land in torchvision's layout."""
    return user_dir("cache")


def load(
    name: str = "fashion-mnist",
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    allow_sample: bool = True,
    progress: bool = False,
) -> Dataset:
    """Load dataset ``name`` from the first source that has it.

    Parameters
    ----------
    name : str
        A key of :data:`softmax_gui.datasets_registry.DATASETS`.
    data_dir : path-like, optional
        A folder the user chose: the four raw IDX files (``.gz`` or not) directly in it,
        or torchvision's layout ``data_dir/<Class>/raw/``. When given, it is the only
        source tried, so a broken folder is reported rather than silently replaced.
    download : bool
        Try a torchvision download into the user cache when no local copy exists.
    allow_sample : bool
        Fall back to the bundled sample (Fashion-MNIST only).
    progress : bool
        Show torchvision's download progress bar.

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetError
        When a source's files are corrupt, or no source has the dataset.
    """
    spec = get_spec(name)
    if data_dir is not None:
        folder = find_idx_folder(Path(data_dir), spec)
        if folder is None:
            raise DatasetError(
                f"{data_dir} does not hold {spec.title}: expected the files "
                f"{', '.join(f + '[.gz]' for f in IDX_FILES.values())} in it or in "
                f"{spec.torchvision_class}/raw/ below it."
            )
        return _read(spec, Source("folder", folder))

    for kind, root in _local_candidates(spec):
        folder = find_idx_folder(root, spec)
        if folder is not None:
            return _read(spec, Source(kind, folder))
    if download and os.environ.get("SOFTMAX_GUI_OFFLINE") != "1":
        folder = _download(spec, progress)
        if folder is not None:
            return _read(spec, Source("download", folder))
    if allow_sample and spec.sample_dir is not None and find_idx_folder(spec.sample_dir, spec):
        return _read(spec, Source("sample", spec.sample_dir))
    looked = [str(root) for _, root in _local_candidates(spec)]
    raise DatasetError(
        f"{spec.title} was not found (looked in {', '.join(looked)}; download "
        f"{'failed' if download else 'disabled'}). Put the four IDX files in a folder and "
        "pass it with --data-dir, or choose it in the window."
    )


def _local_candidates(spec: DatasetSpec) -> list[tuple[str, Path]]:
    if not spec.torchvision_class:  # made from the user's images: its own folder only
        return [("yours", d) for d in spec.system_dirs]
    return [("cache", user_cache_dir())] + [("system", d) for d in spec.system_dirs]


def find_idx_folder(root: Path, spec: DatasetSpec) -> Path | None:
    """Return the folder under ``root`` holding all four IDX files, or None."""
    for folder in (root, root / spec.torchvision_class / "raw", root / spec.torchvision_class):
        if all(_idx_path(folder, stem) for stem in IDX_FILES.values()):
            return folder
    return None


def _idx_path(folder: Path, stem: str) -> Path | None:
    # Unzipped files first: they read faster and torchvision leaves both.
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read(spec: DatasetSpec, source: Source) -> Dataset:
    arrays = {key: read_idx(_idx_path(source.path, stem)) for key, stem in IDX_FILES.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DatasetError(
                f"{source.path}: {split} images {images.shape} and labels {labels.shape} "
                "do not match. Replace the files with a complete copy of the dataset."
            )
        if labels.size and labels.max() >= len(spec.classes):
            raise DatasetError(
                f"{source.path}: {split} labels go up to {labels.max()}, but "
                f"{spec.title} has {len(spec.classes)} classes. Is this the right dataset?"
            )
    import torch  # here, not at the top: the window shows before torch is loaded

    return Dataset(
        spec=spec,
        train_images=torch.from_numpy(arrays["train_images"]),
        train_labels=torch.from_numpy(arrays["train_labels"].astype(np.int64)),
        test_images=torch.from_numpy(arrays["test_images"]),
        test_labels=torch.from_numpy(arrays["test_labels"].astype(np.int64)),
        source=source,
    )


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (optionally gzipped) of unsigned bytes, validating it fully.

    The header is read first: images must be 28x28, a split holds 1 to
    :data:`MAX_ITEMS` items, and then exactly the declared number of bytes is read, so
    a small file that declares (or decompresses to) far more is refused without taking
    the memory.

    Raises
    ------
    DatasetError
        Naming ``path`` when the file is truncated, not gzip, or not IDX ubyte data.
    """
    remedy = "Delete it and download the dataset again, or choose another folder."
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
            head = f.read(4)
            if len(head) < 4:
                raise DatasetError(f"{path} is empty or truncated ({len(head)} bytes). "
                                   f"{remedy}")
            if head[:3] != b"\x00\x00\x08" or head[3] not in _MAGIC:
                raise DatasetError(f"{path} is not an IDX file of bytes (it does not start "
                                   f"as one). {remedy}")
            ndim = head[3]
            dims = f.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise DatasetError(f"{path} is truncated (its header is cut short). {remedy}")
            shape = tuple(int.from_bytes(dims[4 * i : 4 + 4 * i], "big") for i in range(ndim))
            _check_shape(path, shape, remedy)
            expected = int(np.prod(shape))
            data = f.read(expected + 1)  # one byte more: trailing data is damage too
    except DatasetError:
        raise
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DatasetError(f"cannot read {path}: {exc}. {remedy}") from exc
    if len(data) != expected:
        raise DatasetError(
            f"{path} is truncated or corrupt: its header promises {expected:,} bytes of "
            f"data for shape {shape}, it holds {'more' if len(data) > expected else len(data)}"
            f"{'' if len(data) > expected else ' bytes'}. {remedy}")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape).copy()


def _check_shape(path: Path, shape: tuple, remedy: str) -> None:
    if len(shape) == 3 and shape[1:] != (28, 28):
        raise DatasetError(f"{path} holds {shape[1]}x{shape[2]} images; the datasets this app "
                           f"knows are 28x28. {remedy}")
    if not 1 <= shape[0] <= MAX_ITEMS:
        raise DatasetError(f"{path} declares {shape[0]:,} items; a split holds 1 to "
                           f"{MAX_ITEMS:,}. {remedy}")


def _download(spec: DatasetSpec, progress: bool) -> Path | None:
    """Download through torchvision into the cache; None when the network fails.

    The files land in a temporary folder that is renamed into place only when all four
    are complete and readable, so a failed download never leaves a half-written cache.
    """
    import torchvision.datasets as tvd

    if not spec.torchvision_class:  # made from the user's images: nowhere to download
        return None
    cache = user_cache_dir()
    final = cache / spec.torchvision_class / "raw"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
        dataset_class = getattr(tvd, spec.torchvision_class)
        try:
            if not progress:
                _quiet_download(dataset_class, tmp)
            else:
                dataset_class(tmp, train=True, download=True)
            downloaded = Path(tmp) / spec.torchvision_class / "raw"
            for stem in IDX_FILES.values():
                read_idx(_idx_path(downloaded, stem))
        except (OSError, RuntimeError, ValueError, DatasetError):
            return None
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            shutil.rmtree(final)
        os.replace(downloaded, final)
    return final


def _quiet_download(dataset_class, root: str) -> None:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        dataset_class(root, train=True, download=True)
