"""A scikit-learn Pipeline whose fit takes `sample_weight`, for the weight of written sentences.

CalibratedClassifierCV hands sample weights to its estimator only when the estimator's
`fit` names a `sample_weight` parameter, and Pipeline's does not (without metadata
routing, a process-wide switch). This one passes them to its last step, as
`Pipeline.fit(X, y, clf__sample_weight=w)` would.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline


class WeightedPipeline(Pipeline):
    """Pipeline(steps); fit(X, y, sample_weight=None) weighs the rows in the last step."""

    def fit(self, X, y=None, sample_weight=None, **params):
        if sample_weight is not None:
            params[f"{self.steps[-1][0]}__sample_weight"] = sample_weight
        return super().fit(X, y, **params)
