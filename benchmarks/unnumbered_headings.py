"""Issue 20 case 8: grouped CV and dev figures of the default model before and after the segmenter learned headings without a number.

    .venv/bin/python benchmarks/unnumbered_headings.py BEFORE_CORPUS BEFORE_SUPPLEMENT

BEFORE_CORPUS / BEFORE_SUPPLEMENT: the labeled files as segmented before (the corpus's is
kept in tests/golden/corpus.csv; the supplement's is `git show 8617076^:data/written/sentences.csv`).
"Before" trains on those files and tags the dev texts with `unnumbered_heading` switched
off; "after" uses data/ and the segmenter as they are. Both score with ../shared/devset/score.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT.parent / "shared" / "devset"


def measure(corpus: Path, supplement: Path, work: Path) -> tuple[float, dict]:
    from fazhi.corpus.dataset import read_labeled_files
    from fazhi.modeling.model import DEFAULTS
    from fazhi.modeling.training import train
    from fazhi.store.persist import load
    from fazhi.tagging.inputs import expand_inputs, read_stdin
    from fazhi.tagging.tagger import Tagger, tag

    data = read_labeled_files([corpus], require_groups=True, strict=True, written=[supplement])
    result = train(DEFAULTS, data, output_dir=work / "models", run_name="m")
    tagger = Tagger(load(result.saved))
    out = work / "dev.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for r in tag(expand_inputs([str(DEVSET / "raw")], [], "text", read_stdin, []), tagger):
            fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in r.rows)
    figures = work / "dev.json"
    subprocess.run([sys.executable, str(DEVSET / "score.py"), str(out), "--json", str(figures)], check=True, capture_output=True)
    return result.cv.metrics["macro_f1"], json.loads(figures.read_text())


def main() -> None:
    before_corpus, before_supplement = map(Path, sys.argv[1:3])
    import fazhi.segment as segment

    rows = []
    for name, corpus, supplement, unnumbered in (("before", before_corpus, before_supplement, False),
                                                 ("after", ROOT / "data" / "sentences.csv",
                                                  ROOT / "data" / "written" / "sentences.csv", True)):
        original = segment.unnumbered_heading
        if not unnumbered:
            segment.unnumbered_heading = lambda line, next_line: False
        try:
            with tempfile.TemporaryDirectory(prefix="fazhi-headings-") as tmp:
                cv, dev = measure(corpus, supplement, Path(tmp))
        finally:
            segment.unnumbered_heading = original
        short = dev["per_label"]["不足"]
        print(f"{name:<7} CV macro-F1 {cv:.3f}  dev macro-F1 {dev['macro_f1']:.3f}  "
              f"不足 P {short['precision']:.2f} R {short['recall']:.2f}", flush=True)


if __name__ == "__main__":
    main()
