"""Explaining one prediction, in figures (softmax_gui/explain.py).

Usage::

    python bench/explain.py [--images 50]

For the bundled softmax regression: the largest ``|sum(evidence) + b - logit|`` over the
10,000 test images and ten classes (logits from the model's own torch predictor); the
smallest flip of ``--images`` test images to their runner-up or a random class, its L2
against SciPy's SLSQP on the primal problem, and its time. For an MLP trained one
epoch: the completeness error of integrated gradients for the predicted class.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy.optimize import minimize

from softmax_gui import data, events, explain, training, weights_io
from softmax_gui.config import TrainConfig
from softmax_gui.inference import Predictor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50)
    args = parser.parse_args()
    dataset = data.load("fashion-mnist", download=False, allow_sample=False)
    X = dataset.test_images.numpy().reshape(-1, 784).astype(np.float64) / 255.0
    snapshot, _ = weights_io.load_snapshot(dataset.spec.default_weights)
    linear = explain.linear_form(snapshot)
    logits = Predictor(snapshot).logits(X.reshape(-1, 28, 28))
    sums = np.einsum("ki,ni->nk", linear.W, X) + linear.b
    print(f"evidence: max |sum + b - logit| = {np.abs(sums - logits).max():.2e} over "
          f"{len(X):,} images x 10 classes")

    rng = np.random.default_rng(0)
    ratios, seconds = [], []
    for i in range(args.images):
        x, o = X[i], logits[i]
        target = int(np.argsort(o)[-2]) if i % 2 else int(rng.choice(
            [k for k in range(10) if k != np.argmax(o)]))
        start = time.perf_counter()
        result = explain.linear_counterfactual(linear, x, target)
        seconds.append(time.perf_counter() - start)
        assert result.predicted == target
        A, c = explain.constraints(linear, target, explain.MARGIN)
        primal = minimize(lambda z, x=x: (0.5 * np.sum((z - x) ** 2), z - x), x, jac=True,
                          method="SLSQP", bounds=[(0, 1)] * 784,
                          constraints=[{"type": "ineq", "fun": lambda z, A=A, c=c: A @ z - c,
                                        "jac": lambda z, A=A: A}],
                          options={"maxiter": 500, "ftol": 1e-12})
        ratios.append(result.l2 / np.linalg.norm(primal.x - x))
    print(f"counterfactual: L2 / SLSQP's L2 in [{min(ratios):.6f}, {max(ratios):.6f}] on "
          f"{args.images} images; median time {statistics.median(seconds) * 1000:.1f} ms")

    mlp = None
    for event in training.train(TrainConfig(model="mlp", epochs=1, device="cpu"), dataset):
        if isinstance(event, events.WeightSnapshot):
            mlp = event
    module = Predictor(mlp).module
    errors = []
    for x in X[:20]:
        rows, _ = explain.explain_network(module, x, mlp.classes)
        top = max(rows, key=lambda row: row["logit"])
        change = top["logit"] - top["bias"]
        errors.append(abs(top["evidence_sum"] - change) / max(abs(change), 1.0))
    print(f"integrated gradients (MLP, 1 epoch): completeness error of the predicted class "
          f"median {statistics.median(errors):.2%}, max {max(errors):.2%} on 20 images")


if __name__ == "__main__":
    main()
