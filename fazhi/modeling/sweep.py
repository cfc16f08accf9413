"""A grid of model configurations, each measured by grouped cross-validation, ranked.

Configurations run in parallel processes (one CV each, fazhi.workers: they never
outlive the sweep); MLflow logging stays in the calling process, so workers never touch
the store.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fazhi.config import LABELS
from fazhi.corpus.dataset import Dataset
from fazhi.modeling.evaluation import n_folds
from fazhi.modeling.model import DEFAULTS, ModelConfig
from fazhi.modeling.training import check_data, cross_validated


def grid_configs(
    feature_sets: Sequence[str], classifiers: Sequence[str], Cs: Sequence[float], **fixed: Any
) -> list[ModelConfig]:
    """Every feature set × classifier × C, the other fields from DEFAULTS and `fixed`."""
    base = DEFAULTS.with_(**fixed)
    configs = [base.with_(feature_set=f, classifier=c, C=C) for f, c, C in itertools.product(feature_sets, classifiers, Cs)]
    for config in configs:
        config.check()
    return configs


def _measure(config: ModelConfig, data: Dataset):
    return cross_validated(config, data)


def run_grid(
    configs: Sequence[ModelConfig],
    data: Dataset,
    jobs: int = 1,
    on_config: Callable[[], None] | None = None,
    log_child: Callable[[dict[str, Any], Any], str] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows ranked by CV macro-F1 (best first), and the baseline's figures."""
    from fazhi.workers import parallel

    rows, baseline = [], None
    with parallel(jobs, len(configs)) as run:
        for config, cv in zip(configs, run(_measure, [(c, data) for c in configs])):
            rows.append(_row(config, cv, log_child))
            baseline = _figures(cv.baseline)
            if on_config:
                on_config()
    rows.sort(key=lambda r: r["macro_f1"], reverse=True)
    return rows, baseline or {}


def _row(config: ModelConfig, cv, log_child) -> dict[str, Any]:
    """A configuration's figures (and its MLflow child run, logged as soon as it is measured)."""
    row = {**config.as_params(), **_figures(cv.metrics), "seconds": round(cv.seconds, 2)}
    row.update({f"{name}_macro_f1": figures["macro_f1"] for name, figures in cv.variants.items()})
    if log_child is not None:
        row["run_id"] = log_child(config.as_params(), cv)
    return row


def _figures(metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "macro_f1": metrics["macro_f1"],
        "accuracy": metrics["accuracy"],
        "f1": {lab: s["f1"] for lab, s in metrics["per_label"].items()},
    }


def ranked_table(rows: list[dict[str, Any]], baseline: dict[str, Any], data: Dataset, command: str) -> str:
    """Markdown: rank, configuration, macro-F1, accuracy, per-label F1; baseline last."""
    labels = [lab for lab in LABELS if any(lab in r["f1"] for r in rows)]
    head = ["#", "features", "classifier", "C", "macro-F1", "accuracy", *(f"F1 {lab}" for lab in labels),
            "sentence-only macro-F1", "style-shift macro-F1", "s"]
    lines = [
        f"Grouped cross-validation ({n_folds(data)} folds, no report in two) on {data.path}: {len(data)} sentences, "
        f"{len(set(data.groups))} reports (sha256 {data.sha256[:12]}).",
        f"Class weight {rows[0]['class_weight']}, section block {'on' if rows[0]['section'] else 'off'}, "
        f"cue block {rows[0]['cue_weight']:g}, calibration {rows[0]['calibration']}. Produced by `{command}`.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for i, r in enumerate(rows, start=1):
        cells = [str(i), r["feature_set"], r["classifier"], f"{r['C']:g}", f"{r['macro_f1']:.3f}", f"{r['accuracy']:.3f}"]
        cells += [f"{r['f1'].get(lab, 0.0):.3f}" for lab in labels]
        cells += [f"{r.get(k, float('nan')):.3f}" for k in ("sentence_only_macro_f1", "style_shift_macro_f1")]
        cells += [f"{r['seconds']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["–", "majority class", "baseline", "", f"{baseline['macro_f1']:.3f}", f"{baseline['accuracy']:.3f}"]
    cells += [f"{baseline['f1'].get(lab, 0.0):.3f}" for lab in labels] + ["", "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@dataclass
class SweepResult:
    rows: list[dict[str, Any]]  # best first
    baseline: dict[str, Any]
    table: str  # Markdown
    run_id: str | None = None  # the MLflow parent run
    experiment_id: str | None = None


def sweep(
    configs: Sequence[ModelConfig],
    data: Dataset,
    *,
    jobs: int = 1,
    tracker: Any = None,
    track: bool = True,
    run_name: str | None = None,
    command: str = "fazhi sweep",
    on_config: Callable[[], None] | None = None,
) -> SweepResult:
    """Grouped CV of every configuration; with a `tracker` (fazhi.tracking.log.Tracker), one
    MLflow parent run (named after the grid unless `run_name`) holding a nested run per
    configuration and the ranked table. `track=False` logs nothing even with a tracker."""
    for config in configs:  # before any work or run
        check_data(config, data)
    grid = {
        "features": list(dict.fromkeys(c.feature_set for c in configs)),
        "classifiers": list(dict.fromkeys(c.classifier for c in configs)),
        "C": list(dict.fromkeys(c.C for c in configs)),
        "class_weight": configs[0].class_weight,
        "section": configs[0].section,
    }
    tracker = tracker if track else None
    with contextlib.ExitStack() as stack:
        run_id = log_child = experiment_id = None
        if tracker is not None:
            experiment_id = tracker.connect()
            run_id = stack.enter_context(tracker.sweep_run(run_name, grid, data))
            log_child = tracker.log_sweep_child
        rows, baseline = run_grid(configs, data, jobs=jobs, on_config=on_config, log_child=log_child)
        table = ranked_table(rows, baseline, data, command)
        if tracker is not None:
            tracker.log_sweep_summary(table, rows)
    return SweepResult(rows, baseline, table, run_id, experiment_id)
