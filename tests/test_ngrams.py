"""features.ngrams and CharVectorizer: n-grams counted for a whole batch with numpy give
exactly scikit-learn's matrices, and the default model exactly the same predictions."""

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from fazhi_features.cues import CueFeatures
from fazhi_features.ngrams import GramIndex, KeyTable, codepoints, rows_of
from fazhi_features.text import CharVectorizer, SectionVectorizer, sub_all
from fazhi.corpus.dataset import read_labeled
from fazhi.modeling.model import DEFAULTS, build_pipeline, fit, pipeline_of
from reference_features import cue_transform, same_matrix, sklearn_counting

# What real text holds and what it might: runs of ASCII and ideographic spaces, tabs,
# an empty text, NUL (the separator sub_all joins with), characters beyond the BMP, a
# lone surrogate (undecodable bytes), Latin letters in both cases.
ODD = ["  a\t\tb  c ", "", "x", "\x00", "甲\x00乙", "𠀀𠀁ab𠀀", "\ud800x", "e\u3000\u3000f", "ABC abc", "。。。", "不足\n\n不足"]


@pytest.fixture(scope="module")
def corpus(corpus_file):
    return read_labeled(corpus_file)


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (1, 3), (2, 3), (3, 3)])
def test_char_tfidf_equals_scikit_learn_bit_for_bit(corpus, ngram_range):
    texts = [str(t) for t in corpus.X[:, 0]]
    ours = CharVectorizer(analyzer="char", lowercase=False, ngram_range=ngram_range, sublinear_tf=True)
    ours.fit(texts[:300] + ODD)
    theirs = sklearn_counting(ours)
    assert type(theirs) is TfidfVectorizer
    for docs in (texts, ODD, texts[:1]):
        assert same_matrix(ours.transform(docs), theirs.transform(docs))


def test_settings_numpy_cannot_count_go_to_scikit_learn_unchanged(corpus):
    texts = [str(t) for t in corpus.X[:200, 0]] + ODD
    for params in ({"lowercase": True}, {"ngram_range": (1, 4)}, {"analyzer": "char_wb"}, {"binary": True}):
        ours = CharVectorizer(**{"analyzer": "char", "lowercase": False, **params}).fit(texts)
        assert same_matrix(ours.transform(texts), sklearn_counting(ours).transform(texts))
    with pytest.raises(ValueError, match="string object received"):
        ours.transform("一句话")


def test_the_section_block_counts_with_numpy_too_and_stays_empty_when_trained_without_sections():
    block = SectionVectorizer(analyzer="char", lowercase=False, ngram_range=(1, 2), sublinear_tf=True)
    block.fit(["一、主要工作", "二、存在的不足 › （一）执法"])
    docs = ["二、存在的不足", "", "一、主要工作 › 1.培训"]
    assert same_matrix(block.transform(docs), sklearn_counting(block).transform(docs))
    empty = SectionVectorizer(analyzer="char", lowercase=False, ngram_range=(1, 2)).fit(["", ""])
    assert empty.transform(["二、存在的不足", "\x00"]).nnz == 1  # only the sentinel it was fitted on


def test_the_default_model_predicts_the_same_as_with_per_text_counting(corpus, monkeypatch):
    model = build_pipeline(DEFAULTS)
    fit(model, corpus.X, corpus.y, corpus.groups)
    fast = model.predict_proba(corpus.X)
    # The same fitted model with scikit-learn's vectorizers and the loop of cue tests.
    features = pipeline_of(model).named_steps["features"]
    for estimator in [features, *(c.estimator for c in model.labeler_.calibrated_.calibrated_classifiers_)]:  # inside the area wrapper
        ct = estimator if hasattr(estimator, "transformers_") else estimator.named_steps["features"]
        ct.transformers_ = [(n, sklearn_counting(t) if isinstance(t, CharVectorizer) else t, c)
                            for n, t, c in ct.transformers_]
    monkeypatch.setattr(CueFeatures, "transform", cue_transform)
    assert not any(isinstance(t, CharVectorizer) for _, t, _ in features.transformers_)
    np.testing.assert_array_equal(model.predict_proba(corpus.X), fast)


def test_gram_index_counts_like_str_count_for_grams_that_cannot_overlap_themselves():
    grams = ["不", "不足", "不能完全", "参差不齐", "还存在", "存在", "𠀀𠀁", "ab"]
    texts = ["不能完全不足", "参差不齐，还存在不足，存在", "", "𠀀𠀁𠀀𠀁ab", "不能完", "abab"]
    codes, starts = codepoints(texts)
    positions, columns, lengths = GramIndex({g: i for i, g in enumerate(grams)}).find(codes)
    rows = rows_of(positions, starts)
    for r, text in enumerate(texts):
        for c, gram in enumerate(grams):
            found = [(p, n) for p, n in zip(positions[(rows == r) & (columns == c)], lengths[(rows == r) & (columns == c)])]
            assert len(found) == text.count(gram), (text, gram)
            assert all(codes[p : p + n].tobytes() == gram.encode("utf-32-le") for p, n in found)


def test_key_table_finds_every_key_and_nothing_else_even_when_slots_collide():
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**62, 5000, dtype=np.int64)).astype(np.uint64)
    keys = np.concatenate([keys, np.arange(64, dtype=np.uint64) << np.uint64(58)])  # keys that hash alike
    table = KeyTable(keys, np.arange(len(keys)))
    assert (table.get(keys) == np.arange(len(keys))).all()
    absent = np.setdiff1d(rng.integers(0, 2**62, 5000, dtype=np.int64).astype(np.uint64), keys)
    assert (table.get(absent) == -1).all()


def test_sub_all_equals_one_substitution_per_text_even_when_a_text_holds_the_separator():
    pattern = CharVectorizer._white_spaces
    for texts in (ODD, ["a  b", "c"], ["\x00  \x00", " "], []):
        assert sub_all(pattern, " ", list(texts)) == [pattern.sub(" ", t) for t in texts]


def test_the_cached_index_is_rebuilt_after_refitting_and_never_pickled():
    vec = CharVectorizer(analyzer="char", lowercase=False, ngram_range=(1, 2)).fit(["甲乙"])
    vec.transform(["甲乙"])
    assert b"_gram_index" not in pickle.dumps(vec)
    vec.fit(["丙丁"])
    assert vec.transform(["丙丁"]).nnz == 3 and vec.transform(["甲乙"]).nnz == 0
