"""Rebuild fazhi/fonts/labels.otf: the glyphs of the label names (and printable ASCII) cut from Noto Sans CJK SC.

Figures logged to MLflow (confusion_matrix.png) render their label names with this
font, so they read the same on every machine, one without any CJK font included.
Run it after changing config.LABELS (tests/test_plots.py fails until then):

    apt-get install fonts-noto-cjk   # the source font (SIL Open Font License 1.1)
    .venv/bin/python scripts/label_font.py

fontTools comes with matplotlib. The subset keeps the font's name table (copyright,
licence and its URL) and stays under the SIL OFL 1.1 (fazhi/fonts/OFL.txt).
"""

from __future__ import annotations

import argparse
import string
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

from fazhi.config import LABELS
from fazhi.show.plots import LABEL_FONT

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans CJK SC"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="Noto Sans CJK .ttc (or an .otf of it)")
    args = parser.parse_args()
    if args.source.suffix.lower() == ".ttc":
        fonts = TTCollection(str(args.source)).fonts
        font = next(f for f in fonts if f["name"].getDebugName(1) == FAMILY)
    else:
        from fontTools.ttLib import TTFont

        font = TTFont(str(args.source))
    text = "".join(sorted(set("".join(LABELS)))) + string.printable.strip()
    options = subset.Options()
    options.name_IDs = ["*"]  # keep copyright (0), licence (13) and its URL (14)
    options.name_languages = ["*"]
    options.layout_features = []  # plain horizontal text
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    LABEL_FONT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(LABEL_FONT))
    print(f"{LABEL_FONT}: {len(font.getGlyphOrder())} glyphs, {LABEL_FONT.stat().st_size:,} bytes, for {text!r}")


if __name__ == "__main__":
    main()
