"""Where `fazhi predict` spends its time: a cProfile of one run, split into stages.

Runs `fazhi predict DIR --model M -o rows.csv -q` in this process under cProfile on a
directory of seed reports (repeated), with the default model trained here on
data/sentences.csv (no MLflow), and prints the share of the run in each stage —
reading, segmentation, features, classifier (with calibration), building rows,
writing — the profile's top entries by own time, and what one call of the model costs
at 1, 120 (a report) and 4,096 sentences.

    .venv/bin/python benchmarks/profile_predict.py              # docs/speed.md
    .venv/bin/python benchmarks/profile_predict.py --files 50   # a quicker look
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import pstats
import sys
import tempfile
import time
from pathlib import Path

from fazhi.config import PROJECT_ROOT, SEEDS_DIR

def stage_functions() -> dict[str, list]:
    """Stage → the functions whose cumulative time it is (nested stages are subtracted below)."""
    from sklearn.compose import ColumnTransformer

    from fazhi.tagging import tagger as tagging
    from fazhi.formats import writers
    from fazhi.tagging.inputs import Report
    from fazhi.segment import iter_sentences
    from fazhi_features.text import SentenceInput

    return {
        "reading": [Report.parts],
        "segmentation": [iter_sentences],
        "predict_proba": [getattr(tagging.Tagger, "predict_proba", None) or tagging.Tagger._predict_proba],
        "features": [ColumnTransformer.transform],
        "input": [SentenceInput.transform],
        # Rows are built under Tagger.tag_reports (Tagger.tag before issue 12 batched reports).
        "tagger": [getattr(tagging.Tagger, "tag_reports", None) or tagging.Tagger.tag],
        "writing": [getattr(cls, "write") for cls in (writers.CsvWriter,)],
    }


def cumulative(stats: pstats.Stats, functions: list) -> float:
    keys = set()
    for function in functions:
        code = inspect.unwrap(function).__code__
        keys.add((code.co_filename, code.co_firstlineno, code.co_name))
    return sum(ct for key, (_, _, _, ct, _) in stats.stats.items() if key in keys)


def stage_times(stats: pstats.Stats) -> dict[str, float]:
    got = {stage: cumulative(stats, functions) for stage, functions in stage_functions().items()}
    return {
        "reading": got["reading"],
        "segmentation": got["segmentation"],
        "input selection (SentenceInput)": got["input"],
        "features (TF-IDF blocks, cues)": got["features"],
        "classifier and calibration": got["predict_proba"] - got["features"] - got["input"],
        "building rows": got["tagger"] - got["predict_proba"],
        "writing": got["writing"],
    }


def call_costs(model_dir: Path, sizes=(1, 120, 4096)) -> list[tuple[int, float]]:
    """(sentences, ms) of one predict_proba call of the model, for each size (mean of a loop)."""
    from predict import batch

    from fazhi.store.persist import load

    model = load(model_dir).pipeline
    X = [(s.text, s.section) for _, sentences in batch(20_000) for s in sentences]
    model.predict_proba(X[:100])
    out = []
    for size in sizes:
        calls = max(3, 20_000 // size) if size > 1 else 200
        start = time.perf_counter()
        for i in range(calls):
            at = i * size % 10_000
            model.predict_proba(X[at : at + size])
        out.append((size, (time.perf_counter() - start) / calls * 1000))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200, help="report files in the directory (seeds repeated)")
    parser.add_argument("--top", type=int, default=15, help="profile entries to show")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).parent))
    from predict import fit_and_save

    from fazhi.cli import app

    with tempfile.TemporaryDirectory(prefix="fazhi-profile-") as tmp:
        work = Path(tmp)
        model = fit_and_save("chars", work / "models")
        reports = work / "reports"
        reports.mkdir()
        seeds = sorted(SEEDS_DIR.glob("*.txt"))
        for i in range(args.files):
            (reports / f"{i:04d}_{seeds[i % len(seeds)].name}").write_bytes(seeds[i % len(seeds)].read_bytes())
        out = work / "rows.csv"
        argv = ["predict", str(reports), "--model", str(model), "-o", str(out), "-q", "--force"]
        app(argv, standalone_mode=False)  # warm-up: imports, model load, OS file cache
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        app(argv, standalone_mode=False)
        profile.disable()
        wall = time.perf_counter() - start
        rows = sum(1 for _ in open(out, encoding="utf-8-sig")) - 1
        costs = call_costs(model)

    stats = pstats.Stats(profile)
    total = stats.total_tt
    print(f"# fazhi predict on {args.files} files, {rows:,} sentences: {wall:.1f} s wall under cProfile "
          f"({rows / wall:,.0f} sentences/s; profiling slows Python-heavy code most)\n")
    print("| stage | s | share |")
    print("|---|---:|---:|")
    for stage, seconds in stage_times(stats).items():
        print(f"| {stage} | {seconds:.2f} | {seconds / total:.0%} |")
    print(f"| whole run | {total:.2f} | 100% |\n")
    print(f"Top {args.top} by own time:\n")
    print("| own s | cumulative s | calls | function |")
    print("|---:|---:|---:|---|")
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[: args.top]
    for (file, line, func), (_, calls, tt, ct, _) in entries:
        short = file.split("site-packages/")[-1].replace(f"{PROJECT_ROOT}/", "")
        print(f"| {tt:.2f} | {ct:.2f} | {calls:,} | `{short}:{line}({func})` |")
    print("\nOne call of the model (predict_proba, no profiler):\n")
    print("| sentences per call | ms per call | µs per sentence |")
    print("|---:|---:|---:|")
    for size, ms in costs:
        print(f"| {size:,} | {ms:.1f} | {ms * 1000 / size:,.0f} |")


if __name__ == "__main__":
    main()
