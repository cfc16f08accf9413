"""`fazhi models`: the saved models under models/, newest first (the work is fazhi.show.catalog.list_models)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fazhi.cli.common import ModelsDirOpt, app


@app.command()
def models(
    output_dir: ModelsDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of objects, one per model (the same keys for each), for scripts.")] = False,
) -> None:
    """List the saved models, newest first: name, date, configuration, CV figures, data hash.

    * marks the champion (what predict and evaluate use by default), L the latest. A
    directory that cannot be loaded is listed as broken (!) with the reason. No models:
    one line, exit 0.
    """
    from fazhi.config import models_dir
    from fazhi.show.catalog import list_models

    output_dir = output_dir or models_dir()
    entries = list_models(output_dir)
    if as_json:
        typer.echo(json.dumps([e.as_json() for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        typer.echo(f"no saved models in {output_dir}: `fazhi train` saves one there")
        return
    from rich.console import Console

    from fazhi.show.terminal import MODELS_LEGEND, models_table

    console = Console(highlight=False)
    console.print(models_table(entries))
    console.print(MODELS_LEGEND, markup=False)
