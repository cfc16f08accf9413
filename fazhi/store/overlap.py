"""Which sentences a model was trained on: compact hashes of their text in its card, and evaluation data split by them.

A sentence of evaluation data is *seen* when its text, normalized (Unicode NFKC, every
whitespace removed), is the text of a training sentence: the model learned that very
sentence, so its prediction there says nothing about new reports. The card keeps the
first 16 hex digits of each distinct normalized text's sha256 (64 bits: no two of a
million sentences share one by chance), one string, sorted, so the card stays small and
says nothing of the text itself.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from typing import Any

import numpy as np

KEY = "sha256(NFKC, no whitespace)[:16]"  # how the card's hashes were made: a card made otherwise is not compared
HEX_DIGITS = 16


def normalized(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def sentence_hash(text: str) -> str:
    return hashlib.sha256(normalized(text).encode("utf-8")).hexdigest()[:HEX_DIGITS]


def card_entry(texts: Iterable[str]) -> dict[str, str]:
    """What training stores in the card under data.sentences."""
    return {"key": KEY, "hashes": " ".join(sorted({sentence_hash(t) for t in texts}))}


def trained_hashes(card: dict[str, Any]) -> set[str] | None:
    """The hashes of the model's training sentences; None if its card does not have them
    (a model trained before fazhi kept them, or one from MLflow without a card)."""
    entry = card.get("data", {}).get("sentences") if isinstance(card.get("data"), dict) else None
    if not isinstance(entry, dict) or entry.get("key") != KEY or not isinstance(entry.get("hashes"), str):
        return None
    return set(entry["hashes"].split())


def seen(card: dict[str, Any], texts: Iterable[str]) -> np.ndarray | None:
    """A boolean per text: was it a training sentence of the model `card` describes? None if unknown."""
    hashes = trained_hashes(card)
    if hashes is None:
        return None
    return np.array([sentence_hash(t) in hashes for t in texts], dtype=bool)
