"""docs/ARCHITECTURE.md, rule 1: everything outside softmax_gui/qt imports without Qt."""

import pkgutil
import subprocess
import sys

import softmax_gui


def test_compute_modules_import_with_qt_blocked():
    modules = [m.name for m in pkgutil.walk_packages(softmax_gui.__path__, "softmax_gui.")
               if ".qt" not in m.name and m.name != "softmax_gui.__main__"]
    assert "softmax_gui.training" in modules and "softmax_gui.cli" in modules
    code = (
        "import sys\n"
        "for blocked in ('PySide6', 'pyqtgraph', 'PyQt5', 'PyQt6'):\n"
        "    sys.modules[blocked] = None\n"
        f"for name in {modules!r}:\n"
        "    __import__(name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
