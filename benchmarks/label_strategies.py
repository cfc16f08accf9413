"""Screening selection rules for `fazhi data suggest`: which labels gain most, by a simulated user.

    .venv/bin/python benchmarks/label_strategies.py STRATEGY... [--seeds 1] [--jobs 2]
    .venv/bin/python benchmarks/label_strategies.py --summary          # every cached strategy

The simulation of benchmarks/label_value.py (every ordered (test, pool) pair of the
bundled corpus's reports, the default model trained on the other three, the pool
labeled in batches, retrained and scored on the test report after each), with the
selection rule as a parameter. Curves are cached under .cache/label_strategies/ (one
JSON per strategy and batch size), so a rule is simulated once and the summary compares
all of them. Strategies other than `random` are deterministic up to ties, so one seed
screens them; random gets several.

The summary gives, per strategy, both readings of issue 9's goal (suggest reaches
random's whole-pool macro-F1 with at most 60% of the pool; see `readings`) and, since
choosing the best of several rules on the same pairs flatters it, a nested figure: the
rule chosen on the pairs of four test reports, scored on the pairs of the fifth.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from label_value import GRID, per_pair, readings, simulate  # noqa: E402

from fazhi.config import CORPUS_FILE, PROJECT_ROOT  # noqa: E402
from fazhi.corpus.dataset import read_labeled  # noqa: E402

CACHE = PROJECT_ROOT / ".cache" / "label_strategies"


def _path(strategy: str, batch: int) -> Path:
    return CACHE / f"{strategy}-b{batch}.json"


def run(data, strategy: str, seeds: int, batch: int, jobs: int) -> dict:
    from joblib import Parallel, delayed

    reports = sorted(set(data.groups))
    runs = [(t, p, seed) for t, p in itertools.permutations(reports, 2) for seed in range(seeds)]
    curves = Parallel(n_jobs=jobs)(delayed(simulate)(data, t, p, strategy, seed, batch) for t, p, seed in runs)
    out = {"strategy": strategy, "batch": batch, "pool": {r: int((data.groups == r).sum()) for r in reports},
           "runs": [{"test": t, "pool": p, "seed": s, "curve": c} for (t, p, s), c in zip(runs, curves)]}
    CACHE.mkdir(parents=True, exist_ok=True)
    _path(strategy, batch).write_text(json.dumps(out))
    return out


def _grid(result: dict, idx: int = 1) -> dict:
    return per_pair([(r["test"], r["pool"], r["curve"]) for r in result["runs"]], result["pool"], idx)


def interpolated_gap(result: dict, finals: dict) -> tuple[float, float]:
    """Mean over pairs (± s.e.) of the score at exactly 60% of the pool, linear between
    batches, minus the whole pool's: the 60% point without the batches' rounding down."""
    per: dict = {}
    for r in result["runs"]:
        k, v = zip(*[(c[0], c[1]) for c in r["curve"]])
        per.setdefault((r["test"], r["pool"]), []).append(np.interp(0.6 * result["pool"][r["pool"]], k, v))
    gaps = np.array([np.mean(v) - finals[key] for key, v in per.items()])
    return float(gaps.mean()), float(gaps.std(ddof=1) / np.sqrt(len(gaps)))


def summary(batch: int) -> None:
    results = {p.name.rsplit("-b", 1)[0]: json.loads(p.read_text()) for p in sorted(CACHE.glob(f"*-b{batch}.json"))}
    if "random" not in results:
        sys.exit("simulate `random` first")
    # The whole pool gives the same training set whatever the order: its score is the
    # random runs' last point (identical over seeds).
    finals = {k: v[-1] for k, v in _grid(results["random"]).items()}
    curves = {name: _grid(r) for name, r in results.items()}
    short = {name: _grid(r, 2) for name, r in results.items()}
    print(f"batch {batch}; shares of the pool; finals = whole-pool macro-F1 (mean {np.mean(list(finals.values())):.3f})\n")
    print("| rule | seeds | @20% | @40% | @60% | @80% | gap @60% (± s.e.) | interpolated | 不足 F1 @60% | per pair: median share | within 60% | mean curve: share |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    i60 = int(np.flatnonzero(GRID == 0.6)[0])
    for name, c in curves.items():
        r = readings(c, finals)
        seeds = len({x["seed"] for x in results[name]["runs"]})
        print(f"| {name} | {seeds} | " + " | ".join(f"{r['at'][f]:.3f}" for f in (0.2, 0.4, 0.6, 0.8))
              + f" | {r['gap60']:+.3f} ± {r['gap60_se']:.3f} | {'%+.3f ± %.3f' % interpolated_gap(results[name], finals)} | {np.mean([v[i60] for v in short[name].values()]):.3f}"
              + f" | {_share(r['median_share'])} | {r['within60']}/{r['n']} | {_share(r['mean_curve_share'])} |")
    nested(curves, finals)


def _share(x: float) -> str:
    return "whole pool" if np.isinf(x) else f"{x:.0%}"


def nested(curves: dict, finals: dict) -> None:
    """Leave one test report out: choose the rule (not random) on the pairs of the other
    test reports — by the gap at 60%, or by how many pairs reach the whole pool within
    60% — and score it on this one's pairs. The outer pairs' figures, pooled over the
    five test reports, are what the choice is worth on pairs it did not see."""
    rules = [n for n in curves if n != "random"]
    tests = sorted({t for t, _ in finals})
    for name, key in (("gap @60%", lambda r: r["gap60"]), ("pairs within 60%", lambda r: (r["within60"], r["gap60"]))):
        chosen, gaps, shares = [], [], []
        for t in tests:
            inner = [k for k in finals if k[0] != t]
            outer = [k for k in finals if k[0] == t]
            best = max(rules, key=lambda n: key(readings(curves[n], finals, inner)))
            chosen.append(best)
            gaps += [curves[best][k][int(np.flatnonzero(GRID == 0.6)[0])] - finals[k] for k in outer]
            shares += [readings(curves[best], finals, [k])["median_share"] for k in outer]
        print(f"\nnested, chosen by {name} on the other test reports' pairs: {', '.join(chosen)}; "
              f"on the held-out pairs: gap @60% {np.mean(gaps):+.3f} ± {np.std(gaps, ddof=1) / np.sqrt(len(gaps)):.3f}, "
              f"per-pair median share {_share(float(np.median(shares)))}, within 60% in {int(np.sum(np.array(shares) <= 0.6))}/{len(shares)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("strategies", nargs="*")
    parser.add_argument("--data", default=str(CORPUS_FILE))
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    data = read_labeled(args.data, require_groups=True, strict=True)
    for s in args.strategies:
        run(data, s, args.seeds, args.batch, args.jobs)
        print(f"simulated {s}", flush=True)
    if args.summary or not args.strategies:
        summary(args.batch)


if __name__ == "__main__":
    sys.exit(main())
