"""`fazhi evaluate`: a trained model's figures on a labeled file (the work is fazhi.evaluation.evaluate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from fazhi.cli.common import ExperimentOpt, ModelOpt, RunNameOpt, UriOpt, app, check_output, user_errors, write_text_output
from fazhi.config import DEFAULT_EXPERIMENT


@app.command()
def evaluate(
    model: ModelOpt = None,
    data: Annotated[Path, typer.Option("--data", help="CSV, TSV or JSONL with columns text and label (report_id, section, heading optional).")] = ...,
    output: Annotated[Optional[Path], typer.Option("--output", help="Write the figures as JSON (macro_f1, accuracy, n, per_label).")] = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="Log an evaluation run to MLflow.")] = True,
    experiment: ExperimentOpt = DEFAULT_EXPERIMENT,
    run_name: RunNameOpt = None,
    tracking_uri: UriOpt = None,
) -> None:
    """Score a trained model on a labeled file: per-label P/R/F1, macro-F1, accuracy, confusion."""
    from fazhi.dataset import read_labeled
    from fazhi.evaluation import evaluate as run_evaluation
    from fazhi.formats.terminal import format_confusion, format_report
    from fazhi.persist import load

    check_output(output, data)
    with user_errors():
        dataset = read_labeled(data)
        result = run_evaluation(load(model, tracking_uri=tracking_uri), dataset)
    typer.echo(f"model {result.model} on {data}")
    typer.echo(format_report(result.metrics))
    typer.echo("confusion (rows true, columns predicted)")
    typer.echo(format_confusion(result.labels, result.matrix))
    if output is not None:
        write_text_output(output, json.dumps(result.metrics, ensure_ascii=False, indent=2) + "\n")
    if track:
        with user_errors():
            from fazhi import tracking

            tracking.connect(tracking_uri, experiment)
            typer.echo(f"MLflow run {tracking.log_evaluation(result, run_name)}")
