"""Speed and memory of `fazhi predict` (issue 5), measured in one run.

1. Throughput: sentences/s of the tagging core (Tagger.tag_reports: reports already
   read and segmented → rows and summaries, as `fazhi predict` runs it) on
   ≥200,000 sentences made by repeating the seed reports, against bare `jieba.lcut`
   over the same sentences in the same process; for the default model and the
   character-only model (which needs no jieba).
2. Cold start: wall time of `fazhi predict --text "一句话"` in a new process against
   `python -c "import sklearn.linear_model, jieba"` (goal: at most 1.5×).
3. Peak memory (max RSS) of `fazhi predict DIR -o rows.csv --summary summary.csv` on a
   directory of 1 report and of 1,000 reports.

Models are trained here on data/sentences.csv by fazhi.modeling.training.train (what
`fazhi train` runs, without MLflow), so the run needs nothing but the checkout.

    .venv/bin/python benchmarks/predict.py            # the figures in the README
    .venv/bin/python benchmarks/predict.py --quick    # a smoke run (20,000 sentences, 50 files)
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fazhi.config import SEEDS_DIR

BIN = Path(sys.executable).parent


def fit_and_save(feature_set: str, directory: Path) -> Path:
    from fazhi.modeling.model import DEFAULTS
    from fazhi.modeling.training import train

    return train(DEFAULTS.with_(feature_set=feature_set), output_dir=directory, run_name=feature_set, track=False).saved


def seed_reports() -> list[tuple[str, list]]:
    from fazhi.formats.readers import read_report
    from fazhi.segment import iter_sentences

    return [(p.name, list(iter_sentences(read_report(p), p.stem))) for p in sorted(SEEDS_DIR.glob("*.txt"))]


def batch(n_sentences: int) -> list[tuple[str, list]]:
    """Seed reports repeated until the batch holds at least n_sentences."""
    seeds, out, total, i = seed_reports(), [], 0, 0
    while total < n_sentences:
        name, sentences = seeds[i % len(seeds)]
        out.append((f"{i}-{name}", sentences))
        total += len(sentences)
        i += 1
    return out


def throughput(model_dir: Path, reports: list[tuple[str, list]]) -> tuple[float, float, int]:
    """(seconds for tagging, seconds for jieba.lcut, sentences), measured back to back."""
    import jieba

    from fazhi.store.persist import load
    from fazhi.tagging.tagger import Tagger

    tagger = Tagger(load(model_dir))
    tagger.tag("warm-up", reports[0][1])  # loads the model's jieba dictionary, if any
    jieba.lcut("预热词典。")  # loads jieba's default dictionary
    n = sum(len(s) for _, s in reports)
    gc.collect()
    start = time.perf_counter()
    for _ in tagger.tag_reports(reports):
        pass
    t_model = time.perf_counter() - start
    texts = [s.text for _, sentences in reports for s in sentences]
    gc.collect()
    start = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    t_jieba = time.perf_counter() - start
    return t_model, t_jieba, n


def wall(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr.decode(errors='replace')}")
    return elapsed


def cold_start(model_dir: Path, repeats: int, cwd: Path) -> tuple[float, float]:
    """Median wall seconds of (fazhi predict --text, python -c import sklearn, jieba), interleaved."""
    predict = [str(BIN / "fazhi"), "predict", "--model", str(model_dir), "--text", "一句话"]
    baseline = [sys.executable, "-c", "import sklearn.linear_model, jieba"]
    wall(predict, cwd), wall(baseline, cwd)  # warm the OS file cache once
    p, b = [], []
    for _ in range(repeats):
        p.append(wall(predict, cwd))
        b.append(wall(baseline, cwd))
    return statistics.median(p), statistics.median(b)


def peak_rss_mb(cmd: list[str], cwd: Path) -> float:
    """Max RSS of `cmd` in MB, via a fresh wrapper process (RUSAGE_CHILDREN is per wrapper)."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "if done.returncode: sys.exit(done.stderr.decode(errors='replace'))\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    return int(done.stdout) / 1024  # Linux reports KiB


