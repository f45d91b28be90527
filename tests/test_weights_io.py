"""Weights files: round trips, the outside-tool contracts, and refusing bad files."""

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from softmax_gui import events, training, weights_io
from softmax_gui.config import TrainConfig
from softmax_gui.inference import Predictor


@pytest.fixture(scope="module")
def snapshot(sample):
    evs = list(training.train(TrainConfig(epochs=1, model="softmax-scratch"), sample))
    return [e for e in evs if isinstance(e, events.WeightSnapshot)][-1]


@pytest.fixture(scope="module")
def images(sample):
    return sample.test_images.numpy().astype(np.float32) / 255.0


@pytest.mark.parametrize("suffix", [".safetensors", ".pt", ".npz", ".onnx"])
def test_round_trip_same_predictions(snapshot, images, tmp_path, suffix):
    path = weights_io.save(snapshot, tmp_path / f"w{suffix}", TrainConfig().to_dict())
    model, meta = weights_io.load(path)
    with torch.no_grad():
        theirs = model(torch.from_numpy(images).unsqueeze(1)).numpy()
    ours = Predictor(snapshot).logits(images)
    assert np.array_equal(theirs.argmax(1), ours.argmax(1))
    assert np.allclose(theirs, ours, atol=1e-4)
    assert meta["dataset"] == "fashion-mnist" and meta["classes"][9] == "ankle boot"
    assert meta["config"]["batch_size"] == TrainConfig().batch_size


def test_pt_loads_into_d2l_sequential(snapshot, images, tmp_path):
    path = weights_io.save(snapshot, tmp_path / "w.pt")
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    net.load_state_dict(torch.load(path, weights_only=True))
    with torch.no_grad():
        logits = net(torch.from_numpy(images).unsqueeze(1)).numpy()
    assert np.allclose(logits, Predictor(snapshot).logits(images), atol=1e-4)


def test_npz_is_plain_numpy_softmax(snapshot, images, tmp_path):
    path = weights_io.save(snapshot, tmp_path / "w.npz")
    with np.load(path) as f:
        W, b = f["W"], f["b"]
    assert W.shape == (10, 784) and b.shape == (10,)
    x = images.reshape(len(images), 784)
    logits = x @ W.T + b
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert np.allclose(p, Predictor(snapshot).probabilities(images), atol=1e-5)


class Exploit:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pt", b"", "empty"),
        ("random.safetensors", bytes(range(256)) * 10, "not a readable"),
        ("random.npz", b"PK\x03\x04" + bytes(200), "not a NumPy .npz archive"),
        ("random.pt", np.random.default_rng(0).bytes(500), "not a PyTorch weights file"),
        ("weights.txt", b"hello", "unknown weights format"),
    ],
)
def test_bad_files_raise_weights_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(weights_io.WeightsError, match=message):
        weights_io.load(path)


def test_truncated_file(snapshot, tmp_path):
    path = weights_io.save(snapshot, tmp_path / "w.safetensors")
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(weights_io.WeightsError, match="damaged, truncated"):
        weights_io.load(path)


def test_wrong_shapes_and_class_count(tmp_path):
    torch.save({"1.weight": torch.zeros(10, 100), "1.bias": torch.zeros(10)}, tmp_path / "a.pt")
    with pytest.raises(weights_io.WeightsError, match="784"):
        weights_io.load(tmp_path / "a.pt")
    torch.save({"1.weight": torch.zeros(10, 784), "1.bias": torch.zeros(7)}, tmp_path / "b.pt")
    with pytest.raises(weights_io.WeightsError, match="1.bias is 7; model 'softmax' needs 10"):
        weights_io.load(tmp_path / "b.pt")
    np.savez(tmp_path / "c.npz", W=np.zeros((10, 784)), b=np.zeros(10),
             metadata=np.array('{"classes": ["a", "b"]}'))
    with pytest.raises(weights_io.WeightsError, match="a list of 10 class names"):
        weights_io.load(tmp_path / "c.npz")
    torch.save({"foo": torch.zeros(3)}, tmp_path / "d.pt")
    with pytest.raises(weights_io.WeightsError, match="not those of a model this app makes"):
        weights_io.load(tmp_path / "d.pt")


@pytest.mark.parametrize(("protocol", "message"),
                         [(2, "refused without running"), (4, "not a PyTorch weights file")])
