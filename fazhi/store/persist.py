"""Trained models on disk: save and load a fitted pipeline as a joblib file with a JSON card beside it.

models/<name>/model.joblib + models/<name>/model.json, models/LATEST naming the
directory `fazhi train` wrote last, models/CHAMPION the one used by default
(fazhi.store.champion). Loading a joblib model never imports MLflow; an MLflow URI
(models:/…, runs:/…) does. No model file runs code when loaded (fazhi.store.trusted).
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fazhi.store import trusted
from fazhi.config import models_dir as workspace_models
from fazhi.errors import ModelError
from fazhi.formats.files import atomic_file, sha256_file, write_atomic

MODEL_FILE = "model.joblib"
CARD_FILE = "model.json"
LATEST_FILE = "LATEST"
CHAMPION_FILE = "CHAMPION"
MLFLOW_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/", "file:/", "s3:/")


@dataclass
class LoadedModel:
    pipeline: Any
    labels: list[str]
    card: dict[str, Any] = field(default_factory=dict)
    source: str = ""


def package_versions(*extra: str) -> dict[str, str]:
    """Versions that decide whether a pickled pipeline loads and predicts the same (and `extra`)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("fazhi", "scikit-learn", "jieba", "joblib", "numpy", "scipy", *extra):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def save(pipeline: Any, directory: Path, card: dict[str, Any] | None = None) -> Path:
    """Save `pipeline` as `directory`/model.joblib, with `card` if given (else write_card
    adds it once the caller knows it all; mark_latest makes it the latest model). Each
    file is written under a temporary name and renamed, so never half-written."""
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with atomic_file(directory / MODEL_FILE) as tmp:
        joblib.dump(pipeline, tmp, compress=3)
    if card is not None:
        write_card(directory, {"labels": [str(c) for c in pipeline.classes_], **card})
    return directory


def write_card(directory: Path, card: dict[str, Any]) -> None:
    """`card` (fazhi.store.card; it names the labels) as `directory`/model.json, with the
    date, package versions and the model file's hash, so a model and a card that do
    not belong together are caught on loading."""
    directory = Path(directory)
    card = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": package_versions(),
        **card,
        "model_sha256": sha256_file(directory / MODEL_FILE),
    }
    write_atomic(directory / CARD_FILE, json.dumps(card, ensure_ascii=False, indent=2).encode())


def mark_latest(directory: Path, models_dir: Path | None = None) -> None:
    """models_dir/LATEST (default: the directory's parent) names `directory`."""
    write_marker(Path(models_dir) if models_dir else Path(directory).parent, LATEST_FILE, directory)


def write_marker(models_dir: Path, marker: str, directory: Path) -> None:
    """models_dir/marker (LATEST, CHAMPION) names `directory`, as read_marker reads it."""
    write_atomic(Path(models_dir) / marker, (str(Path(directory).resolve()) + "\n").encode())


def current(models_dir: Path) -> Path | None:
    """The champion's directory (the default model), None if no model was saved; ModelError
    for a marker that cannot be read. Before CHAMPION existed the default was the latest
    model, so that one stays the default until a better one is trained (fazhi.store.champion
    moves the marker)."""
    for marker in (Path(models_dir) / CHAMPION_FILE, Path(models_dir) / LATEST_FILE):
        if marker.is_file():
            return read_marker(marker)
    return None


def _default(models_dir: Path) -> Path:
    directory = current(Path(models_dir))
    if directory is None:
        raise ModelError(f"no trained model in {models_dir}: run `fazhi train` first")
    return directory


def read_marker(marker: Path) -> Path:
    """The directory a marker file (LATEST, CHAMPION) names; ModelError if unreadable or empty."""
    try:
        named = marker.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{marker}: unreadable ({exc})".splitlines()[0]) from None
    if not named:  # never Path(""), which is the working directory
        raise ModelError(f"{marker}: empty; run `fazhi train` or choose a model with --model")
    return Path(named)


def load(spec: str | Path | None = None, models_dir: Path | None = None, tracking_uri: str | None = None) -> LoadedModel:
    """Load a model from a models/ directory, a joblib file, or an MLflow URI.

    Without `spec`, the champion under `models_dir` (default: the workspace's models/;
    fazhi.store.champion). An MLflow URI is looked up in `tracking_uri` (default:
    config.tracking_uri()).
    """
    if spec is not None and str(spec).startswith(MLFLOW_SCHEMES):
        uri = str(spec)
        pipeline = trusted.load_mlflow(uri, tracking_uri)
        return LoadedModel(pipeline, _labels_of(uri, pipeline), {}, uri)
    path = _default(workspace_models() if models_dir is None else models_dir) if spec is None else Path(spec)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        hint = ": run `fazhi train` first" if spec is None else ""
        raise ModelError(f"{path}: no such model file{hint}")
    card_path = path.with_name(CARD_FILE) if path.name == MODEL_FILE else path.with_suffix(".json")
    card = read_card(card_path)
    if card and card.get("model_sha256") not in (None, sha256_file(path)):
        raise ModelError(f"{path}: does not match {card_path.name} (file changed after training)")
    _check_versions(path, card)
    pipeline = trusted.load_joblib(path)
    labels = _labels_of(path, pipeline)
    if card and card.get("labels") != labels:
        raise ModelError(f"{path}: labels {labels} differ from {card_path.name}'s {card.get('labels')}")
    return LoadedModel(pipeline, labels, card, str(path))


# Card fields fazhi reads, and the JSON type each must have.
_CARD_TYPES = {"labels": list, "versions": dict, "model_sha256": str, "config": dict, "metrics": dict, "data": dict}
_JSON_NAMES = {list: "list", dict: "object", str: "string"}


def read_card(card_path: Path) -> dict[str, Any]:
    if not card_path.is_file():
        return {}
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{card_path}: unreadable model card ({exc})".splitlines()[0]) from None
    if not isinstance(card, dict):
        raise ModelError(f"{card_path}: not a model card (a JSON object is expected)")
    for key, kind in _CARD_TYPES.items():
        if key in card and not isinstance(card[key], kind):
            raise ModelError(f"{card_path}: bad model card: {key!r} is not a JSON {_JSON_NAMES[kind]}")
    return card




def _check_versions(path: Path, card: dict[str, Any]) -> None:
    """A pickle from another scikit-learn minor version may load yet predict wrongly."""
    saved = card.get("versions", {}).get("scikit-learn")
    if not isinstance(saved, str) or not saved:
        return
    import sklearn

    if saved.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ModelError(
            f"{path}: trained with scikit-learn {saved}, this is {sklearn.__version__}: retrain with `fazhi train`"
        )


def _labels_of(source: str | Path, pipeline: Any) -> list[str]:
    classes = getattr(pipeline, "classes_", None)
    if classes is None or not hasattr(pipeline, "predict"):
        raise ModelError(f"{source}: not a fitted classifier")
    return [str(c) for c in classes]
