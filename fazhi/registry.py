"""The MLflow model registry: the model logged with its signature, registered, and promoted to @champion.

Imported through fazhi.tracking, which sets MLflow's quiet defaults before MLflow loads.
"""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
from mlflow.tracking import MlflowClient

from fazhi.config import CHAMPION_ALIAS, HEADING_COL, REGISTERED_MODEL, SECTION_COL, TEXT_COL
from fazhi.trusted import TRUSTED_TYPES

CV_METRIC = "cv_macro_f1"  # the figure that decides who is champion
FEATURES_DIR = Path(__file__).resolve().parent.parent / "features"


def signature():
    """text (required), section or heading (optional) in; one label string per row out."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(
        inputs=Schema([ColSpec("string", TEXT_COL), ColSpec("string", SECTION_COL, required=False),
                       ColSpec("string", HEADING_COL, required=False)]),
        outputs=Schema([ColSpec("string")]),
    )


def log_model(pipeline, example: np.ndarray):
    """Log the fitted pipeline (skops) with signature and a DataFrame example; register it.

    A DataFrame example, not a list: a list gives no usable signature (STACK-NOTES.md).
    """
    import mlflow.sklearn
    import pandas as pd

    return mlflow.sklearn.log_model(
        pipeline,
        name="model",
        signature=signature(),
        input_example=pd.DataFrame({TEXT_COL: example[:, 0], SECTION_COL: example[:, 1]}),
        registered_model_name=REGISTERED_MODEL,
        skops_trusted_types=TRUSTED_TYPES,
        code_paths=[str(FEATURES_DIR)],
    )


def champion_score(client: MlflowClient) -> tuple[str | None, float | None, str | None]:
    """(version, cv_macro_f1, data_sha256) of the current champion, or Nones."""
    try:
        mv = client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    except mlflow.exceptions.MlflowException:
        return None, None, None
    if not mv.run_id:
        return mv.version, None, None
    data = client.get_run(mv.run_id).data
    return mv.version, data.metrics.get(CV_METRIC), data.params.get("data_sha256")


def maybe_promote(version: str, score: float, data_sha256: str, promote: bool = False) -> tuple[bool, str]:
    """Move the champion alias to `version` if it beats the champion on the same data
    (the same data hash), or with `promote`. Scores on other data do not compare."""
    client = MlflowClient()
    old_version, old_score, old_data = champion_score(client)
    stays = f"@{CHAMPION_ALIAS} stays version {old_version}"
    if not promote and old_version is not None:
        if old_score is None or old_data is None:
            return False, f"{stays} (it has no CV score on known data to compare; use --promote to move it)"
        if old_data != data_sha256:
            return False, (f"{stays} (scored on other data, sha256 {old_data[:12]}, this model on {data_sha256[:12]}: "
                           "scores on different data do not compare; use --promote to move it)")
        if score <= old_score:
            return False, f"{stays} ({old_score:.4f} >= {score:.4f})"
    client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, version)
    why = "forced by --promote" if promote else (
        "first model" if old_version is None else f"{score:.4f} > {old_score:.4f} of version {old_version}, same data"
    )
    return True, f"version {version} is now @{CHAMPION_ALIAS} ({why})"