def test_crafted_pickle_never_runs(tmp_path, monkeypatch, protocol, message):
    monkeypatch.chdir(tmp_path)
    with open("evil.pt", "wb") as f:
        pickle.dump({"1.weight": Exploit()}, f, protocol=protocol)
    with pytest.raises(weights_io.WeightsError, match=message):
        weights_io.load("evil.pt")
    assert not (tmp_path / "PWNED").exists()
    # Proof the file is live: plain pickle would run it.
    with open("evil.pt", "rb") as f:
        pickle.load(f)
    assert (tmp_path / "PWNED").exists()


def test_failed_write_leaves_no_partial_file(snapshot, tmp_path, monkeypatch):
    def exploding_save(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("safetensors.numpy.save_file", exploding_save)
    with pytest.raises(weights_io.WeightsError, match="the disk is full"):
        weights_io.save(snapshot, tmp_path / "w.safetensors")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def mlp_snapshot(sample):
    evs = list(training.train(TrainConfig(epochs=1, model="mlp", hidden=64), sample))
    return [e for e in evs if isinstance(e, events.WeightSnapshot)][-1]


@pytest.mark.parametrize("kind", ["softmax", "mlp"])
def test_onnx_runtime_matches_torch(snapshot, mlp_snapshot, fashion, tmp_path, kind):
    import onnx
    import onnxruntime as ort

    snap = snapshot if kind == "softmax" else mlp_snapshot
    path = weights_io.save(snap, tmp_path / "m.onnx", TrainConfig().to_dict())
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    props = {p.key: p.value for p in model.metadata_props}
    assert "ankle boot" in props["classes"] and props["dataset"] == '"fashion-mnist"'
    images = fashion.test_images[:1000].numpy().astype(np.float32)[:, None] / 255.0
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["logits", "probabilities"]
    logits, probabilities = session.run(None, {"pixels": images})
    ours = Predictor(snap)
    assert np.abs(probabilities - ours.probabilities(images[:, 0])).max() < 1e-5
    assert np.array_equal(logits.argmax(1), ours.logits(images[:, 0]).argmax(1))
    one = session.run(None, {"pixels": images[:1]})[1]  # dynamic batch
    assert one.shape == (1, 10)


def test_cnn_round_trip_keeps_normalisation(sample, tmp_path):
    evs = list(training.train(TrainConfig(epochs=1, model="cnn", optimizer="adam", lr=0.002),
                              sample))
    snap = [e for e in evs if isinstance(e, events.WeightSnapshot)][-1]
    images = sample.test_images[:200].numpy().astype(np.float32) / 255.0
    for suffix in (".safetensors", ".onnx", ".pt", ".npz"):
        loaded, meta = weights_io.load_snapshot(weights_io.save(snap, tmp_path / f"c{suffix}"))
        assert meta["input_std"] == pytest.approx(snap.std)
        assert np.allclose(Predictor(loaded).logits(images), Predictor(snap).logits(images),
                           atol=1e-4)


def test_export_into_read_only_folder_fails_cleanly(snapshot):
    """A real permission error, for any user and wherever the checkout lives: as root
    (CI), whom permissions do not bind, the writes run as 'nobody' (effective uid)."""
    import contextlib
    import os
    import shutil
    import tempfile

    @contextlib.contextmanager
    def as_nobody():
        if os.geteuid() != 0:
            yield
            return
        os.setegid(65534)
        os.seteuid(65534)
        try:
            yield
        finally:
            os.seteuid(0)
            os.setegid(0)

    # Each format once as ourselves first: the writers import lazily, and 'nobody' may
    # not be able to read this Python's own files (under /root here).
    for suffix in weights_io.FORMATS:
        with tempfile.TemporaryDirectory() as scratch:
            weights_io.save(snapshot, Path(scratch) / f"w{suffix}")
    base = Path(tempfile.mkdtemp(dir="/tmp"))  # 'nobody' can reach it, unlike tmp_path
    base.chmod(0o755)
    locked = base / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for suffix in weights_io.FORMATS:
            with as_nobody(), pytest.raises(weights_io.WeightsError) as caught:
                weights_io.save(snapshot, locked / f"w{suffix}")
            assert "cannot write" in str(caught.value) and "permission denied" in \
                str(caught.value) and "locked" in str(caught.value)
        assert list(locked.iterdir()) == []  # no partial file, no temporary file
    finally:
        locked.chmod(0o755)
        shutil.rmtree(base)
