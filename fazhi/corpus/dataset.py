"""Labeled sentence files → a Dataset for training and evaluation; validation, counts, readings.

The bundled corpus is data/sentences.csv (UTF-8 with BOM so a spreadsheet opens it).
Every problem is a CorpusError whose message is one line naming the file and row.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fazhi.config import (
    AREA_COL, AREAS, CONFIDENCE_COL, HEADING_COL, LABEL_COL, LABELS, POSITION_COL, REPORT_COL, SECTION_COL, SENTENCE_COLUMNS,
    SHORTCOMING, TEXT_COL, label_order,
)
from fazhi.errors import CorpusError, ReadError
from fazhi.formats.files import sha256_file
from fazhi.formats.tables import guard, read_table
from fazhi.segment import Sentence


@dataclass
class Dataset:
    """Labeled sentences; X is the model's input, an (n, 2) object array of [text, section]."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None  # report ids, if the file has them
    positions: list[str]
    headings: list[str]  # the nearest heading of each sentence (X holds its section)
    path: str = ""  # the file; several files: "a.csv + b.csv"
    sha256: str = ""  # of the file; several files: of their sha256 in order (one hash covers every file)
    files: tuple[tuple[str, str], ...] = ()  # (path, sha256) of each file read
    areas: np.ndarray | None = None  # the area of each 不足 row ("" elsewhere), if a file has an area column
    written: np.ndarray | None = None  # True for rows of the written supplement: trained on, never scored
    file_rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # per file: rows, 不足 rows, written (card, MLflow)

    def __len__(self) -> int:
        return len(self.y)

    def label_counts(self) -> dict[str, int]:
        counts = Counter(map(str, self.y))
        return {lab: counts[lab] for lab in label_order(counts)}

    def subset(self, idx: np.ndarray) -> Dataset:
        """The rows `idx` (e.g. the training part of a fold)."""
        groups = None if self.groups is None else self.groups[idx]
        areas = None if self.areas is None else self.areas[idx]
        written = None if self.written is None else self.written[idx]
        return Dataset(self.X[idx], self.y[idx], groups, [self.positions[i] for i in idx],
                       [self.headings[i] for i in idx], self.path, self.sha256, self.files, areas, written)

    def real(self) -> np.ndarray:
        """Indices of the rows of real reports: what cross-validation scores."""
        return np.arange(len(self)) if self.written is None else np.flatnonzero(~self.written)

    def written_rows(self) -> np.ndarray:
        """Indices of the written supplement's rows: in the training part of every fold, never scored."""
        return np.array([], dtype=int) if self.written is None else np.flatnonzero(self.written)

    def sample_weight(self, written_weight: float = 1.0) -> np.ndarray | None:
        """Each row's weight in training: `written_weight` for the written supplement's rows,
        1 for real ones; None when all are 1."""
        if self.written is None or written_weight == 1 or not self.written.any():
            return None
        return np.where(self.written, float(written_weight), 1.0)



