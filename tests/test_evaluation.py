"""The statistics behind the insight views, against values worked out by hand."""

import math

import numpy as np
import pytest

from softmax_gui import evaluation as ev


def test_confusion_counts():
    labels = np.array([0, 0, 1, 1, 1, 2])
    predicted = np.array([0, 1, 1, 1, 2, 2])
    assert ev.confusion_matrix(labels, predicted, 3).tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]


def test_per_class_precision_recall_f1_support():
    confusion = np.array([[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    m = ev.per_class_metrics(confusion)
    # class 0: TP 1, FP 0, FN 1 -> precision 1, recall 1/2, F1 2/3, support 2
    # class 1: TP 2, FP 1, FN 1 -> precision 2/3, recall 2/3, F1 2/3, support 3
    # class 2: TP 1, FP 1, FN 0 -> precision 1/2, recall 1, F1 2/3, support 1
    assert m["precision"] == pytest.approx([1, 2 / 3, 1 / 2])
    assert m["recall"] == pytest.approx([1 / 2, 2 / 3, 1])
    assert m["f1"] == pytest.approx([2 / 3, 2 / 3, 2 / 3])
    assert m["support"].tolist() == [2, 3, 1] and "accuracy" not in m
    never = ev.per_class_metrics(np.array([[2, 0], [1, 0]]))  # class 1 never predicted
    assert never["precision"][1] == 0 and never["recall"][1] == 0 and never["f1"][1] == 0


def test_calibration_and_ece_on_a_constructed_example():
    # Bin [0.5, 0.6): confidences 0.55, 0.55 with 1 of 2 right -> gap |0.5 - 0.55| = 0.05
    # Bin [0.9, 1.0]: confidences 0.95, 0.95, 1.0 with 3 of 3 right -> gap 1 - 0.9667
    confidence = np.array([0.55, 0.55, 0.95, 0.95, 1.0])
    correct = np.array([True, False, True, True, True])
    c = ev.calibration(confidence, correct, bins=10)
    assert c["count"].tolist() == [0, 0, 0, 0, 0, 2, 0, 0, 0, 3]
    assert c["accuracy"][5] == 0.5 and c["confidence"][5] == pytest.approx(0.55)
    assert c["confidence"][9] == pytest.approx(2.9 / 3)
    expected = (2 * 0.05 + 3 * abs(1 - 2.9 / 3)) / 5
    assert c["ece"] == pytest.approx(expected)
    assert np.isnan(c["accuracy"][0])
    perfect = ev.calibration(np.full(4, 0.75), np.array([1, 1, 1, 0], bool))
    assert perfect["ece"] == pytest.approx(0.0)


def test_softmax_steps_by_hand():
    s = ev.softmax_steps(np.array([2.0, 1.0, 0.0]), label=1)
    assert s["shifted"].tolist() == [0.0, -1.0, -2.0]
    assert s["exp"] == pytest.approx([1, math.exp(-1), math.exp(-2)])
    assert s["total"] == pytest.approx(1 + math.exp(-1) + math.exp(-2))
    assert s["p"].sum() == pytest.approx(1.0)
    assert s["onehot"].tolist() == [0, 1, 0]
    nats = -math.log(math.exp(-1) / s["total"])
    assert s["ce_nats"] == pytest.approx(nats)
    assert s["ce_bits"] == pytest.approx(nats / math.log(2))


def test_softmax_steps_stay_finite_where_naive_overflows():
    big = np.array([1000.0, 0.0, -1000.0])
    s = ev.softmax_steps(big, label=2)
    assert np.isfinite(s["p"]).all() and s["p"][0] == 1.0
    assert s["ce_nats"] == pytest.approx(2000.0)  # exact although p[2] underflows to 0
    exp, p = ev.naive_softmax_np(big)
    assert np.isinf(exp[0]) and np.isnan(p[0])
