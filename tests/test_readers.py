"""Readers: real .txt/.html/.docx/.pdf/.csv/.jsonl files → lines, and one-line errors."""

import json

import pytest

from fazhi.errors import ReadError
from fazhi.formats.readers import read_report, read_text_bytes
from fazhi.segment import iter_sentences
import make_files as mk


def sentences(lines):
    return [(s.heading, s.text) for s in iter_sentences(lines)]


# What every reader must give for the standard report: headings attached.
EXPECTED = [
    ("", mk.REPORT_LINES[0]),
    ("", mk.HEADING_1),
    (mk.HEADING_1, mk.SENTENCE_1),
    (mk.HEADING_1, mk.SENTENCE_2),
    ("", mk.HEADING_2),
    (mk.HEADING_2, mk.SENTENCE_3),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-be"])
def test_text_in_any_common_chinese_encoding_is_detected(tmp_path, encoding):
    path = mk.txt(tmp_path / f"r-{encoding}.txt", encoding)
    if encoding == "utf-16-be":  # with a BOM, as Windows Notepad writes it
        path.write_bytes(b"\xfe\xff" + path.read_bytes())
    assert sentences(read_report(path)) == EXPECTED


def test_gb18030_report_of_the_seeds_decodes_exactly(tmp_path):
    from fazhi.config import SEEDS_DIR

    seed = sorted(SEEDS_DIR.glob("*.txt"))[1]
    text = seed.read_text(encoding="utf-8")
    path = tmp_path / "seed.txt"
    path.write_bytes(text.encode("gb18030"))
    assert read_report(path) == read_report(seed)


def test_markdown_is_read_as_text(tmp_path):
    path = mk.txt(tmp_path / "r.md")
    assert sentences(read_report(path)) == EXPECTED


@pytest.mark.parametrize("charset", ["utf-8", "gb2312"])
def test_html_gives_the_text_without_navigation_scripts_or_styles(tmp_path, charset):
    lines = read_report(mk.html(tmp_path / "r.html", charset))
    text = "\n".join(lines)
    for chrome in ("首页", "脚本", "color", "门户网站", "版权所有", "当前位置", "网站标题"):
        assert chrome not in text
    assert sentences(lines) == EXPECTED


def test_htm_suffix_and_undeclared_gbk_page(tmp_path):
    path = tmp_path / "r.htm"
    path.write_bytes(("<html><body><p>" + mk.HEADING_1 + "</p><div>" + mk.SENTENCE_1 * 5 + "</div></body></html>").encode("gbk"))
    assert read_report(path) == [mk.HEADING_1, mk.SENTENCE_1 * 5]


def test_docx_paragraphs_and_table_cells_in_document_order(tmp_path):
    lines = [line for line in read_report(mk.docx(tmp_path / "r.docx")) if line]
    assert lines == [
        mk.REPORT_LINES[0], mk.HEADING_1, mk.SENTENCE_1 + mk.SENTENCE_2,
        "指标", "完成情况", "行政复议案件", "依法办结率100%。",
        mk.HEADING_2, mk.SENTENCE_3,
    ]


def test_pdf_text_layer_with_wrapped_lines_rejoined_and_page_numbers_dropped(tmp_path):
    lines = read_report(mk.pdf(tmp_path / "r.pdf"))
    assert lines == [mk.REPORT_LINES[0], mk.HEADING_1, mk.PDF_PARAGRAPH, mk.HEADING_2, mk.SENTENCE_3]


def test_csv_and_jsonl_sentence_tables_use_the_text_column(tmp_path):
    csv_path = tmp_path / "s.csv"
    csv_path.write_bytes(("id,内容\n1," + mk.SENTENCE_1 + "\n2,\"" + mk.SENTENCE_2 + "\"\n").encode("gb18030"))
    assert read_report(csv_path, text_column="内容") == [mk.SENTENCE_1, mk.SENTENCE_2]
    jsonl = tmp_path / "s.jsonl"
    jsonl.write_text("\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in mk.REPORT_LINES) + "\n", encoding="utf-8")
    assert sentences(read_report(jsonl)) == EXPECTED


def test_stdin_bytes_are_decoded_like_files():
    assert read_text_bytes(mk.REPORT_TEXT.encode("gb18030"), "-") == mk.REPORT_LINES + [""]


@pytest.mark.parametrize(
    ("build", "why"),
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: mk.empty(d / "empty.txt"), "empty file"),
        (lambda d: mk.txt(d / "blank.txt", text=" \n\n  \n"), "empty file"),
        (lambda d: mk.corrupt_docx(d / "bad.docx"), "not a valid .docx: a zip file without a Word document in it"),
        (lambda d: mk.truncated_docx(d / "cut.docx", mk.docx(d / "good.docx")),
         "not a valid .docx: the file is cut short (an interrupted download or copy?)"),
        (lambda d: mk.doc(d / "old.docx"), "not a valid .docx: an old Word file (.doc) renamed .docx; "
                                           "open it in Word or LibreOffice and save it as .docx"),
        (lambda d: mk.doc(d / "old.doc"), "unsupported file type '.doc' (an old Word file: "
                                          "open it in Word or LibreOffice and save it as .docx)"),
        (lambda d: mk.image_pdf(d / "scan.pdf"), "no text layer (scanned PDF?)"),
        (lambda d: mk.txt(d / "fake.pdf", text="这不是PDF文件。"), "not a readable PDF"),
        (lambda d: mk.txt(d / "pic.png", text="x"), "unsupported file type '.png'"),
        (lambda d: mk.txt(d / "README", text="x"), "unsupported file type (no suffix)"),
        (lambda d: _binary(d / "noise.txt"), "undecodable text"),
        (lambda d: mk.txt(d / "t.csv", text="a,b\n1,2\n"), "no column 'text' (columns: a, b)"),
        (lambda d: mk.txt(d / "t.jsonl", text='{"text": "甲。"}\n{oops\n'), "line 2: not JSON"),
        (lambda d: mk.txt(d / "t2.jsonl", text='{"body": "甲。"}\n'), "no column 'text' (columns: body)"),
    ],
)
def test_unreadable_files_raise_one_line_naming_the_file_and_why(tmp_path, build, why):
    path = build(tmp_path)
    with pytest.raises(ReadError) as info:
        read_report(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert why in message
    assert "\n" not in message


def _binary(path):
    import random

    rng = random.Random(0)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(4000)))
    return path


def test_readers_do_not_import_document_libraries_until_needed():
    import subprocess
    import sys

    code = (
        "import sys, pathlib, tempfile\n"
        "from fazhi.formats.readers import read_report\n"
        "p = pathlib.Path(tempfile.mkdtemp()) / 'a.txt'; p.write_text('甲。', encoding='utf-8')\n"
        "read_report(p)\n"
        "print(sorted(m for m in ('docx', 'pdfplumber', 'bs4', 'charset_normalizer') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("text", ["甲。", "来自管道。", "存在不足", "臺灣的報告。"])
def test_short_gb18030_texts_are_not_mistaken_for_korean_or_japanese(text):
    # The detector scores such bytes equally in several East Asian encodings.
    assert read_text_bytes(text.encode("gb18030"), "-") == [text]
