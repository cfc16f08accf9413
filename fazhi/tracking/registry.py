"""The MLflow model registry: the pyfunc model logged with its signature, registered, and promoted to @champion.

Imported through fazhi.tracking.log, which sets MLflow's quiet defaults before MLflow loads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import fazhi_features
from fazhi.mlflowlib import MlflowClient, mlflow
from fazhi.store.champion import Score, beats
from fazhi.config import (
    AREA_COL, CHAMPION_ALIAS, CONFIDENCE_COL, LABEL_COL, REGISTERED_MODEL, SECTION_COL, TEXT_COL, label_order, proba_col,
)

CV_METRIC = "cv_macro_f1"  # the figure that decides who is champion
FEATURES_DIR = Path(fazhi_features.__file__).resolve().parent
# The name the model's code goes under: the one the pickled classifier's classes carry
# (fazhi_features.text.…), which in a checkout is not the folder's name (features/).
FEATURES_PACKAGE = fazhi_features.__name__
# What the logged model installs (pinned to the versions it was trained with: a pickled
# scikit-learn model predicts the same only under the same versions).
REQUIREMENTS = ("mlflow", "scikit-learn", "numpy", "scipy", "pandas", "joblib", "cloudpickle")


def signature(labels: list[str]):
    """One label, its area (empty unless 不足), its confidence and a probability per label out. No input schema: MLflow
    would turn a list of strings into an unnamed column and reject it, and the model
    checks its input itself (fazhi_features.pyfunc.sentences)."""
    ColSpec = mlflow.types.ColSpec
    return mlflow.models.ModelSignature(
        inputs=None,
        outputs=mlflow.types.Schema([ColSpec("string", LABEL_COL), ColSpec("string", AREA_COL), ColSpec("double", CONFIDENCE_COL),
                                     *(ColSpec("double", proba_col(lab)) for lab in labels)]),
    )


def requirements(classifier) -> list[str]:
    """pip requirements of the model: its stack at the versions of this environment, jieba if it segments words."""
    from importlib.metadata import version

    from fazhi_features.tokenize import JiebaTokenizer

    names = list(REQUIREMENTS)
    if any(isinstance(v, JiebaTokenizer) for v in classifier.get_params(deep=True).values()):
        names.append("jieba")
    return [f"{name}=={version(name)}" for name in names]


def pyfunc_parts(classifier, workdir: Path, example: np.ndarray) -> dict:
    """Arguments of mlflow.pyfunc.log_model / save_model for a fitted classifier.

    The classifier goes in as a joblib artifact written to `workdir`, served by
    fazhi_features.pyfunc.SentenceModel; features/ travels along as code, copied to
    `workdir` under its installed name so the model imports it without fazhi. `example`: rows of
    [text, section], shown as a DataFrame example (a list gives no usable example,
    STACK-NOTES.md).
    """
    import shutil

    import joblib
    import pandas as pd

    from fazhi_features.pyfunc import CLASSIFIER_ARTIFACT

    code = Path(workdir) / FEATURES_PACKAGE
    shutil.copytree(FEATURES_DIR, code, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    labels = label_order(str(c) for c in classifier.classes_)
    path = Path(workdir) / "classifier.joblib"
    joblib.dump(classifier, path, compress=3)
    return {
        "python_model": str(code / "pyfunc_entry.py"),  # models from code: no pickled wrapper
        "model_config": {"label_column": LABEL_COL, "confidence_column": CONFIDENCE_COL, "area_column": AREA_COL,
                         "proba_columns": [[lab, proba_col(lab)] for lab in labels]},  # a list: YAML sorts mappings
        "artifacts": {CLASSIFIER_ARTIFACT: str(path)},
        "code_paths": [str(code)],
        "signature": signature(labels),
        "input_example": pd.DataFrame({TEXT_COL: example[:, 0], SECTION_COL: example[:, 1]}),
        "pip_requirements": requirements(classifier),
    }


def log_model(classifier, example: np.ndarray):
    """Log the fitted classifier as a pyfunc model (fazhi_features.pyfunc.SentenceModel) and register it."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fazhi-model-") as work:
        return mlflow.pyfunc.log_model(name="model", registered_model_name=REGISTERED_MODEL,
                                       **pyfunc_parts(classifier, Path(work), example))


def save_pyfunc(classifier, path: Path, example: np.ndarray) -> Path:
    """Save the fitted classifier as a pyfunc model directory at `path` (not registered)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fazhi-model-") as work:
        mlflow.pyfunc.save_model(path=str(path), **pyfunc_parts(classifier, Path(work), example))
    return Path(path)


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
    """Move the champion alias to `version` by the rule of models/CHAMPION (fazhi.store.champion.beats):
    a better CV macro-F1 on the same data (the same data hash), or --promote. Scores on
    other data do not compare."""
    client = MlflowClient()
    old_version, old = champion_score(client)
    promoted, why = beats(Score(score, data_sha256), old, promote)
    if promoted:
        client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, version)
        return True, f"version {version} is now @{CHAMPION_ALIAS} ({why})"
    return False, f"@{CHAMPION_ALIAS} stays version {old_version} ({why})"
