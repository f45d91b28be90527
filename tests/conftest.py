"""Shared fixtures: the real Fashion-MNIST (full and the bundled sample), isolation."""

from __future__ import annotations

import os
import tempfile

import pytest

# Never touch the network or the user's real cache from a test.
os.environ["SOFTMAX_GUI_OFFLINE"] = "1"
os.environ.setdefault("SOFTMAX_GUI_CACHE", tempfile.mkdtemp(prefix="softmax-gui-cache-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REQUIRE_FULL = os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1"


@pytest.fixture(scope="session")
def fashion():
    """The full Fashion-MNIST from a local copy; fails in CI when missing, skips elsewhere."""
    from softmax_gui import data

    try:
        dataset = data.load("fashion-mnist", download=False, allow_sample=False)
    except data.DatasetError as exc:
        message = f"full Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): {exc}"
        if REQUIRE_FULL:
            pytest.fail(message)
        pytest.skip(message)
    assert len(dataset.train_labels) == 60000 and len(dataset.test_labels) == 10000
    return dataset


@pytest.fixture(scope="session")
def sample():
    """The stratified sample bundled with the app (always present)."""
    from softmax_gui import data
    from softmax_gui.datasets_registry import get_spec

    dataset = data.load("fashion-mnist", data_dir=get_spec("fashion-mnist").sample_dir)
    return dataset
