"""fazhi.modeling.shift: the test report shown as other reports would show it."""

import numpy as np

from fazhi.modeling.shift import permute_sections, problem_part, sentence_only, style_shift, variants

# Two reports; report a lists its problems under 二、存在的不足.
X = np.array([
    ["一、主要工作", ""],
    ["开展普法宣传。", "一、主要工作"],
    ["二、存在的不足", ""],
    ["执法力量薄弱。", "二、存在的不足"],
    ["宣传形式单一。", "二、存在的不足"],
    ["三、下一步打算", ""],
    ["加强执法。", "三、下一步打算"],
    ["一、工作成效", ""],
    ["调解纠纷。", "一、工作成效"],
], dtype=object)
y = np.array(["其他", "普法宣传", "不足", "不足", "不足", "其他", "行政执法", "其他", "矛盾化解"], dtype=object)
groups = np.array(["a"] * 7 + ["b"] * 2, dtype=object)


def test_sentence_only_blanks_every_section_and_keeps_the_text():
    out = sentence_only(X)
    assert set(out[:, 1]) == {""} and list(out[:, 0]) == list(X[:, 0])
    assert X[1, 1] == "一、主要工作"  # the input is not touched


def test_the_problem_part_is_everything_under_the_heading_that_holds_the_shortcomings():
    assert list(problem_part(X, y, groups)) == [False, False, True, True, True, False, False, False, False]


def test_permuting_shuffles_sections_only_within_each_report():
    out = permute_sections(X, groups, seed=1)
    for g in ("a", "b"):
        rows = groups == g
        assert sorted(out[rows, 1]) == sorted(X[rows, 1])
    assert list(out[:, 0]) == list(X[:, 0])
    assert (permute_sections(X, groups, seed=1) == out).all()  # seeded


def test_style_shift_permutes_then_strips_the_problem_part():
    out = style_shift(X, y, groups, seed=3)
    assert list(out[2:5, 1]) == ["", "", ""]
    assert sorted(out[groups == "b", 1]) == sorted(X[groups == "b", 1])
    shown = variants(X, y, groups)
    assert set(shown) == {"sentence_only", "style_shift"} and len(shown["style_shift"]) == 3
