"""fazhi.formats.decode: a declared encoding is trusted only when its reading is no worse than the bytes' own."""

import pytest

from fazhi.formats.decode import decode
from fazhi.formats.webpage import read_html

# Report sentences whose GBK bytes happen to be valid Big5 too: a Big5 declaration
# over them decodes without error, into nonsense.
GBK_AS_BIG5 = ["高新区2023年度法治建设工作报告", "一、2023年法治建设主要工作及成效", "1.注重法治学习,提升法治素养。",
               "通过定期或不定期法律培训和学习活动,加强领导干部的法律意识,提升法治素养。"]
TRADITIONAL = ["法治政府建設工作報告", "加強普法宣傳教育，全年開展法治宣傳活動一百二十場。"]


def page(charset: str, lines: list[str]) -> str:
    body = "".join(f"<p>{line}</p>\n" for line in lines)
    return f'<html><head><meta charset="{charset}"><title>t</title></head><body>\n{body}</body></html>'


@pytest.mark.parametrize(
    ("declared", "actual", "lines"),
    [("iso-8859-1", "utf-8", GBK_AS_BIG5), ("big5", "gbk", GBK_AS_BIG5), ("iso-8859-1", "gbk", GBK_AS_BIG5)],
)
def test_a_declaration_that_lies_is_not_trusted(tmp_path, declared, actual, lines):
    raw = page(declared, lines).encode(actual)
    raw.decode(declared)  # the trap: the declared encoding decodes these bytes without error
    assert read_html(tmp_path / "p.html", raw) == lines


@pytest.mark.parametrize(
    ("charset", "lines"),
    [("big5", TRADITIONAL), ("gb2312", GBK_AS_BIG5), ("iso-8859-1", ["Café, crème brûlée, garçon."]), ("utf-8", TRADITIONAL)],
)
def test_a_true_declaration_is_kept(tmp_path, charset, lines):
    raw = page(charset, lines).encode(charset)
    assert read_html(tmp_path / "p.html", raw) == lines


def test_plain_ascii_takes_the_declaration_without_detection():
    assert decode(b"plain text", "x", "iso-8859-1") == "plain text"
