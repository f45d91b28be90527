"""docs/ARCHITECTURE.md, rule 7: every module, class and constructor stays readable in
one sitting: no module over 400 lines, no class over 250, no __init__ over 60."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "softmax_gui"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE, MAX_CLASS, MAX_INIT = 400, 250, 60


def _lines(node) -> int:
    return node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_classes_and_constructors_stay_small(path):
    text = path.read_text()
    too_long = []
    if len(text.splitlines()) > MAX_MODULE:
        too_long.append(f"module: {len(text.splitlines())} lines")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            if _lines(node) > MAX_CLASS:
                too_long.append(f"class {node.name}: {_lines(node)} lines")
            too_long += [f"{node.name}.__init__: {_lines(f)} lines" for f in node.body
                         if isinstance(f, ast.FunctionDef) and f.name == "__init__"
                         and _lines(f) > MAX_INIT]
    assert not too_long, too_long


def test_it_sees_the_whole_package():
    names = {p.relative_to(PACKAGE).as_posix() for p in MODULES}
    assert {"training.py", "app_state.py", "qt/shell/main_window.py"} <= names
