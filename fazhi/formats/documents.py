"""Documents → lines (paragraphs): plain text, HTML and .docx; each imports its library itself."""

from __future__ import annotations

import io
import re
from pathlib import Path

from fazhi.errors import ReadError
from fazhi.formats.decode import decode
from fazhi.segment import text_lines


def read_text(path: Path, raw: bytes) -> list[str]:
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


def read_html(path: Path, raw: bytes) -> list[str]:
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
