"""Documents → lines (paragraphs): plain text and .docx (HTML: fazhi.formats.webpage); each imports its library itself."""

from __future__ import annotations

import io
from pathlib import Path

from fazhi.errors import ReadError
from fazhi.formats.decode import decode
from fazhi.segment import text_lines


def read_text(path: Path, raw: bytes) -> list[str]:
    return text_lines(decode(raw, str(path)))


def read_docx(path: Path, raw: bytes) -> list[str]:
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
