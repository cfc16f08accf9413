"""Size and render time of the batch report page (`fazhi report`) for a big batch, against the five seed reports.

The seed reports are tagged once by the real `fazhi predict seeds/ -o tagged.csv`; the big
batch repeats their rows under other report names up to about 100,000 sentences (825
reports), written as predict writes CSV. For each batch: the CSV's size, the page's size
and its ratio to the CSV, the whole `fazhi report` command's time, and in a real headless
Chromium the time the page's script takes to draw everything (the `data-render-ms` it
records), the same with a text search in the address (`#q=…`), and the wall time of the
browser loading the page and dumping its DOM (start-up included). Ratios are big against
small, in the same run.

    .venv/bin/python benchmarks/report_page.py            # the figures in the README
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def chromium_dom(exe: str, page: Path, fragment: str = "") -> tuple[str, float]:
    """The DOM after the page's scripts ran, and the wall seconds it took."""
    with tempfile.TemporaryDirectory(prefix="fazhi-bench-chromium-") as profile:
        url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
        start = time.perf_counter()
        proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=60000", "--dump-dom", url],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return out, time.perf_counter() - start


def render_ms(dom: str) -> int:
    found = re.search(r'data-render-ms="(\d+)"', dom)
    if not found:
        raise SystemExit("the page did not finish rendering")
    return int(found.group(1))


def repeat_rows(small: Path, big: Path, copies: int) -> int:
    with open(small, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows, names = list(reader), reader.fieldnames
    with open(big, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=names)
        out.writeheader()
        for k in range(copies):
            out.writerows({**r, "source": f"batch/{k:04d}-{Path(r['source']).name}"} for r in rows)
    return len(rows) * copies


def measure(fazhi: str, exe: str, tagged: Path, page: Path, word: str, repeats: int) -> dict:
    start = time.perf_counter()
    subprocess.run([fazhi, "report", str(tagged), "-o", str(page), "--force"], check=True, capture_output=True)
    command = time.perf_counter() - start
    draws, searches, walls = [], [], []
    for _ in range(repeats):
        dom, wall = chromium_dom(exe, page)
        draws.append(render_ms(dom))
        walls.append(wall)
        searches.append(render_ms(chromium_dom(exe, page, f"q={word}")[0]))
    return {"csv": tagged.stat().st_size, "page": page.stat().st_size, "command": command,
            "draw": min(draws), "search": min(searches), "wall": min(walls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fazhi", default=str(ROOT / ".venv" / "bin" / "fazhi"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--copies", type=int, default=165, help="copies of the seed batch in the big one")
    parser.add_argument("--repeats", type=int, default=3, help="browser runs per page (the best is kept)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fazhi-report-bench-"))
    try:
        small = work / "tagged.csv"
        subprocess.run([args.fazhi, "predict", str(ROOT / "seeds"), "-o", str(small), "-q"], check=True)
        big = work / "big.csv"
        rows = repeat_rows(small, big, args.copies)
        results = {}
        for name, tagged in (("seeds", small), ("big", big)):
            results[name] = measure(args.fazhi, args.chromium, tagged, work / f"{name}.html", "法律顾问", args.repeats)
        s, b = results["seeds"], results["big"]
        print(f"big batch: {rows:,} sentences in {5 * args.copies:,} reports; seeds: 5 reports\n")
        print("| batch | CSV MB | page MB | page / CSV | `fazhi report` s | draw ms | search ms | browser load s |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, r in results.items():
            print(f"| {name} | {r['csv'] / 1e6:.2f} | {r['page'] / 1e6:.2f} | {r['page'] / r['csv']:.2f} | "
                  f"{r['command']:.2f} | {r['draw']} | {r['search']} | {r['wall']:.2f} |")
        print(f"\nbig / seeds: {b['page'] / s['page']:.0f}× the page size, {b['command'] / s['command']:.1f}× the command time, "
              f"{b['draw'] / max(s['draw'], 1):.0f}× the draw time, {b['wall'] / s['wall']:.1f}× the browser load time "
              f"(for {args.copies}× the sentences)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
