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
    AREA_COL, AREAS, CONFIDENCE_COL, EXPLANATION_COL, HEADING_COL, INDEX_COL, LABEL_COL, MAX_SENTENCE_CHARS, SENTENCES_COL,
    SOURCE_COL, TEXT_COL, UNCERTAIN_COL, area_count_col, label_order, proba_col,
)
from fazhi.errors import ModelError, ReadError
from fazhi.formats.writers import Column
from fazhi.tagging.inputs import Report
from fazhi.store.persist import LoadedModel
from fazhi.segment import Sentence, sentences_of

# Sentences and characters per predict_proba call: amortizes the pipeline's per-call
# cost while keeping a huge single report from holding all its features at once.
CHUNK = 4096
CHUNK_CHARS = 200_000


def full(sentences: int, chars: int) -> bool:
    """Whether a batch of this many sentences and characters is as large as one call takes."""
    return sentences >= CHUNK or chars >= CHUNK_CHARS


@dataclass
class Tagger:
    """Sentences → rows with label and confidence, for one loaded model."""

    model: LoadedModel
    proba: bool = False
    min_confidence: float | None = None
    only: frozenset[str] = frozenset()
    explain: bool = False  # add the features that pushed each sentence to its label
    areas: frozenset[str] = frozenset()  # --area: keep only the 不足 sentences of these areas

    def __post_init__(self) -> None:
        if not hasattr(self.model.pipeline, "predict_proba"):
            raise ModelError(f"{self.model.source}: the model gives no probabilities; retrain it with `fazhi train`")
        self.labels = label_order(self.model.labels)
        unknown = sorted(set(self.only) - set(self.labels))
        if unknown:
            raise ModelError(f"--only {' '.join(unknown)}: not a label of this model ({' '.join(self.labels)})")
        # Column of predict_proba for each label in display order.
        self._column_of = [self.model.labels.index(lab) for lab in self.labels]
        self._proba_cols = [proba_col(lab) for lab in self.labels]
        self._explainer = self._area_explainer = None
        if self.explain:
            from fazhi.modeling.explain import Explainer

            area_model = getattr(self.model.pipeline, "area_model_", None)
            try:
                self._explainer = Explainer(self.model.pipeline)
                self._area_explainer = Explainer(area_model) if area_model is not None else None
            except (ValueError, AttributeError, KeyError, TypeError) as exc:
                raise ModelError(f"{self.model.source}: cannot explain this model ({exc})".splitlines()[0]) from None

    @property
    def columns(self) -> list[Column]:
        cols = [Column(SOURCE_COL, "str"), Column(INDEX_COL, "int"), Column(HEADING_COL, "str"),
                Column(TEXT_COL, "str"), Column(LABEL_COL, "str"), Column(AREA_COL, "str"), Column(CONFIDENCE_COL, "float")]
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
        cols.extend(Column(area_count_col(area), "int") for area in AREAS)
        if self.min_confidence is not None:
            cols.append(Column(UNCERTAIN_COL, "int"))
        return cols

    def tag(self, source: str, sentences: Sequence[Sentence]) -> tuple[list[dict], dict]:
        """Rows (after --only) and the summary row of one report's sentences."""
        return next(self.tag_reports([(source, sentences)]))

    def tag_reports(self, reports: Iterable[tuple[str, Sequence[Sentence]]]) -> Iterator[tuple[list[dict], dict]]:
        """(rows, summary) of each (source, sentences), in order.

        Sentences of consecutive reports go to the model together, up to about CHUNK
        sentences or CHUNK_CHARS characters at a time: each call of the model costs
        milliseconds whatever its size, more than a typical report's sentences themselves.
        """
        batch: list[tuple[str, Sequence[Sentence]]] = []
        size = chars = 0
        for source, sentences in reports:
            batch.append((source, sentences))
            size += len(sentences)
            chars += sum(len(s.text) for s in sentences)
            if full(size, chars):
                yield from self._tag_batch(batch)
                batch, size, chars = [], 0, 0
        yield from self._tag_batch(batch)

    def _tag_batch(self, batch: list[tuple[str, Sequence[Sentence]]]) -> Iterator[tuple[list[dict], dict]]:
        sentences = [s for _, report in batch for s in report]
        if not sentences:  # only empty reports (or none)
            for source, _ in batch:
                yield [], self._summary(source, 0, Counter(), 0)
            return
        pieces = list(chunks(sentences))
        proba = np.vstack([self.predict_proba(chunk) for chunk in pieces])
        best = proba.argmax(axis=1)
        labels = [self.labels[k] for k in best.tolist()]
        # Rounded before the threshold test, so a row shown with confidence 0.6 is never
        # marked uncertain at --min-confidence 0.6 (Python's round, as always).
        confidences = [round(c, 4) for c in proba[np.arange(len(best)), best].tolist()]
        probas = [[round(q, 4) for q in p] for p in proba.tolist()] if self.proba else None
        areas = self._areas(sentences, labels)
        why = None
        if self._explainer is not None:
            why, done = [], 0
            for chunk in pieces:
                why += self._explain(chunk, labels[done : done + len(chunk)])
                done += len(chunk)
            short = [i for i, a in enumerate(areas) if a]
            if short and self._area_explainer is not None:  # what made the area of each 不足 sentence
                area_why = self._area_explainer.explain([(sentences[i].text, sentences[i].section) for i in short],
                                                        [areas[i] for i in short])
                for i, w in zip(short, area_why):
                    why[i] = f"{why[i]} | {AREA_COL} {areas[i]}: {w}"
        start = 0
        for source, report in batch:
            end = start + len(report)
            yield self._rows(source, report, labels, areas, confidences, probas, why, start, end)
            start = end

    def _rows(self, source, sentences, labels, areas, confidences, probas, why, start, end) -> tuple[list[dict], dict]:
        counts = Counter(labels[start:end])
        counts.update(area_count_col(a) for a in areas[start:end] if a)
        threshold, only = self.min_confidence, self.only
        uncertain = sum(c < threshold for c in confidences[start:end]) if threshold is not None else 0
        rows: list[dict] = []
        for i, s in zip(range(start, end), sentences):
            label = labels[i]
            if only and label not in only or self.areas and areas[i] not in self.areas:
                continue
            row = {SOURCE_COL: source, INDEX_COL: s.position, HEADING_COL: s.heading, TEXT_COL: s.text,
                   LABEL_COL: label, AREA_COL: areas[i], CONFIDENCE_COL: confidences[i]}
            if threshold is not None:
                row[UNCERTAIN_COL] = confidences[i] < threshold
            if probas is not None:
                row.update(zip(self._proba_cols, probas[i]))
            if why is not None:
                row[EXPLANATION_COL] = why[i]
            rows.append(row)
        return rows, self._summary(source, len(sentences), counts, uncertain)

    def _areas(self, sentences: Sequence[Sentence], labels: list[str]) -> list[str]:
        """The area of each sentence labeled 不足 ("" for the others, and for a model that names no areas)."""
        areas_for = getattr(self.model.pipeline, "areas_for", None)
        if areas_for is None:
            return [""] * len(labels)
        try:
            return areas_for([(s.text, s.section) for s in sentences], labels)
        except Exception as exc:  # e.g. a pickle from older code of its own classes
            why = f"{type(exc).__name__}: {exc}".splitlines()[0]
            raise ModelError(f"{self.model.source}: the model fails to name areas ({why}); retrain it with `fazhi train`") from None

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
        row.update((area_count_col(area), counts[area_count_col(area)]) for area in AREAS)
        if self.min_confidence is not None:
            row[UNCERTAIN_COL] = uncertain
        return row


