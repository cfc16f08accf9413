"""Tagged rows → .csv, .jsonl, .xlsx, .parquet files, or JSON lines on a pipe.

File writers stream rows into a temporary file beside the target and rename it into
place only when the run completes, so an existing output is never left half-written.
openpyxl and pyarrow are imported by the writer that needs them, not here.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a
formula: in .csv such a text cell gets a leading ' (OWASP's advice against formula
injection), in .xlsx it is stored as text, never as a formula. .jsonl and .parquet
keep the text as it is.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from fazhi.errors import OutputError
from fazhi.formats import OUTPUT_FORMATS
from fazhi.formats.files import publish, remove_stale, temp_beside

XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "str", "int", "float" or "bool": typed columns in .parquet and .xlsx; "pct" on screen only


def check_target(path: Path, inputs: set[Path], force: bool, formats: Iterable[str] | None = None) -> None:
    """Refuse an output that would lose data or cannot be written, before any work:
    an input, a directory, a missing directory, an existing file without `force`, or
    (if `formats` is given; default: the row writers' formats) another suffix."""
    path = Path(path)
    formats = tuple(OUTPUT_FORMATS if formats is None else formats)
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


class FileWriter:
    """Base of the file writers: a temporary file, committed by rename on success."""

    def __init__(self, path: Path, columns: list[Column]):
        self.path = Path(path)
        self.columns = columns
        self.names = [c.name for c in columns]
        self.rows = 0
        remove_stale(self.path.parent)  # what a killed run left
        self.tmp = temp_beside(self.path)
        try:
            self._open()
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise

    def _open(self) -> None: ...
    def _write(self, rows: list[dict]) -> None: ...
    def _close(self) -> None: ...

    def write(self, rows: list[dict]) -> None:
        if rows:
            try:
                self._write(rows)
            except Exception as exc:
                raise self._failure(exc) from None
            self.rows += len(rows)

    def commit(self) -> None:
        try:
            self._close()
            publish(self.tmp, self.path)
        except BaseException as exc:  # e.g. the disk filled up at close: leave no temporary file
            self.abort()
            if isinstance(exc, Exception):
                raise self._failure(exc) from None
            raise

    def _failure(self, exc: Exception) -> Exception:
        """An OSError as it is; what a library raises for a failed write (pyarrow's
        ArrowInvalid, lxml's SerialisationError "IO_ENOSPC" …) as one OutputError line."""
        if isinstance(exc, (OSError, OutputError)):
            return exc
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        code = re.search(r"\bIO_(E[A-Z]+)\b", why)  # lxml's names of errno values
        if code and isinstance(getattr(errno, code.group(1), None), int):
            why = os.strerror(getattr(errno, code.group(1)))
        return OutputError(f"{self.path}: cannot write ({why}); nothing was replaced")

    def abort(self) -> None:
        """Throw the temporary file away. Nothing more is written: on a full disk, or after
        Ctrl-C, finishing the file would fail or only waste time."""
        try:
            self._discard()
        except Exception:  # what fails while being thrown away does not matter
            pass
        finally:
            self.tmp.unlink(missing_ok=True)

    def _discard(self) -> None:
        self._close()

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, kind, *_: Any) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


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
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text by Excel and LibreOffice, the ' hidden or plain
    return "" if value is None else value


class JsonlWriter(FileWriter):
    def _open(self) -> None:
        self.fh = open(self.tmp, "w", encoding="utf-8", newline="\n")

    def _write(self, rows: list[dict]) -> None:
        self.fh.write(json_lines(rows, self.names))

    def _close(self) -> None:
        self.fh.close()


