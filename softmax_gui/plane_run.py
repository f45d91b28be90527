"""One Playground run: the points, the model and what each update did to the losses.

The Playground tab holds one (``qt/playground/playground_state.py`` wraps it with Qt
signals); the ``playground`` command drives one to its last line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from softmax_gui.plane_model import PlaneModel, PlaneSettings
from softmax_gui.plane_points import NUMPY_TEXT_QUERY, Points, make_points, read_csv

# Settings that change what the model is: a new one, from its seeded start.
STRUCTURAL = ("hidden", "activation", "seed", "init_std")


@dataclass
class History:
    """The losses and accuracies after each update (step 0: the start)."""

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)


class PlaneRun:
    """Points and a :class:`PlaneModel` trained on the training points."""

    def __init__(self, points: Points, settings: PlaneSettings | None = None):
        self.points = points
        self.model = PlaneModel(points.classes, settings or PlaneSettings())
        self.history = History()
        self._record()

    @property
    def settings(self) -> PlaneSettings:
        return self.model.settings

    @property
    def diverged(self) -> bool:
        return not all(np.isfinite(v).all() for v in self.model.params.values())

    def set_points(self, points: Points) -> None:
        """New points; the model keeps its weights unless the classes changed."""
        self.points = points
        if points.classes != self.model.classes:
            self.model = PlaneModel(points.classes, self.settings)
            self.history = History()
        self._record(again=True)

    def set_settings(self, settings: PlaneSettings) -> None:
        """New settings: a new model from its seeded start if it is built otherwise, else
        the same weights trained on with the new rate, penalty, loss or batch."""
        before = self.settings
        if any(getattr(before, name) != getattr(settings, name) for name in STRUCTURAL):
            self.model = PlaneModel(self.points.classes, settings)
            self.history = History()
            self._record()
        else:
            self.model.settings = settings
            self._record(again=True)

    def weights_edited(self) -> None:
        """The model's weights were set by hand: the losses at them, same step."""
        self._record(again=True)

    def reset(self) -> None:
        """Back to the same initialisation, the history cleared."""
        self.model.reset()
        self.history = History()
        self._record()

    def step(self, count: int = 1) -> None:
        """``count`` updates on the training points (none once the weights diverged)."""
        train = self.points.train
        X, y = self.points.X[train], self.points.y[train]
        with np.errstate(all="ignore"):  # an overflow is found below, not warned about
            for _ in range(count):
                if self.diverged or len(y) == 0:
                    return
                self.model.step(X, y)
                self._record()

    def _record(self, again: bool = False) -> None:
        """The losses now: appended, or (``again``: the points or settings changed, not
        the step) in place of the last."""
        p, model, h = self.points, self.model, self.history
        with np.errstate(all="ignore"):  # one forward pass a split
            train_loss, train_acc = model.loss_and_accuracy(p.X[p.train], p.y[p.train])
            test_loss, test_acc = model.loss_and_accuracy(p.X[p.test], p.y[p.test])
        values = (model.steps, train_loss, test_loss, train_acc, test_acc)
        columns = (h.steps, h.train_loss, h.test_loss, h.train_acc, h.test_acc)
        replace_last = again and bool(h.steps) and h.steps[-1] == model.steps
        for column, value in zip(columns, values):
            if replace_last:
                column[-1] = value
            else:
                column.append(value)


def run_cli(args) -> int:
    """The ``playground`` command: train, a line every tenth of the steps, and last
    ``loss=L predict=[1.5,1.5]->C p=P0,P1,...``."""
    if args.steps < 0 or args.steps > 10_000_000:
        raise ValueError("--steps must be 0 to 10,000,000")
    if args.points_file:
        points = read_csv(args.points_file)
    else:
        points = make_points(args.preset, args.points, args.classes, args.noise,
                             args.test_fraction, args.seed)
    settings = PlaneSettings(lr=args.lr, l2=args.l2, loss=args.loss, hidden=args.hidden,
                             activation=args.activation, batch_size=args.batch_size,
                             seed=args.seed)
    run = PlaneRun(points, settings)
    every = max(args.steps // 10, 1)
    h = run.history
    while run.model.steps < args.steps and not run.diverged:
        run.step(min(every, args.steps - run.model.steps))
        test = f" test_loss={h.test_loss[-1]:.4f}" if points.test.any() else ""
        print(f"step {h.steps[-1]}: loss={h.train_loss[-1]:.4f} "
              f"train_acc={h.train_acc[-1]:.3f}{test}")
    if run.diverged:
        print(f"diverged at step {run.model.steps}: lower --lr", file=sys.stderr)
        return 1
    p = run.model.probabilities(NUMPY_TEXT_QUERY)[0]
    query = ",".join(f"{v:g}" for v in NUMPY_TEXT_QUERY)
    print(f"loss={h.train_loss[-1]:.4f} predict=[{query}]->{int(p.argmax())} "
          f"p={','.join(f'{v:.3f}' for v in p)}")
    return 0
