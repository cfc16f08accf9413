"""`fazhi train`, `fazhi sweep`, `fazhi evaluate`, `fazhi ui`: fit, compare, measure, browse.

scikit-learn, jieba and MLflow are imported inside the commands, so other commands
(and `--help`) start fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from fazhi.cli import app, fail
from fazhi.config import CORPUS_FILE, DEFAULT_EXPERIMENT, MODELS_DIR
from fazhi.model import C_MEANING, CLASS_WEIGHTS, CLASSIFIERS, DEFAULT_CS, DEFAULTS, FEATURE_SETS

# Choices as str Enums, so --help lists them and Typer rejects anything else.
FeatureSet = Enum("FeatureSet", {n: n for n in FEATURE_SETS}, type=str)
Classifier = Enum("Classifier", {n: n for n in CLASSIFIERS}, type=str)
ClassWeight = Enum("ClassWeight", {n: n for n in CLASS_WEIGHTS}, type=str)

_C_HELP = "Inverse regularisation strength: " + "; ".join(f"{k}: {v}" for k, v in C_MEANING.items()) + "."
_URI_HELP = "MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db in the project)."

DataOpt = Annotated[
    Path, typer.Option("--data", help="Labeled CSV/TSV/JSONL: text, label, report_id (for grouped CV); section or heading if known.")
]
UriOpt = Annotated[Optional[str], typer.Option("--tracking-uri", help=_URI_HELP)]
ExperimentOpt = Annotated[str, typer.Option("--experiment", help="MLflow experiment name.")]
RunNameOpt = Annotated[Optional[str], typer.Option("--run-name", help="MLflow run name.")]
JobsOpt = Annotated[int, typer.Option("--jobs", min=1, help="Processes for cross-validation folds / sweep configurations.")]


def _quiet_mlflow() -> None:
    """MLflow, as a command-line user wants it: no INFO clutter, no minutes of retries.

    Its INFO lines (creating tables, registering) would drown our one-line output, and
    by default it retries an unreachable server for about four minutes. The user's own
    environment settings win.
    """
    import logging
    import os

    for name, value in (
        ("MLFLOW_LOGGING_LEVEL", "WARNING"),  # read when mlflow is imported
        ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2"),
        ("MLFLOW_HTTP_REQUEST_TIMEOUT", "20"),
    ):
        os.environ.setdefault(name, value)
    logging.getLogger("mlflow").setLevel(os.environ["MLFLOW_LOGGING_LEVEL"])  # if already imported


def _check_output(output: Path | None, data: Path) -> None:
    """Before any work: --output must be writable and never the --data file it is computed
    from. An earlier report or metrics file is replaced, as a rerun expects."""
    from fazhi.output import OutputError, check_target

    if output is not None:
        try:
            check_target(output, {data.resolve()}, force=True, formats=())
        except OutputError as exc:
            raise fail(str(exc)) from None


@contextlib.contextmanager
def progress(description: str, total: int) -> Iterator[Callable[[], None]]:
    """A rich progress bar on a terminal (stderr); a no-op when not a TTY."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


def _load_training_data(data: Path):
    from fazhi.corpus import CorpusError
    from fazhi.evaluation import read_labeled

    try:
        return read_labeled(data, require_groups=True, strict=True)
    except CorpusError as exc:
        raise fail(str(exc)) from None


def _setup_tracking(uri: str | None, experiment: str):
    try:
        from fazhi import tracking

        tracking.setup(uri, experiment)
        return tracking
    except Exception as exc:  # a bad URI or an unreachable server: many exception types
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "Max retries exceeded" in why or "Failed to establish" in why:
            why = "cannot reach the tracking server (is it running?)"
        raise fail(f"MLflow store {uri or ''}: {why}") from None


