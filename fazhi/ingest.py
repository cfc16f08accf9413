"""Report files → lines of text (paragraphs), ready for segmentation.

One reader per file type, chosen by suffix. Each reader imports its library itself
(python-docx, pdfplumber, BeautifulSoup), so tagging a plain sentence never pays for
them. Every failure is a ReadError whose message is one line: "PATH: why".
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

from fazhi.config import REPORT_COL, TEXT_COL
from fazhi.segment import normalize, text_lines


class ReadError(Exception):
    """A report that cannot be read; str() is one line naming the file and why."""


# --- text decoding ---------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Government sites often declare GB2312 or GBK yet use characters only GB18030 has;
# GB18030 decodes every text the smaller ones do, identically.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "euc_cn"}


def _codec(name: str) -> str:
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return name
    return "gb18030" if name.replace("-", "_") in _GB_FAMILY or name in _GB_FAMILY else name


def decode(raw: bytes, where: str, declared: str | None = None) -> str:
    """Text of `raw` in whatever common encoding it uses: BOM, declared, UTF-8, detected."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _decode_as(raw, encoding, where)
    if declared:
        try:
            return raw.decode(_codec(declared))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; fall back to detection
    try:
        # Valid UTF-8 is nearly never an accident for Chinese text, and the detector
        # can misjudge short texts: take the strict decoding when it works.
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_as(raw, _detect(raw, where), where)


def _detect(raw: bytes, where: str) -> str:
    """The encoding charset-normalizer finds; among equally clean readings, Chinese first.

    Short Chinese texts are valid in several East Asian encodings at once (GB18030,
    EUC-KR, Shift-JIS...) with the same score; these are Chinese reports, so a GB
    reading wins a tie, then Big5.
    """
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(raw) if m.encoding]
    clean = [m for m in matches if m.chaos <= min((m.chaos for m in matches), default=1) + 0.01]
    for family in (_GB_FAMILY, {"big5", "big5hkscs", "cp950"}):
        for m in clean:
            if family & {c.replace("-", "_") for c in m.could_be_from_charset} | family & {m.encoding}:
                return _codec(m.encoding)
    if _plain_chinese(raw):  # too short for the detector to even try GB18030
        return "gb18030"
    if not matches:
        raise ReadError(f"{where}: undecodable text (not UTF-8, GB18030/GBK or UTF-16)")
    return _codec(matches[0].encoding)


def _plain_chinese(raw: bytes) -> bool:
    """Valid GB18030 using only GBK characters (hanzi, punctuation, ASCII), no rarities."""
    try:
        raw.decode("gb18030").encode("gbk")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return False
    return True


def _decode_as(raw: bytes, encoding: str, where: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError(f"{where}: undecodable as {encoding} at byte {exc.start}") from None


# --- readers ---------------------------------------------------------------------------


def _read_text(path: Path, raw: bytes, _column: str) -> list[str]:
    return text_lines(decode(raw, str(path)))


# Elements that hold site chrome or code, never report text.
_HTML_DROP = ("script", "style", "noscript", "template", "nav", "iframe", "svg", "canvas",
              "form", "button", "select", "head")
# Page-level header/footer/aside are navigation and copyright lines; inside an
# <article> or <main> they belong to the text.
_HTML_CHROME = ("header", "footer", "aside")
_HTML_BLOCKS = ("p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6",
                "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "caption",
                "blockquote", "pre", "address", "figure", "figcaption", "center", "title",
                "body", "header", "footer", "aside", "hr")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)
_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def _read_html(path: Path, raw: bytes, _column: str) -> list[str]:
    from bs4 import BeautifulSoup, NavigableString

    match = _META_CHARSET.search(raw[:4096])
    text = decode(raw, str(path), match.group(1).decode("ascii") if match else None)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": "navigation"}):
        tag.decompose()
    for tag in soup.find_all(_HTML_CHROME):
        if not tag.decomposed and tag.find_parent(("article", "main")) is None:
            tag.decompose()
    for node in soup.find_all(string=lambda s: type(s) is not NavigableString):
        node.extract()  # comments, doctype, CDATA, processing instructions
    for br in soup.find_all("br"):
        br.replace_with("\n")
    # Source line breaks inside a paragraph are layout, not text: collapse them, then
    # mark block boundaries as the only line breaks.
    for node in soup.find_all(string=True):
        if node.parent is not None and node != "\n":
            node.replace_with(re.sub(r"\s+", " ", str(node)))
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n")
        tag.append("\n")
    lines = [_SPACE_BETWEEN_CJK.sub("", line).strip() for line in soup.get_text().split("\n")]
    return [line for line in lines if line]


