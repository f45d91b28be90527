"""What each row of the Runs tab says: a saved run, a kept sweep (one row for the whole
sweep) and each of a sweep's runs; and which rows a filter keeps. Plain data: each cell
is ``(text shown, value sorted by)``."""

from __future__ import annotations

import re

from softmax_gui.model_registry import MODELS
from softmax_gui.run_history import epochs_text
from softmax_gui.runs import SavedRun
from softmax_gui.sweep_plan import value_text
from softmax_gui.sweep_record import status as sweep_status

MODEL_NAMES = {name: spec.label for name, spec in MODELS.items()}
# The figures first, so a narrow window still shows which run did best; then what the
# runs differ in, then when.
COLUMNS = ["run", "test acc", "epochs", "status", "model", "lr", "batch", "momentum",
           "weight decay", "seed", "optimizer", "schedule", "date", "train s", "dataset"]
HYPER_PARAMETERS = ("lr", "batch_size", "momentum", "weight_decay", "seed", "optimizer",
                    "schedule")
# A filter's words: ``column=value`` (a column's name may be two words) or plain text.
FILTER_WORD = re.compile(r"(\w+(?: \w+)?)\s*=\s*([^\s,]+)|([^\s,=]+)")

Cells = list[tuple[str, object]]


def _epochs(trained: float, planned) -> str:
    """``10``, or ``2.68 of 200`` for a run stopped before its planned epochs."""
    text = epochs_text(trained).split()[0]
    if isinstance(planned, int) and trained < planned:
        text += f" of {planned}"
    return text


def _accuracy(acc) -> tuple[str, float]:
    return ("" if acc is None else f"{acc:.2%}", acc if acc is not None else -1)


def saved_run(run: SavedRun, row: int) -> Cells:
    """A run of the runs folder (sorted in the run column by when it was made, then by
    its number: two runs may end in one second)."""
    info, config = run.info, run.info["config"]
    return [(f"#{run.number}" if run.number else f"({row + 1})",
             f"{info['created']} {run.number or 0:>9}"),
            _accuracy(info.get("test_acc")),
            (_epochs(run.epochs_trained, config.get("epochs")), run.epochs_trained),
            (run.status + ("" if run.has_weights else ", no weights"), run.status),
            (MODEL_NAMES.get(info["model"], info["model"]), info["model"]),
            *((value_text(config.get(k, "")), config.get(k, "")) for k in HYPER_PARAMETERS),
            (info["created"][:16].replace("T", " "), info["created"]),
            (f"{info['train_seconds']:.1f}", info["train_seconds"]),
            (str(info.get("dataset", "")),) * 2]


def sweep_run(sweep, index: int) -> Cells:
    """Run ``index`` of a kept sweep (``qt/runs/kept_sweeps.py``'s ``KeptSweep``)."""
    result = sweep.results[index]
    config = result.config
    trained = len(result.test_acc)
    status = sweep_status(result)
    return [(f"{index + 1} of {len(sweep.results)}", index),
            _accuracy(result.final_test_acc),
            (_epochs(trained, config.epochs), trained),
            (status + ("" if trained else ", no weights"), status),
            (MODEL_NAMES.get(config.model, config.model), config.model),
            *((value_text(getattr(config, k)), getattr(config, k)) for k in HYPER_PARAMETERS),
            (sweep.created[:16].replace("T", " "), sweep.created), ("", 0.0),
            (config.dataset,) * 2]


