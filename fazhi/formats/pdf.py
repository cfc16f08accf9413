"""PDF → lines: the text layer, with visually wrapped lines joined back into paragraphs.

pdfplumber (pdfminer) reads the text layer with its geometry. Where it cannot map a
font's glyphs to characters it writes "(cid:123)" (seen in PDFs restricted by an owner
password); such a document is read again with PDFium (pypdfium2), which does.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from fazhi.errors import ReadError
from fazhi.segment import heading_level

_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d+\s*(页)?(\s*/\s*\d+)?[-—–\s]*$|^第\s*\d+\s*页.*共\s*\d+\s*页$")
_LINE_ENDS = "。！？；!?;：:”’）」』》】)]"
_CID = re.compile(r"\(cid:\d+\)")
UNMAPPED_SHARE = 0.1  # above this share of unmapped glyphs, pdfminer's text is not the text


def read_pdf(path: Path, raw: bytes) -> list[str]:
    import pdfplumber

    # pdfminer logs a warning per use of a font it half understands ("Could not get
    # FontBBox…", 80 lines for one real PDF) while the text still reads fine; Python's
    # last-resort handler would print them all. Silent unless someone set the level:
    # fazhi.cli.common.verbosity does for --verbose.
    logger = logging.getLogger("pdfminer")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)

    lines: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            for page in pdf.pages:
                lines.extend(paragraphs(page.extract_text_lines()))
                page.flush_cache()  # keeps memory flat over long documents
    except Exception as exc:  # pdfminer raises many types for a broken or encrypted file
        raise ReadError(f"{path}: not a readable PDF ({type(exc).__name__})") from None
    if unmapped_share(lines) > UNMAPPED_SHARE:
        lines = _pdfium_lines(path, raw)
        if unmapped_share(lines) > UNMAPPED_SHARE:
            raise ReadError(f"{path}: unreadable text layer (its fonts map glyphs to no characters)")
    lines = [_CID.sub("", line) for line in lines]  # a stray unmapped symbol: dropped
    if not any(line.strip() for line in lines):
        raise ReadError(f"{path}: no text layer (scanned PDF?)")
    return lines


def unmapped_share(lines: list[str]) -> float:
    """Share of glyphs pdfminer could not map to a character ("(cid:N)"), or that PDFium
    marks as unknown (U+FFFD or U+FFFE), among all characters of the lines."""
    glyphs = bad = 0
    for line in lines:
        cids = _CID.findall(line)
        rest = _CID.sub("", line)
        bad += len(cids) + rest.count("\ufffd") + rest.count("\ufffe")
        glyphs += len(cids) + len(rest.replace(" ", ""))
    return bad / glyphs if glyphs else 0.0


def _pdfium_lines(path: Path, raw: bytes) -> list[str]:
    """The text of every page by PDFium, as visual lines with their geometry → paragraphs."""
    import pypdfium2

    lines: list[str] = []
    try:
        document = pypdfium2.PdfDocument(raw)
        try:
            for page in document:
                height, text = page.get_height(), page.get_textpage()
                boxes = []  # one per text run: (text, x0, x1, top, bottom), top down
                for i in range(text.count_rects()):
                    left, bottom, right, top = text.get_rect(i)
                    boxes.append((text.get_text_bounded(left, bottom, right, top), left, right, height - top, height - bottom))
                lines.extend(paragraphs(_visual_lines(boxes)))
                text.close()
                page.close()
        finally:
            document.close()
    except Exception as exc:  # PdfiumError and friends
        raise ReadError(f"{path}: not a readable PDF ({type(exc).__name__})") from None
    return lines


def _visual_lines(boxes: list[tuple[str, float, float, float, float]]) -> list[dict]:
    """Text runs on the same baseline joined into one line, as pdfplumber gives lines."""
    out: list[dict] = []
    for text, x0, x1, top, bottom in boxes:
        text = text.replace("\r", "").replace("\n", "")
        last = out[-1] if out else None
        if last and min(bottom, last["bottom"]) - max(top, last["top"]) > 0.5 * (bottom - top) and x0 >= last["x1"] - 1:
            last.update(text=last["text"] + text, x1=max(x1, last["x1"]))
        else:
            out.append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom})
    return out


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
