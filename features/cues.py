"""CueFeatures: how a sentence says something, as a learned feature block.

Its one job: give the classifier dense, pooled evidence of *problem-statement style*
(deficiency, negation, hedging, "some / a few" quantifiers) and of its opposites
(done, planned) from the sentence text alone, so that a 不足 sentence is recognisable
without a 存在的问题 heading. The block only produces features; the classifier learns
their weights (never a rule that sets a label).

Output (non-negative, so ComplementNB can use it too): for each cue pattern a 0/1
indicator; for each cue group log1p(number of matches); for the deficiency and
pending groups a 0/1 "tail" indicator (the cue is in the last characters of the
sentence: `…作用发挥还不够。` states a problem, `针对…不足等问题,需加强…` plans a fix).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

# Groups of surface patterns. Chosen from the label definition (data/GUIDELINES.md)
# and general Chinese report style, not tuned on the out-of-fold errors.
CUE_GROUPS: dict[str, tuple[str, ...]] = {
    # something is lacking, weak or insufficient
    "deficiency": (
        "不够", "不到位", "不足", "不强", "不高", "不充分", "不明显", "不完善", "不健全", "不平衡",
        "不顺畅", "不畅", "不规范", "不深入", "不紧密", "不适应", "不能完全", "薄弱", "欠缺", "短板",
        "差距", "滞后", "弱项", "缺乏", "匮乏", "参差不齐", "单一", "有限", "难以", "未能", "不理想",
    ),
    # still to be done: hedged or pending
    "pending": ("有待", "仍需", "还需", "尚需", "亟需", "亟待", "仍有", "仍然", "尚未", "还未", "还没有", "依然", "尚不"),
    # plain negation
    "negation": ("没有", "未", "无", "不"),
    # admitting a problem exists
    "admission": ("存在", "还存在", "问题", "困难", "原因", "但", "虽然", "虽"),
    # only some / a few
    "quantifier": ("有的", "个别", "少数", "部分", "一些"),
    # reports of work done (counter-evidence)
    "done": ("已", "完成", "累计", "共计", "开展", "取得", "实现"),
    # plans (counter-evidence: rule 2 and 3 of the guidelines)
    "plan": ("将", "下一步", "持续", "计划", "继续", "要"),
}
_TAIL_GROUPS = ("deficiency", "pending")
_TAIL_CHARS = 8  # "the end of the sentence": the last 8 characters before its final punctuation
# Stripped from the end of a sentence before its tail is taken: closing punctuation and
# every whitespace character (those for which str.isspace() is true; tests/test_cues.py).
_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_END_CHARS = "。！？；;!?，,、" + _SPACES


class CueFeatures(TransformerMixin, BaseEstimator):
    """Column `column` of an (n, k) object array (or a 1-d sequence of texts) → cue features.

    groups: which CUE_GROUPS to use (None = all). Stateless apart from the names.
    """

    def __init__(self, column: int = 0, groups=None):
        self.column = column
        self.groups = groups

    def _groups(self):
        names = tuple(CUE_GROUPS) if self.groups is None else tuple(self.groups)
        unknown = set(names) - set(CUE_GROUPS)
        if unknown:
            raise ValueError(f"unknown cue groups {sorted(unknown)}; choose from {list(CUE_GROUPS)}")
        return names

    def fit(self, X, y=None):
        groups = self._groups()
        self.patterns_ = [(g, p) for g in groups for p in CUE_GROUPS[g]]
        self.groups_ = groups
        self.feature_names_ = np.array(
            [f"cue={p}" for _, p in self.patterns_]
            + [f"group={g}" for g in groups]
            + [f"tail={g}" for g in groups if g in _TAIL_GROUPS],
            dtype=object,
        )
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        # Every cue of every text found at once (features.ngrams): the same values as
        # `p in text`, `text.count(p)` and `p in tail` (no cue overlaps itself, so
        # counting occurrences equals str.count; tests/test_cues.py compares both).
        from .ngrams import codepoints, rows_of

        texts = self._texts(X)
        n, n_patterns = len(texts), len(self.patterns_)
        codes, starts = codepoints(texts)
        positions, found, lengths = self._cue_index().find(codes)
        rows = rows_of(positions, starts)
        counts = np.bincount(rows * n_patterns + found, minlength=n * n_patterns).reshape(n, n_patterns)
        # The tail: the last _TAIL_CHARS characters before the closing punctuation.
        ends = starts + np.fromiter((len(t.rstrip(_END_CHARS)) for t in texts), dtype=np.int64, count=n)
        in_tail = (positions >= np.maximum(starts, ends - _TAIL_CHARS)[rows]) & (positions + lengths <= ends[rows])
        tail_counts = np.bincount(rows[in_tail] * n_patterns + found[in_tail], minlength=n * n_patterns).reshape(n, n_patterns)
        # patterns_ lists the cues group by group: a group's count is the sum over its run of columns.
        group_starts = np.cumsum([0] + [len(CUE_GROUPS[g]) for g in self.groups_[:-1]])
        tail_groups = [k for k, g in enumerate(self.groups_) if g in _TAIL_GROUPS]
        out = np.hstack([
            (counts > 0).astype(float),
            np.log1p(np.add.reduceat(counts, group_starts, axis=1).astype(float)),
            (np.add.reduceat(tail_counts, group_starts, axis=1)[:, tail_groups] > 0).astype(float),
        ])
        return sparse.csr_matrix(out.reshape(n, len(self.feature_names_)))

    def _cue_index(self):
        """A GramIndex of the cues (value: index in patterns_); built once, not pickled."""
        cached = self.__dict__.get("_cue_index_cache")
        if cached is None or cached[0] is not self.patterns_:
            from .ngrams import GramIndex

            columns = {p: i for i, (_, p) in enumerate(self.patterns_)}
            if len(columns) != len(self.patterns_):
                raise ValueError("a cue appears in two groups; each cue must belong to one group")
            cached = self._cue_index_cache = (self.patterns_, GramIndex(columns))
        return cached[1]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_cue_index_cache", None)
        return state

    def _texts(self, X):
        arr = np.asarray(X, dtype=object)
        if arr.ndim == 2:
            arr = arr[:, self.column] if arr.shape[1] > 1 else arr[:, 0]
        return [t if type(t) is str else ("" if t is None else str(t)) for t in arr]

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_
