"""Input selection and TF-IDF feature sets for sentences and their sections.

The first step of every pipeline is `SentenceInput`: it accepts what callers have —
a DataFrame with `text` and optional `section` / `heading` columns (MLflow pyfunc,
Spark), a sequence of (text, section) pairs, or plain strings — and returns an (n, 2)
object array [text, section]. The section is every heading the sentence stands under
(as fazhi.segment gives it); a caller that only knows the nearest heading passes that.
`make_features` then builds a ColumnTransformer of TF-IDF blocks over those two
columns, chosen by name (FEATURE_SETS).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from . import FEATURE_SETS
from .tokenize import JiebaTokenizer

# The input contract's column names (= fazhi.config; features/ must not import fazhi).
TEXT, SECTION, HEADING = "text", "section", "heading"
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


class SentenceInput(TransformerMixin, BaseEstimator):
    """Any accepted input → an (n, 2) object array of [text, section].

    normalize_digits: every number becomes "0", so "召开会议28次" and "召开会议14次"
    share features; counts and years carry no topic.
    nfkc: text and section in Unicode NFKC first, so full-width letters, digits and
    punctuation and the Kangxi radicals PDF text layers carry (⼀、⼯作) read as the
    ordinary characters, at training and at tagging alike.
    """

    def __init__(self, normalize_digits: bool = True, nfkc: bool = True):
        self.normalize_digits = normalize_digits
        self.nfkc = nfkc

    def fit(self, X, y=None):
        self.n_features_in_ = 2
        return self

    def transform(self, X) -> np.ndarray:
        texts, sections = _text_and_section(X)
        if getattr(self, "nfkc", False):  # models pickled before it existed read text as given
            texts = [unicodedata.normalize("NFKC", s) for s in texts]
            sections = [unicodedata.normalize("NFKC", s) for s in sections]
        if self.normalize_digits:
            texts, sections = sub_all(_DIGITS, "0", texts), sub_all(_DIGITS, "0", sections)
        out = np.empty((len(texts), 2), dtype=object)
        out[:, 0], out[:, 1] = texts, sections
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array([TEXT, SECTION], dtype=object)


def _text_and_section(X) -> tuple[list[str], list[str]]:
    if isinstance(X, str):
        raise ValueError("expected a sequence of sentences, got a single string")
    if hasattr(X, "columns"):  # a DataFrame (pandas or alike): never import pandas here
        columns = list(X.columns)
        if TEXT in columns:
            texts = _clean_all(X[TEXT])
        elif len(columns) == 1:
            texts = _clean_all(X[columns[0]])
        else:
            raise ValueError(f"input has no {TEXT!r} column (columns: {columns})")
        # Row by row, the section if the row has one, else its heading (as training reads files).
        sections = _clean_all(X[SECTION]) if SECTION in columns else [""] * len(texts)
        if HEADING in columns:
            sections = [s or h for s, h in zip(sections, _clean_all(X[HEADING]))]
        return texts, sections
    arr = np.asarray(X, dtype=object)
    if arr.ndim == 1:
        return _clean_all(arr), [""] * len(arr)
    if arr.ndim == 2 and arr.shape[1] in (1, 2):
        return _clean_all(arr[:, 0]), (_clean_all(arr[:, 1]) if arr.shape[1] == 2 else [""] * len(arr))
    raise ValueError(f"expected texts or (text, section) pairs, got an array of shape {arr.shape}")


def _clean_all(values) -> list[str]:
    return [v.strip() if type(v) is str else _clean(v) for v in values]


def _clean(value) -> str:
    # None / NaN / pandas' NA (a missing section in a DataFrame) → "".
    if value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NAType":
        return ""
    return str(value).strip()


def sub_all(pattern: re.Pattern[str], repl: str, texts: list[str], sep: str = "\x00") -> list[str]:
    """[pattern.sub(repl, t) for t in texts] in one pass of the regex over the joined texts.

    Only for patterns that cannot match `sep` or across it, without anchors or
    look-arounds (digits, runs of whitespace). A text that holds `sep` itself makes
    the split come out longer: then each text is done on its own.
    """
    if not texts:
        return []
    out = pattern.sub(repl, sep.join(texts)).split(sep)
    return out if len(out) == len(texts) else [pattern.sub(repl, t) for t in texts]


def word_vectorizer(user_words: Iterable[str] = (), ngram_range=(1, 2), min_df: int = 1) -> TfidfVectorizer:
    """TF-IDF over jieba words (1–2 grams by default)."""
    return TfidfVectorizer(
        tokenizer=JiebaTokenizer(user_words),
        token_pattern=None,
        lowercase=False,
        ngram_range=ngram_range,
        min_df=min_df,
        sublinear_tf=True,
    )


def char_vectorizer(ngram_range=(1, 3), min_df: int = 1) -> TfidfVectorizer:
    """TF-IDF over characters (1–3 grams by default); needs no segmenter."""
    return CharVectorizer(analyzer="char", lowercase=False, ngram_range=ngram_range, min_df=min_df, sublinear_tf=True)


class CharVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose transform counts character n-grams for a whole batch with
    numpy (features.ngrams) instead of one text at a time: the same matrix, faster.

    Used when the analyzer is "char" with n ≤ 3, no lowercasing or other preprocessing,
    and every document is a str; anything else goes to TfidfVectorizer unchanged.
    """

    def transform(self, raw_documents):
        if isinstance(raw_documents, str) or not self._counts_with_numpy():
            return super().transform(raw_documents)
        docs = list(raw_documents)
        if not all(type(d) is str for d in docs):
            return super().transform(docs)
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        from .ngrams import codepoints, count_matrix, rows_of

        # scikit-learn's char analyzer squeezes runs of whitespace first.
        codes, starts = codepoints(sub_all(self._white_spaces, " ", docs))
        positions, cols, _ = self._gram_index().find(codes)
        counts = count_matrix(rows_of(positions, starts), cols, (len(docs), len(self.vocabulary_)), self.dtype)
        if self.binary:
            counts.data.fill(1)
        return self._tfidf.transform(_sparse_api(counts), copy=False)

    def _counts_with_numpy(self) -> bool:
        from .ngrams import MAX_KEYED

        return (self.analyzer == "char" and not self.lowercase and self.preprocessor is None
                and self.strip_accents is None and self.input == "content" and self.ngram_range[1] <= MAX_KEYED)

    def _gram_index(self):
        # Built once per fitted vocabulary; not pickled (rebuilt in milliseconds).
        cached = self.__dict__.get("_gram_index_cache")
        if cached is None or cached[0] is not self.vocabulary_:
            from .ngrams import GramIndex

            cached = self._gram_index_cache = (self.vocabulary_, GramIndex(self.vocabulary_))
        return cached[1]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_gram_index_cache", None)
        return state


