"""The command line end to end, as a user runs it, on real files: `train` and an error's
exit status from a real process (`python -m softmax_gui`), the other commands through the
same main() in this process (``cli_here``: no two-second start-up each)."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "softmax_gui", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def trained(fashion, tmp_path_factory):
    """Weights trained by `train --export` on the full dataset (3 epochs)."""
    path = tmp_path_factory.mktemp("cli") / "model.safetensors"
    out = cli("train", "--epochs", "3", "--export", path)
    assert out.returncode == 0, out.stderr
    return path, out.stdout


def test_train_prints_epochs_and_final_line(trained):
    path, stdout = trained
    lines = stdout.strip().splitlines()
    assert lines[0].startswith("data: Fashion-MNIST: 60,000 train")
    assert sum(line.startswith("epoch ") for line in lines) == 3
    last = lines[-1].split()
    assert last[0].startswith("test_acc=") and last[1].startswith("train_s=")
    assert float(last[0].split("=")[1]) >= 0.83
    assert path.is_file()


def test_evaluate_reproduces_training_accuracy(trained, cli_here):
    path, stdout = trained
    out = cli_here("evaluate", "--weights", path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].split()[0] == stdout.strip().split()[-2]


def test_predict_png_files_of_real_test_images(trained, fashion, tmp_path, cli_here):
    path, _ = trained
    files, labels = [], []
    for i in range(40):
        image = fashion.test_images[i].numpy()
        file = tmp_path / f"test{i}.png"
        Image.fromarray(image).save(file)
        files.append(file)
        labels.append(fashion.classes[int(fashion.test_labels[i])])
    # A light-background version of one image: auto-invert must handle it.
    inverted = tmp_path / "inverted.jpg"
    Image.fromarray(255 - fashion.test_images[0].numpy()).resize((280, 280)).save(inverted)
    out = cli_here("predict", "--weights", path, *files, inverted)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 41
    top1 = [line.split(": ", 1)[1].split(",")[0].rsplit(" ", 1)[0] for line in lines]
    assert len(lines[0].split(",")) == 3  # top-3 with probabilities
    correct = sum(t == label for t, label in zip(top1, labels))
    assert correct >= 32  # the model is ~84% accurate; most PNGs must come back right
    assert top1[-1] == top1[0]


def test_export_converts_between_formats(trained, tmp_path, cli_here):
    path, _ = trained
    out = cli("export", "--weights", path, tmp_path / "model.pt")  # as a process, once
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"wrote {tmp_path / 'model.pt'} (softmax, 10 classes)")
    for target in ("model.npz", "model.onnx", "again.safetensors"):
        out = cli_here("export", "--weights", tmp_path / "model.pt", tmp_path / target)
        assert out.returncode == 0, out.stderr
        assert (tmp_path / target).is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--lr", "-1"], "lr must be"),
        (["train", "--epochs", "zero"], "invalid int value"),
        (["train", "--model", "resnet"], "invalid choice"),
        (["train", "--export", "/nonexistent-dir/w.pt"], "does not exist"),
        (["train", "--export", "w.xyz"], "use one of"),
        (["train", "--data-dir", "/tmp"], "does not hold"),
        (["predict", "--weights", "/nope.pt", "x.png"], "does not exist"),
        (["evaluate", "--weights", "README.md"], "unknown weights format"),
        ([], "required"),
    ],
)
def test_bad_arguments_exit_nonzero_with_one_clear_line(args, message, cli_here):
    out = cli_here(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_an_error_is_one_line_and_status_2_from_the_process_too():
    out = cli("train", "--lr", "-1")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [out.stderr.strip()]  # one line
    assert out.stderr.startswith("error: lr must be")


def test_predict_reports_unreadable_and_blank_images(trained, tmp_path, cli_here):
    path, _ = trained
    blank = tmp_path / "blank.png"
    Image.fromarray(np.zeros((50, 50), np.uint8)).save(blank)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a png")
    out = cli_here("predict", "--weights", path, blank, junk)
    assert out.returncode != 0
    assert "nothing drawn" in out.stdout
    assert "cannot read" in out.stderr and "Traceback" not in out.stderr


def test_compare_implementations_and_gradcheck_end_with_their_figure(cli_here):
    out = cli_here("compare-implementations", "--steps", "5", "--float64")
    assert out.returncode == 0, out.stderr
    last = out.stdout.strip().splitlines()[-1]
    value, steps, dtype = last.split()
    assert float(value.split("=")[1]) <= 1e-10
    assert (steps, dtype) == ("steps=5", "dtype=float64")
    out = cli_here("gradcheck")
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip().splitlines()[-1].split("=")[1]) <= 1e-6


def test_the_numpy_model_says_it_computes_on_the_cpu_whatever_the_device(sample, cli_here):
    # Issue 23: "train --model softmax-numpy --device cuda" printed the GPU's name while
    # NumPy computed on the CPU. It needs no GPU for it either (this machine has none).
    from softmax_gui.datasets_registry import get_spec

    done = cli_here("train", "--model", "softmax-numpy", "--device", "cuda", "--epochs", "1",
                    "--data-dir", get_spec("fashion-mnist").sample_dir)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("device: ")]
    assert line.startswith("device: CPU (NumPy computes there, whatever the device); model: ")
