"""`fazhi evaluate`: a trained model's figures on a labeled file (the work is fazhi.modeling.evaluation.evaluate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from fazhi.cli.common import (
    BUNDLED, ExperimentOpt, ForceOpt, ModelOpt, RunNameOpt, UriOpt, VerboseOpt, app, check_output, make_tracker,
    user_errors, verbosity, write_text_output,
)
from fazhi.config import CORPUS_FILE, DEFAULT_EXPERIMENT
from fazhi.errors import OutputError
from fazhi.formats import OUTPUT_FORMATS


@app.command()
def evaluate(
    model: ModelOpt = None,
    data: Annotated[list[Path], typer.Option("--data", metavar="FILE", show_default=BUNDLED, help="CSV, TSV or JSONL with columns text and label (report_id, section, heading optional); repeat to score on several files together. The bundled corpus is what the default model was trained on: its figures are split into seen and unseen sentences.")] = [CORPUS_FILE],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the figures as JSON: macro_f1, accuracy, n, per_label; n_seen (sentences the model was trained on; null if its card does not say) and the same figures on the unseen and the seen sentences (unseen, seen).")] = None,
    errors: Annotated[Optional[Path], typer.Option("--errors", help=f"Write the misclassified sentences, each with the features that pushed it to the wrong label ({'/'.join(OUTPUT_FORMATS)}).", show_default=False)] = None,
    force: ForceOpt = False,
    track: Annotated[bool, typer.Option("--track/--no-track", help="Log an evaluation run to MLflow.")] = True,
    experiment: ExperimentOpt = DEFAULT_EXPERIMENT,
    run_name: RunNameOpt = None,
    tracking_uri: UriOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Score a trained model on a labeled file: per-label P/R/F1, macro-F1, accuracy, confusion.

    Without --model, the champion under the workspace's models/. The MLflow run is named eval-<model>-on-<data file>.
    """
    from fazhi.corpus.dataset import read_labeled_files
    from fazhi.modeling.evaluation import evaluate as run_evaluation
    from fazhi.show.terminal import format_area, format_confusion, format_report
    from fazhi.store.persist import load

    check_output(output, data, force)
    with user_errors():
        if errors is not None:
            from fazhi.formats.writers import check_target

            check_target(errors, {p.resolve() for p in data}, force=force)
            if output is not None and output.resolve() == errors.resolve():
                raise OutputError(f"{errors}: given as both --output and --errors")
        dataset = read_labeled_files(data)
        loaded = load(model, tracking_uri=tracking_uri)
        result = run_evaluation(loaded, dataset)
    typer.echo(f"model {result.model} on {dataset.path}")
    card_data = loaded.card.get("data", {})
    trained_on = {card_data.get("sha256")} | {f.get("sha256") for f in card_data.get("files", [])}
    same_file = dataset.sha256 in trained_on or any(sha in trained_on for _, sha in dataset.files)
    if same_file:
        typer.echo("warning: the model was trained on this very file: these figures say nothing about new reports "
                   "(see `fazhi train`'s grouped cross-validation)", err=True)
    typer.echo(format_report(result.metrics))
    _say_overlap(result, same_file)
    typer.echo("confusion (rows true, columns predicted)")
    typer.echo(format_confusion(result.labels, result.matrix))
    if result.area:
        typer.echo(format_area(result.area))
    if output is not None:
        write_text_output(output, json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n", "the figures as JSON")
    if errors is not None:
        with user_errors():
            _write_errors(errors, result, loaded)
    if track:
        with verbosity(verbose), user_errors():
            typer.echo(f"MLflow run {make_tracker(True, tracking_uri, experiment).log_evaluation(result, run_name)}")


def _say_overlap(result, same_file: bool) -> None:
    """The figures on the sentences the model was not trained on, beside the whole; or why there are none."""
    from fazhi.show.terminal import format_parts

    n = len(result.data)
    if result.seen is None:
        typer.echo(f"note: {result.model} keeps no record of its training sentences (a model from MLflow, or trained "
                   "before fazhi kept one): no figures on unseen sentences; retrain to get them", err=True)
        return
    n_seen = int(result.seen.sum())
    if n_seen == 0:
        typer.echo(f"none of the {n} sentences is one the model was trained on")
        return
    if not same_file:
        typer.echo(f"warning: {n_seen} of the {n} sentences are ones the model was trained on (the same text): "
                   "figures on them say nothing about new reports", err=True)
    if n_seen == n:
        typer.echo(f"no sentence is unseen: the model was trained on all {n}; no figures on unseen sentences")
        return
    typer.echo("figures on the sentences the model was trained on (seen) and on the others (unseen):")
    typer.echo(format_parts({"all": result.metrics, "seen": result.seen_part, "unseen": result.unseen},
                            {"all": n, "seen": n_seen, "unseen": n - n_seen}))


def _write_errors(path: Path, result, loaded) -> None:
    from fazhi.config import CONFIDENCE_COL, EXPLANATION_COL, HEADING_COL, POSITION_COL, REPORT_COL, SECTION_COL, TEXT_COL
    from fazhi.modeling.explain import Explainer
    from fazhi.formats.writers import Column, open_writer

    try:
        explain = Explainer(loaded.pipeline).explain
    except (ValueError, AttributeError, KeyError, TypeError):  # a foreign model: errors without explanations
        explain = None
    rows = result.errors(explain)
    names = [REPORT_COL, POSITION_COL, HEADING_COL, SECTION_COL, TEXT_COL, "true", "predicted"]
    columns = [Column(n, "str") for n in names] + [Column(CONFIDENCE_COL, "float")]
    columns += [Column(EXPLANATION_COL, "str")] if explain else []
    with open_writer(path, columns) as writer:
        writer.write(rows)
    typer.echo(f"{path}: {len(rows)} misclassified sentence(s)", err=True)
