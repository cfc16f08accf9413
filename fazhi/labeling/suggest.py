"""Which sentences of a user's reports to label next: those the model is least sure of, spread out.

Active learning by margin: where the two most probable labels are close, the model
cannot decide, and a reader's label teaches it most. Picking by margin alone would take
many sentences of one odd report and many copies of one generic heading, so the pick is
spread: no report and no predicted label gives more than its fair share, and sentences
that are the same up to digits, spaces and punctuation count once. A sentence already
labeled (in an --exclude file; default the bundled corpus) is never picked, nor its
near-duplicates. Ties are broken in a random order fixed by the seed.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fazhi.config import (
    CONFIDENCE_COL, HEADING_COL, INDEX_COL, LABEL_COL, SCORE_COL, SECTION_COL, SOURCE_COL, TEXT_COL,
)
from fazhi.errors import ReadError
from fazhi.formats.writers import Column
from fazhi.tagging.inputs import Report
from fazhi.segment import sentences_of
from fazhi.tagging.tagger import Tagger, chunks

COLUMNS = [
    Column(SOURCE_COL, "str"), Column(INDEX_COL, "int"), Column(HEADING_COL, "str"), Column(SECTION_COL, "str"),
    Column(TEXT_COL, "str"), Column(LABEL_COL, "str"), Column(CONFIDENCE_COL, "float"), Column(SCORE_COL, "float"),
]


@dataclass(frozen=True)
class Candidate:
    """A sentence of a user's report with the model's guess and how unsure it is."""

    source: str  # the report, as `fazhi predict` names it
    sentence: int  # position in the report
    heading: str
    section: str
    text: str
    label: str  # the model's most probable label
    confidence: float  # its probability
    score: float  # margin: best minus second-best probability; smaller is worth more

    def row(self) -> dict:
        return {SOURCE_COL: self.source, INDEX_COL: self.sentence, HEADING_COL: self.heading,
                SECTION_COL: self.section, TEXT_COL: self.text, LABEL_COL: self.label,
                CONFIDENCE_COL: round(self.confidence, 4), SCORE_COL: round(self.score, 4)}


def near_key(text: str) -> str:
    """The text without digits (any script: 3, ３, 三, ③), spaces and punctuation:
    sentences with the same key are near-duplicates (`（三）加强培训。` ~ `3.加强培训`)."""
    return "".join(ch for ch in text if not (ch.isnumeric() or ch.isspace() or unicodedata.category(ch)[0] in "PS"))


def margins(proba) -> tuple[list[int], list[float], list[float]]:
    """Per row of probabilities: the most probable column, its probability, and the
    margin to the second most probable (1.0 with a single column)."""
    best, confidence, margin = [], [], []
    for p in proba.tolist():
        top = sorted(range(len(p)), key=p.__getitem__, reverse=True)[:2]
        best.append(top[0])
        confidence.append(p[top[0]])
        margin.append(p[top[0]] - (p[top[1]] if len(top) > 1 else 0.0))
    return best, confidence, margin


def candidates(reports: Iterable[Report], tagger: Tagger) -> tuple[list[Candidate], list[str]]:
    """Every sentence of the reports with the model's label, confidence and margin, and
    one error line per report that could not be read (the others go on)."""
    found: list[Candidate] = []
    errors: list[str] = []
    for report in reports:
        try:
            parts = report.parts()
        except ReadError as exc:
            errors.append(str(exc))
            continue
        for name, lines in parts:
            sentences = sentences_of(lines, name)
            if not sentences:
                errors.append(f"{name}: no sentences")
            for chunk in chunks(sentences):  # as predict does: bounded in sentences and characters
                for s, k, p, m in zip(chunk, *margins(tagger.predict_proba(chunk))):
                    found.append(Candidate(name, s.position, s.heading, s.section, s.text, tagger.labels[k], p, m))
    return found, errors


def excluded_keys(paths: Sequence[Path]) -> set[str]:
    """near_key of every text in labeled files (CSV, TSV or JSONL with a text column)."""
    from fazhi.corpus.dataset import read_rows, require_columns

    keys: set[str] = set()
    for path in paths:
        rows = read_rows(Path(path))
        require_columns(Path(path), rows, (TEXT_COL,))
        keys.update(near_key(r[TEXT_COL]) for r in rows)
    return keys


def fair_cap(counts: Iterable[int], n: int) -> int:
    """The smallest per-group cap that still lets n items be picked: groups with fewer
    items give all of theirs, the others the same number each (water-filling)."""
    counts = sorted(counts)
    if not counts:
        return 0
    cap = math.ceil(n / len(counts))
    while cap < counts[-1] and sum(min(c, cap) for c in counts) < n:
        cap += 1
    return cap


def ranked(found: Sequence[Candidate], exclude: set[str] = frozenset(), seed: int = 0) -> list[Candidate]:
    """The candidates smallest margin first (ties in an order the seed fixes), each group
    of near-duplicates once (its least certain), none whose near_key is in `exclude`."""
    order = list(range(len(found)))
    random.Random(seed).shuffle(order)
    order.sort(key=lambda i: found[i].score)  # stable: ties stay in the seeded order
    seen, pool = set(exclude), []
    for i in order:
        key = near_key(found[i].text)
        if key not in seen:
            seen.add(key)
            pool.append(found[i])
    return pool


def select(found: Sequence[Candidate], n: int, exclude: set[str] = frozenset(), seed: int = 0) -> list[Candidate]:
    """Up to n candidates, smallest margin first, spread over reports and predicted labels.

    No report gives more than its fair share (fair_cap over reports) — a hard limit; the
    same share per predicted label is kept while it still lets n be reached. Of a group
    of near-duplicates only the least certain counts; excluded keys never do.
    """
    if n <= 0:
        raise ValueError(f"the number of sentences must be positive, got {n}")
    pool = ranked(found, exclude, seed)
    report_cap = fair_cap(Counter(c.source for c in pool).values(), n)
    label_cap = fair_cap(Counter(c.label for c in pool).values(), n)
    picked: set[int] = set()
    per_report: Counter[str] = Counter()
    per_label: Counter[str] = Counter()
    for spread_labels in (True, False):
        for k, c in enumerate(pool):
            if len(picked) == n:
                break
            if k in picked or per_report[c.source] >= report_cap:
                continue
            if spread_labels and per_label[c.label] >= label_cap:
                continue
            picked.add(k)
            per_report[c.source] += 1
            per_label[c.label] += 1
    return [pool[k] for k in sorted(picked)]


@dataclass
class Suggestion:
    picked: list[Candidate]  # smallest margin first
    errors: list[str]  # one line per report that could not be read
    sentences: int  # sentences in the reports that were read
    excluded: int  # of them, already labeled (near-duplicates of an --exclude text)


def suggest(reports: Iterable[Report], tagger: Tagger, n: int, exclude: Sequence[Path] = (), seed: int = 0) -> Suggestion:
    """The n sentences of `reports` most worth a label. The exclude files are read
    first, so a bad one is a CorpusError before any work."""
    keys = excluded_keys(exclude)
    found, errors = candidates(reports, tagger)
    excluded = sum(near_key(c.text) in keys for c in found)
    return Suggestion(select(found, n, keys, seed), errors, len(found), excluded)
