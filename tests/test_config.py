import pytest

from softmax_gui.config import TrainConfig


def test_defaults_are_valid_and_round_trip():
    config = TrainConfig()
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({**config.to_dict(), "unknown": 1}) == config


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lr", 0.0), ("lr", -1.0), ("lr", float("nan")), ("lr", float("inf")), ("lr", "0.1"),
        ("batch_size", 0), ("batch_size", 2.5), ("batch_size", True), ("epochs", 0),
        ("epochs", 10**6), ("momentum", 1.5), ("weight_decay", -0.1), ("init_std", -1.0),
        ("model", "resnet"), ("optimizer", "rmsprop"), ("schedule", "step"),
        ("device", "tpu"), ("dataset", "cifar10"), ("seed", -1), ("standardize", "yes"),
    ],
)
def test_invalid_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})


def test_scratch_model_only_with_its_own_sgd():
    with pytest.raises(ValueError, match="optimizer must be 'sgd'"):
        TrainConfig(model="softmax-scratch", optimizer="adam")


def test_replace_validates():
    with pytest.raises(ValueError, match="lr"):
        TrainConfig().replace(lr=-3)
    assert TrainConfig().replace(lr=0.5).lr == 0.5
