"""Real report files for tests, built at test time with the libraries users' tools use.

Each builder writes one file and returns its path. The texts are short reports with
numbered headings, so segmentation and headings can be checked on every format.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from fazhi.config import SENTENCE_COLUMNS

HEADING_1 = "一、加强普法宣传教育"
SENTENCE_1 = "全年开展法治宣传活动120场。"
SENTENCE_2 = "深入推进“八五”普法规划实施！"
HEADING_2 = "二、存在的不足"
SENTENCE_3 = "基层执法人员专业能力仍有欠缺。"
# One report as lines: a title, two headed sections.
REPORT_LINES = ["某市2023年法治政府建设工作报告", HEADING_1, SENTENCE_1 + SENTENCE_2, HEADING_2, SENTENCE_3]
REPORT_TEXT = "\n".join(REPORT_LINES) + "\n"


def txt(path: Path, encoding: str = "utf-8", text: str = REPORT_TEXT) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def html(path: Path, charset: str = "utf-8") -> Path:
    """A government-style page: navigation, scripts, styles, a footer, the report."""
    page = f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>网站标题</title>
<style>.nav {{ color: red; }}</style>
<script>var tracking = "不应出现的脚本文字。";</script></head>
<body>
<header><div class="logo">某市人民政府门户网站</div></header>
<nav><ul><li>首页</li><li>政务公开</li><li>办事服务</li></ul></nav>
<div role="navigation">当前位置：首页 &gt; 政务公开</div>
<article>
<h1>{REPORT_LINES[0]}</h1>
<p>{HEADING_1}</p>
<p>{SENTENCE_1}<span>{SENTENCE_2[:6]}</span>{SENTENCE_2[6:]}</p>
<p><strong>{HEADING_2}</strong></p>
<p>基层执法人员专业
能力仍有欠缺。</p>
</article>
<script type="text/javascript">document.write("另一段脚本。");</script>
<footer>版权所有：某市人民政府办公室 备案号12345</footer>
</body></html>"""
    path.write_bytes(page.encode(charset))
    return path


def docx(path: Path) -> Path:
    """Paragraphs, then a table whose cells hold text, then a closing paragraph."""
    import docx as python_docx

    document = python_docx.Document()
    document.add_heading(REPORT_LINES[0], level=1)
    document.add_paragraph(HEADING_1)
    document.add_paragraph(SENTENCE_1 + SENTENCE_2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "完成情况"
    table.cell(1, 0).text = "行政复议案件"
    table.cell(1, 1).text = "依法办结率100%。"
    document.add_paragraph(HEADING_2)
    document.add_paragraph(SENTENCE_3)
    document.save(path)
    return path


def _canvas(path: Path, owner_password: str | None = None):
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    # A CID font built into PDF readers: Chinese text without embedding a font file.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    # An owner password (no user password): anyone may open and read it, but copying
    # is "restricted", as many government PDFs are.
    encrypt = StandardEncryption("", ownerPassword=owner_password, canCopy=0, canModify=0) if owner_password else None
    return canvas.Canvas(str(path), encrypt=encrypt)


def pdf(path: Path, owner_password: str | None = None) -> Path:
    """A text-layer PDF: a long paragraph wrapped over two lines, and a page number."""
    c = _canvas(path, owner_password)
    c.setFont("STSong-Light", 12)
    y = 760
    for line in (REPORT_LINES[0], HEADING_1):
        c.drawString(72, y, line)
        y -= 20
    # SENTENCE_1 + SENTENCE_2 wrapped like a typeset paragraph: the first visual
    # line runs to the right margin, the second stops short.
    long = SENTENCE_1 + SENTENCE_2 + SENTENCE_1 + SENTENCE_2
    first, rest = long[:36], long[36:]
    c.drawString(72, y, first)
    y -= 20
    c.drawString(72, y, rest)
    y -= 20
    for line in (HEADING_2, SENTENCE_3):
        c.drawString(72, y, line)
        y -= 20
    c.drawString(290, 40, "- 1 -")
    c.showPage()
    c.save()
    return path


def pdf_bad_font_box(path: Path) -> Path:
    """The text-layer PDF whose font descriptor's FontBBox is no rectangle (a name of the
    same length, so the cross-reference offsets stay right): pdfminer logs a warning for
    every use of the font, as for some PDFs found in the wild."""
    import re

    raw = pdf(path).read_bytes()
    box = re.search(rb"/FontBBox (\[[^\]]*\])", raw).group(1)
    path.write_bytes(raw.replace(box, b"/" + b"X" * (len(box) - 1)))
    return path


PDF_PARAGRAPH = SENTENCE_1 + SENTENCE_2 + SENTENCE_1 + SENTENCE_2


def image_pdf(path: Path) -> Path:
    """A PDF page with only an image and shapes, like a scan: no text layer."""
    from reportlab.lib.utils import ImageReader

    c = _canvas(path)
    c.rect(72, 600, 300, 150, fill=1)
    import io
    import struct
    import zlib

    # A tiny gray PNG, built by hand so the test needs no imaging library.
    raw = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    c.drawImage(ImageReader(io.BytesIO(png)), 72, 300, 200, 200)
    c.showPage()
    c.save()
    return path


def corrupt_docx(path: Path) -> Path:
    """A zip named .docx without the Word parts, like a truncated download."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a word document")
    return path


def truncated_docx(path: Path, good: Path) -> Path:
    path.write_bytes(good.read_bytes()[:500])
    return path


def doc(path: Path) -> Path:
    """An old Word file's container: a minimal valid OLE2 compound file (512-byte
    sectors: the header, one FAT sector, one directory sector) holding an empty
    WordDocument stream, as Word 97-2003 .doc files do (no tool here writes real .doc)."""
    import struct

    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<108I", *[free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *[free] * 126)

    def entry(name: str, kind: int, child: int, size: int = 0, start: int = end) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, free, free, child)
                + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, 1) + entry("WordDocument", 2, free) + bytes(256)
    path.write_bytes(header + fat + directory)
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def write_rows(path: Path, rows: list[dict[str, str]], columns=SENTENCE_COLUMNS, delimiter=",") -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), delimiter=delimiter, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    return path


def read_back(path):
    """Rows of a written file as dicts of Python values, by format."""
    suffix = path.suffix
    if suffix == ".csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "CSV must carry a BOM for Excel"
        rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))
        return [{"source": r["source"], "sentence": int(r["sentence"]), "text": r["text"],
                 "confidence": float(r["confidence"]), "uncertain": r["uncertain"] == "true"} for r in rows]
    if suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        out = []
        for sheet in book.worksheets:
            values = list(sheet.values)
            out.extend(dict(zip(values[0], v)) for v in values[1:])
        return out
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    raise AssertionError(suffix)
