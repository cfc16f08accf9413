"""fazhi.formats.webpage: HTML → lines in one pass, with the rules the BeautifulSoup reader had.

The expected lines below are what the earlier reader (BeautifulSoup tree edits) gave
for the same markup; time per page is measured by benchmarks/html_pages.py, not here.
"""

from pathlib import Path

import pytest

from fazhi.formats.webpage import read_html


@pytest.mark.parametrize(
    ("markup", "lines"),
    [
        ("<div>a<p>b</div>c", ["a", "b", "c"]),  # an end tag closes what was opened inside
        ("<nav>x<p>y</p>", []),  # an unclosed dropped element drops to the end
        ("<article><header>标题</header><p>正文</p><footer>尾</footer></article><footer>版权</footer>", ["标题", "正文", "尾"]),
        ("<div role='navigation'>导航<p>x</p></div>正文", ["正文"]),
        ("a<br>b<br/>c</br>d<BR>e", ["a", "b", "cd", "e"]),  # a stray </br> is nothing
        ("<p>a</p>\n<p>b</p>\n  <p>c</p>", ["a", "b", "c"]),
        ("<p>一\n二</p><p>三  四</p>", ["一二", "三四"]),  # layout breaks and spaces between hanzi go
        ("<script>var s='</div>';</script>文本", ["文本"]),
        ("<ruby>汉<rt>hàn</rt>字<rp>(</rp></ruby>", ["汉字"]),  # pronunciation is not text
        ("<p>a<span>\n</span>b</p>", ["a", "b"]),  # a source line break between tags ends a line
        ("<p>a<span> \t </span>b</p>", ["a b"]),
        # Spaces between inline elements separate items, even between hanzi (issue 13).
        ("<div><span>发布时间:2023年07月07日</span> <span>来源:重庆人大</span></div>", ["发布时间:2023年07月07日 来源:重庆人大"]),
        ("</p>stray</div>end", ["strayend"]),
        ("<hr role='navigation'>a<hr>b", ["a", "b"]),
    ],
)
def test_html_text_follows_the_tree_rules(markup, lines):
    assert read_html(Path("p.html"), markup.encode("utf-8")) == lines


def test_deeply_nested_markup_is_read_without_recursion():
    depth = 50_000  # a tree builder recursing per level would fail long before
    raw = ("<div>" * depth + "深层的文字。" + "</div>" * depth + "<p>之后。").encode("utf-8")
    assert read_html(Path("deep.html"), raw) == ["深层的文字。", "之后。"]


def test_unclosed_elements_end_with_the_page():
    raw = "<body><article><p>一<div>二<table><tr><td>三".encode("utf-8")
    assert read_html(Path("open.html"), raw) == ["一", "二", "三"]
