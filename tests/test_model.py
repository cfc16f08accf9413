"""fazhi.modeling.model: every classifier gives probabilities; pipelines pickle; top terms."""

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fazhi.modeling.explain import top_terms
from fazhi.modeling.model import CLASSIFIERS, DEFAULTS, FEATURE_SETS, build_pipeline

# A toy set with one obvious word per label, enough rows for 3-fold calibration.
TOY = [
    ("开展普法宣传活动", "普法宣传"), ("组织法治宣传进社区", "普法宣传"), ("举办普法讲座", "普法宣传"),
    ("开展宪法宣传周", "普法宣传"), ("推行行政执法公示", "行政执法"), ("开展执法检查", "行政执法"),
    ("查处违法案件", "行政执法"), ("开展执法案卷评查", "行政执法"), ("调解矛盾纠纷", "矛盾化解"),
    ("办理行政复议案件", "矛盾化解"), ("人民调解组织调解纠纷", "矛盾化解"), ("化解信访矛盾", "矛盾化解"),
]
X_TOY = [t for t, _ in TOY]
Y_TOY = [y for _, y in TOY]


@pytest.mark.parametrize("classifier", CLASSIFIERS)
def test_every_classifier_gives_probabilities_that_sum_to_one(classifier):
    p = build_pipeline(feature_set="chars", classifier=classifier, section=False, C=10.0, calibration="none").fit(X_TOY, Y_TOY)
    proba = p.predict_proba(["普法宣传", "执法检查", "调解纠纷"])
    assert proba.shape == (3, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(p.predict(["开展普法宣传", "开展执法检查", "调解矛盾纠纷"])) == ["普法宣传", "行政执法", "矛盾化解"]


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
def test_predictions_are_the_same_for_dataframe_pairs_and_strings(feature_set):
    p = build_pipeline(feature_set=feature_set, classifier="logreg", section=True, calibration="none").fit(X_TOY, Y_TOY)
    texts = ["举办普法讲座", "开展执法检查", "化解信访矛盾", "调解纠纷"]
    as_strings = p.predict_proba(texts)
    as_pairs = p.predict_proba([(t, "") for t in texts])
    as_frame = p.predict_proba(pd.DataFrame({"text": texts, "heading": [""] * 4}))
    np.testing.assert_allclose(as_strings, as_pairs)
    np.testing.assert_allclose(as_strings, as_frame)
    assert len(p.predict(pd.DataFrame({"text": texts}))) == 4  # several rows in, as many out


def test_heading_changes_the_prediction_only_with_the_heading_block():
    X = [(t, "一、普法工作" if y == "普法宣传" else "二、其他工作") for t, y in TOY]
    with_heading = build_pipeline(feature_set="chars", classifier="logreg", section=True, section_weight=1.0, calibration="none").fit(X, Y_TOY)
    without = build_pipeline(feature_set="chars", classifier="logreg", section=False, calibration="none").fit(X, Y_TOY)
    probe = [("开展工作", "一、普法工作"), ("开展工作", "二、其他工作")]
    p_with = with_heading.predict_proba(probe)[:, list(with_heading.classes_).index("普法宣传")]
    p_without = without.predict_proba(probe)[:, list(without.classes_).index("普法宣传")]
    assert p_with[0] > p_with[1] + 0.05
    assert p_without[0] == pytest.approx(p_without[1])


def test_build_pipeline_overrides_defaults_and_rejects_bad_choices():
    p = build_pipeline(classifier="ridge", C=2.0, calibration="none", area=False)
    assert p.named_steps["clf"].estimator.alpha == pytest.approx(0.5)  # sigmoid-calibrated for probabilities
    calibrated = build_pipeline(classifier="ridge", C=2.0).labeler  # the labels' model inside the area wrapper (the default)
    assert calibrated.method == DEFAULTS.calibration and calibrated.estimator.named_steps["clf"].alpha == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown classifier 'svm'"):
        build_pipeline(classifier="svm")
    with pytest.raises(ValueError, match="unknown feature set"):
        build_pipeline(feature_set="ngrams")
    with pytest.raises(ValueError, match="C must be positive"):
        build_pipeline(C=0)
    with pytest.raises(ValueError, match="unknown class weight"):
        build_pipeline(class_weight="auto")
    with pytest.raises(ValueError, match="unknown calibration"):
        build_pipeline(calibration="platt")
    with pytest.raises(ValueError, match="cue weight must be non-negative"):
        build_pipeline(cue_weight=-1)


def test_defaults_are_valid_choices():
    assert DEFAULTS.feature_set in FEATURE_SETS and DEFAULTS.classifier in CLASSIFIERS
    assert hasattr(build_pipeline(), "predict_proba")


@pytest.mark.parametrize("classifier", ["logreg", "linearsvc", "complementnb"])
def test_top_terms_name_the_telling_words_of_each_label(classifier):
    p = build_pipeline(feature_set="words", classifier=classifier, section=False, C=10.0, calibration="none",
                       cue_weight=0).fit(X_TOY, Y_TOY)
    terms = top_terms(p, n=10)
    assert set(terms) == {"普法宣传", "行政执法", "矛盾化解"}
    assert any("执法" in t for t, _ in terms["行政执法"])
    assert any("调解" in t or "矛盾" in t for t, _ in terms["矛盾化解"])
    assert not any("调解" in t for t, _ in terms["普法宣传"])


def test_fitted_words_pipeline_pickles_and_predicts_the_same_in_a_fresh_process(tmp_path):
    p = build_pipeline(feature_set="both", classifier="linearsvc", section=True, calibration="none").fit(X_TOY, Y_TOY)
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps(p))
    probe = ["推行双随机一公开监管", "坚持发展枫桥经验调解纠纷"]
    code = (
        "import pickle, json; p = pickle.load(open(%r, 'rb'));"
        "print(json.dumps(p.predict_proba(%r).round(6).tolist()))" % (str(path), probe)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    import json

    np.testing.assert_allclose(json.loads(out.stdout), p.predict_proba(probe).round(6))


@pytest.mark.parametrize("calibration", ["none", "isotonic"])
def test_sample_weights_reach_the_classifier_also_through_calibration(calibration):
    # The toy rows twice, once as "real" (the right labels) and once as "written" (rotated
    # labels): the heavier copy decides what the model says.
    from fazhi.modeling.model import fit

    rotated = Y_TOY[4:] + Y_TOY[:4]
    X, y = X_TOY * 2, Y_TOY + rotated
    groups = [f"r{i % 3}" for i in range(len(X_TOY))] * 2  # three "reports" for the calibration's folds
    written = np.array([False] * len(X_TOY) + [True] * len(X_TOY))
    for weight, expected in ((0.01, Y_TOY), (100.0, rotated)):
        model = build_pipeline(feature_set="chars", section=False, calibration=calibration, area=False)
        fit(model, np.array([[t, ""] for t in X], dtype=object), np.array(y, dtype=object), np.array(groups),
            sample_weight=np.where(written, weight, 1.0))
        predicted = model.predict(np.array([[t, ""] for t in X_TOY], dtype=object))
        assert np.mean(predicted == np.array(expected, dtype=object)) >= 0.9, (weight, list(predicted))


def test_the_written_weight_is_a_setting_that_old_cards_read_as_one():
    from fazhi.modeling.model import ModelConfig

    assert DEFAULTS.written_weight == 1.0
    assert ModelConfig.from_params({"feature_set": "chars"}).written_weight == 1.0
    with pytest.raises(ValueError, match="written weight must be positive"):
        DEFAULTS.with_(written_weight=0).check()
