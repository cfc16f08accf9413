"""Figures show the label names on any machine: the tick labels are drawn with fazhi/fonts/labels.otf, which has their glyphs."""

import io
import subprocess
import sys
import warnings

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font

from fazhi.config import LABELS
from fazhi.show.plots import LABEL_FONT, confusion_figure, reliability_figure

MATRIX = np.arange(36).reshape(6, 6)


def missing_glyph_warnings(fig) -> list[str]:
    """Render the figure as MLflow's log_figure does (savefig to PNG); matplotlib warns of
    every character its font has no glyph for. (fig.canvas.draw() would not do: the
    figure is closed, its canvas draws nothing.)"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_the_label_font_has_a_glyph_for_every_character_of_every_label():
    # Fails after a label is renamed until scripts/label_font.py rebuilds the font.
    charmap = FT2Font(str(LABEL_FONT)).get_charmap()
    missing = sorted({ch for label in LABELS for ch in label if ord(ch) not in charmap})
    assert not missing, f"run scripts/label_font.py: {LABEL_FONT.name} lacks {''.join(missing)}"


def test_the_confusion_matrix_names_the_labels_with_that_font():
    fig = confusion_figure(list(LABELS), MATRIX)
    ax = fig.axes[0]
    for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
        assert [t.get_text() for t in ticks] == list(LABELS)
        assert {t.get_fontproperties().get_file() for t in ticks} == {str(LABEL_FONT)}
    assert missing_glyph_warnings(fig) == []


def test_the_check_sees_a_font_without_the_glyphs():
    # The same labels in matplotlib's own DejaVu Sans: empty boxes, and the warning says so.
    fig = confusion_figure(list(LABELS), MATRIX)
    fig.axes[0].set_xticks(range(len(LABELS)), LABELS, fontproperties=FontProperties(family="DejaVu Sans"))
    assert any("missing from font(s) DejaVu Sans" in w for w in missing_glyph_warnings(fig))


def test_a_matplotlib_that_knows_no_cjk_font_still_draws_the_names(tmp_path):
    # A fresh font cache (MPLCONFIGDIR) and a font list stripped of every CJK font, as on
    # a fresh install: the figure is drawn without a missing glyph.
    code = (
        "import warnings\nfrom matplotlib import font_manager\n"
        "font_manager.fontManager.ttflist = [f for f in font_manager.fontManager.ttflist\n"
        "    if not any(k in f.name for k in ('CJK', 'WenQuanYi', 'Hei', 'Song', 'Droid', 'Noto Sans SC'))]\n"
        "import numpy as np\nfrom fazhi.config import LABELS\nfrom fazhi.show.plots import confusion_figure\n"
        "fig = confusion_figure(list(LABELS), np.eye(6, dtype=int))\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    fig.savefig('cm.png')\n"
        "print([str(w.message) for w in caught])\n"
        "print(' '.join(t.get_text() for t in fig.axes[0].get_xticklabels()))\n"
    )
    env = {"MPLCONFIGDIR": str(tmp_path / "mpl"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    warned, names = done.stdout.splitlines()
    assert warned == "[]" and names == " ".join(LABELS)  # the names themselves, not numbers
    assert (tmp_path / "cm.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_reliability_diagram_draws_without_missing_glyphs():
    fig = reliability_figure([(0.3, 0.25, 10), (0.7, 0.72, 30), (0.95, 0.9, 60)], 0.031)
    assert missing_glyph_warnings(fig) == []
