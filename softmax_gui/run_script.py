"""A run as a plain Python script (File > Export as Python script…, the Runs tab,
``train --export-script``): torch and the standard library, nothing of this app, d2l's
names, the hyper-parameters at the top. On the CPU it trains what the engine trained,
step for step (``training.py``: the same seeded draws in the same order, the same batch
order, schedule and update), so it ends at the run's test accuracy.
"""

from __future__ import annotations

from softmax_gui.config import TrainConfig
from softmax_gui.evaluation import EVAL_BATCH

HEAD = '''\
"""{title}

Reproduces the run on the CPU: python {name} [--data-dir DIR]
Needs torch and the dataset's four IDX files; nothing of Softmax Studio.
After "Dive into Deep Learning" (d2l.ai), sections 3.4-3.7.
"""
import argparse
import gzip
import math
import struct
import time
from pathlib import Path

{imports}
# --- the run's hyper-parameters ---------------------------------------------------------
{constants}


def load_idx(folder, stem):
    """One IDX file (raw or .gz) as a uint8 tensor of its declared shape."""
    path = folder / stem if (folder / stem).exists() else folder / (stem + ".gz")
    data = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load_data(folder):
    """Train and test images and labels (d2l 3.5), as IDX files in ``folder``."""
    stems = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    if not all((Path(folder) / s).exists() or (Path(folder) / (s + ".gz")).exists()
               for s in stems):
        raise SystemExit(f"no IDX files in {{folder}}: give the folder with --data-dir DIR")
    return [load_idx(Path(folder), stem) for stem in stems]


def input_stats(images):
    """The mean and standard deviation of all pixels in [0, 1], from their histogram."""
    counts = torch.bincount(images.reshape(-1), minlength=256).double()
    values = torch.arange(256, dtype=torch.float64) / 255.0
    mean = (counts * values).sum() / counts.sum()
    var = (counts * (values - mean) ** 2).sum() / (counts.sum() - 1)
    return float(mean), float(var.sqrt())


def standardize(images, mean, std):
    return images.unsqueeze(1).float().div_(255.0).sub_(mean).div_(std)


def lr_at(step, total):
    """The learning rate at a step of the schedule."""
    t = min(step / max(total, 1), 1.0)
    if SCHEDULE == "constant":
        return LR
    if SCHEDULE == "cosine":
        return LR * 0.5 * (1.0 + math.cos(math.pi * t))
    if t < 0.3:  # one-cycle: a linear warm-up from LR / 25, then cosine to LR / 1e4
        return LR / 25 + (LR - LR / 25) * t / 0.3
    u = (t - 0.3) / 0.7
    return LR / 1e4 + (LR - LR / 1e4) * 0.5 * (1.0 + math.cos(math.pi * u))
'''

TORCH_MODEL = '''

def build_net(generator):
    """{what}"""
{body}


def make_updater(net):
    {optimizer}


def train_step(net, updater, X, y, lr):
    for group in updater.param_groups:
        group["lr"] = lr
    logits = net(X)
    loss = F.cross_entropy(logits, y)  # log-softmax and the loss in one (d2l 3.7.2)
    updater.zero_grad(set_to_none=True)
    loss.backward()
    updater.step()
    return loss.detach(), logits.detach()


def logits_of(net, X):
    return net(X)
'''

NORMAL_INIT = '''    with torch.no_grad():  # d2l's start: weights from N(0, INIT_STD), biases 0
        for layer in net:
            if isinstance(layer, nn.Linear):
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator)
                                   * INIT_STD)
                layer.bias.zero_()
    return net'''

