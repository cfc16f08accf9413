"""`fazhi train` and `fazhi sweep`: fit and compare models (options and messages; the work is fazhi.modeling.training / fazhi.modeling.sweep)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from fazhi.cli.common import (
    CorpusOpt, ExperimentOpt, ForceOpt, JobsOpt, OldHeadingOpt, OldHeadingWeightOpt, RunNameOpt, SupplementOpt, UriOpt,
    VerboseOpt, app, check_output, deprecated, fail, make_tracker, progress, user_errors, verbosity, write_text_output,
)
from fazhi.cli.settings import model_options
from fazhi.config import CORPUS_FILE, DEFAULT_EXPERIMENT, SUPPLEMENT_FILE
from fazhi.interrupts import Stop
from fazhi.modeling.model import DEFAULTS


# Options few runs change: panels of their own below the main ones, with one-line help
# (the model settings' panel: fazhi.cli.settings).
TRACK_PANEL = "Tracking and runs"


def _config(settings: dict, heading: bool | None = None, heading_weight: float | None = None):
    """The ModelConfig of the options, checked (one line on a bad setting); fazhi 0.1's names still work."""
    if heading_weight is not None:
        deprecated("--heading-weight", "--section-weight")
        settings = {**settings, "section_weight": heading_weight}
    if heading is not None:
        deprecated("--heading/--no-heading", "--section/--no-section")
        settings = {**settings, "section": heading}
    config = DEFAULTS.with_(**settings)
    try:
        config.check()  # the one check of every setting (ModelConfig.check), before any data is read
    except ValueError as exc:
        raise fail(str(exc)) from None
    return config


def _load(data: list[Path], supplement: bool):
    from fazhi.corpus.dataset import read_labeled_files

    with user_errors():
        return read_labeled_files(data, require_groups=True, strict=True, written=[SUPPLEMENT_FILE] if supplement else [])


@app.command()
@model_options(after="supplement")
def train(
    settings: dict,
    data: CorpusOpt = [CORPUS_FILE],
    supplement: SupplementOpt = True,
    heading: OldHeadingOpt = None,
    heading_weight: OldHeadingWeightOpt = None,
    output_dir: Annotated[Optional[Path], typer.Option("--output-dir", show_default=False, help="Models directory (default: models/ in the workspace, see fazhi --help): the model goes to OUTPUT_DIR/<run name>, OUTPUT_DIR/LATEST names it, OUTPUT_DIR/CHAMPION names the model predict and evaluate use.")] = None,
    experiment: Annotated[str, typer.Option("--experiment", rich_help_panel=TRACK_PANEL, help="MLflow experiment name.")] = DEFAULT_EXPERIMENT,
    run_name: Annotated[Optional[str], typer.Option("--run-name", rich_help_panel=TRACK_PANEL, show_default=False, help="MLflow run and model directory name.")] = None,
    tracking_uri: Annotated[Optional[str], typer.Option("--tracking-uri", rich_help_panel=TRACK_PANEL, show_default=False, help="MLflow store (default: MLFLOW_TRACKING_URI, else the workspace's mlflow.db).")] = None,
    track: Annotated[bool, typer.Option("--track/--no-track", rich_help_panel=TRACK_PANEL, help="Log the run to MLflow and register the model.")] = True,
    promote: Annotated[bool, typer.Option("--promote", help="Make this model the champion even if its CV macro-F1 is not better.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", min=1, rich_help_panel=TRACK_PANEL, help="Processes for the CV folds.")] = 1,
    tune: Annotated[bool, typer.Option("--tune", help="Choose features, classifier and C by grouped CV on this data (the sweep grid), nested so that the figure printed for the choice is honest; then train the winner. Costs about (folds + 1) sweeps.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", rich_help_panel=TRACK_PANEL, help="Show MLflow's messages and warnings.")] = False,
) -> None:
    """Cross-validate by report, fit on all data, save under models/, log to MLflow.

    Prints out-of-fold per-label precision/recall/F1, macro-F1 and accuracy next to a majority-class baseline. The fitted pipeline is saved as joblib with a JSON card; with tracking on, it is also logged and registered as `fazhi-sentence`. The champion (models/CHAMPION, what predict and evaluate use by default, and the alias @champion) moves to it only if its CV macro-F1 beats the champion's on the same data.
    """
    from fazhi.modeling.evaluation import n_folds
    from fazhi.modeling.training import kept
    from fazhi.modeling.training import train as run_training

    config = _config(settings, heading, heading_weight)
    result = tracker = None
    try:
        dataset = _load(data, supplement)
        tuned = _tune(dataset, config, jobs) if tune else None
        config = tuned.best if tuned else config
        tuning = {"nested": tuned.nested, "picks": tuned.picks, "configurations": tuned.n_configs} if tuned else None
        with verbosity(verbose), user_errors(), progress("cross-validating", total=n_folds(dataset)) as advance:
            tracker = make_tracker(track, tracking_uri, experiment)
            result = run_training(config, dataset, output_dir=output_dir, run_name=run_name, tracker=tracker,
                                  promote=promote, tuning=tuning, jobs=jobs, on_fold=advance)
        _report(dataset, result)
    except Stop as stop:  # Ctrl-C or SIGTERM: say what is kept (fazhi.interrupts prints it, exit 130/143)
        stop.kept = stop.kept or (kept(result, tracker) if result is not None else "no model was saved")
        raise


