"""Documents → lines (paragraphs): plain text and .docx (HTML: fazhi.formats.webpage); each imports its library itself."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from fazhi.config import MAX_DOCX_PARAGRAPHS, MAX_UNPACKED_BYTES
from fazhi.errors import ReadError
from fazhi.formats.decode import decode
from fazhi.segment import text_lines


def read_text(path: Path, raw: bytes) -> list[str]:
    return text_lines(decode(raw, str(path)))


def read_docx(path: Path, raw: bytes) -> list[str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_docx_size(path, raw)
    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # zipfile, XML and package errors: all mean "not a docx"
        raise ReadError(f"{path}: not a valid .docx{_what_instead(raw) or f' ({type(exc).__name__})'}") from None

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

    try:
        walk(document)
    except Exception as exc:  # lxml's XPath and recursion limits on a hostile document
        raise ReadError(f"{path}: unreadable .docx ({type(exc).__name__})") from None
    return lines


# The start of a paragraph element, whatever its namespace prefix.
_PARAGRAPH = re.compile(rb"<(?:[\w.-]+:)?p[\s/>]")


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc, .xls, .ppt (Office 97-2003)
HINT_SAVE_AS_DOCX = "open it in Word or LibreOffice and save it as .docx"


def _what_instead(raw: bytes) -> str:
    """What a file that python-docx refuses probably is, said so the user knows what to do:
    an old Word file renamed, a zip cut short, a zip of something else; "" if unknown."""
    if raw.startswith(OLE2_MAGIC):
        return f": an old Word file (.doc) renamed .docx; {HINT_SAVE_AS_DOCX}"
    if raw.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:  # no central directory at the end: the file stops early
            return ": the file is cut short (an interrupted download or copy?)"
        if "word/document.xml" not in names:
            return ": a zip file without a Word document in it"
    return ""


def check_docx_size(path: Path, raw: bytes) -> None:
    """ReadError for a .docx that would cost unbounded memory or time: more than
    MAX_UNPACKED_BYTES inside (python-docx reads every part; zipfile enforces the sizes
    the archive declares) or more than MAX_DOCX_PARAGRAPHS paragraphs. Anything else is
    left to python-docx to judge."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts = archive.infolist()
            unpacked = sum(p.file_size for p in parts)
            if unpacked > MAX_UNPACKED_BYTES:
                raise ReadError(f"{path}: unpacks to {unpacked >> 20} MiB, more than fazhi reads "
                                f"({MAX_UNPACKED_BYTES >> 20} MiB; a zip bomb?)")
            paragraphs = 0
            for part in parts:
                if part.filename.startswith("word/") and part.filename.endswith(".xml"):
                    with archive.open(part) as fh:
                        paragraphs += _count_paragraphs(fh, MAX_DOCX_PARAGRAPHS + 1 - paragraphs)
                if paragraphs > MAX_DOCX_PARAGRAPHS:
                    break
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return  # not a readable zip: python-docx says so in its own words
    if paragraphs > MAX_DOCX_PARAGRAPHS:
        raise ReadError(f"{path}: more than {MAX_DOCX_PARAGRAPHS:,} paragraphs, the most fazhi reads of one document")



def _count_paragraphs(fh, stop: int) -> int:
    """Paragraph elements in an XML stream, read 1 MiB at a time; counting stops at `stop`."""
    count, carry = 0, b""
    while count < stop:
        block = fh.read(1 << 20)
        if not block:
            break
        data = carry + block
        cut = data.rfind(b"<")  # a tag may continue in the next block: count it there
        cut = len(data) if cut < 0 else cut
        count += sum(1 for _ in _PARAGRAPH.finditer(data, 0, cut))
        carry = data[cut:]
    return count + len(_PARAGRAPH.findall(carry))