def chunks(sentences: Sequence[Sentence]) -> Iterator[Sequence[Sentence]]:
    """Consecutive runs of at most CHUNK sentences and (unless one alone is longer) CHUNK_CHARS characters."""
    start = chars = 0
    for i, s in enumerate(sentences):
        if i > start and full(i - start, chars + len(s.text) - 1):  # - 1: a sentence that fills it exactly still fits
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
    cut: tuple[int, int] = (0, 0)  # spans longer than MAX_SENTENCE_CHARS, and the pieces they were cut into


def cut_spans(lines: Iterable[str]) -> tuple[int, int]:
    """(spans, pieces): the spans of these lines that segmentation cuts for length, and
    into how many pieces. Said to the user, since no real sentence is that long: the
    file is probably a table or a page without punctuation. Only lines longer than the
    limit are looked at, with the segmenter's own span pattern and cut."""
    from fazhi.segment import _SENTENCE, cut_long  # the same rule split_line applies

    spans = pieces = 0
    for line in lines:
        if len(line) <= MAX_SENTENCE_CHARS:
            continue
        for span in _SENTENCE.findall(line.replace("\u3000", " ")):
            span = span.strip()
            if len(span) > MAX_SENTENCE_CHARS:
                spans += 1
                pieces += len(cut_long(span))
    return spans, pieces


def tag(reports: Iterable[Report], tagger: Tagger) -> Iterator[Result]:
    """Read, segment and tag reports one after another, yielding one Result per report
    part in order; a report that cannot be read yields its one-line error and the rest
    go on. At most about CHUNK sentences or CHUNK_CHARS characters (plus one report) are
    held at a time."""
    pending: list[Result] = []  # results in input order; rows still to come for those in `parts`
    parts: list[tuple[str, list[Sentence]]] = []
    size = chars = 0

    def flush() -> Iterator[Result]:
        tagged = tagger._tag_batch(parts) if parts else iter(())  # a batch already of the size tag_reports makes
        for result in pending:
            if result.error is None:
                result.rows, result.summary = next(tagged)
            yield result

    for report in reports:
        try:
            report_parts = report.parts()
        except ReadError as exc:
            pending.append(Result(report, error=str(exc)))
            report_parts = []
        for name, lines in report_parts:
            sentences = sentences_of(lines, name)
            if not sentences:
                pending.append(Result(report, error=f"{name}: no sentences"))
                continue
            pending.append(Result(report, cut=cut_spans(s.text if isinstance(s, Sentence) else s for s in lines)))
            parts.append((name, sentences))
            size += len(sentences)
            chars += sum(len(s.text) for s in sentences)
        if full(size, chars) or not parts:  # a full batch, or only errors waiting
            yield from flush()
            pending, parts, size, chars = [], [], 0, 0
    yield from flush()
