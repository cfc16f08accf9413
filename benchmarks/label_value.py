"""What a label is worth: a simulated user labels sentences of their own report, chosen by `suggest` or at random.

    .venv/bin/python benchmarks/label_value.py [--seeds 3] [--batch 25] [--jobs 2] [--png docs/label_value.png]

On the bundled corpus, for every ordered pair of reports (test, pool): the test report
is the user's held-out labeled report, the pool report the user's unlabeled one, and
the default model is trained on the other three. The user then labels the pool in
batches of --batch sentences, chosen either as `fazhi data suggest` chooses them
(fazhi.suggest.select on the current model's probabilities, the training texts
excluded as --labeled would) or at random; after each batch the model is retrained and
scored on the test report (macro-F1 and 不足 F1). Repeated with --seeds seeds (they
break suggest's ties and draw the random batches). Prints the table of means and
writes a PNG of both curves (gain over no labels: mean and interquartile range over pairs and seeds). Not a test; about
about 20 minutes on two busy cores.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

from fazhi.config import CORPUS_FILE, PROJECT_ROOT
from fazhi.dataset import Dataset, read_labeled
from fazhi.metrics import scores
from fazhi.model import DEFAULTS, build_pipeline, fit
from fazhi.suggest import Candidate, margins, near_key, select

SHORTFALL = "不足"


def _fit(data: Dataset, train: list[int]):
    return fit(build_pipeline(DEFAULTS), data.X[train], data.y[train], data.groups[train])


def _score(model, data: Dataset, test: np.ndarray) -> tuple[float, float]:
    m = scores(data.y[test], model.predict(data.X[test]))
    return m["macro_f1"], m["per_label"].get(SHORTFALL, {}).get("f1", 0.0)


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
            left = [i for i in pool if i not in set(added)]
            classes = [str(c) for c in model.classes_]
            found = [Candidate(pool_report, i, "", data.X[i, 1], data.X[i, 0], classes[k], p, m)
                     for i, k, p, m in zip(left, *margins(model.predict_proba(data.X[left])))]
            # As `fazhi data suggest --labeled`: what the model was trained on is never suggested.
            exclude = {near_key(data.X[i, 0]) for i in base + added}
            new = [c.sentence for c in select(found, batch, exclude, seed)]
            if not new:  # only near-duplicates of labeled sentences are left
                break
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
    plot(results, args.png, args.batch)
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
    """Per pair: random's final macro-F1 (whole pool), and the share of the pool suggest
    needed to reach it (mean over seeds at each batch)."""
    print("\n| test report | pool report | pool | start macro-F1 | random, whole pool | suggest reaches it at | share of pool |")
    print("|---|---|---:|---:|---:|---:|---:|")
    shares = []
    for t, p in itertools.permutations(reports, 2):
        final = np.mean([results[(t, p, "random", s)][-1][1] for s in range(seeds)])
        steps = sorted({k for s in range(seeds) for k, _, _ in results[(t, p, "suggest", s)]})
        reach = next((k for k in steps if np.mean([_at(results[(t, p, "suggest", s)], k)[0] for s in range(seeds)]) >= final - 1e-9), None)
        start = results[(t, p, "random", 0)][0][1]
        share = reach / pool_size[p] if reach is not None else float("nan")
        shares.append(share)
        shown = f"{reach}" if reach is not None else "never"
        print(f"| {t} | {p} | {pool_size[p]} | {start:.3f} | {final:.3f} | {shown} | {share:.0%} |")
    shares = np.array(shares)
    ok = np.nan_to_num(shares, nan=2.0)
    print(f"\nsuggest reaches random's whole-pool macro-F1 with a median {np.nanmedian(shares):.0%} of the pool "
          f"(mean {np.nanmean(shares):.0%}); within 60% in {int((ok <= 0.6).sum())} of {len(shares)} pairs, "
          f"never in {int(np.isnan(shares).sum())}")


def plot(results, png: str, batch: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = max(c[-1][0] for c in results.values())
    ks = list(range(0, top + batch, batch))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
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
    fig.suptitle("Gain on a held-out report from labels chosen by `fazhi data suggest` or at random\n"
                 "(bundled corpus, 20 report pairs × seeds; a used-up pool keeps its last score)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
