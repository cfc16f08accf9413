"""Time to read HTML pages of growing size (issue 11): it should grow about linearly.

Pages are made here from the seed reports' text: "flat" pages of 1.5, 3 and 6 MB (one
<p> per paragraph, as a long government page), and a 1.1 MB page of 100,000 nested
<div>s. Each is read by fazhi's HTML reader (decode + parse + text) from a file, as
`fazhi predict` reads it; every ratio is against the 1.5 MB page, in the same run.

    .venv/bin/python benchmarks/html_pages.py             # the figures in the README
    .venv/bin/python benchmarks/html_pages.py --big       # also a 50 MB page
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path, and this file would
# shadow the standard library's html package that the HTML reader uses.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from fazhi.config import SEEDS_DIR  # noqa: E402
from fazhi.formats.readers import read_report  # noqa: E402

HEAD = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>报告</title><script>var x=1;</script></head><body>'
TAIL = "</body></html>"


def paragraphs() -> list[str]:
    out = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        out += [line.strip() for line in path.read_text(encoding="utf-8", errors="ignore").splitlines() if line.strip()]
    return out


def flat_page(megabytes: float) -> bytes:
    """<p>…</p> paragraphs (with a nav bar and an inline <span> now and then) up to the size."""
    texts, parts, size, i = paragraphs(), [HEAD, "<nav><ul><li>首页</li><li>政务公开</li></ul></nav><article>"], 0, 0
    target = int(megabytes * 1_000_000)
    while size < target:
        text = texts[i % len(texts)]
        para = f"<p>{text[:8]}<span>{text[8:16]}</span>{text[16:]}</p>\n"
        parts.append(para)
        size += len(para.encode("utf-8"))
        i += 1
    return ("".join(parts) + "</article>" + TAIL).encode("utf-8")


def nested_page(depth: int = 100_000) -> bytes:
    return (HEAD + "<div>" * depth + "深层的文字。" + "</div>" * depth + TAIL).encode("utf-8")


def seconds_to_read(raw: bytes, work: Path, repeats: int = 3) -> tuple[float, int]:
    path = work / "page.html"
    path.write_bytes(raw)
    best, lines = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        lines = len(read_report(path))
        best = min(best, time.perf_counter() - start)
    return best, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also read a 50 MB page (once)")
    args = parser.parse_args()
    sizes = [1.5, 3.0, 6.0] + ([50.0] if args.big else [])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("| page | MB | lines | seconds (best of 3) | s per MB | × the 1.5 MB page |")
        print("|---|---:|---:|---:|---:|---:|")
        base = None
        for mb in sizes:
            raw = flat_page(mb)
            secs, lines = seconds_to_read(raw, work, repeats=1 if mb > 10 else 3)
            base = base or secs
            print(f"| flat | {len(raw) / 1e6:.1f} | {lines:,} | {secs:.2f} | {secs / (len(raw) / 1e6):.2f} | {secs / base:.1f} |")
        raw = nested_page()
        secs, lines = seconds_to_read(raw, work)
        print(f"| 100,000 nested divs | {len(raw) / 1e6:.1f} | {lines:,} | {secs:.2f} | {secs / (len(raw) / 1e6):.2f} | {secs / base:.1f} |")


if __name__ == "__main__":
    main()
