"""The MLflow model registry: the model logged with its signature, registered, and promoted to @champion.

Imported through fazhi.tracking, which sets MLflow's quiet defaults before MLflow loads.
"""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
from mlflow.tracking import MlflowClient

from fazhi.champion import Score, beats
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


def champion_score(client: MlflowClient) -> tuple[str | None, Score | None]:
    """(version, CV macro-F1 and data hash) of the current champion, or (None, None)."""
    try:
        mv = client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    except mlflow.exceptions.MlflowException:
        return None, None
    if not mv.run_id:
        return mv.version, Score(None, None)
    data = client.get_run(mv.run_id).data
    return mv.version, Score(data.metrics.get(CV_METRIC), data.params.get("data_sha256"))


def maybe_promote(version: str, score: float, data_sha256: str, promote: bool = False) -> tuple[bool, str]:
    """Move the champion alias to `version` by the rule of models/CHAMPION (fazhi.champion.beats):
    a better CV macro-F1 on the same data (the same data hash), or --promote. Scores on
    other data do not compare."""
    client = MlflowClient()
    old_version, old = champion_score(client)
    promoted, why = beats(Score(score, data_sha256), old, promote)
    if promoted:
        client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, version)
        return True, f"version {version} is now @{CHAMPION_ALIAS} ({why})"
    return False, f"@{CHAMPION_ALIAS} stays version {old_version} ({why})"