def section_of(row: dict[str, str]) -> str:
    """The model's second input: the section (all headings) if given, else the heading."""
    return str(row.get(SECTION_COL) or row.get(HEADING_COL) or "").strip()


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a labeled CSV, TSV or JSONL file (UTF-8); a one-line CorpusError if unreadable."""
    try:
        return read_table(path, utf8_only=True)
    except ReadError as exc:
        raise CorpusError(str(exc)) from None


def require_columns(path: Path, rows: list[dict[str, str]], columns: Sequence[str]) -> None:
    """CorpusError unless there are rows and the first has every one of `columns`."""
    if not rows:
        raise CorpusError(f"{path}: no rows below the header")
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")


def refuse_model_output(path: Path, row: dict[str, str]) -> None:
    """CorpusError if a table's row has a confidence column: its labels are a model's
    guesses, and training or scoring on them would measure the model against itself."""
    if CONFIDENCE_COL in row:
        raise CorpusError(f"{path}: has a {CONFIDENCE_COL} column: its labels are a model's guesses "
                          f"(`fazhi predict` or `fazhi data suggest` output), not a reader's")


def validate(path: Path, rows: list[dict[str, str]]) -> None:
    """Raise CorpusError on the first problem, naming the file and the row (1 = header)."""
    require_columns(path, rows, (REPORT_COL, TEXT_COL, LABEL_COL, HEADING_COL))
    # A sentence is a text of a report: the same text may take another label in another
    # report (a generic heading takes its section's topic), not within one report.
    first_label: dict[tuple[str, str], tuple[str, int]] = {}
    for i, row in enumerate(rows, start=2):
        text = (row.get(TEXT_COL) or "").strip()
        if not text:
            raise CorpusError(f"{path}: row {i}: empty text")
        label = (row.get(LABEL_COL) or "").strip()
        if label not in LABELS:
            shown = f"label {label!r}" if label else "empty label"
            raise CorpusError(f"{path}: row {i}: {shown} is not one of {' '.join(LABELS)}")
        area = (row.get(AREA_COL) or "").strip()
        if area and label != SHORTCOMING:
            raise CorpusError(f"{path}: row {i}: area {area!r} on a {label!r} row (an area belongs to {SHORTCOMING} rows only)")
        if area and area not in AREAS:
            raise CorpusError(f"{path}: row {i}: area {area!r} is not one of {' '.join(AREAS)}")
        seen = first_label.setdefault((row[REPORT_COL], text), (label, i))
        if seen[0] != label:
            raise CorpusError(f"{path}: row {i}: text labeled {label!r} here and {seen[0]!r} in row {seen[1]} (report {row[REPORT_COL]})")


def check_labels(path: Path | str, labels: Sequence[str], groups: Sequence[str] | None) -> None:
    """CorpusError unless these labels can train an honest model: at least two labels
    and, with report ids, every label in at least two reports (grouped CV holds one
    report out per fold: a label found in one report only is never learned there)."""
    counts = Counter(str(lab) for lab in labels)
    if len(counts) < 2:
        only = f"labeled {next(iter(counts))!r}" if counts else "unlabeled"
        raise CorpusError(f"{path}: every sentence is {only}: training needs at least two labels")
    if groups is None:
        return
    reports: dict[str, set[str]] = {}
    for lab, group in zip(labels, groups):
        reports.setdefault(str(lab), set()).add(str(group))
    if len({g for gs in reports.values() for g in gs}) < 2:
        raise CorpusError(f"{path}: grouped cross-validation needs at least two reports (report_id values)")
    for lab in label_order(counts):
        if len(reports[lab]) < 2:
            raise CorpusError(
                f"{path}: label {lab!r} occurs in one report only ({next(iter(reports[lab]))}, {counts[lab]} sentence(s)): "
                "grouped cross-validation needs every label in at least two reports"
            )


def read_labeled(path: Path, require_groups: bool = False, strict: bool = False) -> Dataset:
    """A CSV, TSV or JSONL file with `text` and `label` (`section`, `heading`, `report_id` optional).

    strict: also apply the corpus rules (validate: the six labels, one label per
    distinct text, a heading column).
    """
    path = Path(path)
    rows = read_rows(path)
    require_columns(path, rows, (TEXT_COL, LABEL_COL, REPORT_COL) if require_groups else (TEXT_COL, LABEL_COL))
    refuse_model_output(path, rows[0])
    if strict:
        validate(path, rows)
    for i, row in enumerate(rows, start=2):
        for col in (TEXT_COL, LABEL_COL):
            if not row[col].strip():
                raise CorpusError(f"{path}: row {i}: empty {col}")
    X = np.array([[r[TEXT_COL].strip(), section_of(r)] for r in rows], dtype=object).reshape(-1, 2)
    y = np.array([r[LABEL_COL].strip() for r in rows], dtype=object)
    groups = np.array([r[REPORT_COL] for r in rows], dtype=object) if REPORT_COL in rows[0] else None
    positions = [r.get(POSITION_COL, str(i)) for i, r in enumerate(rows)]
    headings = [r.get(HEADING_COL, "").strip() for r in rows]
    areas = np.array([(r.get(AREA_COL) or "").strip() for r in rows], dtype=object) if AREA_COL in rows[0] else None
    sha = sha256_file(path)
    counts = {str(path): {"rows": len(rows), SHORTCOMING: int((y == SHORTCOMING).sum())}}
    return Dataset(X, y, groups, positions, headings, str(path), sha, ((str(path), sha),), areas, None, counts)


def read_labeled_files(paths: Sequence[Path], require_groups: bool = False, strict: bool = False,
                       written: Sequence[Path] = ()) -> Dataset:
    """Several labeled files as one Dataset, rows in order (read_labeled each); the rows
    of `written` files (the written supplement, read after `paths`) are marked written.

    One report_id in two files is one report (cross-validation keeps it in one fold).
    With `strict`, a sentence (a text of one report) labeled differently in two files is
    a CorpusError naming both.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise CorpusError("no labeled file given")
    written = [Path(p) for p in written if Path(p).resolve() not in {q.resolve() for q in paths}]
    paths += written
    twice = [p for i, p in enumerate(paths) if p.resolve() in {q.resolve() for q in paths[:i]}]
    if twice:
        raise CorpusError(f"{twice[0]}: given twice")
    parts = [read_labeled(p, require_groups, strict) for p in paths]
    for part, path in zip(parts, paths):
        part.written = np.full(len(part), path in written)
        part.file_rows[str(path)]["written"] = path in written
    if len(parts) == 1:
        return parts[0]
    if strict:
        _check_across(parts)
    with_groups = all(d.groups is not None for d in parts)
    files = tuple(f for d in parts for f in d.files)
    combined = hashlib.sha256("\n".join(sha for _, sha in files).encode()).hexdigest()
    return Dataset(
        np.concatenate([d.X for d in parts]), np.concatenate([d.y for d in parts]),
        np.concatenate([d.groups for d in parts]) if with_groups else None,
        [p for d in parts for p in d.positions], [h for d in parts for h in d.headings],
        " + ".join(d.path for d in parts), combined, files,
        np.concatenate([d.areas if d.areas is not None else np.full(len(d), "", dtype=object) for d in parts])
        if any(d.areas is not None for d in parts) else None,
        np.concatenate([d.written for d in parts]),
        {k: v for d in parts for k, v in d.file_rows.items()},
    )


