"""Tagged rows → .csv, .jsonl, .xlsx, .parquet files, or JSON lines on a pipe.

File writers stream rows into a temporary file beside the target and rename it into
place only when the run completes, so an existing output is never left half-written.
The base class is in filewriter.py; the .xlsx and .parquet writers, whose libraries
are imported only when used, in binary_writers.py.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a
formula: in .csv such a text cell gets a leading ' (OWASP's advice against formula
injection; fazhi.formats.tables reads it back without), in .xlsx it is stored as text,
never as a formula. .jsonl and .parquet keep the text as it is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from fazhi.errors import OutputError
from fazhi.formats import OUTPUT_FORMATS
from fazhi.formats.binary_writers import ParquetWriter, XlsxWriter
from fazhi.formats.filewriter import Column, FileWriter
from fazhi.formats.tables import guard


def check_target(path: Path, inputs: set[Path], force: bool, formats: Iterable[str] | None = None) -> None:
    """Refuse an output that would lose data or cannot be written, before any work:
    an input, a directory, a missing directory, an existing file without `force`, or
    (if `formats` is given; default: the row writers' formats) another suffix."""
    path = Path(path)
    try:
        _check_target(path, inputs, force, tuple(OUTPUT_FORMATS if formats is None else formats))
    except OSError as exc:  # a name too long, a path through a file…: one line, not a traceback
        raise OutputError(f"{path}: cannot be an output ({exc.strerror or exc})") from None


def _check_target(path: Path, inputs: set[Path], force: bool, formats: tuple[str, ...]) -> None:
    if path.is_dir():
        raise OutputError(f"{path}: is a directory")
    if formats and path.suffix.lower() not in formats:
        raise OutputError(f"{path}: unknown output format {path.suffix or '(no suffix)'!r}; use {', '.join(formats)}")
    if path.resolve() in inputs:
        raise OutputError(f"{path}: is also an input; refusing to overwrite it")
    if not path.parent.resolve().is_dir():
        raise OutputError(f"{path}: directory {path.parent} does not exist")
    if path.exists() and not force:
        raise OutputError(f"{path}: exists (use --force to replace it)")


def json_lines(rows: list[dict], names: list[str]) -> str:
    """One JSON object per row, its keys in column order, Chinese kept readable."""
    return "".join(json.dumps({n: row.get(n) for n in names}, ensure_ascii=False) + "\n" for row in rows)


class CsvWriter(FileWriter):
    """UTF-8 with BOM: Excel opens Chinese text correctly only with it."""

    def _open(self) -> None:
        self.fh = open(self.tmp, "w", encoding="utf-8-sig", newline="")
        self.csv = csv.writer(self.fh)
        self.csv.writerow(self.names)

    def _write(self, rows: list[dict]) -> None:
        self.csv.writerows([_cell(row.get(n)) for n in self.names] for row in rows)

    def _close(self) -> None:
        self.fh.close()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return guard(value)  # shown as text by Excel and LibreOffice, the ' hidden or plain
    return "" if value is None else value


class JsonlWriter(FileWriter):
    def _open(self) -> None:
        self.fh = open(self.tmp, "w", encoding="utf-8", newline="\n")

    def _write(self, rows: list[dict]) -> None:
        self.fh.write(json_lines(rows, self.names))

    def _close(self) -> None:
        self.fh.close()


# Keys: fazhi.formats.OUTPUT_FORMATS.
WRITERS: dict[str, type[FileWriter]] = {".csv": CsvWriter, ".jsonl": JsonlWriter, ".xlsx": XlsxWriter, ".parquet": ParquetWriter}


def open_writer(path: Path, columns: list[Column]) -> FileWriter:
    """A writer for `path`, by its suffix (check the target first with check_target)."""
    path = Path(path)
    try:
        return WRITERS[path.suffix.lower()](path, columns)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None


class StreamJsonl:
    """JSON lines on a pipe, flushed per report so a consumer sees results as they come."""

    def __init__(self, stream: IO[str], columns: list[Column]):
        self.stream = stream
        self.names = [c.name for c in columns]
        self.rows = 0

    def write(self, rows: list[dict]) -> None:
        self.stream.write(json_lines(rows, self.names))
        self.stream.flush()
        self.rows += len(rows)
