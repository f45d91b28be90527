"""Weights made ready for the window: a CPU predictor and the test-set probabilities.

Plain data and functions, no Qt: preparing runs in background threads (it can score the
whole test set), and the session only swaps the result in.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from softmax_gui import events
from softmax_gui.evaluation import softmax_np


# Compared by identity: weights are the same weights only if they are the same object
# (their arrays are never compared element by element; softmax_gui/app_state.py).
@dataclass(frozen=True, eq=False)
class ActiveWeights:
    """Weights the grid, the canvas and the insight views use, ready for them."""

    snapshot: events.WeightSnapshot
    predictor: object  # inference.Predictor (it imports torch, loaded after the window)
    probabilities: np.ndarray  # on the loaded test set
    label: str  # "bundled default", "mine.onnx", "run #2, epoch 3"
    config: dict  # how they were trained: export metadata, and what Step continues
    run: int | None = None  # the run they belong to (its lasting number), if any
    path: str | None = None  # the file they were opened from, if any

    def accuracy(self, labels: np.ndarray) -> float:
        """Measured on the loaded test set: a file's own claim (its metadata) is not
        shown as a fact."""
        return float((self.probabilities.argmax(1) == np.asarray(labels)).mean())

    def relabelled(self, label: str) -> ActiveWeights:
        return dataclasses.replace(self, label=label)

    def resuming(self, resume: events.ResumePoint) -> ActiveWeights:
        """These weights, with what a Step needs to carry their run on exactly."""
        return dataclasses.replace(
            self, snapshot=dataclasses.replace(self.snapshot, resume=resume))


def prepare(snapshot: events.WeightSnapshot, label: str, config: dict, run: int | None,
            test_images: np.ndarray, path: str | None = None) -> ActiveWeights:
    """Predictor and test-set probabilities for ``snapshot``: the trainer's logits when
    it sent them for this test set, else the predictor scores ``test_images``."""
    from softmax_gui.inference import Predictor  # imports torch

    predictor = Predictor(snapshot)
    logits = snapshot.test_logits
    if logits is None or len(logits) != len(test_images):
        logits = predictor.logits(test_images)
    return ActiveWeights(snapshot, predictor, softmax_np(logits), label, config, run, path)


def default_weights(dataset, test_images: np.ndarray) -> ActiveWeights | None:
    """The weights bundled for ``dataset``, prepared; None when it has none."""
    path = dataset.spec.default_weights
    if path is None or not path.is_file():
        return None
    from softmax_gui import weights_io  # imports torch

    snapshot, meta = weights_io.load_snapshot(path)
    return prepare(snapshot, "bundled default", meta.get("config") or {}, None, test_images)