BODIES = {
    "softmax": ("Softmax regression, concise (d2l 3.7): a flatten and one linear layer.",
                "    net = nn.Sequential(nn.Flatten(), nn.Linear(784, len(CLASSES)))\n"
                + NORMAL_INIT),
    "softmax-pitfall": ("d2l 3.7's model with nn.Softmax in front of the loss: the loss "
                        "takes its\n    probabilities for logits (the pitfall).",
                        "    net = nn.Sequential(nn.Flatten(), nn.Linear(784, len(CLASSES)))\n"
                        + NORMAL_INIT.replace("    return net",
                                              "    return nn.Sequential(*net, nn.Softmax(dim=1))")),
    "mlp": ("A multilayer perceptron (d2l 5.2): one hidden ReLU layer.",
            "    net = nn.Sequential(nn.Flatten(), nn.Linear(784, HIDDEN), nn.ReLU(),\n"
            "                        nn.Linear(HIDDEN, len(CLASSES)))\n" + NORMAL_INIT),
    "cnn": ("LeNet (d2l 7.6) with ReLU and max pooling; PyTorch's own initialisation.",
            "    torch.manual_seed(int(torch.randint(2**62, (1,), generator=generator)))\n"
            "    return nn.Sequential(\n"
            "        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),\n"
            "        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),\n"
            "        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),\n"
            "        nn.Linear(84, len(CLASSES)))"),
}

SGD_FUNCTION = '''

def sgd(params, grads, velocity, lr):
    """Minibatch SGD (d2l 3.6.5) with momentum and weight decay as torch.optim.SGD."""
    if WEIGHT_DECAY:
        grads = [g + WEIGHT_DECAY * p for g, p in zip(grads, params)]
    if MOMENTUM:
        if velocity is None:
            velocity = [g * 1 for g in grads]
        else:
            for v, g in zip(velocity, grads):
                v *= MOMENTUM
                v += g
        grads = velocity
    for p, g in zip(params, grads):
        p -= lr * g
    return velocity


def make_updater(net):
    return {"velocity": None}
'''

SCRATCH_MODEL = '''

def log_softmax(O):
    """log softmax(o) = o - logsumexp(o), the maximum subtracted first (d2l 3.7.2)."""
    shifted = O - O.max(dim=-1, keepdim=True).values
    return shifted - shifted.exp().sum(dim=-1, keepdim=True).log()


def build_net(generator):
    """Softmax regression from scratch (d2l 3.6): W (classes x 784) and b."""
    return {"W": torch.randn(len(CLASSES), 784, generator=generator) * INIT_STD,
            "b": torch.zeros(len(CLASSES))}


def logits_of(net, X):
    return (net["W"] @ X.reshape(len(X), -1).T).T + net["b"]


def train_step(net, updater, X, y, lr):
    """The cross-entropy's gradient in closed form: dL/do = (softmax(o) - onehot(y)) / n."""
    X = X.reshape(len(X), -1)
    O = (net["W"] @ X.T).T + net["b"]
    log_p = log_softmax(O)
    loss = -log_p.gather(1, y.unsqueeze(1)).mean()  # cross_entropy
    grad = log_p.exp()
    grad[torch.arange(len(y)), y] -= 1.0
    grad /= len(y)
    updater["velocity"] = sgd([net["W"], net["b"]], [grad.T @ X, grad.sum(0)],
                              updater["velocity"], lr)
    return loss, O
''' + SGD_FUNCTION

NUMPY_MODEL = '''

def build_net(generator):
    """Softmax regression in NumPy; W drawn with torch's generator, as the run drew it."""
    W = torch.randn(len(CLASSES), 784, generator=generator).numpy()
    return {"W": (W * INIT_STD).astype(np.float32), "b": np.zeros(len(CLASSES), np.float32)}


def logits_of(net, X):
    return torch.from_numpy(X.reshape(len(X), -1).numpy() @ net["W"].T + net["b"])


def train_step(net, updater, X, y, lr):
    """Mean cross-entropy and its gradient (p - y) x^T / n in closed form (d2l 3.4.6)."""
    x, y = X.reshape(len(X), -1).numpy(), y.numpy()
    O = x @ net["W"].T + net["b"]
    shifted = O - O.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_p[rows, y].mean()
    grad = np.exp(log_p)
    grad[rows, y] -= 1.0
    grad /= len(y)
    updater["velocity"] = sgd([net["W"], net["b"]], [grad.T @ x, grad.sum(axis=0)],
                              updater["velocity"], lr)
    return torch.tensor(float(loss)), torch.from_numpy(O)
''' + SGD_FUNCTION

