"""The model registry: one entry per model, and what reads from it (no torch needed)."""

import numpy as np
import pytest

from softmax_gui import model_registry as registry
from softmax_gui.config import TrainConfig


def test_every_model_builds_and_is_recognised_from_its_tensor_names():
    for name, spec in registry.MODELS.items():
        model = spec.build(10, init_std=0.01, hidden=32)
        names = set(model.state_dict())
        # Models sharing a layout (scratch and NumPy: W, b; concise and the pitfall:
        # 1.weight, 1.bias) are recognised as the first of them, of the same family.
        found = registry.model_of_state(names)
        assert found.state_names == spec.state_names and found.family == spec.family
        assert found.name == name or list(registry.MODELS).index(found.name) < \
            list(registry.MODELS).index(name)
        assert spec.file_model in registry.MODELS
    with pytest.raises(ValueError, match="match no known model"):
        registry.model_of_state({"weight"})


def test_file_form_renames_the_scratch_model_and_back():
    state = {"W": np.zeros((10, 784)), "b": np.ones(10)}
    file_state = registry.to_file_form("softmax-scratch", state)
    assert set(file_state) == {"1.weight", "1.bias"}
    assert registry.from_file_form("softmax-scratch", file_state).keys() == state.keys()
    assert registry.get_model("softmax-scratch").file_model == "softmax"
    assert registry.to_file_form("mlp", {"1.weight": 1}) == {"1.weight": 1}


def test_templates_follow_the_first_layer():
    w = np.arange(10 * 784, dtype=np.float32).reshape(10, 784)
    classes = registry.first_layer_templates("softmax-scratch", {"W": w, "b": np.zeros(10)})
    assert classes.shape == (10, 28, 28) and np.array_equal(classes[3], w[3].reshape(28, 28))
    units = registry.first_layer_templates("mlp", {"1.weight": np.zeros((256, 784))})
    assert units.shape == (16, 28, 28)
    filters = registry.first_layer_templates("cnn", {"0.weight": np.zeros((6, 1, 5, 5))})
    assert filters.shape == (6, 5, 5)
    assert [registry.get_model(m).templates for m in ("softmax", "mlp", "cnn")] == \
        ["classes", "units", "filters"]


def test_config_takes_its_rules_from_the_registry():
    assert registry.can_continue("softmax", "softmax-scratch")
    assert not registry.can_continue("mlp", "cnn")
    with pytest.raises(ValueError, match="hand-written SGD"):
        TrainConfig(model="softmax-scratch", optimizer="adam")
    with pytest.raises(ValueError, match="model must be one of"):
        TrainConfig(model="resnet")


def test_the_builders_the_registry_names_never_import_it_back():
    """The registry imports each builder by name when a model is built; a builder module
    that imported the registry would make a loop the import graph does not show."""
    import ast
    import importlib

    from softmax_gui.model_registry import MODELS

    for spec in MODELS.values():
        module_name = spec.builder.split(":")[0]
        source = importlib.util.find_spec(module_name).origin
        imported = {node.module for node in ast.walk(ast.parse(open(source).read()))
                    if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(ast.parse(open(source).read()))
                     if isinstance(node, ast.Import) for alias in node.names}
        assert not imported & {"softmax_gui.model_registry", "softmax_gui.models"}, spec.name
