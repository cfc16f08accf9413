"""fazhi.formats.documents on hostile .docx files: work stays bounded and the error is one line."""

import time

import pytest

import hostile_files as hostile
import make_files as mk
from fazhi.config import MAX_UNPACKED_BYTES
from fazhi.errors import ReadError
from fazhi.formats.readers import read_report


def _refused(path, why):
    start = time.perf_counter()
    with pytest.raises(ReadError, match=why) as caught:
        read_report(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)
    return time.perf_counter() - start


def test_a_docx_of_a_million_empty_paragraphs_is_refused_at_once(tmp_path):
    # 8 MiB of <w:p/> packs into ~50 KB; python-docx would take ~35 s and 330 MB on it.
    bomb = hostile.docx_bomb(tmp_path / "bomb.docx", mk.docx(tmp_path / "good.docx"), unpacked_mib=8)
    assert bomb.stat().st_size < 100_000
    assert _refused(bomb, "more than 100,000 paragraphs, the most fazhi reads of one document") < 5


def test_a_docx_that_unpacks_past_the_limit_is_refused_before_unpacking(tmp_path):
    mib = (MAX_UNPACKED_BYTES >> 20) + 4
    bomb = hostile.docx_bomb(tmp_path / "zip.docx", mk.docx(tmp_path / "good.docx"), mib, member="word/media/image1.png")
    assert bomb.stat().st_size < 2_000_000
    assert _refused(bomb, rf"unpacks to {mib} MiB, more than fazhi reads \(256 MiB; a zip bomb\?\)") < 5


def test_a_normal_docx_still_reads(tmp_path):
    assert read_report(mk.docx(tmp_path / "good.docx"))[0] == mk.REPORT_LINES[0]
