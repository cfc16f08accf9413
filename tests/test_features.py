"""features/: the jieba tokenizer with its domain dictionary, the input selector, TF-IDF blocks."""

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fazhi_features.text import SentenceInput, make_features
from fazhi_features.tokenize import JiebaTokenizer, read_user_dict
from fazhi.config import USER_DICT_FILE

DOMAIN_TERMS = ["双随机一公开", "放管服", "枫桥经验", "行政复议", "合法性审查", "三项制度", "谁执法谁普法", "一网通办"]
SENTENCE = "深化放管服改革，推行双随机一公开监管，落实三项制度，坚持和发展枫桥经验，加强行政复议和合法性审查，推进谁执法谁普法，实现一网通办。"


def run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_user_dictionary_keeps_domain_terms_whole():
    words = JiebaTokenizer(read_user_dict(USER_DICT_FILE))(SENTENCE)
    for term in DOMAIN_TERMS:
        assert term in words, (term, words)


def test_without_the_user_dictionary_jieba_splits_domain_terms():
    # The dictionary must be what keeps them whole: plain jieba breaks most of them.
    words = JiebaTokenizer()(SENTENCE)
    split = [t for t in DOMAIN_TERMS if t not in words]
    assert len(split) >= 4, words


def test_user_dictionary_file_lists_the_terms_of_the_issue():
    words = read_user_dict(USER_DICT_FILE)
    assert set(DOMAIN_TERMS) <= set(words)
    assert len(words) == len(set(words))
    assert all(not w.startswith("#") and " " not in w for w in words)


def test_tokenizer_drops_punctuation_and_space_tokens():
    assert JiebaTokenizer()("调解， 纠纷！") == ["调解", "纠纷"]


def test_tokenizer_pickles_and_segments_the_same_in_a_fresh_process(tmp_path):
    tok = JiebaTokenizer(read_user_dict(USER_DICT_FILE))
    path = tmp_path / "tok.pkl"
    path.write_bytes(pickle.dumps(tok))
    out = run_python(
        f"import pickle; tok = pickle.load(open({str(path)!r}, 'rb')); print('|'.join(tok({SENTENCE!r})))"
    )
    assert out.strip().split("|") == tok(SENTENCE)


def test_features_import_neither_pandas_nor_jieba_at_module_level():
    # scikit-learn itself imports pandas when installed, so check our own imports.
    import ast
    from pathlib import Path

    import fazhi_features

    for path in Path(fazhi_features.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
        names |= {(n.module or "").split(".")[0] for n in top if isinstance(n, ast.ImportFrom)}
        assert not names & {"pandas", "jieba"}, (path.name, names)


def test_a_chars_model_never_loads_jieba():
    out = run_python(
        "import sys\n"
        "import fazhi_features.tokenize, fazhi_features.text\n"
        "from fazhi.modeling.model import build_pipeline\n"
        "p = build_pipeline(feature_set='chars', classifier='logreg', section=True, calibration='none')\n"
        "p.fit(['依法调解纠纷', '开展普法宣传', '优化营商环境'], ['矛盾化解', '普法宣传', '营商环境'])\n"
        "print(p.predict(['普法宣传活动'])[0], 'jieba' in sys.modules)"
    )
    assert out.split() == ["普法宣传", "False"]


@pytest.mark.parametrize(
    "X",
    [
        pd.DataFrame({"text": ["甲 2023年", "乙"], "heading": ["一、标题", None]}),
        [("甲 2023年", "一、标题"), ("乙", "")],
        np.array([["甲 2023年", "一、标题"], ["乙", ""]], dtype=object),
    ],
    ids=["dataframe", "pairs", "array"],
)
def test_sentence_input_accepts_every_input_form(X):
    out = SentenceInput().fit(X).transform(X)
    assert out.shape == (2, 2)
    assert out.tolist() == [["甲 0年", "一、标题"], ["乙", ""]]


def test_sentence_input_prefers_the_section_to_the_nearest_heading():
    frame = pd.DataFrame({"text": ["甲", "乙"], "heading": ["1.学法", "二、执法"], "section": ["一、工作 › 1.学法", None]})
    # Row by row: the section where there is one, else the heading (as read_labeled does).
    assert SentenceInput().transform(frame).tolist() == [["甲", "一、工作 › 0.学法"], ["乙", "二、执法"]]


def test_sentence_input_plain_strings_and_text_only_dataframe_get_empty_sections():
    sel = SentenceInput(normalize_digits=False)
    assert sel.transform(["甲12", "乙"]).tolist() == [["甲12", ""], ["乙", ""]]
    assert sel.transform(pd.DataFrame({"text": ["甲", "乙", "丙"]})).tolist() == [["甲", ""], ["乙", ""], ["丙", ""]]
    assert list(sel.get_feature_names_out()) == ["text", "section"]


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ("一个句子", "single string"),
        (pd.DataFrame({"a": ["x"], "b": ["y"]}), "no 'text' column"),
        (np.array([["a", "b", "c"]], dtype=object), "shape"),
    ],
)
def test_sentence_input_rejects_what_it_cannot_read(X, message):
    with pytest.raises(ValueError, match=message):
        SentenceInput().transform(X)


def test_feature_sets_name_their_blocks_in_feature_names():
    X = SentenceInput().transform([("推行双随机一公开监管", "一、行政执法"), ("开展普法宣传", "二、普法")])
    words = tuple(read_user_dict(USER_DICT_FILE))
    names = {fs: make_features(fs, section=True, user_words=words).fit(X).get_feature_names_out() for fs in ("words", "chars", "both")}
    assert {n.split("__")[0] for n in names["words"]} == {"words", "section"}
    assert {n.split("__")[0] for n in names["chars"]} == {"chars", "section"}
    assert {n.split("__")[0] for n in names["both"]} == {"words", "chars", "section"}
    assert "words__双随机一公开" in names["words"]
    assert "chars__监管" in names["chars"] and "section__执法" in names["chars"]
    no_section = make_features("chars", section=False).fit(X).get_feature_names_out()
    assert not any(n.startswith("section__") for n in no_section)


def test_unknown_feature_set_is_rejected():
    with pytest.raises(ValueError, match="unknown feature set 'bigrams'"):
        make_features("bigrams")


def test_a_missing_section_adds_nothing_and_data_without_sections_still_trains():
    feats = make_features("chars", section=True)
    X = SentenceInput().transform([("开展普法", "一、普法"), ("调解纠纷", "")])
    block = feats.fit_transform(X)[:, [i for i, n in enumerate(feats.get_feature_names_out()) if n.startswith("section__")]]
    assert block[0].nnz > 0 and block[1].nnz == 0
    no_sections = SentenceInput().transform(["开展普法", "调解纠纷"])
    assert make_features("chars", section=True).fit_transform(no_sections).shape[0] == 2
