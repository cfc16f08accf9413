"""What a label is worth: a simulated user labels sentences of their own report, chosen by `suggest` or at random.

    .venv/bin/python benchmarks/label_value.py [--seeds 3] [--batch 25] [--jobs 2] [--png docs/label_value.png]

On the bundled corpus, for every ordered pair of reports (test, pool): the test report
is the user's held-out labeled report, the pool report the user's unlabeled one, and
the default model is trained on the other three. The user then labels the pool in
batches of --batch sentences, chosen either as `fazhi data suggest` chooses them
(fazhi.labeling.suggest.select on the current model's probabilities, the training texts
excluded as --labeled would) or at random; after each batch the model is retrained and
scored on the test report (macro-F1 and 不足 F1). When only near-duplicates of labeled
sentences are left, suggest's last batch is the rest of the pool, so that both
strategies end on the whole pool: the same training set, whose score is random's
"final" one. Repeated with --seeds seeds (they break suggest's ties and draw the random
batches). Prints the table of means, the per-pair table and both readings of issue 9's
goal (see report_table and readings), and writes a PNG of both curves (gain over no
labels: mean and interquartile range over pairs and seeds). Not a test; about 5
minutes on two busy cores. Other selection rules: benchmarks/label_strategies.py.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

from fazhi.config import CORPUS_FILE, PROJECT_ROOT, SHORTCOMING
from fazhi.corpus.dataset import Dataset, read_labeled
from fazhi.modeling.metrics import scores
from fazhi.modeling.model import DEFAULTS, build_pipeline, fit
from fazhi.labeling.suggest import Candidate, margins, near_key, select

SHORTFALL = SHORTCOMING


def _fit(data: Dataset, train: list[int]):
    return fit(build_pipeline(DEFAULTS), data.X[train], data.y[train], data.groups[train])


def _score(model, data: Dataset, test: np.ndarray) -> tuple[float, float]:
    m = scores(data.y[test], model.predict(data.X[test]))
    return m["macro_f1"], m["per_label"].get(SHORTFALL, {}).get("f1", 0.0)


def choose(strategy: str):
    """The selection rule: "suggest" is fazhi.labeling.suggest's own; others are screened in benchmarks/strategies.py."""
    if strategy == "suggest":
        return suggest_rule
    from strategies import RULES

    return RULES[strategy]


def suggest_rule(model, texts, sections, exclude, batch, seed) -> list[int]:
    """Positions in texts that `fazhi data suggest -n batch` would pick."""
    X = np.empty((len(texts), 2), dtype=object)
    X[:, 0], X[:, 1] = texts, sections
    classes = [str(c) for c in model.classes_]
    found = [Candidate("pool", j, "", sections[j], texts[j], classes[k], p, m)
             for j, (k, p, m) in enumerate(zip(*margins(model.predict_proba(X))))]
    return [c.sentence for c in select(found, batch, exclude, seed)]


def simulate(data: Dataset, test_report: str, pool_report: str, strategy: str, seed: int, batch: int) -> list[tuple[int, float, float]]:
    """(labels added, macro-F1, 不足 F1) after each batch, starting with none added."""
    test = np.flatnonzero(data.groups == test_report)
    pool = [int(i) for i in np.flatnonzero(data.groups == pool_report)]
    base = [int(i) for i in np.flatnonzero((data.groups != test_report) & (data.groups != pool_report))]
    added: list[int] = []
    rng = np.random.default_rng(seed)
    random_order = [pool[i] for i in rng.permutation(len(pool))]
    model = _fit(data, base)
    curve = [(0, *_score(model, data, test))]
    while len(added) < len(pool):
        if strategy == "random":
            new = random_order[len(added) : len(added) + batch]
        else:  # the model of the last batch picks the next, as a user would run suggest
            labeled = set(added)
            left = [i for i in pool if i not in labeled]
            # As `fazhi data suggest --labeled`: what the model was trained on is never suggested.
            exclude = {near_key(data.X[i, 0]) for i in base + added}
            rule = choose(strategy)
            more = {"train": (data.X[base + added], data.y[base + added], data.groups[base + added])} if getattr(rule, "needs_train", False) else {}
            chosen = rule(model, [data.X[i, 0] for i in left], [data.X[i, 1] for i in left], exclude, batch, seed, **more)
            # Only near-duplicates of labeled sentences left: the user labels them last, so
            # that every strategy ends on the whole pool (the same training set as random's).
            new = [left[j] for j in chosen] or left
        added += new
        model = _fit(data, base + added)
        curve.append((len(added), *_score(model, data, test)))
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(CORPUS_FILE))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--png", default=str(PROJECT_ROOT / "docs" / "label_value.png"))
    args = parser.parse_args()

    from joblib import Parallel, delayed

    data = read_labeled(args.data, require_groups=True, strict=True)
    reports = sorted(set(data.groups))
    runs = [(t, p, s, seed) for t, p in itertools.permutations(reports, 2) for s in ("suggest", "random")
            for seed in range(args.seeds)]
    curves = Parallel(n_jobs=args.jobs)(delayed(simulate)(data, t, p, s, seed, args.batch) for t, p, s, seed in runs)
    results = dict(zip(runs, curves))
    pool_size = {r: int((data.groups == r).sum()) for r in reports}
    print(f"{args.data}: {len(reports)} reports, {len(reports) * (len(reports) - 1)} (test, pool) pairs × {args.seeds} seeds; "
          f"batches of {args.batch}; the default model ({DEFAULTS.feature_set} 1–{DEFAULTS.char_ngrams} + "
          f"{DEFAULTS.classifier} C={DEFAULTS.C:g}, calibration {DEFAULTS.calibration})")
    curve_table(results, args.batch)
    report_table(results, reports, pool_size, args.seeds)
    plot(results, args.png, args.batch, pool_size)
    print(f"wrote {args.png}")


