"""The tracker: one MLflow store and experiment, handed to training, sweeps and evaluation.

`Tracker(uri, experiment)` is built by the CLI from --tracking-uri and --experiment (no
tracker for --no-track) and handed to fazhi.modeling, as spaCy hands its loggers to the
training loop: modeling never imports MLflow. The tracker is the only place that points
MLflow at a store. Only tracked commands import this module (MLflow costs ~1.5 s).

Store: config.tracking_uri() — --tracking-uri, else MLFLOW_TRACKING_URI, else the
project's sqlite:///mlflow.db. A new experiment in a SQLite store gets its artifact
location beside the database (mlruns/), never relative to the working directory.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from fazhi.mlflowlib import mlflow, point_at, quiet
import numpy as np

from fazhi.config import DEFAULT_EXPERIMENT, tracking_uri
from fazhi.errors import TrackingError
from fazhi.tracking.runs import check_store, end_abandoned, store_lock, tracked_run
from fazhi.tracking.registry import log_model, maybe_promote
from fazhi.tracking.names import child_name, evaluation_name, sweep_name

if TYPE_CHECKING:
    from fazhi.modeling.evaluation import CVResult, Evaluation
    from fazhi.modeling.training import TrainResult


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


def cv_metrics(cv: CVResult) -> dict[str, float]:
    """Grouped CV, its variants (cv_sentence_only_*, cv_style_shift_*), calibration, baseline."""
    out = {**metric_dict("cv_", cv.metrics), **metric_dict("baseline_", cv.baseline), "cv_seconds": cv.seconds}
    for name, figures in cv.variants.items():
        out.update(metric_dict(f"cv_{name}_", figures))
    calibration = cv.calibration()
    out.update({f"cv_{k}": v for k, v in calibration.items() if k != "bins"})
    if cv.area:  # the area of the 不足 sentences (features.area), as the dev scorer counts it
        out["cv_area_accuracy"] = cv.area["accuracy"]
        out.update({f"cv_area_f1_{a}": s["f1"] for a, s in cv.area["per_area"].items() if s["support"]})
    return out


def log_json(obj: Any, name: str) -> None:
    mlflow.log_text(json.dumps(obj, ensure_ascii=False, indent=2), name)


def log_rows_csv(rows: list[dict[str, Any]], name: str, columns: list[str]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    mlflow.log_text("\ufeff" + buf.getvalue(), name)  # BOM: opens right in a spreadsheet


def log_confusion(labels: list[str], matrix: np.ndarray) -> None:
    """Confusion matrix as CSV (label names) and PNG (rows true, columns predicted)."""
    from fazhi.show.plots import confusion_figure

    rows = [{"true\\predicted": lab, **{p: int(v) for p, v in zip(labels, row)}} for lab, row in zip(labels, matrix)]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["true\\predicted", *labels], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    mlflow.log_text(buf.getvalue(), "confusion_matrix.csv")
    mlflow.log_figure(confusion_figure(labels, matrix), "confusion_matrix.png")


class Tracker:
    """Where runs go: an MLflow store (--tracking-uri, else MLFLOW_TRACKING_URI, else the
    workspace's sqlite:///mlflow.db) and an experiment. `started_run` is the run being
    written, as soon as it is started: what an interruption ends KILLED."""

    def __init__(self, uri: str | None = None, experiment: str = DEFAULT_EXPERIMENT) -> None:
        self.uri = tracking_uri(uri)
        self.experiment = experiment
        self.experiment_id: str | None = None
        self.started_run: str | None = None

    def __repr__(self) -> str:
        return f"Tracker({self.uri!r}, {self.experiment!r})"

    def point(self) -> None:
        """MLflow's process-wide store is this one: what MLflow's model loaders read
        (`mlflow.pyfunc.load_model`, `spark_udf` for models:/ URIs)."""
        point_at(self.uri)

    @quiet()  # a context manager made by contextlib is a decorator too, fresh per call
    def connect(self) -> str:
        """Point MLflow at the store and experiment (once per tracker); return the experiment id.

        TrackingError (one line) for a bad URI, an unreachable server, a damaged or read-only store.
        """
        if self.experiment_id is not None:
            self.point()  # another tracker may have pointed it elsewhere
            mlflow.set_experiment(experiment_id=self.experiment_id)
            return self.experiment_id
        uri, experiment = self.uri, self.experiment
        check_store(uri)  # damaged or read-only: one line before MLflow writes into it
        try:
            with store_lock(uri):  # a new SQLite store is created and migrated by one process at a time
                self.point()
                existing = mlflow.get_experiment_by_name(experiment)
                if existing is not None:
                    exp_id = existing.experiment_id
                else:
                    exp_id = mlflow.create_experiment(experiment, artifact_location=artifact_location(uri))
                mlflow.set_experiment(experiment_id=exp_id)
                mlflow.MlflowClient().search_registered_models(max_results=1)  # the registry's tables too
            end_abandoned(exp_id)
            self.experiment_id = exp_id
        except Exception as exc:  # a bad URI or an unreachable server: many exception types
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "Max retries exceeded" in why or "Failed to establish" in why:
                why = "cannot reach the tracking server (is it running?)"
            raise TrackingError(f"MLflow store {uri}: {why}") from None
        return exp_id

    @quiet()
    def log_training(self, result: TrainResult, run_name: str, promote: bool = False) -> dict[str, Any]:
        """One training run: params, metrics, artifacts, the registered model; returns ids and promotion."""
        from fazhi.modeling.evaluation import ERROR_COLUMNS, errors
        from fazhi.show.terminal import format_calibration, format_confusion, format_report, format_variants
        from fazhi.modeling.metrics import confusion
        from fazhi.modeling.explain import top_terms
        from fazhi.modeling.model import pipeline_of
        from fazhi.store.persist import package_versions

        self.connect()
        data, cv, pipeline = result.data, result.cv, result.pipeline
        with tracked_run(run_name, "train") as run:
            self.started_run = run.info.run_id
            params = {
                **result.config.as_params(),
                "data_file": data.path,
                "data_sha256": data.sha256,
                "n_rows": len(data),
                "n_reports": len(set(data.groups)),
            "n_written_rows": int(data.written.sum()) if data.written is not None else 0,
            **{f"file.{Path(f).parent.name}/{Path(f).name}": f"sha256 {h}, {data.file_rows.get(f, {}).get('rows', '?')} rows"
               for f, h in data.files},
                **{f"n_label.{k}": v for k, v in data.label_counts().items()},
                "cv": f"grouped by report, {cv.n_folds} folds",
                **{f"version.{k}": v for k, v in package_versions("mlflow").items()},
                **pipeline_params(pipeline_of(pipeline)),
            }
            mlflow.log_params(flat_params("", params))
            mlflow.log_metrics({**cv_metrics(cv), "fit_seconds": result.fit_seconds})
            if result.tuning:  # `--tune`'s honest figure for its choice, and what each outer fold picked
                mlflow.log_metrics(metric_dict("nested_", result.tuning["nested"]))
                mlflow.log_params({"tuned": f"best of {result.tuning['configurations']} configurations by grouped CV on this data",
                                   "tune_picks": "; ".join(result.tuning["picks"])[:6000]})
            labels, matrix = confusion(cv.y_true, cv.y_pred)
            log_confusion(labels, matrix)
            report = (
                f"grouped cross-validation ({cv.n_folds} folds by report), out-of-fold predictions\n\n"
                + format_report(cv.metrics, cv.baseline)
                + "\n\nconfusion (rows true, columns predicted)\n"
                + format_confusion(labels, matrix)
                + "\n\nthe same folds, each test report shown as other reports would show it (fazhi.modeling.shift)\n"
                + format_variants(cv.variants)
                + "\n" + format_calibration(cv.calibration()) + "\n"
            )
            mlflow.log_text(report, "classification_report.txt")
            calibration = cv.calibration()
            log_json({"cv": cv.metrics, **cv.variants, "calibration": calibration, "baseline": cv.baseline}, "metrics.json")
            from fazhi.show.plots import reliability_figure

            mlflow.log_figure(reliability_figure(calibration["bins"], calibration["ece"]), "reliability_diagram.png")
            log_rows_csv(errors(cv, data), "oof_errors.csv", ERROR_COLUMNS)
            terms = top_terms(pipeline)
            log_json({lab: [[t, round(w, 4)] for t, w in ts] for lab, ts in terms.items()}, "top_terms.json")
            info = log_model(pipeline, data.X[:3])
            version = str(info.registered_model_version)
            promoted, message = maybe_promote(version, cv.metrics["macro_f1"], data.sha256, promote)
            mlflow.set_tag("fazhi.store.champion", str(promoted).lower())
        return {"run_id": run.info.run_id, "experiment_id": run.info.experiment_id, "model_uri": info.model_uri,
                "version": version, "promoted": promoted, "promotion": message}

    @contextlib.contextmanager
    def sweep_run(self, run_name: str | None, grid: dict[str, Any], data) -> Iterator[str]:
        """The parent run of a sweep, named after its grid unless `run_name`; children are
        started with nested=True inside it."""
        self.connect()
        with tracked_run(run_name or sweep_name(grid), "sweep") as run:  # ends it FINISHED, FAILED or KILLED
            with quiet():
                mlflow.log_params({**flat_params("grid.", grid), "data_file": data.path, "data_sha256": data.sha256, "n_rows": len(data)})
            yield run.info.run_id

    @quiet()
    def log_sweep_child(self, config_params: dict[str, Any], cv: CVResult) -> str:
        with tracked_run(child_name(config_params), "sweep-config", nested=True) as run:
            mlflow.log_params(flat_params("", config_params))
            mlflow.log_metrics(cv_metrics(cv))
            return run.info.run_id

    @quiet()
    def log_sweep_summary(self, table_md: str, rows: list[dict[str, Any]]) -> None:
        """Inside the parent run: the ranked table, every row, the best figure."""
        mlflow.log_text(table_md, "sweep_results.md")
        log_json(rows, "sweep_results.json")
        mlflow.log_metric("best_cv_macro_f1", rows[0]["macro_f1"])
        mlflow.set_tag("fazhi.best", child_name(rows[0]))

    @quiet()
    def log_evaluation(self, evaluation: Evaluation, run_name: str | None) -> str:
        """An evaluation run (named eval-<model>-on-<data file> unless `run_name`): model
        source, data hash, the scores, confusion matrix."""
        self.connect()
        data = evaluation.data
        with tracked_run(run_name or evaluation_name(evaluation.model, data.path), "evaluate") as run:
            mlflow.log_params(
                flat_params("", {"model": evaluation.model, "data_file": data.path, "data_sha256": data.sha256, "n_rows": len(data)})
            )
            mlflow.log_metrics(metric_dict("eval_", evaluation.metrics))
            if evaluation.area:
                mlflow.log_metrics({"eval_area_accuracy": evaluation.area["accuracy"],
                                    **{f"eval_area_f1_{a}": s["f1"] for a, s in evaluation.area["per_area"].items() if s["support"]}})
            if evaluation.seen is not None:  # what the model was not trained on, apart (fazhi.store.overlap)
                mlflow.log_metrics({"seen_n": int(evaluation.seen.sum()), "unseen_n": int((~evaluation.seen).sum())})
            if evaluation.unseen is not None:
                mlflow.log_metrics(metric_dict("unseen_", evaluation.unseen))
            log_json(evaluation.as_json(), "metrics.json")
            log_confusion(evaluation.labels, evaluation.matrix)
            return run.info.run_id
