"""A jieba word tokenizer that pickles, with the domain user dictionary inside it.

The tokenizer carries its user-dictionary words (read once when it is built), so a
fitted pipeline segments the same way wherever it is loaded, without data/ beside it.
jieba itself is imported on first use only: a character-only model never needs it.
The jieba dictionary loads once per process and word list (see `_segmenter`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from pathlib import Path

# One jieba.Tokenizer per distinct user-word list, per process.
_SEGMENTERS: dict[tuple[str, ...], object] = {}
_LOCK = threading.Lock()


def read_user_dict(path: str | Path) -> tuple[str, ...]:
    """Words of a jieba user dictionary file (`word [freq] [tag]` per line, # comments)."""
    words = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line.split()[0])
    return tuple(dict.fromkeys(words))  # unique, in file order


def _segmenter(user_words: tuple[str, ...]):
    """A jieba.Tokenizer with `user_words` added, built once per process."""
    seg = _SEGMENTERS.get(user_words)
    if seg is None:
        with _LOCK:
            seg = _SEGMENTERS.get(user_words)
            if seg is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter
                seg = jieba.Tokenizer()  # own instance: never mutate jieba's global one
                seg.initialize()
                for word in user_words:
                    # Without a frequency, jieba picks one high enough to keep the word whole.
                    seg.add_word(word)
                _SEGMENTERS[user_words] = seg
    return seg


class JiebaTokenizer:
    """Callable text → list of words, for ``TfidfVectorizer(tokenizer=...)``.

    Whitespace and punctuation-only tokens are dropped; the HMM for unknown words is
    on (jieba's default).
    """

    def __init__(self, user_words: Iterable[str] = (), hmm: bool = True):
        self.user_words = tuple(user_words)
        self.hmm = hmm

    def __call__(self, text: str) -> list[str]:
        return list(_words(self.user_words, self.hmm, text))

    def __repr__(self) -> str:
        return f"JiebaTokenizer(user_words=<{len(self.user_words)} words>, hmm={self.hmm})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JiebaTokenizer) and (self.user_words, self.hmm) == (other.user_words, other.hmm)

    def __hash__(self) -> int:
        return hash((self.user_words, self.hmm))


@functools.lru_cache(maxsize=1 << 16)
def _words(user_words: tuple[str, ...], hmm: bool, text: str) -> tuple[str, ...]:
    # Training segments the same sentences again and again (every CV fold, every inner
    # calibration fold, every configuration of a sweep): remembering the last 65,536
    # cuts them once per process, ~5× fewer jieba calls for `fazhi train`.
    return tuple(w for w in _segmenter(user_words).lcut(text, HMM=hmm) if _is_word(w))


def _is_word(token: str) -> bool:
    # A token counts if it has a letter or digit (CJK ideographs are letters to str.isalnum).
    return any(ch.isalnum() for ch in token)
