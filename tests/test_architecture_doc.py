"""docs/ARCHITECTURE.md stays true: every module its tables name exists, every field its
state table names is a field of ``AppState``, and every signal its session table names
is a signal of the object it says."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "docs" / "ARCHITECTURE.md").read_text()


def _section(title: str) -> str:
    start = TEXT.index(f"## {title}")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start:end if end > 0 else None]


def test_every_module_named_in_the_layers_table_exists():
    names = set(re.findall(r"`((?:qt/(?:[a-z_]+/)?)?[a-z_]+\.py)`", _section("The layers")))
    assert len(names) > 40
    missing = [n for n in sorted(names) if not (ROOT / "softmax_gui" / n).is_file()]
    assert not missing, missing


def _signals() -> list[tuple[str, str]]:
    """(owner, name) of each signal in the session table's first column."""
    out = []
    for line in _section("The session").splitlines():
        if not line.startswith("| `"):
            continue
        first = line.split("|")[1]
        owner = "session"
        for ref in re.findall(r"`([a-z_.]+)`", first):
            if "." in ref:
                owner, ref = ref.rsplit(".", 1)
                owner = f"session.{owner}" if owner != "plots" else "plots"
            out.append((owner, ref))
    return out


@pytest.mark.parametrize(("owner", "name"), _signals())
def test_every_signal_in_the_session_table_exists(owner, name):
    from PySide6.QtCore import Signal

    from softmax_gui.qt.curves.curves_view import PlotsView
    from softmax_gui.qt.insight.timeline import Timeline
    from softmax_gui.qt.runs.kept_sweeps import KeptSweeps
    from softmax_gui.qt.runs.run_archive import RunArchive
    from softmax_gui.qt.state.session import Session
    from softmax_gui.qt.state.tasks import Tasks
    from softmax_gui.qt.training.runs import Runs

    classes = {"session": Session, "session.runs": Runs, "session.runs.timeline": Timeline,
               "session.tasks": Tasks, "session.archive": RunArchive,
               "session.archive.sweeps": KeptSweeps, "plots": PlotsView}
    assert isinstance(getattr(classes[owner], name, None), Signal), f"{owner}.{name}"


def _fields() -> list[str]:
    """Each ``state.<field>`` in the state table's first column."""
    return [name for line in _section("The state").splitlines() if line.startswith("| `")
            for name in re.findall(r"`state\.([a-z_]+)`", line.split("|")[1])]


def test_the_state_table_names_every_field_of_the_state_and_nothing_else():
    import dataclasses

    from softmax_gui.app_state import AppState

    assert sorted(_fields()) == sorted(f.name for f in dataclasses.fields(AppState))
