"""The area model's variants on the dev set's gold 不足 sentences, with detection assumed perfect.

    .venv/bin/python benchmarks/area.py            # every variant
    .venv/bin/python benchmarks/area.py --quick    # the default and two others

The end-to-end figure (`benchmarks/devset.py`) counts a missed 不足 as a wrong area, so it
mixes detection with naming the area. This script separates the second: every variant of
the area model (features, section, classifier, the shortcomings' weight, whether topic
sentences train it too) is trained on the corpus + the written supplement, as
features/area.WithArea trains it, and asked for the area of each gold 不足 sentence of
../shared/devset/gold.csv, with the section fazhi's segmenter gives it in its raw text.
Prints the accuracy and macro-F1 over the five areas per variant. The dev set is read from
../shared/devset only: never trained on, never copied into the project.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT.parent / "shared" / "devset"
FAZHI = str(Path(sys.executable).with_name("fazhi"))


def gold_shortcomings() -> tuple[np.ndarray, np.ndarray]:
    """[text, section] of each gold 不足 sentence found by fazhi's segmenter, and its area."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dev.csv"
        subprocess.run([FAZHI, "data", "segment", str(DEVSET / "raw"), "-o", str(out)], check=True, capture_output=True)
        with out.open(encoding="utf-8-sig") as f:
            section = {(Path(r["report_id"]).stem, r["text"]): r["section"] for r in csv.DictReader(f)}
    with (DEVSET / "gold.csv").open(encoding="utf-8-sig") as f:
        gold = [g for g in csv.DictReader(f) if g["label"] == "不足" and g["area"]]
    X = np.array([[g["text"], section.get((g["report_id"], g["text"]), "")] for g in gold], dtype=object)
    return X, np.array([g["area"] for g in gold], dtype=object)


def variants(quick: bool):
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB

    grid = [(fs, sec, clf, weight, topics)
            for fs in ("chars", "both") for sec in (True, False)
            for clf in ("cnb0.1", "cnb0.3", "logreg10") for weight in (1.0, 3.0) for topics in (True, False)]
    if quick:
        grid = [("chars", True, "cnb0.1", 1.0, True), ("chars", True, "cnb0.1", 1.0, False), ("both", True, "cnb0.1", 1.0, True)]
    make = {"cnb0.1": lambda: ComplementNB(alpha=0.1), "cnb0.3": lambda: ComplementNB(alpha=0.3),
            "logreg10": lambda: LogisticRegression(C=10, max_iter=3000)}
    for fs, sec, clf, weight, topics in grid:
        if not topics and weight != 1.0:
            continue  # the weight only matters beside the topic sentences
        yield f"{fs:5} section={'y' if sec else 'n'} {clf:8} weight={weight:g} topics={'y' if topics else 'n'}", fs, sec, make[clf], weight, topics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the default variant and two others")
    quick = parser.parse_args().quick

    from sklearn.metrics import f1_score
    from sklearn.pipeline import Pipeline

    from fazhi.config import AREAS, CORPUS_FILE, SUPPLEMENT_FILE
    from fazhi.corpus.dataset import read_labeled_files
    from fazhi.modeling.model import AREA_ALPHA, AREA_FEATURES, AREA_SHORTCOMING_WEIGHT, DEFAULTS
    from fazhi_features.text import SentenceInput, make_features

    data = read_labeled_files([CORPUS_FILE], require_groups=True, strict=True, written=[SUPPLEMENT_FILE])
    Xg, yg = gold_shortcomings()
    topic = np.isin(data.y, AREAS)
    known = (data.y == "不足") & np.isin(data.areas, AREAS)
    print(f"{len(yg)} gold 不足 sentences; training: {int(topic.sum())} topic sentences, {int(known.sum())} 不足 with an area")
    print(f"the default: {AREA_FEATURES} section={'y' if DEFAULTS.section else 'n'} cnb{AREA_ALPHA:g} "
          f"weight={AREA_SHORTCOMING_WEIGHT:g} topics=y")
    for name, fs, sec, clf, weight, topics in variants(quick):
        rows = np.flatnonzero((topic if topics else np.zeros_like(topic)) | known)
        X = np.asarray(data.X, dtype=object)[rows].copy()
        if not sec:
            X[:, 1] = ""
        y = np.where(known, data.areas, data.y)[rows]
        w = np.where(known, weight, 1.0)[rows]
        model = Pipeline([("input", SentenceInput()),
                          ("features", make_features(fs, sec, (), DEFAULTS.section_weight, 2, 0.0)), ("clf", clf())])
        model.fit(X, y, clf__sample_weight=w)
        Xt = Xg.copy()
        if not sec:
            Xt[:, 1] = ""
        pred = model.predict(Xt)
        print(f"{name}  accuracy {np.mean(pred == yg):.3f}  macro-F1 {f1_score(yg, pred, labels=list(AREAS), average='macro'):.3f}",
              flush=True)


if __name__ == "__main__":
    main()
