"""The adaptation loop measured on real texts: 200 labels picked by `fazhi data suggest` against 200 random ones.

    .venv/bin/python benchmarks/adapt_devset.py [--labels 200] [--seeds 3]

The dev set's 52 real texts (../shared/devset/raw) are split in two halves, alternately
in id order (so openings and problem texts are in both): the first is the user's pool,
the second the test. The dev set's gold labels play the reader: a sentence picked from
the pool gets its gold label (a sentence fazhi cuts otherwise than gold has none and is
not offered). Three models are trained exactly as `fazhi train` (the default, the bundled
corpus and the written supplement), with no labels of the user's, with the `suggest`
pick and with random picks (one per seed), and each tags the test half, scored against
its gold as ../shared/devset/score.py scores (macro-F1 over six labels; a gold sentence
fazhi cuts otherwise counts as 其他). The dev set is read from ../shared/ only and never
copied into the project.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT.parent / "shared" / "devset"
FAZHI = str(Path(sys.executable).with_name("fazhi"))


def scorer():
    spec = importlib.util.spec_from_file_location("devset_score", DEVSET / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fazhi(*args: str) -> str:
    return subprocess.run([FAZHI, *args], check=True, capture_output=True, text=True).stdout


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def write_labels(path: Path, picked: list[dict], gold: dict) -> None:
    """The picked pool sentences with the reader's (gold) label, in the corpus's columns."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["report_id", "position", "heading", "section", "text", "label", "area"])
        writer.writeheader()
        for r in picked:
            g = gold[(r["report_id"], re.sub(r"\s+", "", r["text"]))]
            writer.writerow({"report_id": f"user-{r['report_id']}", "position": r["position"], "heading": r["heading"],
                             "section": r["section"], "text": r["text"], "label": g["label"],
                             "area": g["area"] if g["label"] == "不足" else ""})


def macro_f1(pred_file: Path, test_ids: set[str], score) -> float:
    gold = [g for g in read_rows(DEVSET / "gold.csv") if g["report_id"] in test_ids]
    pred = {}
    for line in open(pred_file, encoding="utf-8"):
        r = json.loads(line)
        pred.setdefault(score.key(Path(str(r["source"])).stem, str(r["text"])), r)
    pairs = [(g["label"], (pred.get(score.key(g["report_id"], g["text"])) or {}).get("label") or "其他") for g in gold]
    per = score.prf(pairs, score.LABELS)
    return sum(v["f1"] for v in per.values()) / len(score.LABELS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    score = scorer()
    gold = {score.key(g["report_id"], g["text"]): g for g in read_rows(DEVSET / "gold.csv")}
    texts = sorted((DEVSET / "raw").glob("*.txt"))
    pool_ids, test_ids = {p.stem for p in texts[0::2]}, {p.stem for p in texts[1::2]}
    with tempfile.TemporaryDirectory(prefix="fazhi-adapt-") as tmp:
        tmp = Path(tmp)
        for name, ids in (("pool", pool_ids), ("test", test_ids)):
            (tmp / name).mkdir()
            for p in texts:
                if p.stem in ids:
                    shutil.copy(p, tmp / name / p.name)
        # Every pool sentence the reader can label (gold has it as fazhi cuts it).
        fazhi("data", "segment", str(tmp / "pool"), "-o", str(tmp / "pool.csv"))
        labelable = [r for r in read_rows(tmp / "pool.csv") if score.key(r["report_id"], r["text"]) in gold]

        def run(name: str, extra: list[str]) -> float:
            models = tmp / f"models-{name}"
            fazhi("train", "--no-track", "--output-dir", str(models), "--run-name", "m", "--supplement", *extra)
            out = tmp / f"{name}.jsonl"
            fazhi("predict", str(tmp / "test"), "-o", str(out), "--model", str(models / "m"), "--quiet")
            return macro_f1(out, test_ids, score)

        base = run("none", [])
        # suggest picks from the pool with the model trained without user labels.
        fazhi("data", "suggest", str(tmp / "pool"), "-n", str(args.labels * 2), "-o", str(tmp / "suggested.csv"),
              "--model", str(tmp / "models-none" / "m"))
        suggested = [r for r in read_rows(tmp / "suggested.csv")
                     if score.key(Path(r["source"]).stem, r["text"]) in gold]
        for r in suggested:
            r["report_id"] = Path(r["source"]).stem
            r["position"] = r["sentence"]
        write_labels(tmp / "suggest.csv", suggested[: args.labels], gold)
        by_suggest = run("suggest", ["--data", str(ROOT / "data" / "sentences.csv"), "--data", str(tmp / "suggest.csv")])
        by_random = []
        for seed in range(args.seeds):
            picked = random.Random(seed).sample(labelable, args.labels)
            write_labels(tmp / f"random{seed}.csv", picked, gold)
            by_random.append(run(f"random{seed}", ["--data", str(ROOT / "data" / "sentences.csv"),
                                                   "--data", str(tmp / f"random{seed}.csv")]))
    print(f"pool: {len(pool_ids)} texts, {len(labelable)} labelable sentences; test: {len(test_ids)} texts")
    print(f"macro-F1 on the test half: no user labels {base:.3f}; +{args.labels} by suggest {by_suggest:.3f}; "
          f"+{args.labels} random {statistics.mean(by_random):.3f} (seeds: {', '.join(f'{f:.3f}' for f in by_random)})")


if __name__ == "__main__":
    main()
