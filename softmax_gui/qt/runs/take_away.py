"""What a learner takes away from a run: the script that trains it again
(``run_script.py``) and the report to hand in (``report.py``), for the active weights
(File > Export run as Python script…, File > Save report…) or a row of the Runs tab
(its context menu). Weights are read and scored, and the report written, in a task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject

from softmax_gui.config import TrainConfig
from softmax_gui.qt.shell.file_dialogs import ask
from softmax_gui.safe_files import WriteError, reason, save_file


@dataclass
class Chosen:
    """A run to take away: ``load()`` (in a task) gives its weights and test-set
    probabilities."""

    title: str
    config: dict
    epochs: list[dict]
    device: str
    load: Callable[[], tuple]
    file_stem: str


class TakeAway(QObject):
    """Writes scripts and reports; says how it went in the status bar or the banner."""

    def __init__(self, session, parent):
        super().__init__(parent)
        self.session = session

    # --- what can be taken ----------------------------------------------------------------

    def active(self) -> Chosen | None:
        """The active weights, with their run's curves when the window has them."""
        weights = self.session.state.weights
        if weights is None:
            return None
        history = self.session.state.run(weights.run) if weights.run is not None else None
        epochs = list(history.epochs) if history is not None else []
        name = f"run-{weights.run}" if weights.run is not None else "weights"
        return Chosen(weights.label, dict(weights.config), epochs,
                      history.device if history is not None else "",
                      lambda: (weights.snapshot, weights.probabilities), name)

    def of_entry(self, entry: tuple) -> Chosen | None:
        """A row of the Runs tab: a saved run or one of a kept sweep's (None: a sweep)."""
        from softmax_gui import sweep_record

        test_images = self.session.state.test_images
        if entry[0] == "run":
            saved = entry[1]
            info = saved.info
            return Chosen(f"saved run {info.get('label', saved.id)}", info.get("config", {}),
                          list(saved.metrics), str(info.get("device", "")),
                          lambda: _scored(saved.weights(), test_images),
                          f"run-{saved.number or saved.id}")
        if entry[0] == "sweep run":
            sweep, index = entry[1], entry[2]
            result = sweep.results[index]
            history = sweep_record.history(result, 0, sweep.varied)
            classes = tuple(self.session.state.dataset.classes)

            def load():
                # A copy with its weights read: the kept sweep's listing keeps none (it
                # is shared with the GUI thread, and a thousand runs' weights add up).
                state = result.state if result.state is not None else \
                    sweep_record.run_state(sweep.folder, index)
                return _scored(sweep_record.snapshot(replace(result, state=state), classes),
                               test_images)

            return Chosen(history.label, result.config.to_dict(), history.epochs, "", load,
                          f"{sweep.name}-{index + 1}")
        return None

    # --- the script -----------------------------------------------------------------------

    def export_script(self, chosen: Chosen | None) -> None:
        if chosen is None:
            return
        problem = self._mismatch(chosen)
        if problem:
            self.session.report(f"No script for {chosen.title}: {problem}")
            return

        def write(path: str, _filter: str) -> None:
            from softmax_gui.run_script import script_for

            path = path if Path(path).suffix else path + ".py"
            dataset = self.session.state.dataset
            text = script_for(TrainConfig.from_dict(chosen.config), dataset.classes,
                              str(dataset.source.path), f"Softmax Studio: {chosen.title}",
                              Path(path).name)
            try:
                save_file(path, lambda temporary: Path(temporary).write_text(text))
            except WriteError as exc:
                self.session.report(str(exc))
                return
            self.session.message.emit(f"Saved the script to {path}: python "
                                      f"{Path(path).name} trains {chosen.title} again")

        ask(self.parent(), self.session.settings, "script", "Export run as Python script",
            write, ["Python scripts (*.py)"], save_as=f"{chosen.file_stem}.py")

    def _mismatch(self, chosen: Chosen) -> str:
        """Why no script can be written for ``chosen`` (empty: it can)."""
        try:
            config = TrainConfig.from_dict(chosen.config)
        except (TypeError, ValueError):
            config = None
        if config is None or not chosen.config:
            return "these weights carry no training settings a script could repeat"
        dataset = self.session.state.dataset
        if dataset is None or config.dataset != dataset.name:
            return f"it trained on {config.dataset}; load that dataset first"
        return ""

    # --- the report -----------------------------------------------------------------------

    def save_report(self, chosen: Chosen | None) -> None:
        if chosen is None:
            return
        dataset = self.session.state.dataset
        script_problem = self._mismatch(chosen)

        def work(_task, path: str) -> str:
            from softmax_gui import report
            from softmax_gui.run_script import script_for

            snapshot, probabilities = chosen.load()
            if tuple(snapshot.classes) != tuple(dataset.classes):
                raise ValueError(f"its classes are not {dataset.name}'s: load its dataset")
            script = "" if script_problem else script_for(
                TrainConfig.from_dict(chosen.config), dataset.classes,
                str(dataset.source.path), f"Softmax Studio: {chosen.title}",
                f"{Path(path).stem}.py")
            text = report.run_report(report.of_run(
                f"Softmax Studio: {chosen.title}", chosen.config, chosen.epochs, snapshot,
                probabilities, dataset, chosen.device or "not recorded", script))
            save_file(path, lambda temporary: Path(temporary).write_text(text, "utf-8"))
            return path

        self._ask_report(chosen.title, f"{chosen.file_stem}.html", work)

    def save_sweep_report(self, sweep) -> None:
        def work(_task, path: str) -> str:
            from softmax_gui import report

            rows = [{**{v: getattr(r.config, v) for v in sweep.varied},
                     "test_acc": None if r.diverged else r.final_test_acc,
                     "train_loss": r.train_loss[-1] if r.train_loss else float("nan")}
                    for r in sweep.results]
            curves = [(", ".join(f"{v}={getattr(r.config, v)}" for v in sweep.varied),
                       list(range(1, len(r.test_acc) + 1)), r.test_acc)
                      for r in sweep.results]
            text = report.sweep_report(f"Softmax Studio: {sweep.name}", rows, sweep.varied,
                                       curves, sweep.seconds)
            save_file(path, lambda temporary: Path(temporary).write_text(text, "utf-8"))
            return path

        self._ask_report(sweep.name, f"{sweep.name}.html", work)

    def _ask_report(self, title: str, name: str, work) -> None:
        session = self.session

        def failed(error: BaseException) -> None:
            words = error if isinstance(error, ValueError | WriteError) else reason(error)
            session.report(f"Could not write the report of {title}: {words}")

        def chosen_path(path: str, _filter: str) -> None:
            path = path if Path(path).suffix else path + ".html"
            session.tasks.run(f"Writing the report of {title}…",
                              lambda task: work(task, path),
                              lambda done: session.message.emit(
                                  f"Saved the report to {done}: it opens in any browser, "
                                  "offline"), failed)

        ask(self.parent(), session.settings, "report", "Save report", chosen_path,
            ["Reports (*.html)"], save_as=name)


def _scored(snapshot, test_images):
    """A run's weights and their probabilities on the test set (a copy of the model)."""
    from softmax_gui.active_weights import prepare

    weights = prepare(snapshot, "", {}, None, test_images)
    return weights.snapshot, weights.probabilities
