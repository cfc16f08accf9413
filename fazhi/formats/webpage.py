"""HTML → lines (paragraphs) in one pass over the parser's events: time grows linearly with the page.

The text is what a reader sees of the report: scripts, styles, navigation, forms and
page-level header/footer/aside are dropped (inside an <article> or <main> a header or
footer belongs to the text); block elements and <br> end lines; other line breaks and
runs of whitespace inside a paragraph are layout and become one space. It is the text
BeautifulSoup gave this project before (same tree rules, same whitespace rules), without
building and editing a tree: editing a tree node by node is quadratic in the page size.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from fazhi.formats.decode import decode

# Elements that hold site chrome or code, never report text.
DROP = frozenset(("script", "style", "noscript", "template", "nav", "iframe", "svg", "canvas",
                  "form", "button", "select", "head"))
# Page-level header/footer/aside are navigation and copyright lines; inside an
# <article> or <main> they belong to the text.
CHROME = frozenset(("header", "footer", "aside"))
CONTENT = frozenset(("article", "main"))
BLOCKS = frozenset(("p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6",
                    "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "caption",
                    "blockquote", "pre", "address", "figure", "figcaption", "center", "title",
                    "body", "header", "footer", "aside", "hr"))
# Elements without content or end tag (as BeautifulSoup counts them).
VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "menuitem",
                  "meta", "param", "source", "track", "wbr", "basefont", "bgsound", "command", "frame",
                  "image", "isindex", "nextid", "spacer"))
RUBY = frozenset(("rt", "rp"))  # ruby annotations (pronunciation), not text
PRESERVE = frozenset(("pre", "textarea"))  # whitespace-only text is kept as it is

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)
_ASCII_SPACES = frozenset(" \n\t\f\r")
_SPACES = re.compile(r"\s+")
_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
# Spaces between two inline elements (`<span>…07日</span> <span>来源…</span>`) separate
# items: kept as one space, while spaces inside CJK text (source line wrapping) go.
_BETWEEN_TAGS = "\ue000"  # private use: no page text contains it, no regex takes it for a space


def read_html(path: Path, raw: bytes) -> list[str]:
    match = _META_CHARSET.search(raw[:4096])
    text = decode(raw, str(path), match.group(1).decode("ascii") if match else None)
    page = _Text()
    page.feed(text)
    page.close()
    lines = (_SPACE_BETWEEN_CJK.sub("", line).replace(_BETWEEN_TAGS, " ").strip()
             for line in "".join(page.out).split("\n"))
    return [line for line in lines if line]


class _Text(HTMLParser):
    """Collects visible text with a "\\n" at every block boundary and <br>.

    Open elements are kept on a stack so an end tag closes every element opened
    after its own (as a tree builder does); counters make each event O(1) amortised.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.data: list[str] = []  # text since the last tag, comment or declaration
        self.stack: list[tuple[str, bool]] = []  # (tag, drops its content)
        self.open: dict[str, int] = {}
        self.dropped = 0  # open elements whose content is dropped
        self.content = 0  # open <article>/<main>
        self.ruby = self.preserve = 0

    # Text ------------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        self.data.append(data)

    def _flush(self) -> None:
        if not self.data:
            return
        text, self.data = "".join(self.data), []
        if self.dropped or self.ruby:
            return
        if not self.preserve and all(ch in _ASCII_SPACES for ch in text):
            text = "\n" if "\n" in text else _BETWEEN_TAGS  # a line break between tags ends a line
        if text != "\n":
            text = _SPACES.sub(" ", text)  # source line breaks inside a paragraph are layout
        self.out.append(text)

    def handle_comment(self, data: str) -> None:
        self._flush()

    handle_decl = handle_pi = unknown_decl = handle_comment  # doctype, PIs, CDATA: not text

    # Elements ----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        drops = (tag in DROP or (tag in CHROME and not self.content)
                 or any(k == "role" and v == "navigation" for k, v in attrs))
        if tag in VOID:
            if tag in ("br", "hr") and not (self.dropped or drops):
                self.out.append("\n")
            return
        self.stack.append((tag, drops))
        self.open[tag] = self.open.get(tag, 0) + 1
        self.dropped += drops
        self.content += tag in CONTENT
        self.ruby += tag in RUBY
        self.preserve += tag in PRESERVE
        if tag in BLOCKS and not self.dropped:
            self.out.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        if not self.open.get(tag):  # nothing to close (or a void element's end tag)
            return
        while True:
            name, drops = self.stack.pop()
            self.open[name] -= 1
            if name in BLOCKS and not self.dropped:
                self.out.append("\n")
            self.dropped -= drops
            self.content -= name in CONTENT
            self.ruby -= name in RUBY
            self.preserve -= name in PRESERVE
            if name == tag:
                return

    def close(self) -> None:
        super().close()
        self._flush()
        while self.stack:  # elements never closed end with the page
            self.handle_endtag(self.stack[-1][0])
