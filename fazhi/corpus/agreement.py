"""Inter-annotator agreement between two independent readings of the corpus.

Cohen's kappa and raw agreement overall and per label (each label scored one
against the rest), and the confusion between the readings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fazhi.config import LABELS
from fazhi.errors import CorpusError


@dataclass(frozen=True)
class Agreement:
    n: int
    raw: float
    kappa: float
    per_label: dict[str, tuple[float, float, int, int]]  # label → (raw, kappa, n_a, n_b)
    confusion: dict[tuple[str, str], int]  # (label of A, label of B) → count


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa: agreement beyond what the two label distributions give by chance."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(a: Sequence[str], b: Sequence[str]) -> Agreement:
    if len(a) != len(b) or not a:
        raise ValueError("the two readings must label the same, non-empty list of sentences")
    per_label = {}
    for label in LABELS:
        ya = [x == label for x in a]
        yb = [y == label for y in b]
        raw = sum(x == y for x, y in zip(ya, yb)) / len(a)
        per_label[label] = (raw, cohen_kappa(ya, yb), sum(ya), sum(yb))
    raw = sum(x == y for x, y in zip(a, b)) / len(a)
    return Agreement(len(a), raw, cohen_kappa(a, b), per_label, dict(Counter(zip(a, b))))


def compare_readings(path_a: Path, path_b: Path) -> Agreement:
    """Agreement of two reading files (report_id, position, label) over the same sentences."""
    from fazhi.corpus.dataset import read_reading

    a, b = read_reading(path_a), read_reading(path_b)
    if a.keys() != b.keys():
        raise CorpusError(f"{path_a} and {path_b} do not cover the same sentences")
    keys = sorted(a)
    return agreement([a[k] for k in keys], [b[k] for k in keys])


def to_markdown(result: Agreement, name_a: str = "A", name_b: str = "B") -> str:
    """Tables for the dataset card."""
    lines = [
        f"Sentences: {result.n}; raw agreement {result.raw:.3f}; Cohen's kappa {result.kappa:.3f}",
        "",
        f"| label | raw agreement | kappa (label vs rest) | {name_a} | {name_b} |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, (raw, kappa, na, nb) in result.per_label.items():
        lines.append(f"| {label} | {raw:.3f} | {kappa:.3f} | {na} | {nb} |")
    lines += ["", f"Confusion (rows: {name_a}, columns: {name_b})", ""]
    lines.append("| | " + " | ".join(LABELS) + " |")
    lines.append("| --- |" + " ---: |" * len(LABELS))
    for la in LABELS:
        cells = " | ".join(str(result.confusion.get((la, lb), 0)) for lb in LABELS)
        lines.append(f"| **{la}** | {cells} |")
    return "\n".join(lines) + "\n"
