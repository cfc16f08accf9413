"""fazhi.modeling.evaluation: reading labeled files, scores, grouped cross-validation."""

import json

import numpy as np
import pytest

from make_files import write_rows
from fazhi.config import LABELS
from fazhi.corpus.dataset import Dataset, read_labeled
from fazhi.errors import CorpusError
from fazhi.modeling.evaluation import cross_validate, errors, folds
from fazhi.modeling.metrics import confusion, scores
from fazhi.modeling.model import build_pipeline


def test_scores_match_hand_computed_figures():
    y_true = ["普法宣传", "普法宣传", "行政执法", "其他"]
    y_pred = ["普法宣传", "行政执法", "行政执法", "其他"]
    s = scores(y_true, y_pred)
    assert s["n"] == 4 and s["accuracy"] == pytest.approx(0.75)
    assert list(s["per_label"]) == ["普法宣传", "行政执法", "其他"]  # config.LABELS order
    assert s["per_label"]["普法宣传"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert s["per_label"]["行政执法"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert s["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    labels, matrix = confusion(y_true, y_pred)
    assert labels == ["普法宣传", "行政执法", "其他"]
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def _toy_dataset() -> Dataset:
    texts = {
        "普法宣传": ["开展普法宣传", "法治宣传进社区", "举办普法讲座"],
        "行政执法": ["开展执法检查", "查处违法案件", "执法案卷评查"],
        "其他": ["召开常务会议", "完善工作机制", "加强组织领导", "印发实施方案"],
    }
    X, y, g = [], [], []
    for report in ("r1", "r2", "r3"):
        for label, ts in texts.items():
            for t in ts:
                X.append([f"{t}", ""])
                y.append(label)
                g.append(report)
    return Dataset(np.array(X, dtype=object), np.array(y, dtype=object), np.array(g, dtype=object),
                   [str(i) for i in range(len(y))], [""] * len(y))


def test_cross_validation_leaves_whole_reports_out_and_predicts_every_sentence():
    data = _toy_dataset()
    for train, test in folds(data.groups).split(data.X, data.y, data.groups):
        assert not set(data.groups[train]) & set(data.groups[test])
    cv = cross_validate(build_pipeline(feature_set="chars", classifier="logreg", section=False), data)
    assert cv.n_folds == 3
    assert len(cv.y_pred) == len(data) and all(p in cv.classes for p in cv.y_pred)
    np.testing.assert_allclose(cv.proba.sum(axis=1), 1.0)
    # Out of fold: each report's predictions come from a model fitted on the other reports.
    splits = list(folds(data.groups).split(data.X, data.y, data.groups))
    for train, test in splits:
        alone = build_pipeline(feature_set="chars", classifier="logreg", section=False).fit(data.X[train], data.y[train])
        assert list(alone.predict(data.X[test])) == list(cv.y_pred[test])
    # The majority class of every training fold is 其他 (4 of 10 per report).
    assert cv.baseline["accuracy"] == pytest.approx(4 / 10)
    assert cv.baseline["macro_f1"] == pytest.approx((0 + 0 + 2 * 0.4 / 1.4) / 3)
    assert cv.metrics["macro_f1"] > cv.baseline["macro_f1"]


def test_out_of_fold_errors_list_text_true_predicted_and_probability():
    data = _toy_dataset()
    data.y[0] = "行政执法"  # "开展普法宣传" of r1, mislabeled: r2 and r3 teach 普法宣传
    cv = cross_validate(build_pipeline(feature_set="chars", classifier="logreg", section=False), data)
    rows = errors(cv, data)
    assert len(rows) == int((cv.y_true != cv.y_pred).sum()) > 0
    assert {"text": "开展普法宣传", "true": "行政执法", "predicted": "普法宣传"}.items() <= rows[0].items()
    for r in rows:
        assert r["true"] != r["predicted"] and 0 <= r["probability"] <= 1 and r["text"]
        assert r["p_true"] <= r["probability"]


def test_a_single_report_cannot_be_cross_validated():
    data = _toy_dataset()
    data.groups[:] = "r1"
    with pytest.raises(CorpusError, match="at least two reports"):
        cross_validate(build_pipeline(feature_set="chars", section=False), data)


def test_default_model_beats_the_baseline_on_the_bundled_corpus(corpus_file):
    # A real, failing-capable check of the whole pipeline on the five reports.
    data = read_labeled(corpus_file, require_groups=True, strict=True)
    cv = cross_validate(build_pipeline(), data, n_jobs=2)
    assert cv.n_folds == len(set(data.groups)) == 5
    assert cv.baseline["macro_f1"] < 0.15
    assert cv.metrics["macro_f1"] > 0.7
    assert set(cv.metrics["per_label"]) == set(LABELS)


def test_read_labeled_reads_csv_tsv_and_jsonl_alike(tmp_path, corpus_rows):
    rows = corpus_rows[:20]
    csv_path = write_rows(tmp_path / "a.csv", rows)
    tsv_path = write_rows(tmp_path / "a.tsv", rows, delimiter="\t")
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("\n".join(json.dumps({"text": r["text"], "label": r["label"], "extra": 1}, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    a, b, c = read_labeled(csv_path), read_labeled(tsv_path), read_labeled(jsonl)
    assert a.X.tolist() == b.X.tolist()
    assert a.y.tolist() == b.y.tolist() == c.y.tolist()
    assert c.X[:, 0].tolist() == a.X[:, 0].tolist() and set(c.X[:, 1]) == {""}
    assert a.groups is not None and c.groups is None
    assert a.sha256 != b.sha256


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "", "empty file"),
        ("a.csv", "text,label\n", "no rows below the header"),
        ("a.csv", "text,heading\n甲,乙\n", "missing column(s) label"),
        ("a.csv", "label\n其他\n", "missing column(s) text"),
        ("a.csv", "text,label\n甲,\n", "row 2: empty label"),
        ("a.jsonl", '{"text": "甲", "label": "其他"}\n[1]\n', "line 2: not a JSON object"),
        ("a.jsonl", '{"text": "甲"}\n', "missing column(s) label"),
    ],
)
def test_read_labeled_rejects_bad_files_in_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError) as exc:
        read_labeled(path)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_training_data_needs_report_ids(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("text,label\n甲,其他\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="missing column\\(s\\) report_id"):
        read_labeled(path, require_groups=True)
