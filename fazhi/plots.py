"""Figures of results (matplotlib, headless): the confusion matrix."""

from __future__ import annotations

import numpy as np


def confusion_figure(labels: list[str], matrix: np.ndarray):
    """Rows true, columns predicted, counts in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = _plot_names(labels)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    vmax = matrix.max() if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center", color="white" if matrix[i, j] > vmax / 2 else "black")
    fig.tight_layout()
    plt.close(fig)
    return fig


def _plot_names(labels: list[str]) -> list[str]:
    """Label names if a CJK font is installed; else "1 … n" in confusion_matrix.csv's order."""
    from matplotlib import font_manager, rcParams

    cjk = [f.name for f in font_manager.fontManager.ttflist if any(k in f.name for k in ("CJK", "WenQuanYi", "Hei", "Song"))]
    if cjk:
        rcParams["font.sans-serif"] = [cjk[0], *rcParams["font.sans-serif"]]
        return list(labels)
    return [f"{i + 1}" for i in range(len(labels))]