@app.command()
def train(
    data: DataOpt = CORPUS_FILE,
    features: Annotated[FeatureSet, typer.Option("--features", help="TF-IDF feature set: jieba words (1–2 grams), chars (1–3 grams) or both.")] = FeatureSet(DEFAULTS.feature_set),
    classifier: Annotated[Classifier, typer.Option("--classifier", help="Linear classifier (all give probabilities).")] = Classifier(DEFAULTS.classifier),
    C: Annotated[float, typer.Option("--C", help=_C_HELP)] = DEFAULTS.C,
    class_weight: Annotated[ClassWeight, typer.Option("--class-weight", help="balanced: weight labels inversely to their frequency.")] = ClassWeight(DEFAULTS.class_weight),
    heading: Annotated[bool, typer.Option("--heading/--no-heading", help="Add the sentence's section (the headings it stands under; else its heading) as its own TF-IDF block.")] = DEFAULTS.heading,
    heading_weight: Annotated[float, typer.Option("--heading-weight", min=0.0, help="Weight of the heading/section block.")] = DEFAULTS.heading_weight,
    user_dict: Annotated[bool, typer.Option("--user-dict/--no-user-dict", help="Keep the domain terms of data/userdict.txt whole (words features).")] = DEFAULTS.user_dict,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the classifier.")] = DEFAULTS.seed,
    output_dir: Annotated[Path, typer.Option("--output-dir", help="Models directory: the model goes to OUTPUT_DIR/<run name>, OUTPUT_DIR/LATEST names it.")] = MODELS_DIR,
    experiment: ExperimentOpt = DEFAULT_EXPERIMENT,
    run_name: RunNameOpt = None,
    tracking_uri: UriOpt = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="Log the run to MLflow and register the model.")] = True,
    promote: Annotated[bool, typer.Option("--promote", help="Make this version @champion even if its CV macro-F1 is not better.")] = False,
    jobs: JobsOpt = 1,
) -> None:
    """Cross-validate by report, fit on all data, save under models/, log to MLflow.

    Prints out-of-fold per-label precision/recall/F1, macro-F1 and accuracy next to a majority-class baseline. The fitted pipeline is saved as joblib with a JSON card; with tracking on, it is also logged and registered as `fazhi-sentence`, and the alias @champion moves to it only if its CV macro-F1 beats the champion's.
    """
    _quiet_mlflow()
    import time

    from fazhi import persist
    from fazhi.evaluation import cross_validate, format_report
    from fazhi.model import build_pipeline, top_terms

    if not C > 0:
        raise fail(f"--C must be positive, got {C}")
    if run_name and (output_dir / _safe(run_name)).exists():
        raise fail(f"{output_dir / _safe(run_name)}: exists; choose another --run-name")
    dataset = _load_training_data(data)
    config = DEFAULTS.with_(
        feature_set=features.value, classifier=classifier.value, C=C, class_weight=class_weight.value,
        heading=heading, heading_weight=heading_weight, user_dict=user_dict, seed=seed,
    )
    tracking = _setup_tracking(tracking_uri, experiment) if track else None
    pipeline = build_pipeline(config)
    try:
        from fazhi.evaluation import folds

        with progress("cross-validating", total=folds(dataset.groups).get_n_splits(groups=dataset.groups)) as advance:
            cv = cross_validate(pipeline, dataset, n_jobs=jobs, on_fold=advance)
        start = time.perf_counter()
        pipeline.fit(dataset.X, dataset.y)
        fit_seconds = time.perf_counter() - start
    except ValueError as exc:  # e.g. a single label in the data
        raise fail(f"{data}: cannot train: {exc}".splitlines()[0]) from None
    typer.echo(f"{data}: {len(dataset)} sentences, {cv.n_folds}-fold CV grouped by report ({cv.seconds:.1f} s)")
    typer.echo(format_report(cv.metrics, cv.baseline))

    name = run_name or f"{config.feature_set}-{config.classifier}-{datetime.now():%Y%m%d-%H%M%S}"
    card = {
        "config": config.as_params(),
        "metrics": {"cv": cv.metrics, "baseline": cv.baseline},
        "data": {"file": str(data), "sha256": dataset.sha256, "rows": len(dataset), "labels": dataset.label_counts()},
        "fit_seconds": round(fit_seconds, 3),
    }
    # Save first: a failing MLflow store must not cost the fitted model.
    try:
        saved = persist.save(pipeline, output_dir / _safe(name), card, models_dir=output_dir)
    except OSError as exc:
        raise fail(f"{output_dir}: cannot save the model ({exc.strerror or exc})") from None
    if tracking is not None:
        try:
            result = tracking.log_training(
                pipeline=pipeline, config_params=config.as_params(), data=dataset, cv=cv,
                top_terms=top_terms(pipeline), fit_seconds=fit_seconds, run_name=name, promote=promote,
            )
        except Exception as exc:  # MLflow raises many types (store, registry, serialisation)
            raise fail(f"model saved in {saved}, but MLflow logging failed: {type(exc).__name__}: {exc}".splitlines()[0]) from None
        persist.add_to_card(saved, {"mlflow": {k: result.get(k) for k in ("run_id", "model_uri", "version")}})
        typer.echo(f"MLflow run {result['run_id']}; model {result['model_uri']}")
        typer.echo(result["promotion"])
    typer.echo(f"saved {saved}")


