"""The written supplement (data/written/): valid, trained on by default, never scored."""

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from fazhi.cli import app
from fazhi.config import AREAS, CORPUS_FILE, SHORTCOMING, SUPPLEMENT_FILE
from fazhi.corpus.dataset import check, read_labeled_files
from fazhi.modeling.evaluation import cross_validate, n_folds
from fazhi.modeling.model import build_pipeline


def test_the_supplement_passes_data_check_and_every_area_holds_a_tenth_of_its_shortcomings():
    result = check(SUPPLEMENT_FILE)
    assert result.rows >= 3000
    with open(SUPPLEMENT_FILE, encoding="utf-8-sig") as fh:
        areas = [r["area"] for r in csv.DictReader(fh) if r["label"] == SHORTCOMING]
    assert all(areas) and {a: areas.count(a) / len(areas) >= 0.10 for a in AREAS} == dict.fromkeys(AREAS, True)


def test_written_rows_train_in_every_fold_and_are_never_scored(small_corpus):
    real = read_labeled_files([small_corpus], require_groups=True, strict=True)
    both = read_labeled_files([small_corpus], require_groups=True, strict=True, written=[SUPPLEMENT_FILE])
    assert both.written.sum() > 3000 and not both.written[: len(real)].any()
    assert n_folds(both) == n_folds(real) == 3  # folds over the three real reports only
    cv = cross_validate(build_pipeline(classifier="complementnb", calibration="none", cue_weight=0.0), both, variants=False)
    assert list(cv.y_true) == list(real.y) and len(cv.y_pred) == len(real)
    assert list(cv.rows) == list(range(len(real)))


@pytest.mark.parametrize("flag, written", [(None, True), ("--no-supplement", False)])
def test_train_adds_the_supplement_to_the_data_it_names_unless_told_not_to(tmp_path, small_corpus, monkeypatch, flag, written):
    monkeypatch.delenv("FAZHI_SUPPLEMENT")  # the default a user gets
    args = ["train", "--data", str(small_corpus), "--no-track", "--output-dir", str(tmp_path), "--run-name", "m",
            "--calibration", "none", *([flag] if flag else [])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert ("written (training only)" in result.output) == written
    card = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    files = {f["file"]: f for f in card["data"]["files"]}
    assert files[str(small_corpus)]["written"] is False
    assert (str(SUPPLEMENT_FILE) in files) == written
    if written:
        assert files[str(SUPPLEMENT_FILE)]["written"] is True and files[str(SUPPLEMENT_FILE)]["rows"] > 3000


def test_an_area_on_a_row_that_is_not_a_shortcoming_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("report_id,position,heading,section,text,label,area\nr1,0,,,开展宪法宣传周活动。,普法宣传,行政执法\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["data", "check", str(bad)])
    assert result.exit_code != 0 and "area '行政执法' on a '普法宣传' row" in result.output + (result.stderr or "")


def test_an_area_outside_the_five_names_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("report_id,position,heading,section,text,label,area\nr1,0,,,执法力量薄弱。,不足,执法\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["data", "check", str(bad)])
    assert result.exit_code != 0 and "area '执法' is not one of" in result.output + (result.stderr or "")


def test_the_corpus_area_column_is_filled_for_every_shortcoming():
    with open(CORPUS_FILE, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert all(bool(r["area"]) == (r["label"] == SHORTCOMING) for r in rows)
    assert np.isin([r["area"] for r in rows if r["area"]], AREAS).all()


def test_data_segment_gives_back_the_texts_headings_and_sections_of_the_written_reports(tmp_path):
    reports = sorted((SUPPLEMENT_FILE.parent / "reports").glob("*.txt"))
    out = tmp_path / "seg.csv"
    result = CliRunner().invoke(app, ["data", "segment", *map(str, reports), "-o", str(out)])
    assert result.exit_code == 0, result.output
    columns = ("report_id", "position", "heading", "section", "text")
    with open(out, encoding="utf-8-sig") as a, open(SUPPLEMENT_FILE, encoding="utf-8-sig") as b:
        segmented, written = ([tuple(r[c] for c in columns) for r in csv.DictReader(f)] for f in (a, b))
    # The files come in name order (w10-… before w2-…), each text's sentences in its order.
    assert sorted(segmented, key=lambda r: (r[0], int(r[1]))) == sorted(written, key=lambda r: (r[0], int(r[1])))
