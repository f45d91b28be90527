"""The hostile-input table: for each class of attack, what was tried and what became of it.

Usage::

    python scripts/hostile_report.py [--verbose]

Runs every case of ``tests/hostile/cases.py`` (the full-disk cases only as root, on a
small tmpfs) and prints, per class: tried, refused (one clear line), handled (worked,
and right), crashed, silently accepted. The last two must be zero.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
from pathlib import Path

# One case exports the plots, which needs Qt: no display is needed for that.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
VERDICTS = ("refused", "handled", "crashed", "silently accepted")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every case's outcome")
    args = parser.parse_args()
    from cases import cases, outcome
    from cases_round2 import cases as round_two

    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for case in cases() + round_two():
        if case.needs_root and os.geteuid() != 0:
            continue
        with tempfile.TemporaryDirectory() as folder:
            os.chdir(folder)
            verdict, detail = outcome(case, Path(folder))
        table[case.group][verdict] += 1
        if args.verbose or verdict in VERDICTS[2:]:
            print(f"{verdict:17s} {case.group} / {case.name}: {detail[:150]}")
    print(f"\n| class | tried | {' | '.join(VERDICTS)} |")
    print("|---|---|" + "---|" * len(VERDICTS))
    totals = collections.Counter()
    for group in sorted(table, key=lambda g: int(g.split()[0])):
        counts = table[group]
        totals.update(counts)
        print(f"| {group} | {sum(counts.values())} | "
              + " | ".join(str(counts[v]) for v in VERDICTS) + " |")
    print(f"| all | {sum(totals.values())} | "
          + " | ".join(str(totals[v]) for v in VERDICTS) + " |")
    return 1 if totals["crashed"] or totals["silently accepted"] else 0


if __name__ == "__main__":
    sys.exit(main())
