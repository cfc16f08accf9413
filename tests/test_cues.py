"""features.cues: how a sentence says something, as named features (weights are learned, not rules)."""

import numpy as np

from features.cues import CUE_GROUPS, CueFeatures


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