TAIL = '''

def evaluate_accuracy(net, X, y):
    """Mean cross-entropy and accuracy on (X, y), {eval_batch} images at a time."""
    with torch.no_grad():
        logits = torch.cat([logits_of(net, X[i:i + {eval_batch}])
                            for i in range(0, len(X), {eval_batch})])
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def train_epoch_ch3(net, updater, X, y, epoch, generator):
    """One epoch of minibatches in a fresh random order (d2l 3.6.6)."""
    n, batches = len(X), math.ceil(len(X) / BATCH_SIZE)
    order = torch.randperm(n, generator=generator)
    loss_sum, correct = 0.0, 0
    for b in range(batches):
        idx = order[b * BATCH_SIZE:(b + 1) * BATCH_SIZE]
        lr = lr_at((epoch - 1) * batches + b, batches * EPOCHS)
        loss, logits = train_step(net, updater, X.index_select(0, idx), y[idx], lr)
        loss_sum += float(loss) * len(idx)
        correct += int((logits.argmax(1) == y[idx]).sum())
    return loss_sum / n, correct / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DATA_DIR, help="the four IDX files")
    args = parser.parse_args()
    train_images, train_labels, test_images, test_labels = load_data(args.data_dir)
    generator = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)
    mean, std = input_stats(train_images) if STANDARDIZE else (0.0, 1.0)
    X, y = standardize(train_images, mean, std), train_labels.long()
    X_test, y_test = standardize(test_images, mean, std), test_labels.long()
    net = build_net(generator)
    updater = make_updater(net)
    for epoch in range(1, EPOCHS + 1):
        start = time.perf_counter()
        train_loss, train_acc = train_epoch_ch3(net, updater, X, y, epoch, generator)
        test_loss, test_acc = evaluate_accuracy(net, X_test, y_test)
        print(f"epoch {{epoch}}/{{EPOCHS}} train_loss={{train_loss:.4f}} "
              f"train_acc={{train_acc:.4f}} test_loss={{test_loss:.4f}} "
              f"test_acc={{test_acc:.4f}} {{time.perf_counter() - start:.2f}}s")
    print(f"test_acc={{test_acc:.4f}}")


if __name__ == "__main__":
    main()
'''


def script_for(config: TrainConfig, classes, data_dir: str, title: str,
               name: str = "run.py") -> str:
    """The script that trains ``config`` on the IDX files in ``data_dir``; ``title``
    is its first line (what run it is)."""
    constants = {"MODEL": config.model, "EPOCHS": config.epochs, "LR": config.lr,
                 "BATCH_SIZE": config.batch_size, "SCHEDULE": config.schedule,
                 "STANDARDIZE": config.standardize, "SEED": config.seed,
                 "INIT_STD": config.init_std}
    hand_written = config.model in ("softmax-scratch", "softmax-numpy")
    if hand_written or config.optimizer == "sgd":
        constants.update(MOMENTUM=config.momentum, WEIGHT_DECAY=config.weight_decay)
    else:
        constants.update(WEIGHT_DECAY=config.weight_decay)
    if config.model == "mlp":
        constants["HIDDEN"] = config.hidden
    constants.update(DATA_DIR=str(data_dir), CLASSES=list(classes))
    imports = ["import torch", "import torch.nn.functional as F"]
    if config.model == "softmax-numpy":
        imports.insert(0, "import numpy as np")
        body = NUMPY_MODEL
    elif config.model == "softmax-scratch":
        body = SCRATCH_MODEL
    else:
        imports.insert(1, "from torch import nn")
        what, code = BODIES[config.model]
        optimizer = ("return torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM,\n"
                     "                           weight_decay=WEIGHT_DECAY)"
                     if config.optimizer == "sgd" else
                     "return torch.optim.Adam(net.parameters(), lr=LR, "
                     "weight_decay=WEIGHT_DECAY)")
        body = TORCH_MODEL.format(what=what, body=code, optimizer=optimizer)
    head = HEAD.format(title=title, name=name, imports="\n".join(imports) + "\n",
                       constants="\n".join(f"{k} = {v!r}" for k, v in constants.items()))
    return head + body + TAIL.format(eval_batch=EVAL_BATCH)