def _at(curve: list[tuple[int, float, float]], k: int) -> tuple[float, float]:
    """The scores with k labels added; a run whose pool ran out keeps its last scores."""
    last = curve[0]
    for point in curve:
        if point[0] > k:
            break
        last = point
    return last[1], last[2]


def _mean_at(results, strategy: str, k: int, idx: int) -> float:
    return float(np.mean([_at(c, k)[idx] for (_, _, s, _), c in results.items() if s == strategy]))


def curve_table(results, batch: int) -> None:
    """Mean macro-F1 and 不足 F1 over every pair and seed after k labels (a run whose
    pool ran out counts with its whole pool)."""
    top = max(c[-1][0] for c in results.values())
    ks = list(range(0, top + batch, batch))
    print("\n| labels added | " + " | ".join(map(str, ks)) + " |")
    print("|---|" + "---:|" * len(ks))
    for strategy in ("suggest", "random"):
        for idx, name in ((0, "macro-F1"), (1, f"{SHORTFALL} F1")):
            cells = " | ".join(f"{_mean_at(results, strategy, k, idx):.3f}" for k in ks)
            print(f"| {strategy}: {name} | {cells} |")


def report_table(results, reports, pool_size, seeds) -> None:
    """Per pair: the whole pool's macro-F1 (random's final score: the same training set
    whatever the order), and the labels suggest needed to reach it (mean over seeds)."""
    print("\n| test report | pool report | pool | start macro-F1 | whole pool | suggest reaches it at | share of pool |")
    print("|---|---|---:|---:|---:|---:|---:|")
    shares = []
    for t, p in itertools.permutations(reports, 2):
        final = np.mean([results[(t, p, "random", s)][-1][1] for s in range(seeds)])
        steps = sorted({k for s in range(seeds) for k, _, _ in results[(t, p, "suggest", s)]})
        reach = next((k for k in steps if k < pool_size[p]
                      and np.mean([_at(results[(t, p, "suggest", s)], k)[0] for s in range(seeds)]) >= final - 1e-9), None)
        start = results[(t, p, "random", 0)][0][1]
        shares.append(reach / pool_size[p] if reach is not None else np.inf)  # reached only with the whole pool
        shown = (f"{reach}", f"{shares[-1]:.0%}") if reach is not None else ("whole pool", "100%")
        print(f"| {t} | {p} | {pool_size[p]} | {start:.3f} | {final:.3f} | {shown[0]} | {shown[1]} |")
    shares = np.array(shares)
    median = "only the whole pool" if np.isinf(np.median(shares)) else f"{np.median(shares):.0%} of the pool"
    print(f"\nper pair: suggest reaches the whole pool's macro-F1 with a median {median}; within 60% in {int((shares <= 0.6).sum())} of {len(shares)} pairs "
          f"(in {int((shares == 0).sum())} with none), not before the whole pool in {int(np.isinf(shares).sum())}")
    finals = {(t, p): np.mean([results[(t, p, "random", s)][-1][1] for s in range(seeds)])
              for t, p in itertools.permutations(reports, 2)}
    grids = {s: per_pair([(t, p, c) for (t, p, st, _), c in results.items() if st == s], pool_size) for s in ("suggest", "random")}
    for s, g in grids.items():
        r = readings(g, finals)
        reach = "not before the whole pool" if np.isinf(r["mean_curve_share"]) else f"at {r['mean_curve_share']:.0%}"
        print(f"mean curve (over pairs and seeds, x = share of the pool): {s} reaches the mean whole-pool macro-F1 "
              f"{r['final']:.3f} {reach}; at 20/40/60/80%: " + " / ".join(f"{r['at'][f]:.3f}" for f in (0.2, 0.4, 0.6, 0.8))
              + f"; gap at 60% {r['gap60']:+.3f} ± {r['gap60_se']:.3f} (s.e. over pairs)")
    diff = {f: [grids["suggest"][k][i] - grids["random"][k][i] for k in finals] for f, i in
            ((f, int(np.flatnonzero(GRID == f)[0])) for f in (0.2, 0.4, 0.6, 0.8))}
    print("suggest minus random, paired by pair: " + "; ".join(
        f"{f:.0%} {np.mean(v):+.3f} ± {np.std(v, ddof=1) / np.sqrt(len(v)):.3f}" for f, v in diff.items()))


