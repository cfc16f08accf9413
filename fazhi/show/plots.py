"""Figures of results (matplotlib, headless): the confusion matrix and the reliability diagram.

Label names are drawn with fazhi/fonts/labels.otf, the glyphs of the label names cut from
Noto Sans CJK SC (scripts/label_font.py): the same figure on every machine, one whose
matplotlib knows no CJK font (or has a stale font cache) included.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

LABEL_FONT = Path(__file__).resolve().parent.parent / "fonts" / "labels.otf"


def confusion_figure(labels: list[str], matrix: np.ndarray):
    """Rows true, columns predicted, counts in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib.font_manager import FontProperties

    names = FontProperties(fname=LABEL_FONT, size=10)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontproperties=names)
    ax.set_yticks(range(len(labels)), labels, fontproperties=names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    vmax = matrix.max() if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center", color="white" if matrix[i, j] > vmax / 2 else "black")
    fig.tight_layout()
    plt.close(fig)
    return fig


def reliability_figure(bins: list[tuple[float, float, int]], ece: float):
    """Accuracy against mean confidence per confidence bin (out of fold); the diagonal is perfect calibration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    if bins:
        conf, acc, count = zip(*bins)
        total = sum(count)
        ax.plot(conf, acc, marker="o", color="tab:blue", label="model (out of fold)")
        for c, a, n in bins:
            ax.annotate(f"{n / total:.0%}", (c, a), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (probability of the predicted label)")
    ax.set_ylabel("share of predictions that are right")
    ax.set_title(f"Reliability, grouped CV (ECE {ece:.3f}); labels: share of sentences")
    ax.legend(loc="upper left")
    fig.tight_layout()
    plt.close(fig)
    return fig