def _report(dataset, result) -> None:
    from fazhi.show.terminal import format_area, format_calibration, format_report, format_variants

    written = int(dataset.written.sum()) if dataset.written is not None else 0
    extra = f" + {written} written (training only)" if written else ""
    typer.echo(f"{dataset.path}: {len(dataset) - written} sentences{extra}, {result.cv.n_folds}-fold CV grouped by report "
               f"({result.cv.seconds:.1f} s)")
    typer.echo(format_report(result.cv.metrics, result.cv.baseline))
    typer.echo("\nthe same folds, each test report shown as other reports would show it (docs/results.md):")
    typer.echo(format_variants(result.cv.variants))
    typer.echo(format_calibration(result.cv.calibration()))
    if result.cv.area:
        typer.echo(format_area(result.cv.area))
    if result.mlflow:
        # The registered name and version, as `--model models:/fazhi-sentence/3` takes them
        # (the logged model's own models:/m-… id is MLflow's internal handle).
        from fazhi.config import REGISTERED_MODEL

        champion = "the champion" if result.mlflow["promoted"] else "not the champion"
        typer.echo(f"MLflow run {result.mlflow['run_id']}; model {REGISTERED_MODEL} v{result.mlflow['version']}, {champion}")
        typer.echo(result.mlflow["promotion"])
    typer.echo(f"saved {result.saved}")
    typer.echo(result.champion.message)


def _tune(dataset, config, jobs: int):
    from fazhi.modeling.tuning import describe, n_steps, tune

    with user_errors(), progress("tuning", total=n_steps(dataset)) as advance:
        tuned = tune(dataset, config, jobs=jobs, on_step=advance)
    typer.echo(f"tuned: {describe(tuned.best)} wins the sweep of {tuned.n_configs} configurations "
               f"(macro-F1 {tuned.best_macro_f1:.3f}, optimistic); nested grouped CV of the choice: "
               f"macro-F1 {tuned.nested['macro_f1']:.3f}, accuracy {tuned.nested['accuracy']:.3f}")
    typer.echo(f"outer folds picked: {'; '.join(tuned.picks)}")
    return tuned


@app.command()
@model_options(after="supplement", grid=True)
def sweep(
    settings: dict,
    data: CorpusOpt = [CORPUS_FILE],
    supplement: SupplementOpt = True,
    heading: OldHeadingOpt = None,
    experiment: ExperimentOpt = DEFAULT_EXPERIMENT,
    run_name: RunNameOpt = None,
    tracking_uri: UriOpt = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="Log a parent run with one nested run per configuration.")] = True,
    output: Annotated[Optional[Path], typer.Option("--output", help="Also write the ranked table (Markdown) to this file.")] = None,
    force: ForceOpt = False,
    jobs: JobsOpt = 2,
    verbose: VerboseOpt = False,
) -> None:
    """Grouped CV of every feature set × classifier × C; a ranked table at the end.

    One MLflow parent run (named after the grid) holds a nested run per configuration (named after its settings); the table is logged as an artifact. Prints the parent run's id and the address of the comparison of its runs in `fazhi ui`. Models are not saved: train the best one with `fazhi train`.
    """
    from fazhi.modeling.sweep import grid_configs
    from fazhi.modeling.sweep import sweep as run_sweep

    check_output(output, data, force)
    axes = {name: settings.pop(name) for name in ("feature_set", "classifier", "C")}
    fixed = _config(settings, heading).as_params()
    try:  # every configuration checked by ModelConfig.check, the one check of every setting
        configs = grid_configs(axes["feature_set"], axes["classifier"], axes["C"],
                               **{k: v for k, v in fixed.items() if k not in axes})
    except ValueError as exc:
        raise fail(f"bad grid: {exc}") from None
    dataset = _load(data, supplement)
    command = "fazhi sweep " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["sweep"] else "fazhi sweep"
    try:
        with verbosity(verbose), user_errors(), progress("sweep", total=len(configs)) as advance:
            result = run_sweep(configs, dataset, jobs=jobs, tracker=make_tracker(track, tracking_uri, experiment),
                               run_name=run_name, command=command, on_config=advance)
    except Stop as stop:
        stop.kept = "no table was written" + (
            "; the sweep's MLflow run is marked KILLED (the configurations measured so far are its child runs)" if track else "")
        raise
    typer.echo(result.table)
    if output is not None:
        write_text_output(output, result.table, "the ranked table (Markdown)")
    if result.run_id is not None:
        from fazhi.config import tracking_uri as store
        from fazhi.tracking.ui import compare_url, ui_base

        where = "" if store(tracking_uri).startswith(("http://", "https://")) else " (with `fazhi ui` running)"
        typer.echo(f"MLflow parent run {result.run_id}; its {len(result.rows)} runs side by side{where}:")
        typer.echo(compare_url(ui_base(tracking_uri), [r["run_id"] for r in result.rows], result.experiment_id))
