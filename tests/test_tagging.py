"""The predict core: expanding INPUTs, tagging rows, summaries, failures mid-batch."""

import math

import numpy as np
import pytest

import make_files as mk
from fazhi.tagging import tagger as tagging
from fazhi.config import LABELS
from fazhi.config import label_order
from fazhi.errors import ModelError
from fazhi.tagging.inputs import expand_inputs
from fazhi.store.persist import LoadedModel, load
from fazhi.segment import iter_sentences, text_lines
from fazhi.tagging.tagger import Tagger, tag


def segment(text: str, report_id: str = "") -> list:
    return list(iter_sentences(text_lines(text), report_id))


@pytest.fixture(scope="module")
def model(trained_model_dir):
    return load(trained_model_dir)


def names(reports):
    return [r.name for r in reports]


def test_expand_walks_directories_recursively_and_skips_what_is_not_a_report(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for rel in ("a/1.txt", "a/b/2.docx", "a/b/3.PDF", "z.html", "notes.png", "~$lock.docx", ".x.csv.tmp",
                ".hidden/4.txt", ".5.txt"):
        (tmp_path / rel).write_text("甲。", encoding="utf-8")
    found = names(expand_inputs([str(tmp_path)]))
    assert found == [str(tmp_path / p) for p in ("z.html", "a/1.txt", "a/b/2.docx", "a/b/3.PDF")]


def test_expand_globs_text_and_stdin_and_keeps_missing_files_to_fail_later(tmp_path):
    for name in ("r1.txt", "r2.txt", "s.csv"):
        (tmp_path / name).write_text("甲。", encoding="utf-8")
    reports = expand_inputs([str(tmp_path / "r*.txt"), "-", str(tmp_path / "gone.txt"), str(tmp_path / "q*.pdf")],
                            texts=["一句话。"], stdin=lambda: "来自管道。".encode("gb18030"))
    assert names(reports) == ["--text", str(tmp_path / "r1.txt"), str(tmp_path / "r2.txt"), "<stdin>",
                              str(tmp_path / "gone.txt"), str(tmp_path / "q*.pdf")]
    assert reports[0].parts() == [("--text", ["一句话。"])]
    assert reports[3].parts() == [("<stdin>", ["来自管道。"])]
    results = list(tag(reports[4:], _NeverCalled()))
    assert [r.error for r in results] == [f"{tmp_path / 'gone.txt'}: no such file", f"{tmp_path / 'q*.pdf'}: no report file matches"]


def test_empty_directory_is_an_error_not_silence(tmp_path):
    (tmp_path / "only.png").write_bytes(b"x")
    [report] = expand_inputs([str(tmp_path)])
    with pytest.raises(Exception, match="no report files in this directory"):
        report.parts()


class _NeverCalled:
    def tag(self, *args):
        raise AssertionError("a failed report must not reach the model")


TWO_LEVELS = "一、主要工作\n（一）普法宣传\n开展宪法宣传周活动。\n二、存在的不足\n（一）执法力量\n执法人员力量薄弱。"


def test_rows_carry_position_heading_label_and_confidence_equal_to_max_probability(model):
    sentences = segment(TWO_LEVELS, "r")
    assert any(s.section != s.heading for s in sentences)  # the model must be given the section
    rows, summary = Tagger(model, proba=True).tag("r.txt", sentences)
    proba = model.pipeline.predict_proba([(s.text, s.section) for s in sentences])
    assert [(r["sentence"], r["heading"], r["text"]) for r in rows] == [(s.position, s.heading, s.text) for s in sentences]
    for row, p in zip(rows, proba):
        assert row["source"] == "r.txt"
        assert row["label"] == model.labels[int(np.argmax(p))]
        assert row["confidence"] == pytest.approx(p.max(), abs=1e-4)
        assert row[f"p_{row['label']}"] == row["confidence"]
        assert math.isclose(sum(row[f"p_{lab}"] for lab in LABELS), 1.0, abs_tol=1e-3)
        assert "uncertain" not in row
    assert summary["sentences"] == len(sentences) == sum(summary[f"n_{lab}"] for lab in LABELS)


def test_proba_columns_follow_the_project_label_order_not_the_model_order(model):
    assert model.labels != list(LABELS)  # the fixture's classes_ are sorted by code point
    assert [c.name for c in Tagger(model, proba=True).columns][-6:] == [f"p_{lab}" for lab in LABELS]
    assert label_order(["其他", "新标签", "不足"]) == ["不足", "其他", "新标签"]


def test_min_confidence_marks_uncertain_rows_and_keeps_their_label(model):
    sentences = segment(mk.REPORT_TEXT, "r")
    plain, _ = Tagger(model).tag("r", sentences)
    threshold = sorted(r["confidence"] for r in plain)[len(plain) // 2]  # half above, half below
    rows, summary = Tagger(model, min_confidence=threshold).tag("r", sentences)
    assert [r["label"] for r in rows] == [r["label"] for r in plain]
    assert [r["uncertain"] for r in rows] == [r["confidence"] < threshold for r in plain]
    assert 0 < summary["uncertain"] == sum(r["uncertain"] for r in rows) < len(rows)


def test_only_keeps_rows_of_those_labels_with_their_original_index_and_full_summary(model):
    sentences = segment(mk.REPORT_TEXT, "r")
    everything, full = Tagger(model).tag("r", sentences)
    rows, summary = Tagger(model, only=frozenset({"不足"})).tag("r", sentences)
    assert rows == [r for r in everything if r["label"] == "不足"]
    assert rows and len(rows) < len(everything)
    assert summary == full  # shares are of the whole report, whatever --only keeps


def test_summary_shares_are_counts_over_sentences(model):
    sentences = segment(mk.REPORT_TEXT * 3, "r")
    _, summary = Tagger(model).tag("r", sentences)
    for lab in LABELS:
        assert summary[f"share_{lab}"] == round(summary[f"n_{lab}"] / len(sentences), 4)
    assert sum(summary[f"share_{lab}"] for lab in LABELS) == pytest.approx(1.0, abs=1e-3)


def test_large_reports_are_predicted_in_chunks_with_the_same_result(model, monkeypatch):
    sentences = segment(mk.REPORT_TEXT * 5, "r")
    whole = Tagger(model, proba=True).tag("r", sentences)
    calls = []
    original = model.pipeline.predict_proba
    monkeypatch.setattr(tagging, "CHUNK", 4)
    monkeypatch.setattr(model.pipeline, "predict_proba", lambda X: calls.append(len(X)) or original(X), raising=False)
    assert Tagger(model, proba=True).tag("r", sentences) == whole
    assert calls == [4] * (len(sentences) // 4) + ([len(sentences) % 4] if len(sentences) % 4 else [])


def test_consecutive_reports_share_model_calls_and_get_the_rows_they_get_alone(model, monkeypatch):
    reports = [(f"r{i}.txt", segment(mk.REPORT_TEXT * (i + 1), f"r{i}")) for i in range(5)]
    alone = [Tagger(model, proba=True, min_confidence=0.7).tag(name, s) for name, s in reports]
    calls = []
    original = model.pipeline.predict_proba
    monkeypatch.setattr(model.pipeline, "predict_proba", lambda X: calls.append(len(X)) or original(X), raising=False)
    assert list(Tagger(model, proba=True, min_confidence=0.7).tag_reports(reports)) == alone
    assert calls == [sum(len(s) for _, s in reports)]  # one call: a model call costs milliseconds
    calls.clear()
    monkeypatch.setattr(tagging, "CHUNK", 20)  # a batch closes once it holds CHUNK sentences
    assert list(Tagger(model, proba=True, min_confidence=0.7).tag_reports(reports)) == alone
    assert len(calls) > 1 and all(n <= 20 for n in calls) and sum(calls) == sum(len(s) for _, s in reports)


def test_a_failing_report_is_reported_and_the_batch_goes_on(model, tmp_path):
    good = mk.txt(tmp_path / "good.txt")
    reports = expand_inputs([str(mk.empty(tmp_path / "empty.txt")), str(good), str(mk.corrupt_docx(tmp_path / "bad.docx"))])
    results = list(tag(reports, Tagger(model)))
    assert [r.error is None for r in results] == [False, True, False]
    assert results[0].error == f"{tmp_path / 'empty.txt'}: empty file"
    assert results[1].summary["source"] == str(good) and len(results[1].rows) == 6


def test_unknown_only_label_and_a_model_without_probabilities_are_model_errors(model):
    with pytest.raises(ModelError, match="--only 不够: not a label of this model"):
        Tagger(model, only=frozenset({"不够"}))

    class NoProba:
        classes_ = np.array(LABELS)

        def predict(self, X):
            return ["其他"] * len(X)

    with pytest.raises(ModelError, match="gives no probabilities"):
        Tagger(LoadedModel(NoProba(), list(LABELS), {}, "m.joblib"))


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_model_whose_probabilities_are_not_numbers_is_refused_not_written(corpus_file):
    # Complement NB with C = 1e300 (alpha 1e-300) gives NaN probabilities: no row may
    # carry "confidence": NaN (invalid JSON) or a label picked from NaNs.
    from fazhi.corpus.dataset import read_labeled
    from fazhi.modeling.model import build_pipeline

    data = read_labeled(corpus_file)
    with np.errstate(all="ignore"):
        pipeline = build_pipeline(classifier="complementnb", C=1e300, calibration="none").fit(data.X, data.y)
        assert np.isnan(pipeline.predict_proba(data.X[:5])).any()
    tagger = Tagger(LoadedModel(pipeline, [str(c) for c in pipeline.classes_], source="nan.joblib"))
    with pytest.raises(ModelError, match="nan.joblib: the model gives probabilities that are not numbers"):
        tagger.tag("r", segment(mk.REPORT_TEXT))
