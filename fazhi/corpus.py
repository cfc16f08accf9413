"""Labeled sentence files: read, validate, write.

The bundled corpus is data/sentences.csv (UTF-8 with BOM so a spreadsheet opens it).
Validation reports the first problem as a one-line message naming the file and row.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path

from fazhi.config import HEADING_COL, LABEL_COL, LABELS, POSITION_COL, REPORT_COL, SENTENCE_COLUMNS, TEXT_COL
from fazhi.segment import Sentence


class CorpusError(ValueError):
    """A labeled file that cannot be used; the message is one line for the user."""


def publish(tmp: Path, path: Path) -> None:
    """Rename a finished temporary file onto `path`, with the mode a new file gets.

    mkstemp creates files readable by their owner only; a user's output should not be.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed onto `path` when the block
    ends normally, removed when it fails: never a half-written file."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see atomic_file)."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)


def sentences_to_csv(sentences: Iterable[Sentence], labels: Iterable[str] | None = None) -> bytes:
    """CSV bytes (UTF-8 with BOM) with the corpus columns; labels default to empty."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SENTENCE_COLUMNS)
    labels = iter(labels) if labels is not None else None
    for s in sentences:
        row = asdict(s)
        label = next(labels) if labels is not None else ""
        writer.writerow([row["report_id"], row["position"], row["heading"], row["section"], row["text"], label])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV, TSV or JSONL file as dicts; a one-line CorpusError if it cannot be read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(f"{path}: line {line}: not UTF-8 (save the file as UTF-8)") from None
    if not text.strip():
        raise CorpusError(f"{path}: the file is empty")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return _jsonl_rows(path, text)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as exc:
        raise CorpusError(f"{path}: line {reader.line_num}: bad CSV ({exc})") from None


def _jsonl_rows(path: Path, text: str) -> list[dict[str, str]]:
    """One JSON object per line; blank lines skipped."""
    rows = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise CorpusError(f"{path}: line {i}: not a JSON object") from None
        if not isinstance(row, dict):
            raise CorpusError(f"{path}: line {i}: not a JSON object")
        # Values as a CSV would give them: strings, "" for null.
        rows.append({str(k): "" if v is None else str(v) for k, v in row.items()})
    # Columns are those of the first row; a later row missing one shows as missing.
    if rows and any(set(r) != set(rows[0]) for r in rows):
        keys = set.intersection(*(set(r) for r in rows))
        rows = [{k: r[k] for k in keys} for r in rows]
    return rows


def require_columns(path: Path, rows: list[dict[str, str]], columns: Sequence[str]) -> None:
    """CorpusError unless there are rows and the first has every one of `columns`."""
    if not rows:
        raise CorpusError(f"{path}: no rows below the header")
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")


def validate(path: Path, rows: list[dict[str, str]]) -> None:
    """Raise CorpusError on the first problem, naming the file and the row (1 = header)."""
    require_columns(path, rows, (REPORT_COL, TEXT_COL, LABEL_COL, HEADING_COL))
    first_label: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(rows, start=2):
        text = (row.get(TEXT_COL) or "").strip()
        if not text:
            raise CorpusError(f"{path}: row {i}: empty text")
        label = (row.get(LABEL_COL) or "").strip()
        if label not in LABELS:
            shown = f"label {label!r}" if label else "empty label"
            raise CorpusError(f"{path}: row {i}: {shown} is not one of {' '.join(LABELS)}")
        seen = first_label.setdefault(text, (label, i))
        if seen[0] != label:
            raise CorpusError(
                f"{path}: row {i}: text labeled {label!r} here and {seen[0]!r} in row {seen[1]}"
            )


def read_reading(path: Path) -> dict[tuple[str, str], str]:
    """One reading of the corpus: (report_id, position) → label, every label in the scheme."""
    rows = read_rows(path)
    require_columns(path, rows, (REPORT_COL, POSITION_COL, LABEL_COL))
    reading: dict[tuple[str, str], str] = {}
    for i, row in enumerate(rows, start=2):
        key, label = (row[REPORT_COL], row[POSITION_COL]), (row[LABEL_COL] or "").strip()
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
