"""Sentence tables (.csv, .tsv, .jsonl) → rows of strings: one reader for labeled files and predict inputs.

Values are read as a CSV gives them: strings, "" for a JSON null. A ragged row (more or
fewer fields than the header) is an error, not a silently shifted record.

The formula guard lives here, beside the reader that undoes it: fazhi's CSV writers put a
' before a text cell a spreadsheet would run as a formula (`guard`), and every CSV read
here loses that ' again (`unguard`), so a text makes the round trip unchanged, through
`data segment`, `data import`, `predict` and back into `train`, `data check`, `evaluate`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from fazhi.config import MAX_INPUT_BYTES
from fazhi.errors import ReadError
from fazhi.formats.decode import decode
from fazhi.segment import normalize

JSONL_SUFFIXES = (".jsonl", ".ndjson")

# A cell starting with one of these is run as a formula by Excel or LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value: str) -> str:
    """A CSV text cell a spreadsheet shows as text: a leading ' before a formula start
    (OWASP's advice against formula injection). A text that itself starts with ' gets one
    too, so `unguard` can tell the guard from the text."""
    return "'" + value if value.startswith(FORMULA_START) or value.startswith("'") else value


def unguard(value: str) -> str:
    """A CSV cell as it was before `guard`: one leading ' removed before a formula start or a '."""
    return value[1:] if value[:1] == "'" and value[1:2] and (value[1] in FORMULA_START or value[1] == "'") else value


def read_limited(fh: Any, limit: int = MAX_INPUT_BYTES + 1) -> bytes:
    """At most `limit` bytes of an open binary file, until its end.

    A regular file is read at once. A pipe, FIFO or terminal is read in chunks, waiting
    at most WAIT_S at a time: a signal that lands just before a blocking read() (or on
    another thread: numpy's) would not interrupt it, and Ctrl-C or SIGTERM would wait
    for the writer. Returning to Python between waits lets fazhi.interrupts' handler run."""
    import os
    import select
    import stat

    try:
        fd = fh.fileno()
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation: an in-memory stream (tests' CliRunner)
        return fh.read(limit)
    if os.name != "posix" or stat.S_ISREG(os.fstat(fd).st_mode):
        return fh.read(limit)  # nothing was read through fh before: its buffer is empty, os.read below is safe
    chunks, size = [], 0
    while size < limit:
        ready, _, _ = select.select([fd], [], [], WAIT_S)
        if not ready:
            continue  # the pending signal handlers run here, between two waits
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


WAIT_S = 0.2


def read_raw(path: Path) -> bytes:
    """The bytes of a non-empty file, or a one-line ReadError."""
    try:
        with open(path, "rb") as fh:
            raw = read_limited(fh)
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReadError(f"{path}: is a directory") from None
    except OSError as exc:
        raise ReadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    too_big(path, raw)
    if not raw.strip():
        raise ReadError(f"{path}: empty file")
    return raw


def too_big(where: Path | str, raw: bytes) -> None:
    """ReadError if `raw` is more than fazhi reads of one input (MAX_INPUT_BYTES)."""
    if len(raw) > MAX_INPUT_BYTES:
        raise ReadError(f"{where}: more than {MAX_INPUT_BYTES >> 20} MiB, the most fazhi reads of one input")


def read_table(path: Path, raw: bytes | None = None, utf8_only: bool = False) -> list[dict[str, str]]:
    """Rows of a CSV, TSV or JSONL file (by suffix) as dicts, columns those of the header
    (JSONL: the keys every row has).

    utf8_only: refuse other encodings (labeled files are kept in UTF-8); otherwise the
    encoding is detected, as for any report.
    """
    path = Path(path)
    raw = read_raw(path) if raw is None else raw
    if utf8_only:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ReadError(f"{path}: line {line}: not UTF-8 (save the file as UTF-8)") from None
    else:
        text = decode(raw, str(path))
    text = normalize(text)
    if path.suffix.lower() in JSONL_SUFFIXES:
        return _jsonl_rows(path, text)
    if path.suffix.lower() == ".tsv":
        return _csv_rows(path, text, "\t")
    return [{k: unguard(v) for k, v in row.items()} for row in _csv_rows(path, text, ",")]


def _csv_rows(path: Path, text: str, delimiter: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        rows = []
        for fields in reader:
            if not fields:
                continue  # a blank line
            if len(fields) != len(header):
                raise ReadError(f"{path}: line {reader.line_num}: {len(fields)} fields, the header has {len(header)}")
            rows.append(dict(zip(header, fields)))
    except csv.Error as exc:
        raise ReadError(f"{path}: line {reader.line_num}: bad CSV ({exc})") from None
    return rows


def _jsonl_rows(path: Path, text: str) -> list[dict[str, str]]:
    rows = []
    for i, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            raise ReadError(f"{path}: line {i}: not JSON") from None
        if not isinstance(row, dict):
            raise ReadError(f"{path}: line {i}: not a JSON object")
        rows.append({str(k): "" if v is None else str(v) for k, v in row.items()})
    if rows and any(r.keys() != rows[0].keys() for r in rows):
        keys = [k for k in rows[0] if all(k in r for r in rows)]
        rows = [{k: r[k] for k in keys} for r in rows]
    return rows


def header(path: Path) -> list[str]:
    """The column names of a CSV, TSV or JSONL file from its first line alone (the first
    64 KiB read); [] if that cannot be read: reading the whole file says why."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return []
    line = head.split(b"\n", 1)[0]
    for encoding in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = line.decode(encoding).strip("\r")
            break
        except UnicodeDecodeError:
            continue
    else:
        return []
    if path.suffix.lower() in JSONL_SUFFIXES:
        try:
            row = json.loads(text)
        except (ValueError, RecursionError):
            return []
        return [str(k) for k in row] if isinstance(row, dict) else []
    try:
        return next(csv.reader([text], delimiter="\t" if path.suffix.lower() == ".tsv" else ","), [])
    except csv.Error:
        return []


def columns(rows: list[dict[str, str]]) -> list[str]:
    return list(rows[0]) if rows else []