def _read_docx(path: Path, raw: bytes, _column: str) -> list[str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # zipfile, XML and package errors: all mean "not a docx"
        raise ReadError(f"{path}: not a valid .docx ({type(exc).__name__})") from None

    lines: list[str] = []

    def walk(container) -> None:
        # iter_inner_content keeps paragraphs and tables in document order.
        for block in container.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                for row in block.rows:
                    seen = set()  # a merged cell appears once per grid column it spans
                    for cell in row.cells:
                        if id(cell._tc) not in seen:
                            seen.add(id(cell._tc))
                            walk(cell)

    walk(document)
    return lines


_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d+\s*(页)?(\s*/\s*\d+)?[-—–\s]*$|^第\s*\d+\s*页.*共\s*\d+\s*页$")
_LINE_ENDS = "。！？；!?;：:”’）」』》】)]"


def _read_pdf(path: Path, raw: bytes, _column: str) -> list[str]:
    import pdfplumber

    from fazhi.segment import heading_level

    lines: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            for page in pdf.pages:
                lines.extend(_pdf_paragraphs(page.extract_text_lines(), heading_level))
                page.flush_cache()  # keeps memory flat over long documents
    except Exception as exc:  # pdfminer raises many types for a broken or encrypted file
        raise ReadError(f"{path}: not a readable PDF ({type(exc).__name__})") from None
    if not any(line.strip() for line in lines):
        raise ReadError(f"{path}: no text layer (scanned PDF?)")
    return lines


def _pdf_paragraphs(page_lines: list[dict], heading_level: Callable[[str], int | None]) -> list[str]:
    """Join the visual lines of a PDF page back into paragraphs.

    A sentence ends at a line break (the corpus rule), so wrapped lines must be rejoined:
    a new paragraph starts after a line ending in punctuation, after a line that stops
    short of the right margin, at an indented line, or at a numbered heading.
    """
    page_lines = [ln for ln in page_lines if ln["text"].strip() and not _PAGE_NUMBER.match(ln["text"].strip())]
    if not page_lines:
        return []
    right = max(ln["x1"] for ln in page_lines)
    left = min(ln["x0"] for ln in page_lines)
    out: list[str] = []
    prev = None
    for ln in page_lines:
        text = ln["text"].strip()
        size = (ln["bottom"] - ln["top"]) or 10
        new = (
            prev is None
            or prev["text"].rstrip().endswith(tuple(_LINE_ENDS))
            or prev["x1"] < right - 1.5 * size
            or ln["x0"] > left + 1.5 * size
            or heading_level(text) is not None
        )
        if new:
            out.append(text)
        else:
            out[-1] += text
        prev = ln
    return out


def _csv_records(path: Path, raw: bytes, column: str) -> list[tuple[str, str]]:
    text = decode(raw, str(path))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(normalize(text), newline=""), delimiter=delimiter)
    try:
        if column not in (reader.fieldnames or []):
            shown = ", ".join(reader.fieldnames or []) or "none"
            raise ReadError(f"{path}: no column {column!r} (columns: {shown}); choose one with --text-column")
        return [(row.get(REPORT_COL) or "", row[column] or "") for row in reader]
    except csv.Error as exc:
        raise ReadError(f"{path}: line {reader.line_num}: bad CSV ({exc})") from None


def _jsonl_records(path: Path, raw: bytes, column: str) -> list[tuple[str, str]]:
    records = []
    for number, line in enumerate(text_lines(decode(raw, str(path))), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise ReadError(f"{path}: line {number}: not JSON") from None
        if not isinstance(record, dict) or column not in record:
            raise ReadError(f"{path}: line {number}: no field {column!r}; choose one with --text-column")
        value, report = record[column], record.get(REPORT_COL)
        records.append(("" if report is None else str(report), "" if value is None else str(value)))
    return records


# Sentence tables: (report_id or "", text) per row; the row's text is its line.
TABLES: dict[str, Callable[[Path, bytes, str], list[tuple[str, str]]]] = {
    ".csv": _csv_records,
    ".tsv": _csv_records,
    ".jsonl": _jsonl_records,
}


def _table_lines(path: Path, raw: bytes, column: str) -> list[str]:
    return [text for _, text in TABLES[path.suffix.lower()](path, raw, column)]


READERS: dict[str, Callable[[Path, bytes, str], list[str]]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    **{suffix: _table_lines for suffix in TABLES},
}
SUFFIXES: tuple[str, ...] = tuple(READERS)

def supported(path: Path) -> bool:
    return Path(path).suffix.lower() in READERS


def _read_raw(path: Path) -> bytes:
    """The bytes of a supported, non-empty file, or a one-line ReadError."""
    if path.suffix.lower() not in READERS:
        kind = f"type {path.suffix!r}" if path.suffix else "type (no suffix)"
        raise ReadError(f"{path}: unsupported file {kind}; use {', '.join(SUFFIXES)}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReadError(f"{path}: is a directory") from None
    except OSError as exc:
        raise ReadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not raw.strip():
        raise ReadError(f"{path}: empty file")
    return raw


def _some_text(path: Path, lines: list[str]) -> list[str]:
    if not any(line.strip() for line in lines):
        raise ReadError(f"{path}: no text")
    return lines


def read_report(path: Path, text_column: str = TEXT_COL) -> list[str]:
    """The lines (paragraphs) of a report file, in order.

    Sentence tables (.csv, .tsv, .jsonl) give one line per row, from `text_column`.
    """
    path = Path(path)
    raw = _read_raw(path)
    return _some_text(path, READERS[path.suffix.lower()](path, raw, text_column))


def read_report_parts(path: Path, text_column: str = TEXT_COL) -> list[tuple[str, list[str]]]:
    """A file as (report id, lines) parts: a sentence table with a `report_id` column
    holds one report per id (in order of first appearance), so each is segmented and
    summarised on its own; any other file is one part, with id ""."""
    path = Path(path)
    if path.suffix.lower() not in TABLES:
        return [("", read_report(path, text_column))]
    records = TABLES[path.suffix.lower()](path, _read_raw(path), text_column)
    _some_text(path, [text for _, text in records])
    parts: dict[str, list[str]] = {}
    for report, text in records:
        parts.setdefault(report, []).append(text)
    return list(parts.items())


def read_text_bytes(raw: bytes, where: str) -> list[str]:
    """Lines of text that arrives as bytes without a file name (standard input)."""
    if not raw.strip():
        raise ReadError(f"{where}: empty input")
    return text_lines(decode(raw, where))
