"""The end-to-end tests act only through what a person can touch.

They may read any widget to check what it shows, but never call a slot, set a value,
emit a signal or touch a private attribute to make something happen.
"""

import re
from pathlib import Path

HERE = Path(__file__).parent
FORBIDDEN = {
    r"\.(click|trigger|toggle|animateClick)\(\)": "calls a control instead of clicking it",
    r"\.(setValue|setChecked|setCurrentIndex|setCurrentRow|setText|setCurrentText)\(":
        "sets a widget's value instead of typing or clicking",
    r"\.emit\(": "emits a signal",
    r"\b(session|weights_actions)\.\w+\(": "calls the session or the window's actions",
    r"\._[a-z]\w*": "touches a private attribute",
}


def test_the_rules_catch_what_they_name():
    bad = ["button.click()", "action.trigger()", "panel.epochs.setValue(3)",
           "session.start(config)", "window._wire()", "signal.emit(1)"]
    assert all(any(re.search(p, line) for p in FORBIDDEN) for line in bad)
    assert not any(re.search(p, "click(button(window, 'Start'))") for p in FORBIDDEN)


def test_no_end_to_end_test_acts_behind_the_user_s_back():
    problems = []
    for path in sorted(HERE.glob("*.py")):
        if path.name == Path(__file__).name:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            for pattern, why in FORBIDDEN.items():
                if re.search(pattern, code):
                    problems.append(f"{path.name}:{number}: {why}: {line.strip()}")
    assert not problems, "\n".join(problems)
