"""features.cues: how a sentence says something, as named features (weights are learned, not rules)."""

import numpy as np

from fazhi_features.cues import CUE_GROUPS, CueFeatures


def test_a_shortcoming_sentence_lights_deficiency_and_pending_cues_at_its_end():
    cues = CueFeatures().fit([["x", ""]])
    names = list(cues.get_feature_names_out())
    X = np.array([["基层执法力量仍显薄弱。", "一、工作"], ["针对力量薄弱等问题,开展培训。", ""]], dtype=object)
    row = dict(zip(names, cues.transform(X).toarray()[0]))
    assert row["cue=薄弱"] == 1 and row["tail=deficiency"] == 1 and row["group=deficiency"] > 0
    planned = dict(zip(names, cues.transform(X).toarray()[1]))
    assert planned["cue=薄弱"] == 1 and planned["tail=deficiency"] == 0  # a fix planned, not a problem stated
    assert len(names) == sum(len(v) for v in CUE_GROUPS.values()) + len(CUE_GROUPS) + 2


def test_cues_read_only_the_text_column_and_are_non_negative():
    cues = CueFeatures().fit([["x", ""]])
    a = cues.transform(np.array([["开展工作。", "存在的问题"]], dtype=object)).toarray()
    b = cues.transform(np.array([["开展工作。", ""]], dtype=object)).toarray()
    assert (a == b).all() and (a >= 0).all()


def test_cues_are_exactly_those_of_the_per_sentence_loop_they_replaced(corpus_rows):
    from reference_features import cue_transform, same_matrix

    odd = ["", "不", "不不不不", "存在存在还存在问题。", "仍有不足，，。。  ", "参差不齐参差不", "不能完全不能完",
           "这是不够的\n", "有待。\n\n", "a不够b，\n" * 3, "𠀀不足𠀁", "短板\u3000\u3000", "尚未\xa0", "不足\x00不足"]
    texts = [r["text"] for r in corpus_rows] + odd
    for groups in (None, ("deficiency", "plan"), ("negation",)):
        cues = CueFeatures(groups=groups).fit([["x", ""]])
        assert same_matrix(cues.transform(texts), cue_transform(cues, texts)), groups
        X = np.array([[t, "二、存在的不足"] for t in texts], dtype=object)
        assert same_matrix(cues.transform(X), cue_transform(cues, X))


def test_the_whitespace_stripped_before_the_tail_is_every_character_python_calls_space():
    from fazhi_features.cues import _SPACES

    assert set(_SPACES) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
