"""The runs folder as the window uses it: numbers, saving, loading, overlaying, deleting.

:class:`RunArchive` (``session.archive``) keeps each finished run on disk
(``softmax_gui.runs.RunStore``, in the background), gives every new run a number no other
window on the same folder takes, brings a saved run back (its weights active, its epochs
on the timeline, or its curves on the plots) and deletes runs. The Runs tab lists the
folder and asks it for all of these.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from softmax_gui import events
from softmax_gui.active_weights import prepare
from softmax_gui.qt.runs.kept_sweeps import KeptSweeps
from softmax_gui.run_history import RunHistory, write_csv
from softmax_gui.runs import RunError, RunStore, SavedRun
from softmax_gui.safe_files import WriteError, reason, save_file


class RunArchive(QObject):
    """``session``'s runs folder (see the module docstring)."""

    saved_runs_changed = Signal()

    def __init__(self, session, store: RunStore | None = None):
        super().__init__(session)
        self.session, self.state = session, session.state
        self.store = store or RunStore()
        self._saved: dict[int, SavedRun] = {}  # a run's number -> its entry on disk
        # Run numbers last across launches: a new window goes on from the runs on disk.
        # Overlaid saved runs without a number are keyed by negative ones, taking none.
        self._highest_saved = self.store.highest_number()
        self.sweeps = KeptSweeps(session, self.store.root, self)

    # --- numbers --------------------------------------------------------------------------

    def _next_number(self) -> int:
        return max([self._highest_saved, *(h.number for h in self.state.runs)]) + 1

    def take_number(self) -> int:
        """The next run number, taken in the runs folder so that another window on it
        never gives it to another run (with an unwritable folder, this window's own)."""
        try:
            number = self.store.take_number(self._next_number())
        except RunError as exc:
            self.session.report(f"{exc}. Runs will not be kept.")
            return self._next_number()
        self._highest_saved = max(self._highest_saved, number - 1)
        return number

    # --- keeping --------------------------------------------------------------------------

    def save(self, history: RunHistory, snapshot: events.WeightSnapshot | None,
             epochs: list[events.WeightSnapshot], then=None) -> None:
        """Keep ``history`` (its status says how it ended), its last weights and its
        epochs' weights, replacing what a Step extended; ``then(saved)`` once kept."""
        replaced = self._saved.get(history.number)
        sample = self.state.dataset.source.is_sample
        status = history.status

        def work(_task):
            saved = self.store.save(history, snapshot, epochs, status, sample)
            if replaced is not None:
                self.store.delete(replaced)
            return saved

        def done(saved: SavedRun) -> None:
            self._saved[history.number] = saved
            self._highest_saved = max(self._highest_saved, history.number)
            self.saved_runs_changed.emit()
            if then is not None:
                then(saved)

        def failed(error: BaseException) -> None:
            self.session.report(f"Run #{history.number} finished but could not be saved: "
                                f"{reason(error)}. Its weights are still active: export "
                                "them (File > Export weights) to keep them.")

        self.session.tasks.run("Saving the run…", work, done, failed)

    def delete(self, runs: list[SavedRun]) -> None:
        """Delete ``runs`` from disk and take their curves off the plots: a deleted run
        is gone, and a Step from its weights (Revert can bring them back) starts a new
        run instead of saving the deleted one again."""
        for run in runs:
            try:
                self.store.delete(run)
            except RunError as exc:
                self.session.report(str(exc))
                continue
            for history in self.state.runs:
                if history.number == run.number or history.saved_id == run.id:
                    self.session.runs.remove_history(history.number)
        self._saved = {n: s for n, s in self._saved.items() if s not in runs}
        self.saved_runs_changed.emit()

    # --- bringing back --------------------------------------------------------------------

    def overlay(self, saved: SavedRun, shown: bool = True, quiet: bool = False) -> None:
        """Draw a run from the runs folder beside this window's runs (once), ticked or
        not (``shown``); ``quiet``: no word when it is there already."""
        state = self.state
        on_plots = {h.saved_id for h in state.runs}
        if saved.id in on_plots or saved.number in {h.number for h in state.runs}:
            if not quiet:
                self.session.message.emit(
                    f"Run {saved.info['label']} is already on the plots.")
            return
        try:
            # Its own lasting number (so it keeps its colour across launches); a record
            # from before numbers were kept takes a negative one, which no run takes.
            history = saved.history(saved.number or min([0, *(h.number for h in
                                                              state.runs)]) - 1)
        except RunError as exc:  # its record was checked when listed; its curves now
            self.session.report(str(exc))
            return
        history.shown = shown
        state.runs = (*state.runs, history)

    def load(self, saved: SavedRun, then=None) -> None:
        """Make a saved run's final weights active and its epochs the timeline's (read in
        the background); ``then()`` once they are."""
        session, state = self.session, self.state
        label = f"saved run {saved.info.get('label', saved.id)}"
        dataset, test_images = state.dataset.name, state.test_images
        classes = tuple(state.dataset.classes)
        config = saved.info.get("config", {})
        labels = state.dataset.test_labels.numpy()
        sample = state.dataset.source.is_sample  # scored on the test set it was?

        def work(_task):
            from softmax_gui.weights_io import WeightsError

            snapshot = saved.weights()
            if snapshot.dataset != dataset:
                raise ValueError(f"it was trained on {snapshot.dataset}; load that "
                                 "dataset first")
            if tuple(snapshot.classes) != classes:  # a dataset made again, other classes
                raise ValueError(f"it was trained on an earlier {dataset} with "
                                 f"{len(snapshot.classes)} classes "
                                 f"({', '.join(snapshot.classes[:4])}); it has "
                                 f"{len(classes)} now")
            try:
                epochs = saved.epoch_snapshots(snapshot)
                note = "" if epochs else (f"run #{saved.number} was saved before the app "
                                          "kept each epoch's weights")
            except WeightsError as exc:
                epochs, note = [], f"its epochs could not be read: {exc}"
            weights = prepare(snapshot, label, config, saved.number, test_images)
            saved.check_weights(weights.snapshot.model, weights.accuracy(labels), sample)
            return weights, epochs, note

        def done(result) -> None:
            weights, epochs, note = result
            session.activate(weights)
            session.runs.timeline.show_saved(saved.number, config, epochs, saved.metrics,
                                             note)
            session.message.emit(f"Loaded {label}")
            if then is not None:
                then()

        def failed(error: BaseException) -> None:
            session.report(f"Could not load {label}: {error}")

        session.tasks.run(f"Loading {label}…", work, done, failed)

    # --- export ---------------------------------------------------------------------------

    def export_csv(self, path: str) -> None:
        """Every run on the plots, per epoch, as a table."""
        try:
            save_file(path, lambda temporary: write_csv(self.state.runs, temporary))
        except WriteError as exc:
            self.session.report(f"Could not save the metrics: {exc}.")
            return
        self.session.message.emit(f"Saved the metrics to {path}")
