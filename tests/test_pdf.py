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
