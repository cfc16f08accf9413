"""The written supplement's weight, measured on the dev set beside grouped CV.

    .venv/bin/python benchmarks/supplement_weight.py                 # weights 0.5 1 2
    .venv/bin/python benchmarks/supplement_weight.py --weights 1 3

A weight w trains the default model on the corpus plus the supplement with each written
text counted w times: w = 2 repeats every written row twice (as a sample weight of 2 would
for the linear models' loss), w = 0.5 keeps a random half of the written texts (seeded).
The supplement stays marked written, so grouped CV still scores the real reports only. Each
model tags ../shared/devset/raw with `fazhi predict` and the dev set's score.py scores it
(read from ../shared/devset only: never trained on, never copied into the project).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT.parent / "shared" / "devset"
FAZHI = str(Path(sys.executable).with_name("fazhi"))


def weighted_supplement(source: Path, weight: float, out: Path, seed: int = 0) -> int:
    """Write the supplement with each text counted `weight` times; the rows written."""
    with source.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    texts = sorted({r["report_id"] for r in rows})
    if weight < 1:
        keep = set(np.random.default_rng(seed).choice(texts, size=round(weight * len(texts)), replace=False))
        copies = [[r for r in rows if r["report_id"] in keep]]
    else:
        # Each copy is a text of its own (a report id of its own): calibration's folds by report see them apart.
        copies = [[{**r, "report_id": f"{r['report_id']}#{k}" if k else r["report_id"]} for r in rows]
                  for k in range(int(weight))]
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for copy in copies:
            writer.writerows(copy)
    return sum(map(len, copies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.5, 1.0, 2.0])
    args = parser.parse_args()

    from fazhi.config import CORPUS_FILE, SUPPLEMENT_FILE
    from fazhi.corpus.dataset import read_labeled_files
    from fazhi.modeling.training import train

    with tempfile.TemporaryDirectory(prefix="fazhi-weight-") as tmp:
        for weight in args.weights:
            work = Path(tmp) / f"w{weight:g}"
            work.mkdir()
            supplement = work / "written.csv"
            n = weighted_supplement(SUPPLEMENT_FILE, weight, supplement)
            data = read_labeled_files([CORPUS_FILE], require_groups=True, strict=True, written=[supplement])
            result = train(data=data, output_dir=work / "models", run_name="m", track=False)
            pred = work / "dev.jsonl"
            subprocess.run([FAZHI, "predict", str(DEVSET / "raw"), "-o", str(pred), "--model", str(work / "models" / "m"),
                            "--force", "--quiet"], check=True, capture_output=True)
            subprocess.run([sys.executable, str(DEVSET / "score.py"), str(pred), "--json", str(work / "dev.json")],
                           check=True, capture_output=True)
            dev = json.loads((work / "dev.json").read_text())
            short = dev["per_label"]["不足"]
            area = f"  area {dev['area']['accuracy']:.3f}" if dev.get("area") else ""
            print(f"weight {weight:<4g} ({n} written rows)  CV {result.cv.metrics['macro_f1']:.3f}  dev {dev['macro_f1']:.3f}  "
                  f"不足 P {short['precision']:.2f} R {short['recall']:.2f}{area}", flush=True)


if __name__ == "__main__":
    main()
