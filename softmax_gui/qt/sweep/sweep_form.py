"""What a sweep varies: up to three hyper-parameters with their values, seeds, epochs and
d2l §3.7's exercises as presets. It only reads what the person typed into a plan
(``softmax_gui/sweep_plan.py`` parses, ``softmax_gui/sweep.py`` builds the grid)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QSpinBox, QWidget

from softmax_gui.config import TrainConfig
from softmax_gui.sweep_plan import D2L_PINS, PARAMETERS, PRESETS, PlanError, parse_values

ROWS = 3
# The window trains at most this many runs in one sweep: each is a curve and a row here.
MAX_RUNS = 500
NONE = "—"
START = {"lr": "0.01, 0.1, 1", "batch_size": "64, 256, 1024", "epochs": "1, 5, 10",
         "weight_decay": "0, 0.001, 0.01", "momentum": "0, 0.5, 0.9",
         "optimizer": "sgd, adam", "schedule": "constant, cosine",
         "model": "softmax, mlp", "hidden": "16, 64, 256"}


class SweepForm(QWidget):
    """The preset, three rows of (hyper-parameter, values), the seeds and the epochs."""

    preset_chosen = Signal(str)  # what the preset set, in words

    def __init__(self, parent=None):
        super().__init__(parent)
        self._base: TrainConfig | None = None
        self.rest: QLabel | None = None  # said once made, below
        self.preset = QComboBox()
        self.preset.addItem("Choose a d2l §3.7 exercise…")
        self.preset.addItems(list(PRESETS))
        self.preset.setAccessibleName("Preset")
        # Narrower than its longest item: the tab must fit beside the docks at 1024.
        self.preset.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset.setMinimumContentsLength(12)
        self.preset.setToolTip("Fill the rows with one of d2l §3.7's exercises")
        self.preset.activated.connect(self._preset_chosen)
        self.parameters: list[QComboBox] = []
        self.values: list[QLineEdit] = []
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preset, 0, 0, 1, 4)
        for row in range(ROWS):
            self._add_row(layout, row)
        layout.setColumnStretch(1, 1)
        self.seeds = QSpinBox()
        self.seeds.setRange(1, 10)
        self.seeds.setPrefix("Seeds: ")
        self.seeds.setAccessibleName("Seeds")
        self.seeds.setToolTip("Train each configuration with this many seeds (0, 1, 2, …): "
                              "the results show their mean and spread")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 200)
        self.epochs.setValue(TrainConfig().epochs)
        self.epochs.setPrefix("Epochs: ")
        self.epochs.setAccessibleName("Epochs of each run")
        self.epochs.setToolTip("How long each run trains, unless a row varies the epochs")
        layout.addWidget(self.seeds, ROWS + 1, 0)
        self.seeds.valueChanged.connect(self._say_rest)
        layout.addWidget(self.epochs, ROWS + 1, 1)
        self.rest = QLabel()
        self.rest.setWordWrap(True)
        self.rest.setAccessibleName("What each run trains with")
        layout.addWidget(self.rest, ROWS + 2, 0, 1, 4)
        self.show_base(TrainConfig())
        for row in range(ROWS):
            self._parameter_chosen(row)
        self.parameters[0].setCurrentIndex(self.parameters[0].findData("lr"))

    def _add_row(self, layout: QGridLayout, row: int) -> None:
        """Row ``row``: which hyper-parameter, and its values."""
        parameter = QComboBox()
        parameter.addItem(NONE, "")
        for field, p in PARAMETERS.items():
            parameter.addItem(p.label, field)
        parameter.setAccessibleName(f"Hyper-parameter {row + 1}")
        parameter.setToolTip("What this row varies")
        values = QLineEdit()
        values.setAccessibleName(f"Values {row + 1}")
        values.setPlaceholderText("0.01, 0.1, 1   or   0.001 to 10, 5 log")
        values.setToolTip("A list (0.01, 0.1, 1) or a range: 0.001 to 10, 5 log (five "
                          "values evenly spread on a log scale) or 1 to 50, 6")
        parameter.currentIndexChanged.connect(
            lambda _i, r=row: self._parameter_chosen(r))
        values.textChanged.connect(self._say_rest)
        # Edited by hand, the rows are no longer the preset's.
        parameter.activated.connect(lambda _i: self.preset.setCurrentIndex(0))
        values.textEdited.connect(lambda _t: self.preset.setCurrentIndex(0))
        layout.addWidget(parameter, row + 1, 0)
        layout.addWidget(values, row + 1, 1, 1, 3)
        self.parameters.append(parameter)
        self.values.append(values)

    def show_base(self, base: TrainConfig | None) -> None:
        """The training panel's settings, which the rows change."""
        self._base = base
        self._say_rest()

    def _say_rest(self) -> None:
        """What each run trains with: the panel's settings, the rows' one-value pins
        applied, ``*`` for what the rows vary; its seed unless the Seeds box asks for
        several (then seeds 0, 1, ...)."""
        if self.rest is None:
            return
        base, seeds = self._base, self.seeds.value()
        if base is None:
            self.rest.setText("The rest comes from the training panel, where a field is "
                              "invalid: fix it to train a sweep.")
            return
        pins, varied = {}, []
        for combo, line in zip(self.parameters, self.values):
            field = combo.currentData()
            try:
                values = parse_values(field, line.text()) if field else []
            except PlanError:
                values = []
            if len(values) == 1:
                pins[field] = values[0]
            elif field:
                varied.append(field)
        try:
            base = base.replace(**pins)
        except ValueError:
            pass  # a pin the panel would refuse: Train sweep says which
        self.rest.setText(
            f"Each run: {base.summary(varied)}, "
            f"{'standardised' if base.standardize else 'raw'} inputs, "
            + (f"seed {base.seed}" if seeds == 1 else f"seeds 0 to {seeds - 1}")
            + (" (* from the rows)" if varied else "") + "; the rest as the training panel.")

    def _parameter_chosen(self, row: int) -> None:
        field = self.parameters[row].currentData()
        self.values[row].setEnabled(bool(field))
        self.values[row].setText(START.get(field, ""))
        # The epochs a row varies are the runs' own: the box would say nothing.
        self.epochs.setEnabled("epochs" not in [c.currentData() for c in self.parameters])

    def _preset_chosen(self, index: int) -> None:
        if index <= 0:
            return
        field, values, epochs = PRESETS[self.preset.itemText(index)]
        rows = [(field, values), *D2L_PINS]
        for combo, line, (name, text) in zip(self.parameters, self.values, rows):
            combo.setCurrentIndex(combo.findData(name))
            line.setText(text)
        self.epochs.setValue(epochs)
        self.preset_chosen.emit(f"{self.preset.itemText(index)}: "
                                + ("each run trains its own epochs" if field == "epochs"
                                   else f"{epochs} epoch{'s' if epochs > 1 else ''} each"
                                   + (" (batch size 1 takes 60,000 steps an epoch)"
                                      if field == "batch_size" else ""))
                                + "; plain SGD at a constant rate, as in d2l (the rows "
                                  "below pin them: clear them for the panel's).")

    def plan(self, base: TrainConfig) -> tuple[list[TrainConfig], list[str]]:
        """The configurations to train (``base`` with each combination of the rows'
        values) and the fields they vary: a row with one value pins it, varying nothing;
        ``seed`` last when there are several.

        Raises
        ------
        ValueError
            (``PlanError``, ``GridError``) in one line: what to change.
        """
        chosen: dict[str, list] = {}
        for combo, line in zip(self.parameters, self.values):
            field = combo.currentData()
            if not field:
                continue
            if field in chosen:
                raise ValueError(f"{PARAMETERS[field].label} is chosen twice")
            chosen[field] = parse_values(field, line.text())
        if not chosen:
            raise ValueError("choose at least one hyper-parameter to vary")
        if self.seeds.value() > 1:
            chosen["seed"] = list(range(self.seeds.value()))
        from softmax_gui.sweep import grid  # imports torch: not before the window shows

        configs = grid(base.replace(epochs=self.epochs.value()), **chosen)
        if len(configs) > MAX_RUNS:
            raise ValueError(f"that is {len(configs):,} runs; the window trains at most "
                             f"{MAX_RUNS} at once (python -m softmax_gui sweep trains more)")
        return configs, [f for f, values in chosen.items() if len(values) > 1] or list(chosen)
