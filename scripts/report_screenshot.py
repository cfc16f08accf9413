"""The README's pictures of the batch report: `fazhi predict seeds/ --html` in a real headless Chromium.

Tags the bundled seed reports with the default model (train one first: `fazhi train`),
writing the page with --html, and screenshots it: the top of the page (docs/report.png)
and the sentence table opened on a view from the address (docs/report-table.png:
the sentences below the confidence threshold, least confident first).

    apt-get install -y chromium fonts-noto-cjk     # CJK text in the browser needs the font
    .venv/bin/python scripts/report_screenshot.py
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from PIL import Image  # matplotlib's dependency

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def shoot(exe: str, url: str, out: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="fazhi-shot-") as profile:
        proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
                                 f"--window-size={width},{height}", f"--screenshot={out}", url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def dump_dom(exe: str, url: str, width: int, height: int) -> str:
    with tempfile.TemporaryDirectory(prefix="fazhi-shot-") as profile:
        done = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
                               f"--window-size={width},{height}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120)
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fazhi", default=str(ROOT / ".venv" / "bin" / "fazhi"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fazhi-report-") as work:
        page = Path(work) / "report.html"
        subprocess.run([args.fazhi, "predict", "seeds", "-o", str(Path(work) / "tagged.csv"),
                        "--html", str(page), "-q"], check=True, cwd=ROOT)
        shoot(args.chromium, page.as_uri(), args.out / "report.png", 1280, 1180)
        print(args.out / "report.png")
        # Headless Chromium paints nothing below a scrolled view: shoot the whole page
        # with the view in the address, and cut the table out where the page says it is.
        view = page.as_uri() + "#low=1&sort=c"
        top = int(re.search(r'data-table-top="(\d+)"', dump_dom(args.chromium, view, 1280, 4000)).group(1))
        whole = Path(work) / "whole.png"
        shoot(args.chromium, view, whole, 1280, top + 760)
        Image.open(whole).crop((0, top - 10, 1280, top + 670)).save(args.out / "report-table.png", optimize=True)
        print(args.out / "report-table.png")


if __name__ == "__main__":
    main()
