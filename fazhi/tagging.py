"""Reports → tagged rows: segment each report, classify its sentences, summarise it.

`Tagger` turns a report's sentences into output rows and a summary row; `tag` walks
reports lazily so memory does not grow with their number. No pandas, no MLflow and no
document library is imported here: tagging one sentence must start fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from fazhi.config import (
    CONFIDENCE_COL, EXPLANATION_COL, HEADING_COL, INDEX_COL, LABEL_COL, SENTENCES_COL, SOURCE_COL, TEXT_COL,
    UNCERTAIN_COL, label_order, proba_col,
)
from fazhi.errors import ModelError, ReadError
from fazhi.formats.writers import Column
from fazhi.inputs import Report
from fazhi.persist import LoadedModel
from fazhi.segment import Sentence, iter_sentences

# Sentences and characters per predict_proba call: amortizes the pipeline's per-call
# cost while keeping a huge single report from holding all its features at once.
CHUNK = 4096
CHUNK_CHARS = 200_000


@dataclass
class Tagger:
    """Sentences → rows with label and confidence, for one loaded model."""

    model: LoadedModel
    proba: bool = False
    min_confidence: float | None = None
    only: frozenset[str] = frozenset()
    explain: bool = False  # add the features that pushed each sentence to its label

    def __post_init__(self) -> None:
        if not hasattr(self.model.pipeline, "predict_proba"):
            raise ModelError(f"{self.model.source}: the model gives no probabilities; retrain it with `fazhi train`")
        self.labels = label_order(self.model.labels)
        unknown = sorted(set(self.only) - set(self.labels))
        if unknown:
            raise ModelError(f"--only {' '.join(unknown)}: not a label of this model ({' '.join(self.labels)})")
        # Column of predict_proba for each label in display order.
        self._column_of = [self.model.labels.index(lab) for lab in self.labels]
        self._explainer = None
        if self.explain:
            from fazhi.explain import Explainer

            try:
                self._explainer = Explainer(self.model.pipeline)
            except (ValueError, AttributeError, KeyError, TypeError) as exc:
                raise ModelError(f"{self.model.source}: cannot explain this model ({exc})".splitlines()[0]) from None

    @property
    def columns(self) -> list[Column]:
        cols = [Column(SOURCE_COL, "str"), Column(INDEX_COL, "int"), Column(HEADING_COL, "str"),
                Column(TEXT_COL, "str"), Column(LABEL_COL, "str"), Column(CONFIDENCE_COL, "float")]
        if self.min_confidence is not None:
            cols.append(Column(UNCERTAIN_COL, "bool"))
        if self.proba:
            cols.extend(Column(proba_col(lab), "float") for lab in self.labels)
        if self.explain:
            cols.append(Column(EXPLANATION_COL, "str"))
        return cols

    @property
    def summary_columns(self) -> list[Column]:
        cols = [Column(SOURCE_COL, "str"), Column(SENTENCES_COL, "int")]
        cols.extend(Column(f"n_{lab}", "int") for lab in self.labels)
        cols.extend(Column(f"share_{lab}", "float") for lab in self.labels)
        if self.min_confidence is not None:
            cols.append(Column(UNCERTAIN_COL, "int"))
        return cols

    def tag(self, source: str, sentences: Sequence[Sentence]) -> tuple[list[dict], dict]:
        """Rows (after --only) and the summary row of one report's sentences."""
        rows: list[dict] = []
        counts: Counter[str] = Counter()
        uncertain = 0
        for chunk in _chunks(sentences):
            proba = self.predict_proba(chunk)
            best = proba.argmax(axis=1)
            why = self._explain(chunk, [self.labels[k] for k in best]) if self._explainer else None
            for i, (s, k, p) in enumerate(zip(chunk, best.tolist(), proba.tolist())):
                # Rounded before the threshold test, so a row shown with confidence
                # 0.6 is never marked uncertain at --min-confidence 0.6.
                label, confidence = self.labels[k], round(p[k], 4)
                counts[label] += 1
                low = self.min_confidence is not None and confidence < self.min_confidence
                uncertain += low
                if self.only and label not in self.only:
                    continue
                row = {SOURCE_COL: source, INDEX_COL: s.position, HEADING_COL: s.heading, TEXT_COL: s.text,
                       LABEL_COL: label, CONFIDENCE_COL: confidence}
                if self.min_confidence is not None:
                    row[UNCERTAIN_COL] = low
                if self.proba:
                    row.update((proba_col(lab), round(q, 4)) for lab, q in zip(self.labels, p))
                if why is not None:
                    row[EXPLANATION_COL] = why[i]
                rows.append(row)
        return rows, self._summary(source, len(sentences), counts, uncertain)

    def _explain(self, chunk: Sequence[Sentence], labels: list[str]) -> list[str]:
        return self._explainer.explain([(s.text, s.section) for s in chunk], labels)

    def predict_proba(self, chunk: Sequence[Sentence]):
        """(len(chunk), len(self.labels)) probabilities, columns in self.labels' order."""
        # The model contract: (text, section) pairs.
        try:
            with np.errstate(all="ignore"):  # non-finite results are refused below, in one line
                proba = self.model.pipeline.predict_proba([(s.text, s.section) for s in chunk])
        except Exception as exc:  # e.g. a pickle from older code of its own classes
            why = f"{type(exc).__name__}: {exc}".splitlines()[0]
            raise ModelError(f"{self.model.source}: the model fails to predict ({why}); retrain it with `fazhi train`") from None
        if not np.isfinite(proba).all():  # NaN would reach the outputs as invalid JSON and wrong labels
            raise ModelError(f"{self.model.source}: the model gives probabilities that are not numbers; retrain it with a smaller --C")
        return proba[:, self._column_of]

    def _summary(self, source: str, total: int, counts: Counter[str], uncertain: int) -> dict:
        row: dict = {SOURCE_COL: source, SENTENCES_COL: total}
        row.update((f"n_{lab}", counts[lab]) for lab in self.labels)
        row.update((f"share_{lab}", round(counts[lab] / total, 4) if total else 0.0) for lab in self.labels)
        if self.min_confidence is not None:
            row[UNCERTAIN_COL] = uncertain
        return row


def _chunks(sentences: Sequence[Sentence]) -> Iterator[Sequence[Sentence]]:
    """Consecutive runs of at most CHUNK sentences and (unless one alone is longer) CHUNK_CHARS characters."""
    start = chars = 0
    for i, s in enumerate(sentences):
        if i > start and (i - start == CHUNK or chars + len(s.text) > CHUNK_CHARS):
            yield sentences[start:i]
            start, chars = i, 0
        chars += len(s.text)
    if start < len(sentences):
        yield sentences[start:]


@dataclass
class Result:
    """What became of one report: its rows and summary, or why it failed."""

    report: Report
    rows: list[dict] = field(default_factory=list)
    summary: dict | None = None
    error: str | None = None


def tag(reports: Iterable[Report], tagger: Tagger) -> Iterator[Result]:
    """Read, segment and tag reports one at a time; a report that cannot be read
    yields its one-line error and the rest go on."""
    for report in reports:
        try:
            parts = report.parts()
        except ReadError as exc:
            yield Result(report, error=str(exc))
            continue
        for name, lines in parts:
            sentences = list(iter_sentences(lines, name))
            if not sentences:
                yield Result(report, error=f"{name}: no sentences")
                continue
            rows, summary = tagger.tag(name, sentences)
            yield Result(report, rows, summary)
