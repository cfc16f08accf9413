"""Report files → lines of text (paragraphs), chosen by suffix; every failure a one-line ReadError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fazhi.config import HEADING_COL, REPORT_COL, SECTION_COL, TEXT_COL
from fazhi.errors import ReadError
from fazhi.formats import INPUT_FORMATS, TABLE_FORMATS, suffix_list
from fazhi.formats.decode import decode
from fazhi.formats.documents import HINT_SAVE_AS_DOCX, read_docx, read_text
from fazhi.formats.pdf import read_pdf
from fazhi.formats.tables import columns, read_raw, read_table, too_big
from fazhi.formats.webpage import read_html
from fazhi.segment import Sentence, text_lines

# Documents: (path, bytes) → lines. Keys with TABLE_FORMATS = INPUT_FORMATS.
READERS: dict[str, Callable[[Path, bytes], list[str]]] = {
    ".txt": read_text,
    ".md": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    ".pdf": read_pdf,
}


def supported(path: Path) -> bool:
    return Path(path).suffix.lower() in INPUT_FORMATS


def read_report_parts(path: Path, text_column: str = TEXT_COL) -> list[tuple[str, list[str]]]:
    """A file as (report id, lines) parts, in order.

    A sentence table gives one line per row from `text_column`; with a `report_id`
    column it holds one report per id (in order of first appearance), so each is
    segmented and summarised on its own; with a `section` or `heading` column its rows
    are sentences already (segment.Sentence, see _given_sections). Any other file is one
    part, with id "".
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in INPUT_FORMATS:
        kind = f"type {path.suffix!r}" if path.suffix else "type (no suffix)"
        if suffix == ".doc":  # the commonest format of older reports: say how to get one fazhi reads
            raise ReadError(f"{path}: unsupported file {kind} (an old Word file: {HINT_SAVE_AS_DOCX})")
        raise ReadError(f"{path}: unsupported file {kind}; use {suffix_list(INPUT_FORMATS)}")
    raw = read_raw(path)
    if suffix not in TABLE_FORMATS:
        return [("", _some_text(path, READERS[suffix](path, raw)))]
    rows = read_table(path, raw)
    if rows and text_column not in rows[0]:
        shown = ", ".join(columns(rows)) or "none"
        raise ReadError(f"{path}: no column {text_column!r} (columns: {shown}); choose one with --text-column")
    _some_text(path, [r[text_column] for r in rows])
    if rows and text_column not in (SECTION_COL, HEADING_COL) and (SECTION_COL in rows[0] or HEADING_COL in rows[0]):
        return _given_sections(rows, text_column)
    parts: dict[str, list[str]] = {}
    for row in rows:
        parts.setdefault(row.get(REPORT_COL, ""), []).append(row[text_column])
    return list(parts.items())


def _given_sections(rows: list[dict[str, str]], text_column: str) -> list[tuple[str, list[Sentence]]]:
    """A table that says where each sentence stands (a `section` or `heading` column, as
    `fazhi data segment` writes): each row is one sentence with that section (else its
    heading), as `fazhi serve` and `spark-tag` read the same table, never re-segmented."""
    parts: dict[str, list[Sentence]] = {}
    for row in rows:
        report = row.get(REPORT_COL, "")
        part = parts.setdefault(report, [])
        heading = (row.get(HEADING_COL) or "").strip()
        part.append(Sentence(report, len(part), heading, row[text_column].strip(),
                             (row.get(SECTION_COL) or "").strip() or heading))
    return list(parts.items())


def read_report(path: Path, text_column: str = TEXT_COL) -> list[str]:
    """The lines (paragraphs) of a report file, in order (every part of a table)."""
    return [line for _, lines in read_report_parts(path, text_column) for line in lines]


def read_text_bytes(raw: bytes, where: str) -> list[str]:
    """Lines of text that arrives as bytes without a file name (standard input)."""
    too_big(where, raw)
    if not raw.strip():
        raise ReadError(f"{where}: empty input")
    return text_lines(decode(raw, where))


def _some_text(path: Path, lines: list[str]) -> list[str]:
    if not any(line.strip() for line in lines):
        raise ReadError(f"{path}: no text")
    return lines
