"""Loading Fashion-MNIST from every kind of source, and clear errors on bad files."""

import dataclasses
import gzip
import shutil

import pytest

from softmax_gui import data
from softmax_gui.datasets_registry import DATASETS, IDX_FILES, get_spec

SPEC = get_spec("fashion-mnist")


def _copy_sample(dest, gz=True):
    dest.mkdir(parents=True, exist_ok=True)
    for stem in IDX_FILES.values():
        src = SPEC.sample_dir / f"{stem}.gz"
        if gz:
            shutil.copy(src, dest / src.name)
        else:
            (dest / stem).write_bytes(gzip.decompress(src.read_bytes()))
    return dest


@pytest.fixture
def no_system_copy(monkeypatch):
    """Pretend the Debian copy is not installed."""
    monkeypatch.setitem(DATASETS, "fashion-mnist", dataclasses.replace(SPEC, system_dirs=()))


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("SOFTMAX_GUI_CACHE", str(cache))
    return cache


def test_sample_is_stratified_real_data_and_says_so(sample):
    assert sample.source.kind == "folder"
    assert len(sample.train_labels) == 6000 and len(sample.test_labels) == 1000
    assert sample.train_labels.bincount().tolist() == [600] * 10
    assert sample.test_labels.bincount().tolist() == [100] * 10
    assert sample.train_images.dtype.is_floating_point is False
    assert sum(p.stat().st_size for p in SPEC.sample_dir.iterdir()) <= 5_000_000
    assert "MIT License" in (SPEC.sample_dir / "LICENSE").read_text()


def test_sample_is_last_resort_and_labelled(no_system_copy, empty_cache):
    loaded = data.load("fashion-mnist", download=False)
    assert loaded.source.kind == "sample" and loaded.source.is_sample
    assert "SAMPLE" in loaded.describe()


def test_user_folder_raw_gz(tmp_path):
    loaded = data.load("fashion-mnist", data_dir=_copy_sample(tmp_path / "mine"))
    assert loaded.source.kind == "folder" and len(loaded.test_labels) == 1000


def test_user_folder_torchvision_layout_unzipped(tmp_path):
    _copy_sample(tmp_path / "FashionMNIST" / "raw", gz=False)
    loaded = data.load("fashion-mnist", data_dir=tmp_path)
    assert loaded.source.path == tmp_path / "FashionMNIST" / "raw"
    assert len(loaded.train_labels) == 6000


def test_user_folder_without_the_files_is_an_error(tmp_path):
    with pytest.raises(data.DatasetError, match="does not hold Fashion-MNIST"):
        data.load("fashion-mnist", data_dir=tmp_path)


def test_user_cache_comes_before_system(empty_cache):
    _copy_sample(empty_cache / "FashionMNIST" / "raw")
    loaded = data.load("fashion-mnist", download=False)
    assert loaded.source.kind == "cache" and len(loaded.train_labels) == 6000


def test_system_copy(fashion):
    assert fashion.source.kind in ("system", "cache")
    assert fashion.train_images.shape == (60000, 28, 28)
    assert fashion.classes[9] == "ankle boot"


def test_nothing_found_says_what_to_do(no_system_copy, empty_cache):
    with pytest.raises(data.DatasetError, match="--data-dir"):
        data.load("fashion-mnist", download=False, allow_sample=False)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[: len(b) // 2], "cannot read"),  # truncated gzip stream
        (lambda b: b"", "empty or truncated"),
        (lambda b: b"\x1f\x8b" + b"garbage" * 10, "cannot read"),
        (lambda b: gzip.compress(gzip.decompress(b)[:-100]), "truncated or corrupt"),
        (lambda b: gzip.compress(b"\x00\x00\x08\x07" + gzip.decompress(b)[4:]), "not an IDX"),
    ],
)
def test_corrupt_files_name_the_file(tmp_path, damage, message):
    folder = _copy_sample(tmp_path / "broken")
    victim = folder / "train-images-idx3-ubyte.gz"
    victim.write_bytes(damage(victim.read_bytes()))
    with pytest.raises(data.DatasetError, match=message) as info:
        data.load("fashion-mnist", data_dir=folder)
    assert "train-images-idx3-ubyte.gz" in str(info.value)


def test_mismatched_images_and_labels(tmp_path):
    folder = _copy_sample(tmp_path / "mixed")
    shutil.copy(folder / "t10k-labels-idx1-ubyte.gz", folder / "train-labels-idx1-ubyte.gz")
    with pytest.raises(data.DatasetError, match="do not match"):
        data.load("fashion-mnist", data_dir=folder)


def test_failed_download_leaves_no_half_written_cache(no_system_copy, empty_cache, monkeypatch):
    import torchvision.datasets as tvd

    def broken_download(root, train=True, download=False):
        raw = tmp = root + "/FashionMNIST/raw"
        import os

        os.makedirs(raw)
        with open(tmp + "/train-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"\x1f\x8b partial")
        raise RuntimeError("connection reset")

    monkeypatch.setattr(tvd, "FashionMNIST", broken_download)
    monkeypatch.delenv("SOFTMAX_GUI_OFFLINE")
    loaded = data.load("fashion-mnist")
    assert loaded.source.kind == "sample"  # fell through to the sample
    assert [p.name for p in empty_cache.rglob("*")] == []


def test_successful_download_lands_in_cache(no_system_copy, empty_cache, monkeypatch):
    import torchvision.datasets as tvd

    def fake_download(root, train=True, download=False):
        _copy_sample(data.Path(root) / "FashionMNIST" / "raw")

    monkeypatch.setattr(tvd, "FashionMNIST", fake_download)
    monkeypatch.delenv("SOFTMAX_GUI_OFFLINE")
    loaded = data.load("fashion-mnist")
    assert loaded.source.kind == "download"
    assert data.load("fashion-mnist", download=False).source.kind == "cache"
