"""Dev-set figures (52 real texts outside the corpus, ../shared/devset/) beside grouped CV, for the default and variants.

    .venv/bin/python benchmarks/devset.py                       # the default
    .venv/bin/python benchmarks/devset.py -- "" "--classifier logreg --C 10" "--no-supplement"

Each variant is a set of `fazhi train` options. It is trained (no MLflow) into a
temporary directory, `fazhi predict ../shared/devset/raw` tags the dev texts with it,
and the dev set's own scorer (score.py) scores them. Prints one row per variant: grouped-CV
macro-F1 (real reports only) and the dev macro-F1, 不足 precision/recall, per-label F1 and,
when the model gives areas, the area accuracy on the gold 不足 sentences. The dev set is
read from ../shared/devset only: it is never trained on and never copied into the project.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT.parent / "shared" / "devset"
FAZHI = str(Path(sys.executable).with_name("fazhi"))
SHORT = {"普法宣传": "普法", "行政执法": "执法", "矛盾化解": "矛盾", "营商环境": "营商", "不足": "不足", "其他": "其他"}


def measure(options: str, work: Path, dev: Path) -> dict:
    name = re.sub(r"[^\w.-]+", "_", options).strip("_") or "default"
    models = work / name
    train = subprocess.run([FAZHI, "train", "--no-track", "--output-dir", str(models), "--run-name", "m", *shlex.split(options)],
                           capture_output=True, text=True, check=True)
    cv = float(re.search(r"macro-F1 ([\d.]+)", train.stdout).group(1))
    out = work / f"{name}.jsonl"
    subprocess.run([FAZHI, "predict", str(dev / "raw"), "-o", str(out), "--model", str(models / "m"), "--force", "--quiet"],
                   check=True, capture_output=True)
    figures = work / f"{name}.json"
    subprocess.run([sys.executable, str(dev / "score.py"), str(out), "--json", str(figures)], check=True, capture_output=True)
    return {"options": options or "(default)", "cv_macro_f1": cv, **json.loads(figures.read_text())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="*", default=[""], help="fazhi train options of one variant, quoted")
    parser.add_argument("--devset", type=Path, default=DEVSET, help="a dev set laid out as ../shared/devset")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    if not (args.devset / "score.py").is_file():
        sys.exit(f"{args.devset}: no dev set here (score.py, gold.csv, raw/)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="fazhi-devset-") as tmp:
        for options in args.variants:
            row = measure(options, Path(tmp), args.devset)
            rows.append(row)
            per = row["per_label"]
            area = f"  area {row['area']['accuracy']:.3f}" if row.get("area") else ""
            print(f"{row['options']:<48} CV {row['cv_macro_f1']:.3f}  dev {row['macro_f1']:.3f}  "
                  f"不足 P {per['不足']['precision']:.2f} R {per['不足']['recall']:.2f}  "
                  + " ".join(f"{SHORT[k]} {v['f1']:.2f}" for k, v in per.items()) + area, flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
