"""The training panel: every TrainConfig field as a control, remembered between launches."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from softmax_gui.config import SCHEDULES, TrainConfig
from softmax_gui.datasets_registry import known
from softmax_gui.model_registry import MODELS
from softmax_gui.qt.shell import theme

SETTINGS_GROUP = "training"


DEVICE_TIP = ("Where to train. Auto picks a CUDA GPU when PyTorch sees one, except for "
              "softmax regression: its steps are too small for a GPU to pay (10 epochs "
              "took 1.57 s on an H200 and 0.90 s on its CPU), so auto trains it on the "
              "CPU.")

class TrainingPanel(QWidget):
    """Controls for one run; ``config()`` returns the validated :class:`TrainConfig`."""

    dataset_changed = Signal(str)
    changed = Signal()  # any setting

    def __init__(self, parent=None):
        super().__init__(parent)
        d = TrainConfig()
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self._build_fields(d)
        self.list_datasets()  # tooltips, and a list as wide as its names
        # Shown while a deliberately wrong model is chosen: what the mistake does.
        self.mistake = QLabel()
        self.mistake.setWordWrap(True)
        self.mistake.setStyleSheet(theme.error_css())
        # The fields decide the panel's width, not this note (resizeEvent gives it the
        # lines it needs: a wrapped label's height is not counted in a squeezed dock).
        self.mistake.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        for label, widget in (("Dataset", self.dataset), ("Model", self.model),
                              ("Optimizer", self.optimizer), ("Learning rate", self.lr),
                              ("Momentum", self.momentum), ("Batch size", self.batch_size),
                              ("Epochs", self.epochs), ("Weight decay", self.weight_decay),
                              ("LR schedule", self.schedule), ("", self.standardize),
                              ("Seed", self.seed), ("Device", self.device)):
            form.addRow(label, widget)
            if widget is self.model:
                form.addRow(self.mistake)  # the whole width, under the model
        # TrainConfig field -> its control: config() and set_config() both go through it.
        self.fields = {
            "dataset": self.dataset, "model": self.model, "optimizer": self.optimizer,
            "lr": self.lr, "momentum": self.momentum, "batch_size": self.batch_size,
            "epochs": self.epochs, "weight_decay": self.weight_decay,
            "schedule": self.schedule, "standardize": self.standardize, "seed": self.seed,
            "device": self.device,
        }
        for widget in self.fields.values():
            for name in ("valueChanged", "currentIndexChanged", "toggled"):
                if hasattr(widget, name):
                    getattr(widget, name).connect(self.changed)
        self.model.currentIndexChanged.connect(self._sync_optimizer)
        self.dataset.currentIndexChanged.connect(
            lambda: self.dataset_changed.emit(self.dataset.currentData()))
        self._sync_optimizer()

    def _build_fields(self, d: TrainConfig) -> None:
        """One control per setting, with ``d``'s values and what each does."""
        self.dataset = _combo({spec.title: name for name, spec in known().items()},
                              "Which dataset to train and test on. Fashion-MNIST: 70,000 "
                              "28x28 grey images of clothing in 10 classes (d2l §3.5).")
        self.model = _combo({spec.label: name for name, spec in MODELS.items()},
                            "Softmax regression is linear: o = Wx + b, then softmax. "
                            "'Scratch' uses the hand-derived gradient of d2l §3.6, "
                            "'concise' uses nn.Linear, CrossEntropyLoss and torch.optim "
                            "(§3.7). The MLP and CNN are there for comparison.")
        self.optimizer = _combo({"SGD (momentum)": "sgd", "Adam": "adam"},
                                "Minibatch SGD (with momentum below) or Adam. The scratch "
                                "model uses its own hand-written SGD.")
        self.lr = _double(1e-6, 1e6, d.lr, 6, "Learning rate: the step size of each update. "
                          "Too large and the loss explodes (the run stops and says so).")
        self.lr.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.momentum = _double(0.0, 0.999, d.momentum, 3,
                                "SGD momentum: 0 is plain SGD; 0.9 averages recent gradients.")
        self.batch_size = _int(1, 65536, d.batch_size, "Examples per minibatch update.")
        self.epochs = _int(1, 10000, d.epochs, "Full passes over the 60,000 training images.")
        self.weight_decay = _double(0.0, 1.0, d.weight_decay, 6,
                                    "L2 penalty (weight decay) added to the gradient.")
        self.weight_decay.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.schedule = _combo({s: s for s in SCHEDULES},
                               "How the learning rate changes over the run: constant, "
                               "one-cycle (warm up then anneal) or cosine annealing to 0.")
        self.standardize = QCheckBox("Standardise inputs")
        self.standardize.setChecked(d.standardize)
        self.standardize.setToolTip("Subtract the training pixels' mean and divide by their "
                                    "std before the model (folded into exported weights).")
        self.seed = _int(0, 2**31 - 1, d.seed, "Random seed: the same seed and settings "
                         "give the same run on the CPU.")
        self.device = QComboBox()
        self.device.addItem("Auto", "auto")
        self.device.addItem("CPU", "cpu")
        self._wanted_device = d.device  # "cuda" may be chosen before it is listed
        self.device.setToolTip(DEVICE_TIP)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_mistake()

    def _fit_mistake(self) -> None:
        needed = max(self.mistake.heightForWidth(max(self.contentsRect().width() - 20, 50)),
                     0)  # -1 while it has no text
        if needed != self.mistake.minimumHeight():
            self.mistake.setMinimumHeight(needed)

    def _sync_optimizer(self) -> None:
        spec = MODELS[self.model.currentData()]
        self.mistake.setText(spec.mistake)
        self.mistake.setVisible(bool(spec.mistake))
        self._fit_mistake()
        scratch = spec.hand_written_sgd
        if scratch:
            _select(self.optimizer, "sgd")
        self.optimizer.setEnabled(not scratch and self.isEnabled())
        self.device.setToolTip(DEVICE_TIP + (
            f" {spec.label} computes on the CPU whatever is chosen here." if spec.cpu_only
            else ""))

    def config(self) -> TrainConfig:
        """The panel's values as a TrainConfig (raises ValueError if one is invalid)."""
        return TrainConfig(**{name: _get(widget) for name, widget in self.fields.items()})

    def valid_config(self) -> TrainConfig | None:
        """``config()``, or None while a value is invalid."""
        try:
            return self.config()
        except ValueError:
            return None

    def list_datasets(self) -> None:
        """The combo lists the datasets known now (one just made from image folders
        too), keeping the one shown, without asking for one to be loaded."""
        shown = self.dataset.currentData()
        blocked = self.dataset.blockSignals(True)
        self.dataset.clear()
        for name, spec in known().items():
            self.dataset.addItem(spec.title, name)
            self.dataset.setItemData(self.dataset.count() - 1, spec.title,
                                     Qt.ItemDataRole.ToolTipRole)
        # The list opens as wide as its longest name: the closed combo may elide one.
        self.dataset.view().setMinimumWidth(self.dataset.view().sizeHintForColumn(0) + 24)
        _select(self.dataset, shown)
        self.dataset.blockSignals(blocked)

    def show_dataset(self, name: str) -> None:
        """Show dataset ``name`` in its combo without asking for it to be loaded."""
        if self.dataset.findData(name) < 0:
            self.list_datasets()
        blocked = self.dataset.blockSignals(True)
        _select(self.dataset, name)
        self.dataset.blockSignals(blocked)

    def add_cuda_device(self, name: str) -> None:
        """List the CUDA GPU ``name`` (called once torch, loaded after the window shows,
        has found one), selecting it if the remembered settings chose CUDA."""
        if self.device.findData("cuda") < 0:
            self.device.addItem(f"CUDA: {name}", "cuda")
        if self._wanted_device == "cuda":
            _select(self.device, "cuda")

    def set_config(self, config: TrainConfig) -> None:
        """Show ``config``'s values (values a control cannot show are ignored)."""
        self._wanted_device = config.device
        # The dataset combo stays quiet: showing a config must not load a dataset.
        blocked = self.dataset.blockSignals(True)
        for name, widget in self.fields.items():
            _set(widget, getattr(config, name))
        self.dataset.blockSignals(blocked)
        self._sync_optimizer()

    def save_settings(self, settings: QSettings, overrides: dict | None = None) -> None:
        """Remember the panel's values (``overrides`` replace some: a rate that
        exploded is not brought back, qt/shell/last_session.py)."""
        try:
            values = {**self.config().to_dict(), **(overrides or {})}
        except ValueError:
            return
        settings.beginGroup(SETTINGS_GROUP)
        for key, value in values.items():
            settings.setValue(key, value)
        settings.endGroup()

    def restore_settings(self, settings: QSettings) -> None:
        """Restore saved values; anything missing, stale or invalid falls back to defaults."""
        defaults = TrainConfig().to_dict()
        settings.beginGroup(SETTINGS_GROUP)
        values = {}
        for key, default in defaults.items():
            raw = settings.value(key, default)
            try:
                # QSettings' INI backend returns strings; convert back to the field's type.
                if isinstance(default, bool):
                    values[key] = raw if isinstance(raw, bool) else str(raw).lower() == "true"
                else:
                    values[key] = type(default)(raw)
            except (TypeError, ValueError):
                values[key] = default
        settings.endGroup()
        try:
            self.set_config(TrainConfig.from_dict(values))
        except ValueError:
            self.set_config(TrainConfig())


def _combo(items: dict[str, str], tip: str) -> QComboBox:
    combo = QComboBox()
    for label, value in items.items():
        combo.addItem(label, value)
    combo.setToolTip(tip)
    return combo


def _select(combo: QComboBox, value) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


def _get(widget):
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    return widget.value()


def _set(widget, value) -> None:
    if isinstance(widget, QComboBox):
        _select(widget, value)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(value)
    else:
        widget.setValue(value)


def _double(low, high, value, decimals, tip) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _int(low, high, value, tip) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box

