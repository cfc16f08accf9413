"""`fazhi train`'s and `fazhi sweep`'s model options, made from ModelConfig's fields.

Each setting is spelled once, on its field (fazhi.modeling.model): name, default, help,
choices and bounds. A new field is an option of both commands without touching this file.
Only the choices are checked by Click (a usage error that lists them); every other value
is checked by ModelConfig.check, whose ValueError the command turns into one line.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import Field, fields
from enum import Enum
from typing import Annotated, Any, Callable

import typer

from fazhi.cli.common import fail
from fazhi.modeling.model import DEFAULTS, ModelConfig

MODEL_PANEL = "Model settings (defaults: the best configuration of docs/results.md)"


def flag(f: Field, grid: bool = False) -> str:
    """The option's name: `--features`, `--C`, `--section-weight`; in a sweep, `--classifiers`."""
    return (grid and f.metadata["grid_flag"]) or f.metadata["flag"] or "--" + f.name.replace("_", "-")


def _choices(f: Field) -> str:
    return "|".join(map(str, f.metadata["choices"] or ()))


def _bounds(f: Field) -> str:
    if f.metadata["bounds"] is None:
        return ""
    low, high, open_low = f.metadata["bounds"]
    return f" [{low}{'<' if open_low else '≤'}x{'' if high == float('inf') else f'≤{high}'}]"


def _option(f: Field, grid: bool) -> inspect.Parameter:
    default, meta = getattr(DEFAULTS, f.name), f.metadata
    panel = None if meta["main"] else MODEL_PANEL
    if isinstance(default, bool):
        return inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[
            bool, typer.Option(f"{flag(f)}/--no-{flag(f)[2:]}", help=meta["help"], rich_help_panel=panel)])
    if grid and meta["grid"]:
        # A comma-separated list: every value is one axis of the grid.
        values = ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in meta["grid"])
        return inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=values, annotation=Annotated[
            str, typer.Option(flag(f, grid=True), metavar="LIST", rich_help_panel=panel,
                              show_default="all" if meta["choices"] else True,
                              help=f"Comma-separated, each a point of the grid. {meta['help']}"
                                   + (f" [{_choices(f)}]" if meta["choices"] else ""))])
    if meta["choices"]:  # a str Enum: a usage error (exit 2) that lists the choices, as Typer gives
        choice = Enum(f.name, {c: c for c in meta["choices"]}, type=str)
        return inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=choice(default), annotation=Annotated[
            choice, typer.Option(flag(f), metavar="NAME", help=f"{meta['help']} [{_choices(f)}]", rich_help_panel=panel)])
    return inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[
        type(default), typer.Option(flag(f), metavar=type(default).__name__.upper(), help=meta["help"] + _bounds(f),
                                    rich_help_panel=panel)])


def _parse_grid(f: Field, value: str) -> list:
    cast = type(getattr(DEFAULTS, f.name))
    try:
        values = [cast(v.strip()) for v in value.split(",") if v.strip()]
    except ValueError:
        kind = "numbers" if cast in (int, float) else "values"
        raise fail(f"{flag(f, grid=True)} {value!r}: not a comma-separated list of {kind}") from None
    if not values:
        raise fail(f"{flag(f, grid=True)}: an empty list (see --help)")
    return values


def model_options(*, after: str, grid: bool = False) -> Callable:
    """Decorator: one option per ModelConfig field, placed after the parameter `after`.

    The command gets `settings`: {field: value} for `fazhi train`; for `fazhi sweep`
    (`grid=True`), the fields that have a grid (features, classifier, C) as lists.
    """
    def decorate(command: Callable) -> Callable:
        own = [p for name, p in inspect.signature(command, eval_str=True).parameters.items() if name != "settings"]
        cut = [p.name for p in own].index(after) + 1
        options = [_option(f, grid) for f in fields(ModelConfig)]
        given = {f.name: f for f in fields(ModelConfig)}

        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            # Enum members become their names: a config holds plain values (cards, MLflow params).
            settings = {name: getattr(value, "value", value) for name in given for value in [kwargs.pop(name)]}
            if grid:
                settings = {name: _parse_grid(given[name], value) if given[name].metadata["grid"] else value
                            for name, value in settings.items()}
            return command(settings=settings, **kwargs)

        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
        run.__signature__ = inspect.Signature(params[:cut] + options + params[cut:])
        return run

    return decorate
