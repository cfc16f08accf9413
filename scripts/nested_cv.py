"""Nested grouped CV: how good is "pick the best configuration of the sweep"?

The sweep ranks 60 configurations on the same five folds it reports, so its best
score is optimistic. Here the choice itself is cross-validated: for each held-out
report, the default sweep grid is run on the other four reports (inner leave-one-
report-out) and the winner, trained on those four, is scored on the held-out report.
Takes ~10 minutes.

    .venv/bin/python scripts/nested_cv.py
"""

from __future__ import annotations

import numpy as np

from fazhi.modeling.classifiers import CLASSIFIERS
from fazhi.config import CORPUS_FILE, LABELS
from fazhi.corpus.dataset import read_labeled
from fazhi.modeling.metrics import scores
from fazhi.modeling.model import DEFAULT_CS, FEATURE_SETS, ModelConfig, build_pipeline, fit
from fazhi.modeling.sweep import grid_configs, sweep


def main() -> None:
    data = read_labeled(CORPUS_FILE, require_groups=True)
    configs = grid_configs(FEATURE_SETS, CLASSIFIERS, DEFAULT_CS)
    y_pred = np.empty(len(data), dtype=object)
    for report in sorted(set(data.groups)):
        test, train = np.flatnonzero(data.groups == report), np.flatnonzero(data.groups != report)
        best = sweep(configs, data.subset(train), jobs=2, track=False).rows[0]
        config = ModelConfig.from_params(best)
        model = fit(build_pipeline(config), data.X[train], data.y[train], data.groups[train])
        y_pred[test] = model.predict(data.X[test])
        picked = f"{config.feature_set}+{config.classifier} C={config.C:g}"
        print(f"held out {report}: picked {picked} (inner macro-F1 {best['macro_f1']:.3f})", flush=True)
    m = scores(data.y, y_pred)
    print(f"nested grouped-CV macro-F1 {m['macro_f1']:.3f}  accuracy {m['accuracy']:.3f}")
    print("per-label F1: " + "  ".join(f"{lab} {m['per_label'][lab]['f1']:.3f}" for lab in LABELS))


if __name__ == "__main__":
    main()
