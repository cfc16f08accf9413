"""Time one grouped-CV training of the default model and the default sweep.

    .venv/bin/python benchmarks/train.py [--data FILE] [--jobs N]

Both are measured in the same run, without MLflow (tracking adds a roughly constant
cost per run), so their ratio is meaningful on any machine. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from fazhi.config import CORPUS_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(CORPUS_FILE))
    parser.add_argument("--jobs", type=int, default=2, help="processes for the sweep (the CLI default)")
    args = parser.parse_args()

    from fazhi.modeling.classifiers import CLASSIFIERS
    from fazhi.corpus.dataset import read_labeled
    from fazhi.modeling.model import DEFAULT_CS, DEFAULTS, FEATURE_SETS
    from fazhi.modeling.sweep import grid_configs, sweep
    from fazhi.modeling.training import fit

    data = read_labeled(args.data, require_groups=True, strict=True)
    print(f"{args.data}: {len(data)} sentences, {len(set(data.groups))} reports; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

    start = time.perf_counter()
    result = fit(DEFAULTS, data)  # what `fazhi train` does before saving and logging
    one = time.perf_counter() - start
    print(f"default model ({DEFAULTS.feature_set} + {DEFAULTS.classifier}, C={DEFAULTS.C:g}): "
          f"grouped CV ({result.cv.n_folds} folds) + final fit {one:.1f} s, CV macro-F1 {result.cv.metrics['macro_f1']:.3f}")

    configs = grid_configs(FEATURE_SETS, CLASSIFIERS, DEFAULT_CS)
    start = time.perf_counter()
    rows = sweep(configs, data, jobs=args.jobs, track=False).rows
    total = time.perf_counter() - start
    print(f"default sweep ({len(configs)} configurations, jobs={args.jobs}): {total:.1f} s "
          f"= {total / one:.1f}× one training; best {rows[0]['feature_set']}+{rows[0]['classifier']} "
          f"C={rows[0]['C']:g} macro-F1 {rows[0]['macro_f1']:.3f}")


if __name__ == "__main__":
    main()
