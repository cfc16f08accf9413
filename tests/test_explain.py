"""fazhi.modeling.explain: the features that pushed a sentence to its label, for every classifier."""

import numpy as np
import pytest

from fazhi.modeling.classifiers import CLASSIFIERS
from fazhi.modeling.explain import Explainer, class_weights
from fazhi.modeling.model import build_pipeline, fit, pipeline_of


@pytest.fixture(scope="module")
def corpus_data(corpus_file):
    from fazhi.corpus.dataset import read_labeled

    return read_labeled(corpus_file, require_groups=True)


@pytest.mark.parametrize(
    ("classifier", "calibration"),
    # Every classifier as it is, and calibrated as a whole (explained by the pipeline inside).
    [(c, "none") for c in CLASSIFIERS] + [("complementnb", "isotonic"), ("linearsvc", "isotonic")],
)
def test_every_classifier_is_explained_by_features_that_push_towards_the_label(corpus_data, classifier, calibration):
    model = fit(build_pipeline(classifier=classifier, calibration=calibration), corpus_data.X, corpus_data.y, corpus_data.groups)
    X = np.array([["执法人员力量薄弱,专业能力仍有欠缺。", ""], ["开展宪法宣传周活动。", ""]], dtype=object)
    labels = [str(p) for p in model.predict(X)]
    why = Explainer(model, top=3).explain(X, labels)
    assert len(why) == 2 and all(why)
    for line in why:
        parts = line.split("; ")
        assert 1 <= len(parts) <= 3
        weights = [float(p.rsplit(" ", 1)[1]) for p in parts]
        assert all(w > 0 for w in weights) and weights == sorted(weights, reverse=True)
        assert all(p.split(":", 1)[0] in {"chars", "words", "section", "cues"} for p in parts)
    assert any(k in why[1] for k in ("宪", "宣", "传"))  # the sentence's own words carry 普法宣传


def test_pushes_add_up_to_how_far_the_label_is_ahead_of_the_average_label(corpus_data):
    # For a linear model the explanation is exact: Σ value × (w_label − mean w) = score_label − mean score.
    model = fit(build_pipeline(classifier="logreg", calibration="none"), corpus_data.X, corpus_data.y)
    X = corpus_data.X[:20]
    pipeline = pipeline_of(model)
    features = pipeline[:-1].transform(X)
    scores = pipeline.decision_function(X)
    clf = pipeline[-1]
    W = class_weights(clf)
    for i in range(len(X)):
        c = int(np.argmax(scores[i]))
        pushes = features[i].toarray()[0] * (W[c] - W.mean(axis=0))
        expected = scores[i, c] - scores[i].mean() - (clf.intercept_[c] - clf.intercept_.mean())
        assert pushes.sum() == pytest.approx(expected)


def test_a_model_without_per_feature_weights_is_refused_in_words():
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline

    with pytest.raises(ValueError, match="cannot explain a DummyClassifier"):
        class_weights(Pipeline([("clf", DummyClassifier().fit([[0]], ["其他"]))])[-1])
