"""All MLflow code of fazhi: runs for training, sweeps and evaluations; the registry.

Only the train / sweep / evaluate / ui commands import this module (MLflow costs
~1.5 s to import; `fazhi predict` never pays it).

Store: config.tracking_uri() — --tracking-uri, else MLFLOW_TRACKING_URI, else the
project's sqlite:///mlflow.db. A new experiment in a SQLite store gets its artifact
location beside the database (mlruns/), never relative to the working directory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import mlflow
import numpy as np
from mlflow.tracking import MlflowClient

from fazhi.config import CHAMPION_ALIAS, DEFAULT_EXPERIMENT, REGISTERED_MODEL, tracking_uri

CV_METRIC = "cv_macro_f1"  # the figure that decides who is champion
# Classes of ours inside a fitted pipeline, for skops (MLflow's default serialiser).
TRUSTED_TYPES = [
    "features.tokenize.JiebaTokenizer",
    "features.text.SentenceInput",
    "features.text.HeadingVectorizer",
    # scikit-learn's private helpers inside CalibratedClassifierCV (linearsvc, ridge).
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
]
FEATURES_DIR = Path(__file__).resolve().parent.parent / "features"


def setup(uri: str | None = None, experiment: str = DEFAULT_EXPERIMENT) -> str:
    """Point MLflow at the store and experiment; return the experiment id."""
    uri = tracking_uri(uri)
    mlflow.set_tracking_uri(uri)
    existing = mlflow.get_experiment_by_name(experiment)
    if existing is not None:
        exp_id = existing.experiment_id
    else:
        exp_id = mlflow.create_experiment(experiment, artifact_location=artifact_location(uri))
    mlflow.set_experiment(experiment_id=exp_id)
    return exp_id


def artifact_location(uri: str) -> str | None:
    """mlruns/ beside a SQLite file, whatever the working directory; otherwise the
    store's own default (a file store keeps artifacts inside itself, a server decides)."""
    if urlparse(uri).scheme == "sqlite" and uri.startswith("sqlite:///"):
        return (Path(uri[len("sqlite:///") :]).resolve().parent / "mlruns").as_uri()
    return None


def flat_params(prefix: str, params: dict[str, Any]) -> dict[str, str]:
    """MLflow params: str values of at most 6000 characters."""
    return {f"{prefix}{k}": str(v)[:6000] for k, v in params.items()}


def pipeline_params(pipeline) -> dict[str, Any]:
    """Every leaf hyper-parameter of a pipeline (estimators themselves are skipped)."""
    out = {}
    for k, v in pipeline.get_params(deep=True).items():
        if hasattr(v, "get_params") or isinstance(v, (list, tuple)) and k.endswith(("steps", "transformers")):
            continue
        out[f"pipeline.{k}"] = v
    return out


def metric_dict(prefix: str, metrics: dict[str, Any]) -> dict[str, float]:
    """macro_f1, accuracy and per-label precision/recall/F1 as flat MLflow metrics.

    One metric per label and figure (cv_f1_不足 …), so the UI can chart and compare each.
    """
    out = {f"{prefix}macro_f1": metrics["macro_f1"], f"{prefix}accuracy": metrics["accuracy"]}
    for lab, s in metrics["per_label"].items():
        for key in ("precision", "recall", "f1"):
            out[f"{prefix}{key}_{lab}"] = s[key]
    return out


def log_json(obj: Any, name: str) -> None:
    mlflow.log_text(json.dumps(obj, ensure_ascii=False, indent=2), name)


def log_confusion(labels: list[str], matrix: np.ndarray, prefix: str = "") -> None:
    """Confusion matrix as CSV (label names) and PNG (rows true, columns predicted)."""
    buf = io.StringIO()
    buf.write("true\\predicted," + ",".join(labels) + "\n")
    for lab, row in zip(labels, matrix):
        buf.write(lab + "," + ",".join(str(int(v)) for v in row) + "\n")
    mlflow.log_text(buf.getvalue(), f"{prefix}confusion_matrix.csv")
    mlflow.log_figure(confusion_figure(labels, matrix), f"{prefix}confusion_matrix.png")


def confusion_figure(labels: list[str], matrix: np.ndarray):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = _plot_names(labels)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    vmax = matrix.max() if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center", color="white" if matrix[i, j] > vmax / 2 else "black")
    fig.tight_layout()
    plt.close(fig)
    return fig


