"""Is a sweep of MLPs or CNNs faster batched with torch.func than one by one? (issue 22)

Usage::

    python bench/sweep_func.py [--models 4] [--steps 30] [--threads N]

PyTorch's model-ensembling recipe (``torch.func.stack_module_state`` +
``functional_call`` + ``vmap`` of ``grad``) trains K models that see the same
minibatches as one batched computation. Here K MLPs (784-256-10) and K LeNets, each
with its own learning rate (SGD, momentum 0.9, batch 512, the same data order), take
the same real Fashion-MNIST minibatches both ways: one model after another (``nn.Module``
and ``torch.optim.SGD``, as ``softmax_gui/sweep.py`` trains them today) and all K at
once (vmap). Printed: the median time per step of each way (3 repeats), their ratio,
and the largest weight difference between the two after the steps (the two must agree).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, stack_module_state, vmap

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from softmax_gui import data  # noqa: E402
from softmax_gui.model_builders import lenet, mlp  # noqa: E402

MOMENTUM, BATCH = 0.9, 512


def minibatches(dataset, steps: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    images = dataset.train_images[: steps * BATCH].float().div(255).unsqueeze(1)
    images = (images - images.mean()) / images.std()
    labels = dataset.train_labels[: steps * BATCH]
    return [(images[i:i + BATCH], labels[i:i + BATCH]) for i in range(0, len(images), BATCH)]


def one_by_one(models, lrs, batches) -> None:
    for model, lr in zip(models, lrs):
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=MOMENTUM)
        for x, y in batches:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()


def at_once(models, lrs, batches) -> dict[str, torch.Tensor]:
    params, buffers = stack_module_state(models)
    params = {k: v.detach().clone() for k, v in params.items()}
    base = copy.deepcopy(models[0]).to("meta")

    def loss(p, b, x, y):
        return F.cross_entropy(functional_call(base, (p, b), (x,)), y)

    step = vmap(grad(loss), in_dims=(0, 0, None, None))
    velocity = {k: torch.zeros_like(v) for k, v in params.items()}
    rate = torch.tensor(lrs)
    first = True
    for x, y in batches:
        grads = step(params, buffers, x, y)
        for k, g in grads.items():
            # torch's SGD: the first step's buffer is the gradient itself.
            velocity[k] = g if first else velocity[k].mul_(MOMENTUM).add_(g)
            params[k] -= rate.view(-1, *[1] * (g.dim() - 1)) * velocity[k]
        first = False
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=4)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    batches = minibatches(data.load("fashion-mnist"), args.steps)
    # 0.01 to 0.1 on a log scale: rates at which both networks train (none explodes).
    lrs = [0.01 * 10 ** (k / max(1, args.models - 1)) for k in range(args.models)]
    print(f"{args.models} models, {args.steps} steps of batch {BATCH}, "
          f"{args.threads} threads, learning rates {', '.join(f'{r:.3g}' for r in lrs)}")
    for name, build in (("MLP", mlp), ("CNN", lenet)):
        fresh = [build(10, 0.01, 256, torch.Generator().manual_seed(0))
                 for _ in range(args.models)]
        alone, together = [], []
        for _ in range(3):
            models = copy.deepcopy(fresh)
            t0 = time.perf_counter()
            one_by_one(models, lrs, batches)
            alone.append((time.perf_counter() - t0) / args.steps * 1000)
            t0 = time.perf_counter()
            stacked = at_once(copy.deepcopy(fresh), lrs, batches)
            together.append((time.perf_counter() - t0) / args.steps * 1000)
        trained, _ = stack_module_state(models)
        gap = max((trained[k] - stacked[k]).abs().max().item() for k in trained)
        a, t = statistics.median(alone), statistics.median(together)
        print(f"{name}: one by one {a:.1f} ms a step, torch.func at once {t:.1f} ms: "
              f"{a / t:.2f}x; largest weight difference {gap:.1e}")


if __name__ == "__main__":
    main()
