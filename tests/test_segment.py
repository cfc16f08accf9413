"""Report text → sentences: what a sentence is, and which heading it stands under."""

import pytest

from fazhi.segment import heading_level, iter_sentences, split_line, text_lines


def segment(text: str, report_id: str = "") -> list:
    return list(iter_sentences(text_lines(text), report_id))


def texts(text: str) -> list[str]:
    return [s.text for s in segment(text)]


def test_full_and_half_width_marks_end_sentences():
    assert split_line("开展普法。成效明显！还有问题？继续;完善!好吗?") == [
        "开展普法。",
        "成效明显！",
        "还有问题？",
        "继续;",
        "完善!",
        "好吗?",
    ]


def test_semicolon_ends_a_sentence_but_comma_and_colon_do_not():
    assert split_line("办理案件21件,引导公证10件;来访纠纷引导诉讼15件。") == [
        "办理案件21件,引导公证10件;",
        "来访纠纷引导诉讼15件。",
    ]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    line = "他说“要依法办事。”随后落实。（详见附件。）「好。」『是！』‘对。’"
    assert split_line(line) == ["他说“要依法办事。”", "随后落实。", "（详见附件。）", "「好。」", "『是！』", "‘对。’"]


def test_a_line_break_ends_a_sentence_without_a_mark():
    assert texts("高新区2023年度法治建设工作报告\n现将情况报告如下:") == [
        "高新区2023年度法治建设工作报告",
        "现将情况报告如下:",
    ]


def test_crlf_cr_and_bom_are_normalized():
    assert texts("\ufeff标题\r\n第一句。第二句。\r第三句") == ["标题", "第一句。", "第二句。", "第三句"]


def test_blank_lines_and_whitespace_only_spans_are_dropped_and_ends_stripped():
    assert texts("  \n\n　　开展普法。   \n\t\n 。 \n") == ["开展普法。", "。"]


def test_repeated_marks_stay_together():
    assert split_line("真的吗？！是的。。") == ["真的吗？！", "是的。。"]


def test_positions_count_sentences_in_report_order():
    sents = segment("甲。乙。\n丙", report_id="r1")
    assert [(s.report_id, s.position) for s in sents] == [("r1", 0), ("r1", 1), ("r1", 2)]


def test_heading_levels_of_each_numbering_style():
    assert heading_level("第二部分 存在的问题") == 0
    assert heading_level("一、2023年法治建设主要工作及成效") == 1
    assert heading_level("（三）持续优化新区法治营商环境") == 2
    assert heading_level("(三)持续优化新区法治营商环境") == 2
    assert heading_level("3.加强普法宣传,促进治理能力。") == 3
    assert heading_level("3、加强普法宣传") == 3
    assert heading_level("（2）开展宪法宣传周") == 4
    assert heading_level("①完善制度") == 5


def test_numbers_that_are_not_headings():
    assert heading_level("2023年,高新区坚持依法行政。") is None
    assert heading_level("3.5亿元资金到位。") is None
    assert heading_level("一是制定学法计划。") is None


def test_each_sentence_records_the_nearest_enclosing_heading():
    report = "\n".join(
        [
            "报告标题",
            "一、主要工作",
            "（一）普法宣传",
            "1.注重法治学习。坚持学习。",
            "组织培训。",
            "2.加强普法。",
            "发放资料。",
            "（二）行政执法",
            "开展检查。",
            "二、存在的不足",
            "力量薄弱。",
        ]
    )
    got = [(s.text, s.heading, heading_level(s.text) is not None) for s in segment(report)]
    assert got == [
        ("报告标题", "", False),
        ("一、主要工作", "", True),
        ("（一）普法宣传", "一、主要工作", True),
        ("1.注重法治学习。", "（一）普法宣传", True),
        ("坚持学习。", "1.注重法治学习。", False),
        ("组织培训。", "1.注重法治学习。", False),
        ("2.加强普法。", "（一）普法宣传", True),
        ("发放资料。", "2.加强普法。", False),
        ("（二）行政执法", "一、主要工作", True),
        ("开展检查。", "（二）行政执法", False),
        ("二、存在的不足", "", True),
        ("力量薄弱。", "二、存在的不足", False),
    ]


def test_only_a_line_opening_numbering_makes_a_heading():
    sents = segment("开展检查。1.这不是标题。\n后一句。")
    assert [s.heading for s in sents] == ["", "", ""]


def test_a_report_without_headings():
    sents = segment("2023年,我区依法行政。\n成效明显;问题仍存。")
    assert [s.heading for s in sents] == ["", "", ""]


def test_the_section_joins_every_enclosing_heading_outermost_first():
    sents = segment("一、主要工作\n（一）普法宣传\n1.注重学习。坚持学习。\n二、不足\n力量薄弱。")
    assert [s.section for s in sents] == [
        "",
        "一、主要工作",
        "一、主要工作 › （一）普法宣传",
        "一、主要工作 › （一）普法宣传 › 1.注重学习。",
        "",  # a new top-level heading closes the old section
        "二、不足",
    ]


def test_a_span_longer_than_any_sentence_is_cut_into_bounded_pieces():
    from fazhi.config import MAX_SENTENCE_CHARS
    from fazhi.segment import cut_long

    flat = "甲" * (2 * MAX_SENTENCE_CHARS + 34)  # no mark at all: hard cuts
    assert [len(p) for p in split_line(flat)] == [MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS, 34]
    commas = "加强普法宣传，" * 100 + "。"  # cut after the last comma of each window
    pieces = split_line(commas)
    assert "".join(pieces) == commas and all(p.endswith(("，", "。")) for p in pieces)
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert cut_long("短句。") == ["短句。"]


# Lines of the bundled reports (seeds/003, 002, 004, 000) as they stand there.
BODY_003 = "一是法治督察作用发挥还不够。以问题为导向开展法治督察工作的指向性不明显,在发挥依法治区指挥棒作用上还有差距。"


def test_a_short_line_without_a_number_before_body_text_is_a_heading():
    sentences = list(iter_sentences(["3.扎实推进普法宣传。", "存在的问题和困难", BODY_003, "下一年度工作打算",
                                     "下一步,我区将坚持以习近平新时代中国特色社会主义思想为指导,全面推进依法治区。"]))
    problem, body = sentences[1], sentences[2]
    assert problem.text == "存在的问题和困难" and problem.section == ""  # it ends the numbered part before it
    assert body.heading == body.section == "存在的问题和困难"
    assert sentences[-1].heading == "下一年度工作打算"


@pytest.mark.parametrize("line", ["效力状况 有效 附件下载 ——", "淄高新委〔2022〕26号", "高新区2023年度法治建设工作报告",
                                  "法治政府建设工作报告", "分享到"])
def test_furniture_titles_and_document_numbers_are_not_unnumbered_headings(line):
    sentences = list(iter_sentences([line, BODY_003]))
    assert sentences[-1].heading == "" and sentences[-1].section == ""


def test_an_unnumbered_heading_needs_body_text_after_it():
    # Two short lines in a row (page furniture, a list of names) are not headings.
    assert [s.section for s in iter_sentences(["存在的问题和困难", "联系我们", "网站地图"])] == ["", "", ""]