def _plot_names(labels: list[str]) -> list[str]:
    """Label names if a CJK font is installed; else "1 … n" in confusion_matrix.csv's order."""
    from matplotlib import font_manager, rcParams

    cjk = [f.name for f in font_manager.fontManager.ttflist if any(k in f.name for k in ("CJK", "WenQuanYi", "Hei", "Song"))]
    if cjk:
        rcParams["font.sans-serif"] = [cjk[0], *rcParams["font.sans-serif"]]
        return list(labels)
    return [f"{i + 1}" for i in range(len(labels))]


def log_rows_csv(rows: list[dict[str, Any]], name: str, columns: list[str]) -> None:
    import csv

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    mlflow.log_text("\ufeff" + buf.getvalue(), name)  # BOM: opens right in a spreadsheet


def input_example(texts: list[tuple[str, str]]):
    """A DataFrame example (text, section) → a column signature (a list example gives no usable signature)."""
    import pandas as pd

    from fazhi.config import SECTION_COL, TEXT_COL

    return pd.DataFrame({TEXT_COL: [t for t, _ in texts], SECTION_COL: [s for _, s in texts]})


def signature():
    """text (required), section or heading (optional) in; one label string per row out."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    from fazhi.config import HEADING_COL, SECTION_COL, TEXT_COL

    return ModelSignature(
        inputs=Schema(
            [
                ColSpec("string", TEXT_COL),
                ColSpec("string", SECTION_COL, required=False),
                ColSpec("string", HEADING_COL, required=False),
            ]
        ),
        outputs=Schema([ColSpec("string")]),
    )


def log_model(pipeline, example: list[tuple[str, str]], register: bool = True):
    """Log the fitted pipeline (skops) with signature and example; register it."""
    import mlflow.sklearn

    return mlflow.sklearn.log_model(
        pipeline,
        name="model",
        signature=signature(),
        input_example=input_example(example),
        registered_model_name=REGISTERED_MODEL if register else None,
        skops_trusted_types=TRUSTED_TYPES,
        code_paths=[str(FEATURES_DIR)],
    )


def champion_score(client: MlflowClient) -> tuple[str | None, float | None]:
    """(version, cv_macro_f1) of the current champion, or (None, None)."""
    try:
        mv = client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    except mlflow.exceptions.MlflowException:
        return None, None
    if not mv.run_id:
        return mv.version, None
    return mv.version, client.get_run(mv.run_id).data.metrics.get(CV_METRIC)


def maybe_promote(version: str, score: float, promote: bool = False) -> tuple[bool, str]:
    """Move the champion alias to `version` if it beats the champion (or promote)."""
    client = MlflowClient()
    old_version, old_score = champion_score(client)
    if promote or old_version is None or old_score is None or score > old_score:
        client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, version)
        why = "forced by --promote" if promote else (
            "first model" if old_version is None else f"{score:.4f} > {old_score:.4f} of version {old_version}"
        )
        return True, f"version {version} is now @{CHAMPION_ALIAS} ({why})"
    return False, f"@{CHAMPION_ALIAS} stays version {old_version} ({old_score:.4f} >= {score:.4f})"


def package_versions() -> dict[str, str]:
    from fazhi.persist import package_versions as base

    out = base()
    out["mlflow"] = mlflow.__version__
    return out


def log_training(
    *,
    pipeline,
    config_params: dict[str, Any],
    data,
    cv,
    top_terms: dict[str, list[tuple[str, float]]],
    fit_seconds: float,
    run_name: str | None,
    promote: bool = False,
    nested: bool = False,
    log_the_model: bool = True,
) -> dict[str, Any]:
    """One training run: params, metrics, artifacts, model; returns ids and promotion."""
    from fazhi.evaluation import confusion, errors, format_confusion, format_report

    with mlflow.start_run(run_name=run_name, nested=nested) as run:
        mlflow.set_tag("fazhi.kind", "train")
        params = {
            **config_params,
            "data_file": data.path,
            "data_sha256": data.sha256,
            "n_rows": len(data),
            "n_reports": len(set(data.groups)) if data.groups is not None else 0,
            **{f"n_label.{k}": v for k, v in data.label_counts().items()},
            "cv": f"grouped by report, {cv.n_folds} folds",
            **{f"version.{k}": v for k, v in package_versions().items()},
            **pipeline_params(pipeline),
        }
        mlflow.log_params(flat_params("", params))
        metrics = {
            **metric_dict("cv_", cv.metrics),
            **metric_dict("baseline_", cv.baseline),
            "cv_seconds": cv.seconds,
            "fit_seconds": fit_seconds,
        }
        mlflow.log_metrics(metrics)
        labels, matrix = confusion(cv.y_true, cv.y_pred)
        log_confusion(labels, matrix)
        report = (
            f"grouped cross-validation ({cv.n_folds} folds by report), out-of-fold predictions\n\n"
            + format_report(cv.metrics, cv.baseline)
            + "\n\nconfusion (rows true, columns predicted)\n"
            + format_confusion(labels, matrix)
            + "\n"
        )
        mlflow.log_text(report, "classification_report.txt")
        log_json({"cv": cv.metrics, "baseline": cv.baseline}, "metrics.json")
        err = errors(cv, data)
        log_rows_csv(err, "oof_errors.csv", ["report_id", "position", "heading", "text", "true", "predicted", "probability", "p_true"])
        log_json({lab: [[t, round(w, 4)] for t, w in terms] for lab, terms in top_terms.items()}, "top_terms.json")
        result: dict[str, Any] = {"run_id": run.info.run_id, "experiment_id": run.info.experiment_id}
        if log_the_model:
            example = [tuple(x) for x in data.X[:3]]
            info = log_model(pipeline, example)
            version = str(info.registered_model_version)
            promoted, message = maybe_promote(version, cv.metrics["macro_f1"], promote)
            mlflow.set_tag("fazhi.champion", str(promoted).lower())
            result.update(model_uri=info.model_uri, version=version, promoted=promoted, promotion=message)
    return result


@contextlib.contextmanager
def sweep_run(run_name: str | None, grid: dict[str, Any], data) -> Iterator[str]:
    """The parent run of a sweep; children are started with nested=True inside it."""
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.set_tag("fazhi.kind", "sweep")
        mlflow.log_params({**flat_params("grid.", grid), "data_file": data.path, "data_sha256": data.sha256, "n_rows": len(data)})
        yield run.info.run_id


def log_sweep_child(config_params: dict[str, Any], cv) -> str:
    with mlflow.start_run(run_name=_child_name(config_params), nested=True) as run:
        mlflow.set_tag("fazhi.kind", "sweep-config")
        mlflow.log_params(flat_params("", config_params))
        mlflow.log_metrics({**metric_dict("cv_", cv.metrics), **metric_dict("baseline_", cv.baseline), "cv_seconds": cv.seconds})
        return run.info.run_id


def _child_name(p: dict[str, Any]) -> str:
    return f"{p['feature_set']}-{p['classifier']}-C{p['C']:g}" + ("-heading" if p.get("heading") else "")


def log_sweep_summary(table_md: str, rows: list[dict[str, Any]], best: dict[str, Any]) -> None:
    mlflow.log_text(table_md, "sweep_results.md")
    log_json(rows, "sweep_results.json")
    mlflow.log_metric("best_cv_macro_f1", best["macro_f1"])
    mlflow.set_tag("fazhi.best", _child_name(best))


def log_evaluation(*, model_source: str, data, metrics: dict[str, Any], labels, matrix, run_name: str | None) -> str:
    """An evaluation run: model source, data hash, the scores, confusion matrix."""
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.set_tag("fazhi.kind", "evaluate")
        mlflow.log_params(
            flat_params("", {"model": model_source, "data_file": data.path, "data_sha256": data.sha256, "n_rows": len(data)})
        )
        mlflow.log_metrics(metric_dict("eval_", metrics))
        log_json(metrics, "metrics.json")
        log_confusion(labels, matrix)
        return run.info.run_id


def ui_command(uri: str | None, host: str, port: int) -> tuple[list[str], dict[str, str]]:
    """The `mlflow ui` command line for the project's store, and its environment."""
    import shutil
    import sys

    uri = tracking_uri(uri)
    exe = shutil.which("mlflow") or str(Path(sys.executable).with_name("mlflow"))
    cmd = [exe, "ui", "--backend-store-uri", uri, "--host", host, "--port", str(port), "--workers", "1"]
    loc = artifact_location(uri)
    if loc:
        cmd += ["--default-artifact-root", loc]
    env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    return cmd, env