@contextlib.contextmanager
def _env(name: str, value: str | None) -> Iterator[None]:
    """Set an environment variable for the duration of a block (if value is given)."""
    import os

    old = os.environ.get(name)
    if value:
        os.environ[name] = value
    try:
        yield
    finally:
        if value:
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _safe(name: str) -> str:
    """A run name as a directory name under models/: no separators, no leading dot."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).lstrip(".") or "model"


def _split(value: str, cast=str) -> list:
    return [cast(v.strip()) for v in value.split(",") if v.strip()]


@app.command()
def sweep(
    data: DataOpt = CORPUS_FILE,
    features: Annotated[str, typer.Option("--features", help=f"Comma-separated feature sets ({', '.join(FEATURE_SETS)}).")] = ",".join(FEATURE_SETS),
    classifiers: Annotated[str, typer.Option("--classifiers", help=f"Comma-separated classifiers ({', '.join(CLASSIFIERS)}).")] = ",".join(CLASSIFIERS),
    Cs: Annotated[str, typer.Option("--C", help="Comma-separated C values. " + _C_HELP)] = ",".join(f"{c:g}" for c in DEFAULT_CS),
    class_weight: Annotated[ClassWeight, typer.Option("--class-weight", help="Class weighting for every configuration.")] = ClassWeight(DEFAULTS.class_weight),
    heading: Annotated[bool, typer.Option("--heading/--no-heading", help="Heading block in every configuration.")] = DEFAULTS.heading,
    experiment: ExperimentOpt = DEFAULT_EXPERIMENT,
    run_name: RunNameOpt = None,
    tracking_uri: UriOpt = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="Log a parent run with one nested run per configuration.")] = True,
    output: Annotated[Optional[Path], typer.Option("--output", help="Also write the ranked table (Markdown) to this file.")] = None,
    jobs: JobsOpt = 2,
) -> None:
    """Grouped CV of every feature set × classifier × C; a ranked table at the end.

    One MLflow parent run holds a nested run per configuration; the table is logged as an artifact. Models are not saved: train the best one with `fazhi train`.
    """
    _quiet_mlflow()
    _check_output(output, data)
    from fazhi.sweep import grid_configs, ranked_table, run_grid

    try:
        feats, clfs, cvals = _split(features), _split(classifiers), _split(Cs, float)
    except ValueError:
        raise fail(f"--C {Cs!r}: not a comma-separated list of numbers") from None
    bad = [f for f in feats if f not in FEATURE_SETS] + [c for c in clfs if c not in CLASSIFIERS]
    if bad or not (feats and clfs and cvals) or any(c <= 0 for c in cvals):
        raise fail(f"bad grid: {', '.join(bad) or 'empty list or C <= 0'} (see --help)")
    dataset = _load_training_data(data)
    configs = grid_configs(feats, clfs, cvals, class_weight=class_weight.value, heading=heading)
    tracking = _setup_tracking(tracking_uri, experiment) if track else None
    grid = {"features": feats, "classifiers": clfs, "C": cvals, "class_weight": class_weight.value, "heading": heading}
    command = "fazhi sweep " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["sweep"] else "fazhi sweep"
    with contextlib.ExitStack() as stack:
        log_child = None
        if tracking is not None:
            stack.enter_context(tracking.sweep_run(run_name, grid, dataset))
            log_child = tracking.log_sweep_child
        with progress("sweep", total=len(configs)) as advance:
            rows, baseline = run_grid(configs, dataset, jobs=jobs, on_config=advance, log_child=log_child)
        table = ranked_table(rows, baseline, dataset, command)
        if tracking is not None:
            tracking.log_sweep_summary(table, rows, rows[0])  # inside the parent run
    typer.echo(table)
    if output is not None:
        from fazhi.corpus import write_atomic

        try:
            write_atomic(output, table.encode("utf-8"))
        except OSError as exc:
            raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None


@app.command()
def evaluate(
    model: Annotated[Optional[str], typer.Option("--model", help="A models/ directory, a joblib file, or an MLflow URI (models:/fazhi-sentence@champion, runs:/…). Default: the model `fazhi train` saved last.")] = None,
    data: Annotated[Path, typer.Option("--data", help="CSV, TSV or JSONL with columns text and label (report_id optional).")] = ...,
    output: Annotated[Optional[Path], typer.Option("--output", help="Write the figures as JSON (macro_f1, accuracy, n, per_label).")] = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="Log an evaluation run to MLflow.")] = True,
    experiment: ExperimentOpt = DEFAULT_EXPERIMENT,
    run_name: RunNameOpt = None,
    tracking_uri: UriOpt = None,
) -> None:
    """Score a trained model on a labeled file: per-label P/R/F1, macro-F1, accuracy, confusion."""
    _quiet_mlflow()
    _check_output(output, data)
    import json

    from fazhi.corpus import CorpusError, write_atomic
    from fazhi.evaluation import confusion, format_confusion, format_report, read_labeled, scores
    from fazhi.persist import ModelError, load

    try:
        dataset = read_labeled(data)
    except CorpusError as exc:
        raise fail(str(exc)) from None
    try:
        with _env("MLFLOW_TRACKING_URI", tracking_uri):  # an MLflow model URI is looked up in this store
            loaded = load(model)
    except ModelError as exc:
        raise fail(str(exc)) from None
    unknown = sorted(set(map(str, dataset.y)) - set(loaded.labels))
    if unknown:
        raise fail(f"{data}: label(s) {', '.join(unknown)} not known to the model (it knows {' '.join(loaded.labels)})")
    try:
        predicted = loaded.pipeline.predict(dataset.X)
    except Exception as exc:  # a foreign pipeline that does not take (text, heading)
        raise fail(f"{loaded.source}: cannot predict ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    metrics = scores(dataset.y, [str(p) for p in predicted])
    labels, matrix = confusion(dataset.y, [str(p) for p in predicted])
    typer.echo(f"model {loaded.source} on {data}")
    typer.echo(format_report(metrics))
    typer.echo("confusion (rows true, columns predicted)")
    typer.echo(format_confusion(labels, matrix))
    if output is not None:
        try:
            write_atomic(output, (json.dumps(metrics, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        except OSError as exc:
            raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    if track:
        tracking = _setup_tracking(tracking_uri, experiment)
        run_id = tracking.log_evaluation(
            model_source=loaded.source, data=dataset, metrics=metrics, labels=labels, matrix=matrix, run_name=run_name
        )
        typer.echo(f"MLflow run {run_id}")


@app.command()
def ui(
    tracking_uri: UriOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 5000,
) -> None:
    """Start the MLflow UI on the project's store and print its address (Ctrl-C stops it)."""
    import os
    import signal
    import socket
    import subprocess

    from fazhi.tracking import ui_command

    with socket.socket() as probe:  # fail in one line now, not in uvicorn's log later
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port") from None
    cmd, env = ui_command(tracking_uri, host, port)
    try:
        # Its own session: Ctrl-C reaches only us, and we stop the server cleanly
        # instead of letting it print its workers' tracebacks.
        server = subprocess.Popen(cmd, env=env, start_new_session=True)
    except OSError as exc:
        raise fail(f"cannot start mlflow ui: {exc}") from None
    stopped = []  # by SIGTERM or Ctrl-C: a normal end, not the server's failure

    def stop(*_: object) -> None:
        stopped.append(True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # the server and its workers

    signal.signal(signal.SIGTERM, stop)
    typer.echo(f"MLflow UI on http://{host}:{port}  (store {cmd[cmd.index('--backend-store-uri') + 1]}; Ctrl-C stops it)")
    try:
        code = server.wait()
    except KeyboardInterrupt:
        stop()
        code = server.wait()
    if code and not stopped:
        raise fail(f"mlflow ui exited with code {code}", code)
