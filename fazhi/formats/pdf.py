"""PDF → lines: the text layer, with visually wrapped lines joined back into paragraphs."""

from __future__ import annotations

import io
import re
from pathlib import Path

from fazhi.errors import ReadError
from fazhi.segment import heading_level

_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d+\s*(页)?(\s*/\s*\d+)?[-—–\s]*$|^第\s*\d+\s*页.*共\s*\d+\s*页$")
_LINE_ENDS = "。！？；!?;：:”’）」』》】)]"


def read_pdf(path: Path, raw: bytes) -> list[str]:
    import pdfplumber

    lines: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            for page in pdf.pages:
                lines.extend(paragraphs(page.extract_text_lines()))
                page.flush_cache()  # keeps memory flat over long documents
    except Exception as exc:  # pdfminer raises many types for a broken or encrypted file
        raise ReadError(f"{path}: not a readable PDF ({type(exc).__name__})") from None
    if not any(line.strip() for line in lines):
        raise ReadError(f"{path}: no text layer (scanned PDF?)")
    return lines


def paragraphs(page_lines: list[dict]) -> list[str]:
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