class XlsxWriter(FileWriter):
    """openpyxl's write-only mode streams rows to disk instead of building cells in memory.

    Every string is a text cell (never a formula), without the control characters the
    format cannot hold (openpyxl refuses them, and one would end the whole batch).
    """

    def _open(self) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        self.text_cell, self.illegal = WriteOnlyCell, ILLEGAL_CHARACTERS_RE
        self.book = Workbook(write_only=True)
        self.sheets = 0
        self.parts: list[Path] = []
        self._new_sheet()

    def _new_sheet(self) -> None:
        from openpyxl.worksheet import _writer

        self.sheets += 1
        title = "rows" if self.sheets == 1 else f"rows{self.sheets}"
        self.sheet = self.book.create_sheet(title)
        # openpyxl streams a sheet's rows into a file of the system temp folder, removed
        # at exit: one killed with SIGKILL stays there. Beside the output, under a name
        # of this process, it is the output's temporary file's sibling (remove_stale).
        part = temp_beside(self.path)
        self.parts.append(part)
        _writer.ALL_TEMP_FILES.append(str(part))  # openpyxl removes it from the list when done
        self.sheet._writer = _writer.WorksheetWriter(self.sheet, out=str(part))
        self.sheet._writer.write_top()
        self.sheet.append(self.names)
        self.in_sheet = 1

    def _write(self, rows: list[dict]) -> None:
        for row in rows:
            if self.in_sheet == XLSX_MAX_ROWS:  # continue on a new sheet, rows not lost
                self._new_sheet()
            self.sheet.append([self._value(row.get(n)) for n in self.names])
            self.in_sheet += 1

    def _value(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        cell = self.text_cell(self.sheet, self.illegal.sub("", value))
        cell.data_type = "s"  # openpyxl would make "=…" a formula
        return cell

    def _close(self) -> None:
        if self.book is not None:
            from zipfile import ZIP_DEFLATED, ZipFile

            from openpyxl.writer.excel import ExcelWriter

            book, self.book = self.book, None
            # openpyxl's save_workbook, with the archive closed if writing fails: an open
            # one is closed again by the garbage collector, which prints "Exception ignored".
            archive = ZipFile(self.tmp, "w", ZIP_DEFLATED, allowZip64=True)
            try:
                ExcelWriter(book, archive).save()
            except BaseException:
                try:
                    archive.close()
                except Exception:
                    pass
                raise
            finally:
                self._remove_parts()

    def _discard(self) -> None:
        book, self.book = self.book, None
        for sheet in book.worksheets if book is not None else ():
            # their XML streams, closed now rather than by the garbage collector
            for stream in (getattr(sheet, "_rows", None), getattr(sheet._writer, "xf", None)):
                if stream is not None:
                    with contextlib.suppress(Exception):
                        stream.close()
        self._remove_parts()

    def _remove_parts(self) -> None:
        from openpyxl.worksheet import _writer

        for part in self.parts:
            Path(part).unlink(missing_ok=True)
            if str(part) in _writer.ALL_TEMP_FILES:
                _writer.ALL_TEMP_FILES.remove(str(part))
        self.parts = []


class ParquetWriter(FileWriter):
    """Row groups written as rows arrive; the schema is typed from the columns."""

    BATCH = 50_000

    def _open(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
        self.pa = pa
        self.schema = pa.schema([(c.name, types[c.kind]) for c in self.columns])
        self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        self.buffer: list[dict] = []

    def _write(self, rows: list[dict]) -> None:
        self.buffer.extend(rows)
        if len(self.buffer) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            columns = {n: [row.get(n) for row in self.buffer] for n in self.names}
            self.writer.write_table(self.pa.table(columns, schema=self.schema))
            self.buffer = []

    def _close(self) -> None:
        if self.writer is not None:
            try:
                self._flush()
            except BaseException:
                self._discard()
                raise
            writer, self.writer = self.writer, None
            try:
                writer.close()
            except BaseException:
                writer.is_open = False  # else its __del__ closes it again and prints "Exception ignored"
                raise

    def _discard(self) -> None:
        self.buffer = []
        writer, self.writer = self.writer, None
        if writer is not None:
            try:
                writer.close()
            except Exception:
                pass
            finally:
                writer.is_open = False


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
