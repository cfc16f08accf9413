"""The model card (model.json): what a saved model is, assembled in this one place.

Configuration, grouped-CV figures, the data it was trained on (each file's hash and
rows), `--tune`'s nested figure and the MLflow run: fazhi.modeling.training writes it
once per saved model (persist.write_card), when the model's directory is complete.
"""

from __future__ import annotations

from typing import Any

from fazhi.store.overlap import card_entry


def model_card(result: Any) -> dict[str, Any]:
    """The card of a fazhi.modeling.training.TrainResult (read by attribute: the store
    knows nothing of modeling)."""
    data, cv = result.data, result.cv
    card = {
        "labels": [str(c) for c in result.pipeline.classes_],
        "config": result.config.as_params(),
        "metrics": {"cv": cv.metrics, **cv.variants, "baseline": cv.baseline, **({"area": cv.area} if cv.area else {})},
        "data": {"file": data.path, "sha256": data.sha256, "rows": len(data),
                 "labels": data.label_counts(),
                 "files": [{"file": f, "sha256": h, "written": False, **data.file_rows.get(f, {})}
                           for f, h in data.files],
                 "sentences": card_entry(data.X[:, 0])},  # what evaluate calls seen
        "fit_seconds": round(result.fit_seconds, 3),
    }
    if result.tuning:
        card["tuning"] = result.tuning
    if result.mlflow:
        card["mlflow"] = {k: result.mlflow[k] for k in ("run_id", "model_uri", "version")}
    return card