def _sparse_api(X):
    """A sparse matrix in the interface scikit-learn is configured to return (1.8+)."""
    try:
        from sklearn.utils._sparse import _align_api_if_sparse
    except ImportError:  # older scikit-learn returns spmatrix only
        return X
    return _align_api_if_sparse(X)


class SectionVectorizer(CharVectorizer):
    """TF-IDF for an optional column: all-empty training input gives an all-zero block.

    A missing section must add no signal (text-only input at prediction time would
    otherwise look like a top-level line), and data without sections must still train.
    """

    def fit(self, raw_documents, y=None):
        self.fit_transform(raw_documents, y)
        return self

    def fit_transform(self, raw_documents, y=None):
        docs = [str(d) for d in raw_documents]
        if any(d.strip() for d in docs):
            return super().fit_transform(docs, y)
        super().fit_transform(["\x00"])  # a one-term vocabulary that no real text contains
        return self.transform(docs)


# Models saved by fazhi 0.1 name the section block's class so; they load unchanged.
HeadingVectorizer = SectionVectorizer


def make_features(
    feature_set: str = "both",
    section: bool = False,
    user_words: Iterable[str] = (),
    section_weight: float = 0.5,
    char_ngrams: int = 3,
    cue_weight: float = 0.0,
) -> ColumnTransformer:
    """TF-IDF blocks over SentenceInput's columns (0 = text, 1 = section), and cues.

    feature_set: "words" (jieba 1–2 grams), "chars" (char 1–`char_ngrams` grams) or "both".
    section: add the sentence's section as its own block (char 1–2 grams, so it needs
    no jieba), scaled by section_weight: the headings hint at the topic, the sentence
    itself should still decide.
    cue_weight > 0: add features.cues.CueFeatures of the text (how a thing is said:
    deficiency, hedging, negation), scaled by cue_weight; their weights are learned.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; choose one of {', '.join(FEATURE_SETS)}")
    user_words = tuple(user_words)
    blocks, weights = [], {}
    if feature_set in ("words", "both"):
        blocks.append(("words", word_vectorizer(user_words), 0))
    if feature_set in ("chars", "both"):
        blocks.append(("chars", char_vectorizer(ngram_range=(1, char_ngrams)), 0))
    if section:
        blocks.append(("section", SectionVectorizer(analyzer="char", lowercase=False, ngram_range=(1, 2), sublinear_tf=True), 1))
        weights["section"] = section_weight
    if cue_weight > 0:
        from .cues import CueFeatures

        blocks.append(("cues", CueFeatures(column=0), 0))
        weights["cues"] = cue_weight
    if weights:
        weights = {name: 1.0 for name, _, _ in blocks} | weights
    return ColumnTransformer(blocks, remainder="drop", transformer_weights=weights or None, sparse_threshold=1.0)
