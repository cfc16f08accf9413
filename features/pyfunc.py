"""SentenceModel: a fitted sentence classifier as an MLflow pyfunc (the registered model, REST and Spark).

Its one job: take what a caller has — a table with a `text` column and optional
`section` and `heading` columns, a list of strings, a dict of columns — and return one
row per sentence: the label, its area (empty unless 不足), its confidence and one
probability per label, rounded to
4 places as `fazhi predict` writes them. It needs nothing of fazhi: MLflow copies this
package (features/) into the model, so the model loads wherever its own requirements
file is installed. fazhi.tracking.registry builds and logs it; column names come from fazhi.config.
"""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import numpy as np

CLASSIFIER_ARTIFACT = "classifier"  # the fitted scikit-learn model, a joblib file
DECIMALS = 4


class SentenceModel(mlflow.pyfunc.PythonModel):
    """predict(table) → DataFrame[label column, confidence column, one probability column per label].

    The column names come in the model's config (MLflow's model_config, written by
    fazhi.tracking.registry from fazhi.config): `label_column`, `confidence_column` and
    `proba_columns` ([label, column] pairs, in the order columns and ties are resolved).
    MLflow builds the model by running features/pyfunc_entry.py (models from code), so
    nothing but the scikit-learn classifier is pickled.
    """

    # No input type hints and no MLflow-side validation: MLflow would turn a list of
    # strings into an unnamed column; `sentences` checks the input instead.
    _skip_type_hint_validation = True

    def load_context(self, context) -> None:
        import joblib

        self.use(joblib.load(context.artifacts[CLASSIFIER_ARTIFACT]), **context.model_config)

    def use(self, classifier: Any, label_column: str, confidence_column: str, proba_columns,
            area_column: str | None = None) -> SentenceModel:
        """Predict with this fitted classifier; proba_columns: label → column (a dict or pairs);
        area_column: where the area of a 不足 sentence goes (features.area; models logged
        before areas have none)."""
        proba_columns = dict(proba_columns)  # a dict or (label, column) pairs
        classes = [str(c) for c in classifier.classes_]
        if set(classes) != set(proba_columns):
            raise ValueError(f"the classifier's labels {classes} differ from {list(proba_columns)}")
        self.classifier = classifier
        self.label_column, self.confidence_column, self.area_column = label_column, confidence_column, area_column
        self.proba_columns = proba_columns
        self._labels = list(self.proba_columns)
        self._order = [classes.index(label) for label in self._labels]
        return self

    def predict(self, context, model_input, params: dict[str, Any] | None = None):
        import pandas as pd

        X = sentences(model_input)
        text = [self.label_column, *([self.area_column] if self.area_column else [])]
        columns = [*text, self.confidence_column, *self.proba_columns.values()]
        if len(X) == 0:
            return pd.DataFrame({c: pd.Series(dtype=object if c in text else float) for c in columns})
        proba = self.classifier.predict_proba(X)[:, self._order]
        best = proba.argmax(axis=1)
        # Python's round, value by value: exactly the figures `fazhi predict` writes.
        rounded = [[round(p, DECIMALS) for p in row] for row in proba.tolist()]
        out = pd.DataFrame(rounded, columns=list(self.proba_columns.values()))
        out.insert(0, self.confidence_column, [row[k] for row, k in zip(rounded, best.tolist())])
        labels = [self._labels[k] for k in best.tolist()]
        if self.area_column:
            areas_for = getattr(self.classifier, "areas_for", None)
            out.insert(0, self.area_column, areas_for(X, labels) if areas_for else [""] * len(labels))
        out.insert(0, self.label_column, labels)
        return out


def sentences(model_input):
    """What the classifier's SentenceInput accepts, from what pyfunc callers pass; a clear
    MlflowException (HTTP 400 from the scoring server) for anything else."""
    import pandas as pd
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

    from .text import HEADING, SECTION, TEXT

    def bad(why: str) -> MlflowException:
        return MlflowException(
            f"{why}; send a table with a {TEXT!r} column (optional {SECTION!r}, {HEADING!r}) or a list of strings",
            error_code=INVALID_PARAMETER_VALUE,
        )

    if isinstance(model_input, (str, bytes)):
        raise bad("got a single string, not a list of sentences")
    if isinstance(model_input, dict):
        try:
            model_input = pd.DataFrame({k: np.atleast_1d(np.asarray(v, dtype=object)) for k, v in model_input.items()})
        except ValueError as exc:
            raise bad(f"columns of different lengths ({exc})") from None
    if isinstance(model_input, pd.Series):  # one column of sentences, whatever its name
        model_input = model_input.to_frame(TEXT)
    if isinstance(model_input, pd.DataFrame):
        columns = [str(c) for c in model_input.columns]
        if TEXT in columns:
            return model_input
        if columns == ["0"]:  # a list that became a table on the way (pandas, Spark): unnamed
            return model_input.set_axis([TEXT], axis=1)
        raise bad(f"no {TEXT!r} column among {columns}")
    array = np.asarray(model_input, dtype=object)
    if array.ndim == 0:  # what the scoring server makes of {"inputs": "……"}
        raise bad("got a single value, not a list of sentences")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise bad(f"got an array of shape {array.shape}")
    if not all(isinstance(v, str) for v in array):
        raise bad("a list item is not a string")
    return array
