"""Every hostile input of tests/hostile/cases.py is refused in one clear line or handled."""

import os

import pytest
from cases import REFUSE, cases, outcome
from cases_round2 import cases as round_two

IN_CI = os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1"
CASES = cases() + round_two()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.group.split()[0]}: {c.name}" for c in CASES])
def test_refused_or_handled(case, tmp_path, monkeypatch, fashion):
    if case.needs_root and os.geteuid() != 0:
        if IN_CI:
            pytest.fail("a full disk is a small tmpfs, which needs root")
        pytest.skip("a full disk is a small tmpfs, which needs root")
    monkeypatch.chdir(tmp_path)  # a pickle's payload would write here
    verdict, detail = outcome(case, tmp_path)
    assert verdict == ("refused" if case.expect == REFUSE else "handled"), detail
    assert not (tmp_path / "PWNED").exists()
