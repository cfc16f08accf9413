"""Picking sentences to label: margin order, fair shares, near-duplicates, exclusion, seeds."""

from collections import Counter

import pytest

import make_files as mk
from fazhi.tagging.inputs import expand_inputs
from fazhi.store.persist import load
from fazhi.labeling.suggest import Candidate, candidates, excluded_keys, fair_cap, near_key, select, suggest
from fazhi.tagging.tagger import Tagger


def cand(text: str, score: float, source: str = "a.txt", label: str = "其他", sentence: int = 0) -> Candidate:
    return Candidate(source, sentence, "", "", text, label, 1 - score / 2, score)


def distinct(i: int) -> str:
    """A sentence unlike the others (digits would make them near-duplicates)."""
    return f"句子{chr(0x4e00 + i)}。"


def texts(picked):
    return [c.text for c in picked]


def test_the_least_certain_come_first():
    found = [cand("甲。", 0.9), cand("乙。", 0.1), cand("丙。", 0.5), cand("丁。", 0.3)]
    assert texts(select(found, 3)) == ["乙。", "丁。", "丙。"]


def test_near_duplicates_differ_only_in_digits_spaces_and_punctuation():
    assert near_key("（三）加强执法 培训。") == near_key("3.加强执法培训") == near_key("③加强执法培训；")
    assert near_key("全年调解纠纷120件。") == near_key("全年调解纠纷 ９８ 件")
    assert near_key("加强执法培训。") != near_key("加强普法培训。")


def test_near_duplicates_count_once_the_least_certain_one_stands_for_them():
    found = [cand("1.完善体制机制建设", 0.2, "a.txt"), cand("（二）完善体制机制建设。", 0.1, "b.txt"),
             cand("开展普法。", 0.3, "c.txt")]
    picked = select(found, 3)
    assert texts(picked) == ["（二）完善体制机制建设。", "开展普法。"]


def test_no_report_gives_more_than_its_fair_share():
    # Report a holds the six least certain sentences, b and c fewer and surer ones.
    found = [cand(distinct(i), 0.01 * i, "a.txt") for i in range(6)]
    found += [cand("乙甲。", 0.5, "b.txt"), cand("丙甲。", 0.6, "c.txt"), cand("丙乙。", 0.7, "c.txt")]
    picked = select(found, 6)
    assert Counter(c.source for c in picked) == {"a.txt": 3, "c.txt": 2, "b.txt": 1}
    # b has one sentence only: its share goes to the others (water-filling), n is reached.
    assert fair_cap([6, 1, 2], 6) == 3 and fair_cap([6, 1, 2], 3) == 1 and fair_cap([], 5) == 0


def test_predicted_labels_are_spread_while_n_can_still_be_reached():
    found = [cand(distinct(i), 0.01 * i, label="其他") for i in range(4)] + [cand("乙。", 0.5, label="不足")]
    assert Counter(c.label for c in select(found, 2)) == {"其他": 1, "不足": 1}
    # Only one 不足 exists: the rest of n comes from 其他 rather than stopping short.
    assert Counter(c.label for c in select(found, 4)) == {"其他": 3, "不足": 1}


def test_excluded_sentences_and_their_near_duplicates_are_never_picked(tmp_path):
    labeled = mk.write_rows(tmp_path / "mine.csv", [{"report_id": "r", "text": "开展普法宣传活动8次。", "label": "普法宣传"}])
    keys = excluded_keys([labeled])
    found = [cand("开展普法宣传活动 12 次", 0.0), cand("力量薄弱。", 0.9)]
    assert texts(select(found, 2, keys)) == ["力量薄弱。"]


def test_the_same_seed_gives_the_same_pick_and_seeds_break_ties_differently():
    found = [cand(distinct(i), 0.5, f"r{i}.txt") for i in range(40)]
    first = texts(select(found, 5, seed=1))
    assert texts(select(found, 5, seed=1)) == first
    assert any(texts(select(found, 5, seed=s)) != first for s in range(2, 6))


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        select([cand("甲。", 0.1)], 0)


@pytest.fixture(scope="module")
def tagger(trained_model_dir):
    return Tagger(load(trained_model_dir))


def test_candidates_of_real_files_carry_section_label_and_margin(tmp_path, tagger):
    report = mk.txt(tmp_path / "r.txt")
    found, errors = candidates(expand_inputs([str(report), str(tmp_path / "gone.txt")]), tagger)
    assert errors == [f"{tmp_path / 'gone.txt'}: no such file"]
    assert [c.text for c in found] == [mk.REPORT_LINES[0], mk.HEADING_1, mk.SENTENCE_1, mk.SENTENCE_2, mk.HEADING_2, mk.SENTENCE_3]
    third = found[2]
    assert (third.source, third.sentence, third.heading, third.section) == (str(report), 2, mk.HEADING_1, mk.HEADING_1)
    proba = tagger.predict_proba([type("S", (), {"text": third.text, "section": third.section})()])[0]
    top = sorted(proba, reverse=True)
    assert third.confidence == pytest.approx(top[0]) and third.score == pytest.approx(top[0] - top[1])
    assert third.label == tagger.labels[int(proba.argmax())]


def test_suggest_skips_what_is_labeled_and_counts_it(tmp_path, tagger):
    report = mk.txt(tmp_path / "r.txt")
    labeled = mk.write_rows(tmp_path / "mine.csv", [{"text": mk.SENTENCE_3, "label": "不足"}])
    result = suggest(expand_inputs([str(report)]), tagger, 10, [labeled])
    assert (result.sentences, result.excluded) == (6, 1)
    assert mk.SENTENCE_3 not in texts(result.picked) and len(result.picked) == 5
    assert [c.score for c in result.picked] == sorted(c.score for c in result.picked)
