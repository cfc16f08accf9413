"""The per-text implementations the numpy ones replaced (issue 12), kept only to prove them equal.

`cue_transform` is CueFeatures.transform as it was: a Python loop of substring tests
per sentence. `sklearn_counting` turns a fitted CharVectorizer (or SectionVectorizer)
into scikit-learn's own TfidfVectorizer with the same fitted state, which counts
n-grams one text at a time.
"""

import re

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from fazhi_features.cues import CUE_GROUPS, _TAIL_CHARS, _TAIL_GROUPS

_END_PUNCT = re.compile(r"[。！？；;!?，,、\s]+$")


def cue_transform(cues, X):
    texts = cues._texts(X)
    rows = []
    for text in texts:
        ind = [1.0 if p in text else 0.0 for _, p in cues.patterns_]
        counts = [np.log1p(sum(text.count(p) for p in CUE_GROUPS[g])) for g in cues.groups_]
        tail = _END_PUNCT.sub("", text)[-_TAIL_CHARS:]
        tails = [1.0 if any(p in tail for p in CUE_GROUPS[g]) else 0.0 for g in cues.groups_ if g in _TAIL_GROUPS]
        rows.append(ind + counts + tails)
    return sparse.csr_matrix(np.array(rows, dtype=float).reshape(len(texts), len(cues.feature_names_)))


def sklearn_counting(vectorizer):
    """A TfidfVectorizer with the fitted state of `vectorizer` (which counts with numpy)."""
    plain = TfidfVectorizer(**vectorizer.get_params())
    plain.__dict__.update({k: v for k, v in vectorizer.__dict__.items() if not k.startswith("_gram_index")})
    return plain


def same_matrix(a, b) -> bool:
    """Bit-identical CSR matrices: shape, sparsity structure and every stored value."""
    a, b = sparse.csr_matrix(a), sparse.csr_matrix(b)
    return (a.shape == b.shape and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.data, b.data))
