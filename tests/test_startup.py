"""Cold start: the window shows before torch is imported, then loads torch and the data."""

import subprocess
import sys
from pathlib import Path

from softmax_gui.config import TrainConfig
from softmax_gui.qt.training.panel import TrainingPanel

ROOT = Path(__file__).resolve().parent.parent


def test_the_window_module_does_not_import_torch():
    # torch takes ~2 s to import: everything needed to build and show the window must
    # do without it (bench/cold_start.py), importing it only when first used.
    code = ("import sys; import softmax_gui.qt.shell.main_window, softmax_gui.qt.app; "
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"


def test_window_loads_torch_and_data_after_it_shows(qtbot, settings, fashion):
    from softmax_gui.qt.shell.main_window import MainWindow

    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    assert win.session.state.dataset is None  # nothing heavy happens before the window is up
    assert not win.controls.start_action.isEnabled()
    assert win.status.busy.text() == "Loading PyTorch…"
    with qtbot.waitSignal(win.session.ready, timeout=30000):
        pass
    assert win.session.state.dataset is not None and win.controls.start_action.isEnabled()
    assert win.grid.view.cells  # the grid shows test images
    qtbot.waitUntil(lambda: not win.status.busy.isVisible(), timeout=5000)
    win.close()


def test_a_remembered_cuda_choice_survives_the_late_device_list(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_config(TrainConfig(device="cuda"))
    assert panel.config().device == "auto"  # not listed yet: torch is still loading
    panel.add_cuda_device("NVIDIA H100")
    assert panel.config().device == "cuda"
    assert panel.device.currentText() == "CUDA: NVIDIA H100"
