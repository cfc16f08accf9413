"""fazhi.formats.pdf on PDFs whose text layer pdfminer cannot map to characters."""

import pytest

import hostile_files as hostile
import make_files as mk
from fazhi.errors import ReadError
from fazhi.formats.pdf import unmapped_share
from fazhi.formats.readers import read_report

EXPECTED = [mk.REPORT_LINES[0], mk.HEADING_1, mk.PDF_PARAGRAPH, mk.HEADING_2, mk.SENTENCE_3]


def test_a_pdf_restricted_by_an_owner_password_reads_as_its_text_not_glyph_codes(tmp_path):
    import pdfplumber

    path = mk.pdf(tmp_path / "restricted.pdf", owner_password="owner")
    with pdfplumber.open(path) as pdf:  # what pdfminer alone gives: "(cid:4162)(cid:97)…"
        assert unmapped_share([ln["text"] for ln in pdf.pages[0].extract_text_lines()]) > 0.9
    assert read_report(path) == EXPECTED  # read again by PDFium, paragraphs rejoined the same way


def test_a_pdf_whose_text_is_glyph_codes_for_every_reader_is_a_one_line_error(tmp_path):
    path = hostile.glyph_code_pdf(tmp_path / "codes.pdf")
    with pytest.raises(ReadError, match="unreadable text layer") as caught:
        read_report(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_the_share_of_unmapped_glyphs_counts_codes_and_replacement_characters():
    assert unmapped_share(["甲乙(cid:12)(cid:13)"]) == 0.5
    assert unmapped_share(["甲乙\ufffd\ufffd"]) == 0.5
    assert unmapped_share(["正常的文字。", ""]) == 0.0 and unmapped_share([]) == 0.0


def test_a_heading_numbered_with_a_kangxi_radical_in_a_pdf_text_layer_is_a_heading(tmp_path):
    # A real PDF printed by Chromium with a CJK font: its text layer keeps the radicals
    # (U+2F00 ⼀, U+2F2F ⼯) that PDFs made from Word documents often carry.
    from browser import run

    from fazhi.formats.pdf import read_pdf
    from fazhi.segment import iter_sentences

    page = tmp_path / "radicals.html"
    page.write_text('<html><meta charset="utf-8"><body style="font-family:\'Noto Sans CJK SC\'">'
                    "<p>⼀、2023年主要⼯作</p><p>全年开展普法宣传活动20场。</p></body></html>", encoding="utf-8")
    out = tmp_path / "radicals.pdf"
    run(["--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()])
    lines = [line for line in read_pdf(out, out.read_bytes()) if line.strip()]
    assert "\u2f00" in lines[0] and "\u2f2f" in lines[0]  # the text layer holds the radicals themselves
    sentences = list(iter_sentences(lines))
    assert sentences[1].heading == sentences[0].text and sentences[1].section == sentences[0].text