# Shares of the pool for the mean-curve reading: the score at a share is that of the
# last batch within it (batches of 25 make 60% of a pool of 99 mean 50 labels).
GRID = np.round(np.arange(0, 1.0001, 0.05), 2)


def at_share(curve, pool: int, share: float, idx: int = 1) -> float:
    """The score (idx 1 macro-F1, 2 不足 F1) with at most share × pool labels added."""
    last = curve[0]
    for point in curve:
        if point[0] > share * pool + 1e-9:
            break
        last = point
    return last[idx]


def per_pair(runs, pool_size: dict, idx: int = 1) -> dict[tuple[str, str], np.ndarray]:
    """runs: (test, pool, curve) → per (test, pool) the score at each share of GRID, mean over seeds."""
    pairs: dict[tuple[str, str], list] = {}
    for t, p, curve in runs:
        pairs.setdefault((t, p), []).append([at_share(curve, pool_size[p], f, idx) for f in GRID])
    return {k: np.mean(v, axis=0) for k, v in pairs.items()}


def readings(curves: dict, finals: dict, pairs=None) -> dict:
    """The goal's two readings over `pairs` (default all). Per pair: the smallest share at
    which the rule's curve reaches the pair's whole-pool score (inf: only with the whole
    pool), and its median. Mean curve: the smallest share at which the mean curve over
    pairs reaches the mean whole-pool score. And the mean gap at 60% (rule at 60% minus
    whole pool, ± its standard error over pairs): the least noisy of the three."""
    pairs = sorted(curves) if pairs is None else pairs
    shares = []
    for k in pairs:
        hit = np.flatnonzero(curves[k][:-1] >= finals[k] - 1e-9)
        shares.append(GRID[hit[0]] if len(hit) else np.inf)
    mean_curve = np.mean([curves[k] for k in pairs], axis=0)
    target = np.mean([finals[k] for k in pairs])
    hit = np.flatnonzero(mean_curve[:-1] >= target - 1e-9)
    gaps = np.array([curves[k][int(np.flatnonzero(GRID == 0.6)[0])] - finals[k] for k in pairs])
    return {"median_share": float(np.median(shares)), "within60": int(np.sum(np.array(shares) <= 0.6)), "n": len(pairs),
            "mean_curve_share": float(GRID[hit[0]]) if len(hit) else np.inf, "gap60": float(gaps.mean()),
            "gap60_se": float(gaps.std(ddof=1) / np.sqrt(len(gaps))) if len(gaps) > 1 else float("nan"), "final": float(target),
            "at": {f: float(mean_curve[int(np.flatnonzero(GRID == f)[0])]) for f in (0.2, 0.4, 0.6, 0.8)}}


def plot(results, png: str, batch: int, pool_size: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = max(c[-1][0] for c in results.values())
    ks = list(range(0, top + batch, batch))
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    # Gains over each run's start: the test reports differ in level far more than the
    # strategies differ, so absolute scores would hide the comparison in the spread.
    for ax, idx, title in ((axes[0], 0, "macro-F1"), (axes[1], 1, "shortcoming F1")):
        for strategy, color in (("suggest", "tab:blue"), ("random", "tab:orange")):
            curves = [c for (t, p, s, seed), c in results.items() if s == strategy]
            values = np.array([[_at(c, k)[idx] - c[0][1 + idx] for k in ks] for c in curves])
            q25, q75 = np.percentile(values, [25, 75], axis=0)
            ax.plot(ks, values.mean(axis=0), color=color, marker=".", label=f"{strategy}: mean")
            ax.fill_between(ks, q25, q75, color=color, alpha=0.15, label=f"{strategy}: 25th–75th percentile")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel("labels added from the pool report")
        ax.set_ylabel(f"gain in {title}")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8)
    # The goal's own axis: share of the pool, the whole pool's gain as the line to reach.
    for strategy, color in (("suggest", "tab:blue"), ("random", "tab:orange")):
        gains = [[at_share(c, pool_size[p], f) - c[0][1] for f in GRID] for (t, p, s, _), c in results.items() if s == strategy]
        axes[2].plot(GRID * 100, np.mean(gains, axis=0), color=color, marker=".", label=f"{strategy}: mean")
    axes[2].axhline(np.mean(gains, axis=0)[-1], color="black", ls="--", lw=0.8, label="whole pool (the goal)")
    axes[2].axvline(60, color="grey", ls=":", lw=1)
    axes[2].set_xlabel("share of the pool labeled (%; the last batch within it)")
    axes[2].set_ylabel("gain in macro-F1")
    axes[2].grid(alpha=0.3)
    axes[2].legend(loc="upper left", fontsize=8)
    fig.suptitle("Gain on a held-out report from labels chosen by `fazhi data suggest` or at random\n"
                 "(bundled corpus, 20 report pairs × seeds; a used-up pool keeps its last score)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
