"""The champion: the saved model `fazhi predict` and `fazhi evaluate` use by default, and the rule that moves it.

models/CHAMPION names a models/<run>/ directory, as models/LATEST names the newest. The
rule is the MLflow alias @champion's (fazhi.tracking.registry uses `beats` too): a new model takes
over only if its grouped-CV macro-F1 beats the champion's on the same data (same sha256:
figures on other data do not compare), or with --promote; the first model is champion.
Cards are read as JSON: deciding imports neither scikit-learn nor MLflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fazhi.store.persist import CARD_FILE, CHAMPION_FILE, MODEL_FILE, current, read_card, write_marker

__all__ = ["CHAMPION_FILE", "Decision", "Score", "beats", "current", "decide", "score_of"]


@dataclass(frozen=True)
class Score:
    """What the rule compares: CV macro-F1 (None if unknown) and the data it was measured on."""

    macro_f1: float | None
    data_sha256: str | None


def beats(new: Score, old: Score | None, promote: bool = False) -> tuple[bool, str]:
    """(takes over, why) — the one rule for models/CHAMPION and the MLflow alias."""
    if promote:
        return True, "forced by --promote"
    if old is None:
        return True, "first model"
    if old.macro_f1 is None or old.data_sha256 is None:
        return False, "it has no CV score on known data to compare; use --promote to move it"
    if new.data_sha256 != old.data_sha256:
        return False, (f"scored on other data, sha256 {old.data_sha256[:12]}, this model on {(new.data_sha256 or '?')[:12]}: "
                       "scores on different data do not compare; use --promote to move it")
    if new.macro_f1 is not None and new.macro_f1 > old.macro_f1:
        return True, f"CV macro-F1 {new.macro_f1:.4f} > {old.macro_f1:.4f}, same data"
    return False, f"CV macro-F1 {old.macro_f1:.4f} >= {new.macro_f1 or 0:.4f}"


def score_of(directory: Path) -> Score:
    card = read_card(Path(directory) / CARD_FILE)
    return Score(card.get("metrics", {}).get("cv", {}).get("macro_f1"), card.get("data", {}).get("sha256"))


@dataclass(frozen=True)
class Decision:
    promoted: bool
    champion: Path  # the model predict and evaluate use from now on
    message: str


def decide(new: Path, old: Path | None, models_dir: Path, promote: bool = False) -> Decision:
    """Move models_dir/CHAMPION to `new` if it beats `old` (the champion before `new` was
    saved: `current()` read then); say which model is the default now."""
    if old is not None and not (Path(old) / MODEL_FILE).is_file():
        old = None  # its files were removed: no champion to beat
    promoted, why = beats(score_of(new), score_of(old) if old is not None else None, promote)
    keep = Path(new) if promoted else old
    write_marker(models_dir, CHAMPION_FILE, keep)
    verb = "now use" if promoted else "still use"
    return Decision(promoted, keep, f"fazhi predict and evaluate {verb} {keep} ({why})")
