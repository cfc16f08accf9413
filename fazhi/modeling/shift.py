"""Test sentences as reports written differently would give them: the checks grouped CV cannot make.

Grouped CV tests each report as it is; users' reports differ (other places, other
departments, problems listed without a 存在的问题 heading). From a held-out report we
build, without any new text:

- sentence_only: every section blanked: what the model knows from the sentence itself.
- style_shift: the report's sections shuffled among its sentences (each sentence stands
  under a real heading of the same report that is usually not its own, as when a report
  is cut into sections differently), then its *problem part* (every sentence under a
  heading that holds one of its 不足 sentences, those heading lines included) stripped of
  sections: problems as a bare list, as in 督察 feedback or rectification reports.

Labels are used only to find the problem part of a test report, never as model input.
docs/results.md explains the design and its figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fazhi.config import SHORTCOMING
from fazhi.segment import SECTION_SEP

PROBLEM_LABEL = SHORTCOMING
SEEDS = (0, 1, 2)  # the shuffled variants are pooled over these


def sentence_only(X: np.ndarray) -> np.ndarray:
    """A copy of the (n, 2) [text, section] array with every section blanked."""
    out = np.array(X, dtype=object, copy=True)
    out[:, 1] = ""
    return out


def problem_part(X: np.ndarray, y: Sequence[str], groups: Sequence[str], label: str = PROBLEM_LABEL) -> np.ndarray:
    """Boolean mask: the sentences under the heading(s) that hold each report's `label` sentences.

    The holding heading of a 不足 sentence is the innermost heading of its section or,
    for a top-level heading line, the line itself.
    """
    X, y, groups = np.asarray(X, dtype=object), np.asarray(y, dtype=object), np.asarray(groups, dtype=object)
    mask = np.zeros(len(y), dtype=bool)
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        parts = [[h.strip() for h in str(s).split(SECTION_SEP)] if str(s).strip() else [] for s in X[rows, 1]]
        headings = {h for p in parts for h in p}
        holding = set()
        for i, p in zip(rows, parts):
            if y[i] == label:
                if p:
                    holding.add(p[-1])
                elif str(X[i, 0]).strip() in headings:
                    holding.add(str(X[i, 0]).strip())
        for i, p in zip(rows, parts):
            mask[i] = bool(holding & set(p)) or str(X[i, 0]).strip() in holding
    return mask


def permute_sections(X: np.ndarray, groups: Sequence[str], seed: int = 0) -> np.ndarray:
    """A copy of X with the sections shuffled among the sentences of each report (seeded)."""
    out = np.array(X, dtype=object, copy=True)
    groups = np.asarray(groups, dtype=object)
    rng = np.random.default_rng(seed)
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        out[rows, 1] = out[rng.permutation(rows), 1]
    return out


def style_shift(X: np.ndarray, y, groups, seed: int = 0) -> np.ndarray:
    """Sections permuted within each report, then the problem part without sections."""
    out = permute_sections(X, groups, seed)
    out[problem_part(X, y, groups), 1] = ""  # the part is found on the original sections
    return out


def variants(X: np.ndarray, y, groups) -> dict[str, list[np.ndarray]]:
    """Each variant's test inputs (one per seed for the shuffled one), rows aligned with X."""
    return {
        "sentence_only": [sentence_only(X)],
        "style_shift": [style_shift(X, y, groups, seed) for seed in SEEDS],
    }
