"""What each MLflow run is called, so the runs table says what it holds.

A training run by its models/ directory (fazhi.modeling.training), a sweep by its grid, each
configuration by its settings, an evaluation by model and data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fazhi.store.persist import MODEL_FILE


def sweep_name(grid: dict[str, Any]) -> str:
    """sweep-chars+words-sgd+ridge-C1+10-section; more than three values of a kind become a
    count or a range (sweep-words+chars+both-5 classifiers-C1..20-section)."""

    def axis(values: list, noun: str) -> str:
        return "+".join(map(str, values)) if len(values) <= 3 else f"{len(values)} {noun}"

    cs = sorted(grid["C"])
    c = "C" + ("+".join(f"{v:g}" for v in cs) if len(cs) <= 3 else f"{cs[0]:g}..{cs[-1]:g}")
    return "-".join(["sweep", axis(grid["features"], "feature sets"), axis(grid["classifiers"], "classifiers"), c]) + (
        "-section" if grid.get("section") else "")


def child_name(p: dict[str, Any]) -> str:
    """chars-complementnb-C20-section: one configuration of a sweep."""
    return f"{p['feature_set']}-{p['classifier']}-C{p['C']:g}" + ("-section" if p.get("section") else "")


def evaluation_name(model: str, data_path: str) -> str:
    """eval-<model>-on-<data file>: the models/ directory or registry name, and the file's name."""
    if model.startswith("models:/"):
        short = model[len("models:/"):]
    elif model.startswith("runs:/"):
        short = "run-" + model[len("runs:/"):].split("/")[0][:8]
    else:
        path = Path(model)
        short = path.parent.name if path.name == MODEL_FILE else path.stem
    return f"eval-{short}-on-{Path(data_path).name}"