def memory(model_dir: Path, n_files: int, work: Path) -> tuple[float, float, int]:
    """Peak RSS (MB) for 1 file and for n_files files, and the sentences in the big run."""
    seeds = sorted(SEEDS_DIR.glob("*.txt"))
    one, many = work / "one", work / "many"
    one.mkdir()
    many.mkdir()
    (one / seeds[0].name).write_bytes(seeds[0].read_bytes())
    for i in range(n_files):
        seed = seeds[i % len(seeds)]
        (many / f"{i:04d}_{seed.name}").write_bytes(seed.read_bytes())
    runs = []
    for d in (one, many):
        cmd = [str(BIN / "fazhi"), "predict", str(d), "--model", str(model_dir), "-q",
               "-o", str(work / f"{d.name}.csv"), "--summary", str(work / f"{d.name}-summary.csv")]
        runs.append(peak_rss_mb(cmd, work))
    rows = sum(1 for _ in open(work / "many.csv", encoding="utf-8-sig")) - 1
    return runs[0], runs[1], rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=200_000, help="throughput batch size (≥)")
    parser.add_argument("--files", type=int, default=1000, help="files in the large memory run")
    parser.add_argument("--repeats", type=int, default=7, help="cold-start runs per command (median)")
    parser.add_argument("--quick", action="store_true", help="20,000 sentences, 50 files, 3 repeats")
    args = parser.parse_args()
    if args.quick:
        args.sentences, args.files, args.repeats = 20_000, 50, 3

    import platform

    print(f"# benchmarks/predict.py  ({platform.python_version()}, {os.cpu_count()} CPU(s), {platform.machine()})\n")
    with tempfile.TemporaryDirectory(prefix="fazhi-bench-") as tmp:
        work = Path(tmp)
        from fazhi.modeling.model import DEFAULTS

        # The default, and the jieba-word and char-only variants when it is neither.
        names = {DEFAULTS.feature_set: f"default ({DEFAULTS.feature_set})"}
        names.setdefault("both", "words + chars (jieba)")
        names.setdefault("chars", "chars only")
        models = {name: fit_and_save(fs, work) for fs, name in names.items()}
        reports = batch(args.sentences)

        print(f"## 1. Throughput: {sum(len(s) for _, s in reports):,} sentences in {len(reports):,} reports\n")
        print("| model | tagging s | sentences/s | jieba.lcut s | sentences/s | tagging / jieba time | speed vs jieba.lcut |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, model_dir in models.items():
            t_model, t_jieba, n = throughput(model_dir, reports)
            print(f"| {name} | {t_model:.1f} | {n / t_model:,.0f} | {t_jieba:.1f} | {n / t_jieba:,.0f} | {t_model / t_jieba:.2f}× "
                  f"| {t_jieba / t_model:.1f}× |")

        print(f"\n## 2. Cold start, median of {args.repeats} fresh processes\n")
        print("| model | `fazhi predict --text \"一句话\"` s | `import sklearn.linear_model, jieba` s | ratio (goal ≤ 1.5×) |")
        print("|---|---:|---:|---:|")
        for name, model_dir in models.items():
            p, b = cold_start(model_dir, args.repeats, work)
            print(f"| {name} | {p:.2f} | {b:.2f} | {p / b:.2f}× |")

        default = next(iter(models.values()))
        one, many, rows = memory(default, args.files, work)
        print("\n## 3. Peak memory (max RSS) of `fazhi predict DIR -o rows.csv --summary summary.csv`, default model\n")
        print("| files | peak RSS MB |")
        print("|---:|---:|")
        print(f"| 1 | {one:.0f} |")
        print(f"| {args.files:,} ({rows:,} rows) | {many:.0f} |")
        print(f"\n{args.files:,} files / 1 file: {many / one:.2f}× the memory")


if __name__ == "__main__":
    main()