def _check_across(parts: Sequence[Dataset]) -> None:
    """CorpusError if one sentence of one report has two labels in two files."""
    seen: dict[tuple[str, str], tuple[str, str, int]] = {}
    for d in parts:
        first_here: dict[tuple[str, str], tuple[str, str, int]] = {}
        for i, (report, text, label) in enumerate(zip(d.groups, d.X[:, 0], d.y), start=2):
            first_here.setdefault((report, text), (label, d.path, i))
            other = seen.get((report, text))
            if other is not None and other[0] != label:
                raise CorpusError(f"{d.path}: row {i}: text labeled {label!r} here and {other[0]!r} in {other[1]} "
                                  f"row {other[2]} (report {report})")
        for key, value in first_here.items():
            seen.setdefault(key, value)


def read_reading(path: Path) -> dict[tuple[str, str], str]:
    """One reading of the corpus: (report_id, position) → label, every label in the scheme."""
    rows = read_rows(path)
    require_columns(path, rows, (REPORT_COL, POSITION_COL, LABEL_COL))
    reading: dict[tuple[str, str], str] = {}
    for i, row in enumerate(rows, start=2):
        key, label = (row[REPORT_COL], row[POSITION_COL]), row[LABEL_COL].strip()
        if label not in LABELS:
            raise CorpusError(f"{path}: row {i}: label {label!r} is not one of {' '.join(LABELS)}")
        if key in reading:
            raise CorpusError(f"{path}: row {i}: sentence {key[0]} {key[1]} is labeled twice")
        reading[key] = label
    return reading


def counts(rows: list[dict[str, str]]) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """Counts per label, and per report per label."""
    per_label: Counter[str] = Counter(r[LABEL_COL] for r in rows)
    per_report: dict[str, Counter[str]] = {}
    for r in rows:
        per_report.setdefault(r[REPORT_COL], Counter())[r[LABEL_COL]] += 1
    return per_label, per_report


def sentences_csv(sentences: Iterable[Sentence], labels: Iterable[str] | None = None) -> bytes:
    """CSV bytes (UTF-8 with BOM) in the corpus's columns; labels default to empty.

    This is the file a user opens in a spreadsheet to fill in labels: a text cell that
    would run as a formula gets the ' guard (read_rows takes it off again)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SENTENCE_COLUMNS)
    labels = iter(labels) if labels is not None else None
    for s in sentences:
        label = next(labels) if labels is not None else ""
        writer.writerow([guard(str(s.report_id)), s.position, guard(s.heading), guard(s.section), guard(s.text), label])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


@dataclass
class CheckResult:
    rows: int
    per_label: Counter[str]
    per_report: dict[str, Counter[str]]
    warning: str | None = None  # why the file cannot train a model on its own (it can with others)


def check(path: Path) -> CheckResult:
    """Validate a labeled file (CorpusError on the first problem, or if it has one label
    only), count its labels, and warn if it cannot train a grouped-CV model on its own."""
    rows = read_rows(path)
    validate(path, rows)
    labels = [r[LABEL_COL].strip() for r in rows]
    check_labels(path, labels, None)  # one label only: useless with any other file too
    try:
        check_labels(path, labels, [r[REPORT_COL] for r in rows])
    except CorpusError as exc:  # your own labels are trained together with the corpus (--data twice)
        return CheckResult(len(rows), *counts(rows), warning=str(exc))
    return CheckResult(len(rows), *counts(rows))


def segment_reports(paths: Iterable[Path]) -> tuple[list[Sentence], list[str]]:
    """The sentences of report files, for labeling, and one error line per file that
    could not be read. The report id is the file name without its suffix (for a
    sentence table with a report_id column, that column's value)."""
    from fazhi.formats.readers import read_report_parts
    from fazhi.segment import sentences_of

    sentences, errors = [], []
    for path in paths:
        try:
            parts = read_report_parts(path)
        except ReadError as exc:
            errors.append(str(exc))
            continue
        for report_id, lines in parts:
            sentences.extend(sentences_of(lines, report_id or Path(path).stem))
    return sentences, errors
