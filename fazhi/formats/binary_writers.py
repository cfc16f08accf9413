""".xlsx and .parquet writers: the formats that need a library (openpyxl, pyarrow),
imported by the writer that uses it, not before."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from fazhi.formats.filewriter import FileWriter
from fazhi.formats.files import temp_beside

XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
# Column widths (in characters of the default font; a CJK character takes about two):
# a sheet is streamed, so widths are set by column before the first row, not measured.
XLSX_WIDTHS = {"source": 28, "sentence": 9, "heading": 30, "section": 36, "text": 70, "label": 10,
               "confidence": 11, "uncertain": 10, "explanation": 50, "report_id": 14, "position": 9}
XLSX_DEFAULT_WIDTH = 12
XLSX_WRAPPED = ("text", "explanation")  # long cells wrap within their width instead of running on


class XlsxWriter(FileWriter):
    """openpyxl's write-only mode streams rows to disk instead of building cells in memory.

    Every string is a text cell (never a formula), without the control characters the
    format cannot hold (openpyxl refuses them, and one would end the whole batch). The
    header row is frozen, the columns sized, the text column wrapped: what a reader does
    by hand first on opening the file.
    """

    def _open(self) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment

        self.text_cell, self.illegal = WriteOnlyCell, ILLEGAL_CHARACTERS_RE
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.wrapped = {n for n in self.names if n in XLSX_WRAPPED}
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
        # Views and column widths are written with the sheet's top, before any row.
        from openpyxl.utils import get_column_letter

        self.sheet.freeze_panes = "A2"
        for i, name in enumerate(self.names, start=1):
            self.sheet.column_dimensions[get_column_letter(i)].width = XLSX_WIDTHS.get(name, XLSX_DEFAULT_WIDTH)
        self.sheet._writer.write_top()
        self.sheet.append(self.names)
        self.in_sheet = 1

    def _write(self, rows: list[dict]) -> None:
        for row in rows:
            if self.in_sheet == XLSX_MAX_ROWS:  # continue on a new sheet, rows not lost
                self._new_sheet()
            self.sheet.append([self._value(row.get(n), n in self.wrapped) for n in self.names])
            self.in_sheet += 1

    def _value(self, value: Any, wrap: bool = False) -> Any:
        if not isinstance(value, str):
            return value
        cell = self.text_cell(self.sheet, self.illegal.sub("", value))
        cell.data_type = "s"  # openpyxl would make "=…" a formula
        if wrap:
            cell.alignment = self.wrap
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
