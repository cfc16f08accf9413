"""The saved models under models/, one entry per directory, newest first: what `fazhi models` lists.

Only the cards (model.json) and the marker files (LATEST, CHAMPION) are read, plus the
model file's hash to check it still belongs to its card: listing imports neither
scikit-learn nor MLflow. A directory that cannot be loaded is an entry with `broken`
saying why in one line, never an exception that hides the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fazhi.config import SHORTCOMING
from fazhi.errors import ModelError
from fazhi.formats.files import sha256_file
from fazhi.store.persist import CARD_FILE, LATEST_FILE, MODEL_FILE, read_card, read_marker

@dataclass(frozen=True)
class ModelEntry:
    """One models/<name>/ directory as its card describes it (None where the card says nothing)."""

    name: str
    path: Path
    created: str | None = None  # ISO 8601, UTC
    config: dict[str, Any] = field(default_factory=dict)
    cv_macro_f1: float | None = None
    sentence_only_macro_f1: float | None = None
    style_shift_macro_f1: float | None = None
    deficiency_f1: float | None = None  # CV F1 of SHORTCOMING (不足), listed on its own
    n_sentences: int | None = None  # training sentences
    data_sha256: str | None = None
    champion: bool = False  # models/CHAMPION names it: predict and evaluate use it by default
    latest: bool = False  # models/LATEST names it: `fazhi train` saved it last
    broken: str | None = None  # why it cannot be loaded
    area_accuracy: float | None = None  # CV accuracy of the area of the 不足 sentences (features.area)

    def short_config(self) -> str:
        """Features, classifier and C, then whatever else differs from the defaults, e.g.
        "chars ridge C=1 cue_weight=0"."""
        from fazhi.modeling.model import DEFAULTS

        c = self.config
        if not c:
            return ""
        head = " ".join(str(c[k]) for k in ("feature_set", "classifier") if k in c)
        if isinstance(c.get("C"), (int, float)):
            head += f" C={c['C']:g}"
        defaults = DEFAULTS.as_params()
        rest = [f"{k}={_short(v)}" for k, v in c.items()
                if k not in ("feature_set", "classifier", "C") and k in defaults and v != defaults[k]]
        return " ".join([head.strip(), *rest]).strip()

    def as_json(self) -> dict[str, Any]:
        """A stable object for scripts: the same keys for every entry, broken ones too."""
        return {
            "name": self.name, "path": str(self.path), "created": self.created, "champion": self.champion,
            "latest": self.latest, "broken": self.broken, "config": self.config,
            "cv_macro_f1": self.cv_macro_f1, "sentence_only_macro_f1": self.sentence_only_macro_f1,
            "style_shift_macro_f1": self.style_shift_macro_f1, "deficiency_f1": self.deficiency_f1,
            "area_accuracy": self.area_accuracy, "n_sentences": self.n_sentences, "data_sha256": self.data_sha256,
        }


def _short(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value).lower() if isinstance(value, bool) else str(value)


def _marked(models_dir: Path, marker: str) -> Path | None:
    """The directory a marker names, resolved; None if there is none or it cannot be read
    (that is `load`'s error to give; the list stays useful without it)."""
    try:
        return read_marker(models_dir / marker).resolve() if (models_dir / marker).is_file() else None
    except ModelError:
        return None


def list_models(models_dir: Path) -> list[ModelEntry]:
    """Every subdirectory of `models_dir` (hidden ones aside), newest first by the card's
    creation time (the directory's modification time where the card has none)."""
    from fazhi.store.persist import CHAMPION_FILE

    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return []
    champion, latest = _marked(models_dir, CHAMPION_FILE), _marked(models_dir, LATEST_FILE)
    entries = []
    for directory in sorted(p for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        entry = describe(directory)
        real = directory.resolve()
        entries.append(replace(entry, champion=real == champion, latest=real == latest))
    return sorted(entries, key=lambda e: (_when(e), e.name), reverse=True)


def _when(entry: ModelEntry) -> float:
    if entry.created:
        try:
            return datetime.fromisoformat(entry.created).timestamp()
        except ValueError:
            pass
    try:
        return entry.path.stat().st_mtime
    except OSError:
        return 0.0


def describe(directory: Path) -> ModelEntry:
    """The entry of one saved model; `broken` set if its card or model file is missing or
    unreadable, they do not belong together, or `load` would refuse it (scikit-learn version)."""
    directory = Path(directory)
    card_path, model_path = directory / CARD_FILE, directory / MODEL_FILE
    if not card_path.is_file() and not model_path.is_file():
        return ModelEntry(directory.name, directory, broken=f"not a saved model: no {CARD_FILE}, no {MODEL_FILE}")
    if not card_path.is_file():
        return ModelEntry(directory.name, directory, broken=f"no {CARD_FILE}")
    try:
        card = read_card(card_path)
    except ModelError as exc:
        return ModelEntry(directory.name, directory, broken=str(exc).removeprefix(f"{card_path}: "))
    entry = _from_card(directory, card)
    if not model_path.is_file():
        return replace(entry, broken=f"no {MODEL_FILE}")
    try:
        if card.get("model_sha256") not in (None, sha256_file(model_path)):
            return replace(entry, broken=f"{MODEL_FILE} does not match {CARD_FILE} (changed after training)")
    except OSError as exc:
        return replace(entry, broken=f"{MODEL_FILE} unreadable ({exc.strerror or exc})")
    return replace(entry, broken=_other_sklearn(card))


def _other_sklearn(card: dict[str, Any]) -> str | None:
    """Why `load` would refuse the model: another scikit-learn minor version (persist's rule),
    read from the installed package's metadata, without importing scikit-learn."""
    from importlib.metadata import PackageNotFoundError, version

    saved = card.get("versions", {}).get("scikit-learn")
    try:
        here = version("scikit-learn")
    except PackageNotFoundError:
        return None
    if isinstance(saved, str) and saved and saved.split(".")[:2] != here.split(".")[:2]:
        return f"trained with scikit-learn {saved}, this is {here}: retrain with `fazhi train`"
    return None


def _from_card(directory: Path, card: dict[str, Any]) -> ModelEntry:
    metrics, data = card.get("metrics", {}), card.get("data", {})

    def macro(part: str) -> float | None:
        value = metrics.get(part, {}).get("macro_f1") if isinstance(metrics.get(part), dict) else None
        return float(value) if isinstance(value, (int, float)) else None

    cv = metrics.get("cv") if isinstance(metrics.get("cv"), dict) else {}
    per = cv.get("per_label", {}).get(SHORTCOMING, {}) if isinstance(cv.get("per_label"), dict) else {}
    deficiency = per.get("f1") if isinstance(per, dict) else None
    rows = data.get("rows", cv.get("n"))
    created = card.get("created")
    return ModelEntry(
        directory.name, directory, created if isinstance(created, str) else None,
        card.get("config", {}), macro("cv"), macro("sentence_only"), macro("style_shift"),
        float(deficiency) if isinstance(deficiency, (int, float)) else None,
        rows if isinstance(rows, int) else None,
        data.get("sha256") if isinstance(data.get("sha256"), str) else None,
        area_accuracy=_number(metrics.get("area", {}).get("accuracy") if isinstance(metrics.get("area"), dict) else None),
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def local_time(created: str | None) -> str:
    """A card's UTC creation time as local 'YYYY-MM-DD HH:MM' ('' if unknown)."""
    if not created:
        return ""
    try:
        when = datetime.fromisoformat(created)
    except ValueError:
        return created[:16]
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return f"{when.astimezone():%Y-%m-%d %H:%M}"
