"""How long `fazhi train --tune` takes on the corpus + the written supplement + 200 labels of a user's own.

    .venv/bin/python benchmarks/tune.py [--jobs 2]

The 200 "user" rows are corpus sentences filed under four made-up report ids: for timing
only (the figures printed by --tune mean nothing here). Prints the wall time of the
whole command and of a plain `fazhi train` in the same run, and their ratio.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAZHI = str(Path(sys.executable).with_name("fazhi"))


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([FAZHI, *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with open(ROOT / "data" / "sentences.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    random.seed(0)
    user = random.sample(rows, 200)
    with tempfile.TemporaryDirectory(prefix="fazhi-tune-") as tmp:
        mine = Path(tmp) / "mine.csv"
        with open(mine, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, list(rows[0]))
            writer.writeheader()
            for i, r in enumerate(user):
                writer.writerow({**r, "report_id": f"user-{i % 4}", "position": str(i)})
        common = ["--data", str(ROOT / "data" / "sentences.csv"), "--data", str(mine), "--supplement", "--no-track",
                  "--jobs", str(args.jobs), "--output-dir", tmp]
        plain = timed(["train", *common, "--run-name", "plain"])
        tuned = timed(["train", *common, "--run-name", "tuned", "--tune"])
    print(f"fazhi train          {plain:6.1f} s")
    print(f"fazhi train --tune   {tuned:6.1f} s   ({tuned / plain:.1f}x a plain train; goal: at most 180 s)")


if __name__ == "__main__":
    main()
