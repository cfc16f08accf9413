"""fazhi.cli.settings: every ModelConfig field is an option of `fazhi train` and `fazhi sweep`, spelled once."""

import json
from dataclasses import fields

import typer
from typer.main import get_command
from typer.testing import CliRunner

from fazhi.cli import app
from fazhi.cli.settings import flag, model_options
from fazhi.modeling.model import DEFAULTS, ModelConfig

runner = CliRunner()


def _options(command: str) -> set[str]:
    return {name for p in get_command(app).commands[command].params for name in p.opts}


def test_every_field_of_the_model_config_is_an_option_of_train_and_sweep():
    train, sweep = _options("train"), _options("sweep")
    for f in fields(ModelConfig):
        assert flag(f) in train, f.name
        assert flag(f, grid=True) in sweep, f.name
    assert {"--features", "--C", "--section-dropout", "--nfkc", "--area"} <= train
    assert "--classifiers" in sweep and "--classifier" not in sweep  # a sweep's axis is a list


def _echo_app(grid: bool) -> typer.Typer:
    """A one-command app whose command prints the settings it was handed, as train and sweep get them."""
    echo = typer.Typer()

    @echo.command()
    @model_options(after="name", grid=grid)
    def show(settings: dict, name: str = "x", loud: bool = False) -> None:
        typer.echo(json.dumps({"settings": settings, "name": name, "loud": loud}, ensure_ascii=False))

    return echo


def test_the_options_hand_the_command_plain_values_of_every_field():
    result = runner.invoke(_echo_app(grid=False), ["--features", "chars", "--C", "3", "--no-area",
                                                  "--section-dropout", "0.1", "--name", "run", "--loud"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["name"] == "run" and shown["loud"] is True  # the command's own options are left as they were
    settings = shown["settings"]
    assert set(settings) == {f.name for f in fields(ModelConfig)}
    assert settings["feature_set"] == "chars" and type(settings["feature_set"]) is str  # not an Enum member
    assert settings["C"] == 3.0 and settings["area"] is False and settings["section_dropout"] == 0.1
    assert DEFAULTS.with_(**settings) == DEFAULTS.with_(feature_set="chars", C=3.0, area=False, section_dropout=0.1)


def test_a_sweep_gets_a_list_for_each_axis_of_its_grid_and_one_value_for_the_rest():
    result = runner.invoke(_echo_app(grid=True), ["--classifiers", "sgd, ridge", "--C", "1,30", "--no-section"])
    assert result.exit_code == 0, result.output
    settings = json.loads(result.output)["settings"]
    assert settings["classifier"] == ["sgd", "ridge"] and settings["C"] == [1.0, 30.0]
    assert settings["feature_set"] == ["words", "chars", "both"]  # every feature set by default
    assert settings["section"] is False and settings["cue_weight"] == DEFAULTS.cue_weight


def test_a_choice_outside_the_fields_choices_is_a_usage_error_that_lists_them():
    result = runner.invoke(_echo_app(grid=False), ["--classifier", "svm"])
    assert result.exit_code == 2 and "complementnb" in result.output


def test_a_grid_that_is_not_a_list_of_numbers_is_one_line():
    result = runner.invoke(_echo_app(grid=True), ["--C", "1,a"])
    assert result.exit_code == 1 and result.output.strip() == "error: --C '1,a': not a comma-separated list of numbers"
