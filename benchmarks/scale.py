"""Scale: `fazhi predict` in one process against `fazhi spark-tag` on local[2], in one run.

The same reports at two sizes (about 200,000 and 800,000 sentences, the seed reports
repeated): `fazhi predict DIR -o rows.parquet` reads one .txt file per report;
`fazhi spark-tag reports.parquet --reports -o DIR` reads the same report texts, one per
row, and segments them inside Spark. Both with the default model trained here on
data/sentences.csv (no MLflow store: spark-tag is given the models/ directory), both
timed as whole commands (start-up included), both writing Parquet. Prints sentences per
second and how the time grows from the small to the large input (4× the sentences).

    .venv/bin/python benchmarks/scale.py            # the figures in the README
    .venv/bin/python benchmarks/scale.py --quick    # 20,000 and 80,000 sentences
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from predict import BIN, fit_and_save  # noqa: E402

from fazhi.config import SEEDS_DIR  # noqa: E402


def write_reports(directory: Path, n_sentences: int) -> tuple[Path, Path, int]:
    """Seed reports repeated until they hold n_sentences: a directory of .txt files and a
    Parquet table (source, text) of the same texts; and the number of sentences."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from fazhi.segment import iter_sentences, text_lines

    seeds = [(p, p.read_text("utf-8")) for p in sorted(SEEDS_DIR.glob("*.txt"))]
    sizes = [len(list(iter_sentences(text_lines(text)))) for _, text in seeds]
    files = directory / "reports"
    files.mkdir(parents=True)
    sources, texts, total, i = [], [], 0, 0
    while total < n_sentences:
        seed, text = seeds[i % len(seeds)]
        path = files / f"{i:05d}_{seed.name}"
        path.write_text(text, encoding="utf-8")
        sources.append(str(path))
        texts.append(text)
        total += sizes[i % len(seeds)]
        i += 1
    table = directory / "reports.parquet"
    pq.write_table(pa.table({"source": sources, "text": texts}), table)
    return files, table, total


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-3000:]}")
    return elapsed


def rows_in(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetDataset(path).read(columns=["label"]).num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[200_000, 800_000], metavar="N", help="sentences (≥) of the two inputs")
    parser.add_argument("--master", default="local[2]", help="Spark master for spark-tag")
    parser.add_argument("--quick", action="store_true", help="20,000 and 80,000 sentences")
    args = parser.parse_args()
    if args.quick:
        args.sizes = [20_000, 80_000]

    env = dict(os.environ, SPARK_LOCAL_IP=os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"))
    print(f"# benchmarks/scale.py  ({platform.python_version()}, {os.cpu_count()} CPU(s), spark-tag on {args.master})\n")
    with tempfile.TemporaryDirectory(prefix="fazhi-scale-") as tmp:
        work = Path(tmp)
        model = fit_and_save("chars", work / "models")
        results = []
        for n in args.sizes:
            files, table, total = write_reports(work / f"n{n}", n)
            predict_out, spark_out = work / f"n{n}" / "predict.parquet", work / f"n{n}" / "spark"
            t_predict = timed([str(BIN / "fazhi"), "predict", str(files), "--model", str(model), "-q",
                               "-o", str(predict_out)], env)
            t_spark = timed([str(BIN / "fazhi"), "spark-tag", str(table), "--reports", "--model", str(model),
                             "--master", args.master, "-o", str(spark_out)], env)
            assert rows_in(predict_out) == rows_in(spark_out) == total, "both must tag every sentence"
            results.append((total, t_predict, t_spark))

        print("| sentences | reports | `fazhi predict` s | sentences/s | `spark-tag` s | sentences/s | spark-tag / predict time |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for (total, tp, ts), n in zip(results, args.sizes):
            reports = len(list((work / f"n{n}" / "reports").iterdir()))
            print(f"| {total:,} | {reports:,} | {tp:.1f} | {total / tp:,.0f} | {ts:.1f} | {total / ts:,.0f} | {ts / tp:.2f}× |")
        (n1, p1, s1), (n2, p2, s2) = results
        print(f"\nFrom {n1:,} to {n2:,} sentences ({n2 / n1:.2f}× as many): `fazhi predict` took {p2 / p1:.2f}× as long, "
              f"`spark-tag` {s2 / s1:.2f}× as long.")


if __name__ == "__main__":
    main()
