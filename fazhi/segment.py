"""Lines of a report → sentences, each with its report id, position, heading and section.

A sentence (data/GUIDELINES.md) is a maximal span ending in 。！？； (full or half
width) or at a line break; closing quotes and brackets stay with the sentence they
close; whitespace-only spans are dropped; a span longer than MAX_SENTENCE_CHARS is
cut into pieces. A heading is a sentence that opens a line with a numbering such as
``一、``, ``（三）``, ``3.``, ``(2)``, ``①`` or ``第二部分``. Every sentence records the
nearest enclosing heading (the one it stands under) and its section: all enclosing
headings, outermost first, joined by SECTION_SEP. The section says more than the
nearest heading (`1.加强培训力度` under `（一）…普法重点任务`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from fazhi.config import MAX_SENTENCE_CHARS

_ENDS = "。！？；!?;"
_CLOSERS = "”’）」』》】)]\"'"
_SENTENCE = re.compile(rf"[^{_ENDS}]*[{_ENDS}]+[{re.escape(_CLOSERS)}]*|[^{_ENDS}]+$")

_SOFT_BREAKS = "，,、：: "  # where an over-long span is cut, if it can be
SECTION_SEP = " › "
_CN_NUM = "一二三四五六七八九十百零〇"
# Numbering styles, outermost first; the index is the heading level.
_HEADING_STYLES: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^第[{_CN_NUM}\d]+(部分|章|篇)"),
    re.compile(rf"^[{_CN_NUM}]+[、．.]"),
    re.compile(rf"^[（(][{_CN_NUM}]+[）)]"),
    re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))"),
    re.compile(r"^[（(]\d{1,2}[）)]"),
    re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]"),
)


# A heading without a number (`存在的问题和困难`, `下一年度工作打算`): a line of 4–16 Chinese
# characters and nothing else (no digit, punctuation or space: not a date, a document
# number or page furniture), not a title (…报告, …通知) nor an issuer or author line
# (…司法局, …调研组), followed by a line of body text.
# It opens a part of the report, as `一、` does.
_UNNUMBERED = re.compile(r"^[\u4e00-\u9fff、和与及]{4,16}$")
_TITLE_ENDS = ("报告", "总结", "通报", "通知", "意见", "方案", "决定", "办法", "规定", "要点", "计划",
               "组", "局", "委", "会", "办", "处", "室", "院", "厅", "府", "部", "中心", "所", "站", "队")
UNNUMBERED_LEVEL = 1
BODY_CHARS = 30  # the shortest line that counts as body text after an unnumbered heading


@dataclass(frozen=True)
class Sentence:
    report_id: str
    position: int  # 0-based index of the sentence in its report
    heading: str  # nearest enclosing numbered heading, "" if none
    text: str
    section: str = ""  # all enclosing headings, outermost first, "" if none


def heading_level(text: str) -> int | None:
    """The numbering level of a heading sentence (0 = outermost), or None. Read as given and
    in NFKC, as the model reads text (features.text.SentenceInput): `⼀、` (a Kangxi radical,
    as PDF text layers carry it) numbers a heading as `一、` does; `①` (NFKC: `1`) as itself."""
    for candidate in dict.fromkeys((text, unicodedata.normalize("NFKC", text))):
        for level, pattern in enumerate(_HEADING_STYLES):
            if pattern.match(candidate):
                return level
    return None


def split_line(line: str) -> list[str]:
    """The sentences of one line, stripped, without empty ones; a span longer than
    MAX_SENTENCE_CHARS is cut into pieces (see cut_long)."""
    out: list[str] = []
    for span in _SENTENCE.findall(line):
        span = span.strip()
        if span:
            out.extend(cut_long(span) if len(span) > MAX_SENTENCE_CHARS else (span,))
    return out


def cut_long(span: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """A span of more than `limit` characters (a table flattened into one line, a page
    without punctuation) in pieces of at most `limit`, each cut after the last comma,
    enumeration comma, colon or space in its second half if there is one. No real
    sentence is that long; the pieces keep tagging time and memory bounded."""
    pieces = []
    while len(span) > limit:
        window = span[:limit]
        cut = max(window.rfind(mark, limit // 2) for mark in _SOFT_BREAKS) + 1 or limit
        pieces.append(span[:cut].strip())
        span = span[cut:].strip()
    return [p for p in (*pieces, span) if p]


def normalize(text: str) -> str:
    """Drop a BOM and unify CRLF / CR line breaks."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def text_lines(text: str) -> list[str]:
    """The lines of a text, BOM dropped and any line break style accepted."""
    return normalize(text).split("\n")


def unnumbered_heading(line: str, next_line: str | None) -> bool:
    """Whether `line` is a heading without a number: see _UNNUMBERED."""
    line = line.strip()
    body = (next_line or "").strip()
    return (bool(_UNNUMBERED.match(line)) and not line.endswith(_TITLE_ENDS)
            and len(body) >= BODY_CHARS and body[-1] in _ENDS + _CLOSERS)


def _with_next(lines: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    """Each line, in order, with the next line that is not blank (None at the end)."""
    pending: list[str] = []  # the last non-blank line and the blank ones after it
    for line in lines:
        if line.strip():
            for earlier in pending:
                yield earlier, line
            pending = [line]
        else:
            pending.append(line)
    for earlier in pending:
        yield earlier, None


def iter_sentences(lines: Iterable[str], report_id: str = "") -> Iterator[Sentence]:
    """Sentences of a stream of lines (paragraphs); the heading stack spans lines."""
    stack: list[tuple[int, str]] = []  # (level, heading text), outermost first
    position = 0
    for line, next_line in _with_next(lines):
        spans = split_line(line.replace("\u3000", " "))
        for i, text in enumerate(spans):
            level = heading_level(text) if i == 0 else None
            if level is None and len(spans) == 1 and unnumbered_heading(text, next_line):
                level = UNNUMBERED_LEVEL
            if level is not None:
                while stack and stack[-1][0] >= level:
                    stack.pop()
            parent = stack[-1][1] if stack else ""
            section = SECTION_SEP.join(h for _, h in stack)
            yield Sentence(report_id, position, parent, text, section)
            if level is not None:
                stack.append((level, text))
            position += 1


def sentences_of(part: Sequence[str] | Sequence[Sentence], report_id: str = "") -> list[Sentence]:
    """The sentences of one report part: the lines of a report segmented, or the sentences a
    table gives with their sections (formats.readers), kept as they are."""
    if part and isinstance(part[0], Sentence):
        return [Sentence(report_id, k, s.heading, s.text, s.section) for k, s in enumerate(part)]
    return list(iter_sentences(part, report_id))


def report_rows(text):
    """(position, heading, section, text) of every sentence of a report's whole text.

    What `fazhi spark-tag --reports` runs inside Spark (no type hints: Spark would read
    them as a pandas UDF's).
    """
    return [(s.position, s.heading, s.section, s.text) for s in iter_sentences(text_lines(text or ""))]
