"""Every control of the window is used by some end-to-end test, the way a person does.

The list of used controls is recorded by the tests themselves (``person.EXERCISED``),
so this runs last (pytest orders files by name) and only when the whole suite ran;
under ``-n`` all the journeys run in one worker (``tests/conftest.py``).
"""

from pathlib import Path

import pytest
from person import EXERCISED, control_name, window_controls

HERE = Path(__file__).parent


def test_every_button_and_menu_action_was_used(request, window):
    journeys = {p.name for p in HERE.glob("test_*.py") if p.name != Path(__file__).name}
    ran = {Path(str(item.fspath)).name for item in request.session.items}
    if not journeys <= ran:
        pytest.skip("the coverage of controls needs the whole end-to-end suite")
    controls = {control_name(c) for c in window_controls(window)}
    assert len(controls) > 30  # the enumeration found the window's controls
    unused = sorted(controls - EXERCISED)
    assert not unused, f"controls no end-to-end test used: {unused}"
