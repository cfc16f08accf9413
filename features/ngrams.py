"""Character n-grams of many texts at once, with numpy: the counting behind the char TF-IDF blocks and the cues.

Counting n-grams one text at a time in Python (what scikit-learn's char analyzer
does) was most of the time `fazhi predict` spent. Here a batch of texts becomes one
array of code points, texts separated by a value no character has; every n-gram of up
to three characters is one 64-bit key (21 bits per code point), looked up in an
open-addressing hash table held in two numpy arrays. The counts are exactly those of
scikit-learn's char analyzer and of `str.count` (tests/test_ngrams.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

BITS = 21  # every code point (≤ 0x10FFFF) fits in 21 bits
MAX_KEYED = 3  # 3 × 21 = 63 bits: n-grams up to 3 characters are one uint64 key
SEPARATOR = (1 << BITS) - 1  # between texts: above every code point, so no gram of a vocabulary contains it
_EMPTY = np.uint64(2**64 - 1)  # a free slot: no key reaches bit 63
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


def codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(code points of the texts as uint32, one SEPARATOR after each; starts of the texts in it)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    codes = np.full(int(lengths.sum()) + len(texts), SEPARATOR, dtype=np.uint32)
    # surrogatepass: a lone surrogate (from undecodable bytes) keeps its code point.
    chars = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    codes[np.arange(len(chars)) + np.repeat(np.arange(len(texts)), lengths)] = chars
    return codes, starts


def key_of(gram: str) -> int:
    """The key of one n-gram of at most MAX_KEYED characters."""
    key = 0
    for ch in gram:
        key = (key << BITS) | ord(ch)
    return key


class KeyTable:
    """uint64 key → int64 value, an open-addressing (linear probing) hash table in numpy
    arrays at most a quarter full, so most look-ups take one probe."""

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        keys = np.asarray(keys, dtype=np.uint64)
        self.bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
        size = 1 << self.bits
        self.keys = np.full(size, _EMPTY, dtype=np.uint64)
        self.values = np.full(size, -1, dtype=np.int64)
        pending = np.arange(len(keys))
        slots = self._slots(keys)
        while len(pending):
            free = self.keys[slots] == _EMPTY
            # Of the keys landing on one free slot, the first takes it; the rest probe on.
            _, first = np.unique(slots[free], return_index=True)
            won = np.flatnonzero(free)[first]
            self.keys[slots[won]] = keys[pending[won]]
            self.values[slots[won]] = values[pending[won]]
            rest = np.ones(len(pending), dtype=bool)
            rest[won] = False
            pending, slots = pending[rest], (slots[rest] + 1) & (size - 1)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * _MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key; -1 where the key is absent."""
        slots = self._slots(keys)
        found = self.keys[slots]
        hit = found == keys
        out = np.where(hit, self.values[slots], -1)
        todo = np.flatnonzero(~hit & (found != _EMPTY))  # a collision: probe the next slots
        slots, mask = slots[todo], len(self.keys) - 1
        while len(todo):
            slots = (slots + 1) & mask
            found = self.keys[slots]
            hit = found == keys[todo]
            out[todo[hit]] = self.values[slots[hit]]
            on = ~hit & (found != _EMPTY)
            todo, slots = todo[on], slots[on]
        return out


class GramIndex:
    """A fixed set of n-grams (str → column) to find in code points from `codepoints`.

    find(codes) → (positions, columns, lengths) of every occurrence of every gram,
    overlapping ones included (for grams that cannot overlap themselves that is
    exactly `str.count`). Single characters are looked up in a table indexed by code
    point; longer grams only where a character that starts one stands, by the key of
    their first MAX_KEYED characters, then checked character by character.
    """

    def __init__(self, columns: Mapping[str, int]):
        grams: dict[int, list[tuple[str, int]]] = {}
        for gram, column in columns.items():
            if gram:
                grams.setdefault(len(gram), []).append((gram, int(column)))
        firsts = sorted({ord(g[0]) for items in grams.values() for g, _ in items})
        # Code points above `top` are clipped to it: the tables' last entry means "none".
        self.top = firsts[-1] + 1 if firsts else 0
        self.single = np.full(self.top + 1, -1, dtype=np.int64)
        for g, c in grams.pop(1, []):
            self.single[ord(g)] = c
        self.starts_longer = np.zeros(self.top + 1, dtype=bool)
        self.tables: dict[int, tuple[KeyTable, np.ndarray, np.ndarray | None]] = {}
        for n, items in sorted(grams.items()):
            self.starts_longer[[ord(g[0]) for g, _ in items]] = True
            head = np.array([key_of(g[:MAX_KEYED]) for g, _ in items], dtype=np.uint64)
            if n > MAX_KEYED and len(np.unique(head)) != len(head):
                raise ValueError(f"grams longer than {MAX_KEYED} characters must differ in their first {MAX_KEYED}")
            rest = np.array([[ord(ch) for ch in g[MAX_KEYED:]] for g, _ in items], dtype=np.uint32) if n > MAX_KEYED else None
            # The table gives the gram's index in `items`; its column and tail are looked up by it.
            self.tables[n] = (KeyTable(head, np.arange(len(items))), np.array([c for _, c in items], dtype=np.int64), rest)

    def find(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        clipped = np.minimum(codes, self.top)
        found = self.single[clipped]
        at = np.flatnonzero(found >= 0)
        positions, columns, lengths = [at], [found[at]], [np.ones(len(at), dtype=np.int64)]
        candidates = np.flatnonzero(self.starts_longer[clipped]) if self.tables else None
        # Few candidates (cues): look only there; most positions (a vocabulary): slices beat gathers.
        sparse_candidates = candidates is not None and len(candidates) < len(codes) // 2
        for n, (table, cols, rest) in self.tables.items():
            head = min(n, MAX_KEYED)
            if sparse_candidates:
                at = candidates[candidates + n <= len(codes)]  # all n characters must be there
                keys = codes[at].astype(np.uint64)
                for k in range(1, head):
                    keys = (keys << np.uint64(BITS)) | codes[at + k]
                found = table.get(keys)
                hit = np.flatnonzero(found >= 0)
                at, found = at[hit], found[hit]
            else:
                m = max(len(codes) - n + 1, 0)
                keys = codes[:m].astype(np.uint64)
                for k in range(1, head):
                    keys = (keys << np.uint64(BITS)) | codes[k : k + m]
                found = table.get(keys)
                at = np.flatnonzero(found >= 0)
                found = found[at]
            if rest is not None:
                same = np.all(codes[at[:, None] + np.arange(MAX_KEYED, n)] == rest[found], axis=1)
                at, found = at[same], found[same]
            positions.append(at)
            columns.append(cols[found])
            lengths.append(np.full(len(at), n, dtype=np.int64))
        return np.concatenate(positions), np.concatenate(columns), np.concatenate(lengths)


def rows_of(positions: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The text each position (in `codepoints`' array) belongs to."""
    return np.searchsorted(starts, positions, side="right") - 1


def count_matrix(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int], dtype=np.float64):
    """CSR counts of (row, column) occurrences: canonical (indices sorted in each row, no duplicates)."""
    from scipy import sparse

    counts = sparse.csr_matrix((np.ones(len(rows), dtype=dtype), (rows, cols)), shape=shape)
    counts.sum_duplicates()  # also sorts the indices of every row
    return counts