def sweep_group(sweep) -> Cells:
    """A whole kept sweep: its best accuracy, how many runs, and each hyper-parameter's
    one value or its span."""
    results = sweep.results
    finished = [r.final_test_acc for r in results if r.final_test_acc is not None]
    exploded = sum(bool(r.diverged) for r in results)

    def span(values: list) -> tuple[str, object]:
        distinct = sorted(set(values), key=lambda v: (isinstance(v, str), v))
        if len(distinct) == 1:
            return value_text(distinct[0]), distinct[0]
        return f"{value_text(distinct[0])} to {value_text(distinct[-1])}", distinct[0]

    configs = [r.config for r in results]
    models = span([MODEL_NAMES.get(c.model, c.model) for c in configs])
    stopped = sum(sweep_status(r) == "stopped" for r in results)
    trained = max((len(r.test_acc) for r in results), default=0)
    planned = span([c.epochs for c in configs])
    status = ", ".join([f"{len(results)} runs"] + [f"{exploded} exploded"] * bool(exploded)
                       + [f"{stopped} stopped"] * bool(stopped))
    return [(sweep.title, sweep.created),
            _accuracy(max(finished) if finished else None),
            (f"{trained} of {planned[0]}", trained) if stopped else planned,
            (status, "sweep"), models,
            *(span([getattr(c, k) for c in configs]) for k in HYPER_PARAMETERS),
            (sweep.created[:16].replace("T", " "), sweep.created),
            (f"{sweep.seconds:.1f}", sweep.seconds),
            span([c.dataset for c in configs])]


def _key(name: str) -> str:
    """``weight decay``, ``weight_decay`` and ``weightdecay`` are one column name."""
    return name.lower().replace(" ", "").replace("_", "")


def filter_words(text: str) -> list[str]:
    return [f"{m[1]}={m[2]}" if m[1] else m[3] for m in FILTER_WORD.finditer(text)]


def matches(words: list[str], cells: Cells, label: str) -> bool:
    """Whether a row passes every word: ``column=value`` (numbers compared as numbers),
    or the word anywhere in the row's cells or its label, ignoring case."""
    texts = {_key(COLUMNS[c]): text for c, (text, _value) in enumerate(cells)}
    return all(_passes(word, texts, label) for word in words if word)


def _passes(word: str, texts: dict[str, str], label: str) -> bool:
    if "=" in word:
        name, value = (part.strip() for part in word.split("=", 1))
        text = texts.get({"batchsize": "batch", "acc": "testacc"}.get(_key(name),
                                                                       _key(name)))
        if text is None:
            return False
        try:
            return float(text) == float(value)
        except ValueError:
            return text.lower() == value.lower()
    word = word.lower()
    return any(word in text.lower() for text in (*texts.values(), label))


def cells(entry: tuple) -> Cells:
    """The cells of a Runs tab entry: ``("run", SavedRun)``, ``("sweep", KeptSweep)`` or
    ``("sweep run", KeptSweep, index)``."""
    kind, what = entry[:2]
    if kind == "run":
        return saved_run(what, 0)
    return sweep_group(what) if kind == "sweep" else sweep_run(what, entry[2])


def count_text(runs: int, sweeps: int, shown: dict | None) -> str:
    """``2 runs and 1 sweep``, or what a filter shows of them (``shown``: how many of
    each kind it left in sight; None: no filter)."""
    everything = both(runs, sweeps)
    if shown is None or (shown["run"], shown["sweep"]) == (runs, sweeps):
        return everything
    if not any(shown.values()):
        return f"Nothing matches the filter ({everything} in all)"
    return f"{both(shown['run'], shown['sweep'])} shown of {everything}"


def delete_question(runs: list, sweeps: list) -> str:
    """``Delete run #3 and its weights from disk? …``, naming what goes."""
    names = [f"#{r.number}" if r.number else r.id for r in runs] + [s.title for s in sweeps]
    listed = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
    if len(names) == 1:
        what = f"run {listed} and its weights" if runs else \
            f"{listed} and its {len(sweeps[0].results)} runs"
    else:
        what = f"{len(names)} {'runs' if not sweeps else 'runs and sweeps'} " \
               f"({listed}) and their weights"
    return f"Delete {what} from disk? This cannot be undone."


def both(runs: int, sweeps: int) -> str:
    """``2 runs and 1 sweep``; ``1 sweep``; ``0 runs``."""
    return " and ".join([_count(runs, "run")] * bool(runs or not sweeps)
                        + [_count(sweeps, "sweep")] * bool(sweeps))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
