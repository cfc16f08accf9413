"""Tag the sentences of reports with a trained model, one report at a time.

`expand_inputs` turns command-line INPUTs into reports to read; `Tagger` turns a
report's sentences into output rows and a summary row; `tag_reports` walks the
reports lazily so memory does not grow with their number. No pandas, no MLflow and no
document library is imported here: tagging one sentence must start fast.
"""

from __future__ import annotations

import glob
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fazhi.config import HEADING_COL, LABEL_COL, LABELS, TEXT_COL
from fazhi.ingest import ReadError, read_report, read_report_parts, read_text_bytes, supported
from fazhi.output import Column
from fazhi.persist import LoadedModel, ModelError
from fazhi.segment import Sentence, iter_sentences, text_lines

SOURCE_COL = "source"
INDEX_COL = "sentence"  # 0-based position of the sentence in its report
CONFIDENCE_COL = "confidence"
UNCERTAIN_COL = "uncertain"
SENTENCES_COL = "sentences"
TEXT_SOURCE = "--text"
STDIN_SOURCE = "<stdin>"
# Sentences per predict_proba call: amortizes the pipeline's per-call cost while
# keeping a huge single report from holding all its feature matrices at once.
CHUNK = 4096


# --- inputs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One unit of input: a file, standard input, or the --text sentences."""

    name: str  # the `source` column and the name in error messages
    read: Callable[[], list[str]] = field(repr=False, compare=False)
    path: Path | None = None
    # (report id, lines) parts, for a sentence table holding several reports.
    split: Callable[[], list[tuple[str, list[str]]]] | None = field(default=None, repr=False, compare=False)

    def parts(self) -> list[tuple[str, list[str]]]:
        """(source name, lines) of each report in this input."""
        if self.split is None:
            return [(self.name, self.read())]
        return [(f"{self.name}#{rid}" if rid else self.name, lines) for rid, lines in self.split()]


def _file(path: Path, text_column: str) -> Report:
    return Report(
        str(path), lambda: read_report(path, text_column), path, lambda: read_report_parts(path, text_column)
    )


def _failing(name: str, why: str) -> Report:
    def read() -> list[str]:
        raise ReadError(f"{name}: {why}")

    return Report(name, read)


def _discovered(path: Path) -> bool:
    """A file found by walking a directory or a glob: a report we can read, not a
    hidden file, an editor lock file ("~$x.docx") or one of our own temporary files."""
    return path.is_file() and supported(path) and not path.name.startswith((".", "~$"))


def _walk(directory: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(p for p in (Path(root) / f for f in sorted(files)) if _discovered(p))
    return found


def expand_inputs(
    inputs: Sequence[str],
    texts: Sequence[str] = (),
    text_column: str = TEXT_COL,
    stdin: Callable[[], bytes] | None = None,
) -> list[Report]:
    """Reports named by INPUTs: files, directories (recursive), globs, "-" for stdin.

    Paths only, nothing is read yet. An INPUT that names nothing becomes a report whose
    reading fails, so it is reported in order with the other failures.
    """
    reports: list[Report] = []
    if texts:
        # A passage's line breaks end sentences, as in a file.
        reports.append(Report(TEXT_SOURCE, lambda: [line for t in texts for line in text_lines(t)]))
    for item in inputs:
        if item == "-":
            if stdin is None:
                reports.append(_failing(STDIN_SOURCE, "standard input is not available"))
            else:
                reports.append(Report(STDIN_SOURCE, lambda: read_text_bytes(stdin(), STDIN_SOURCE)))
            continue
        path = Path(item)
        if path.is_dir():
            found = _walk(path)
            if not found:
                reports.append(_failing(item, "no report files in this directory"))
            reports.extend(_file(p, text_column) for p in found)
        elif not path.exists() and glob.has_magic(item):
            matches = sorted(Path(m) for m in glob.glob(item, recursive=True))
            found = [p for m in matches for p in (_walk(m) if m.is_dir() else [m]) if _discovered(p)]
            if not found:
                reports.append(_failing(item, "no report file matches"))
            reports.extend(_file(p, text_column) for p in found)
        else:
            reports.append(_file(path, text_column))  # a missing file fails when read
    return reports


# --- tagging ---------------------------------------------------------------------------


def ordered_labels(labels: Iterable[str]) -> list[str]:
    """The model's labels in the project's order; labels unknown to it go last."""
    labels = list(labels)
    return [lab for lab in LABELS if lab in labels] + [lab for lab in labels if lab not in LABELS]


def proba_column(label: str) -> str:
    return f"p_{label}"


@dataclass
class Tagger:
    """Sentences → rows with label and confidence, for one loaded model."""

    model: LoadedModel
    proba: bool = False
    min_confidence: float | None = None
    only: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not hasattr(self.model.pipeline, "predict_proba"):
            raise ModelError(f"{self.model.source}: the model gives no probabilities; retrain it with `fazhi train`")
        self.labels = ordered_labels(self.model.labels)
        unknown = sorted(set(self.only) - set(self.labels))
        if unknown:
            raise ModelError(f"--only {' '.join(unknown)}: not a label of this model ({' '.join(self.labels)})")
        # Column of predict_proba for each label in display order.
        self._column_of = [self.model.labels.index(lab) for lab in self.labels]

    @property
    def columns(self) -> list[Column]:
        cols = [Column(SOURCE_COL, "str"), Column(INDEX_COL, "int"), Column(HEADING_COL, "str"),
                Column(TEXT_COL, "str"), Column(LABEL_COL, "str"), Column(CONFIDENCE_COL, "float")]
        if self.min_confidence is not None:
            cols.append(Column(UNCERTAIN_COL, "bool"))
        if self.proba:
            cols.extend(Column(proba_column(lab), "float") for lab in self.labels)
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
        for start in range(0, len(sentences), CHUNK):
            chunk = sentences[start : start + CHUNK]
            proba = self._predict_proba(chunk)
            best = proba.argmax(axis=1)
            for s, k, p in zip(chunk, best.tolist(), proba.tolist()):
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
                    row.update((proba_column(lab), round(q, 4)) for lab, q in zip(self.labels, p))
                rows.append(row)
        return rows, self._summary(source, len(sentences), counts, uncertain)

    def _predict_proba(self, chunk: Sequence[Sentence]):
        # The model contract: (text, context) pairs; the section is the richest context.
        try:
            proba = self.model.pipeline.predict_proba([(s.text, s.section) for s in chunk])
        except Exception as exc:  # e.g. a pickle from older code of its own classes
            why = f"{type(exc).__name__}: {exc}".splitlines()[0]
            raise ModelError(f"{self.model.source}: the model fails to predict ({why}); retrain it with `fazhi train`") from None
        return proba[:, self._column_of]

    def _summary(self, source: str, total: int, counts: Counter[str], uncertain: int) -> dict:
        row: dict = {SOURCE_COL: source, SENTENCES_COL: total}
        row.update((f"n_{lab}", counts[lab]) for lab in self.labels)
        row.update((f"share_{lab}", round(counts[lab] / total, 4) if total else 0.0) for lab in self.labels)
        if self.min_confidence is not None:
            row[UNCERTAIN_COL] = uncertain
        return row


@dataclass
class Result:
    """What became of one report: its rows and summary, or why it failed."""

    report: Report
    rows: list[dict] = field(default_factory=list)
    summary: dict | None = None
    error: str | None = None


def tag_reports(reports: Iterable[Report], tagger: Tagger) -> Iterator[Result]:
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
