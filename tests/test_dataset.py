"""Labeled sentence files: atomic writes, reading, validation."""

import os

import pytest

from fazhi.corpus.dataset import read_rows, validate
from fazhi.errors import CorpusError
from fazhi.formats.files import write_atomic


def test_write_atomic_gives_the_usual_mode_not_owner_only(tmp_path):
    out = tmp_path / "x.csv"
    write_atomic(out, b"a\n")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_read_rows_reads_tsv_by_suffix(tmp_path):
    tsv = tmp_path / "s.tsv"
    tsv.write_text("report_id\theading\ttext\tlabel\nr\t\t开展普法。\t普法宣传\n", encoding="utf-8")
    rows = read_rows(tsv)
    assert rows == [{"report_id": "r", "heading": "", "text": "开展普法。", "label": "普法宣传"}]
    validate(tsv, rows)


def test_validate_rejects_a_row_not_yet_labeled(tmp_path):
    rows = [{"report_id": "r", "heading": "", "text": "开展普法。", "label": ""}]
    with pytest.raises(CorpusError, match="row 2: empty label"):
        validate(tmp_path / "new.csv", rows)


def test_read_rows_reads_jsonl_and_names_a_bad_line(tmp_path):
    good = tmp_path / "s.jsonl"
    good.write_text('{"text": "开展普法。", "label": "普法宣传"}\n\n{"text": "力量薄弱。", "label": "不足"}\n', encoding="utf-8")
    assert [r["label"] for r in read_rows(good)] == ["普法宣传", "不足"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "甲"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad.jsonl: line 2: not a JSON object"):
        read_rows(bad)


def test_jsonl_values_are_read_as_strings(tmp_path):
    data = tmp_path / "n.jsonl"
    data.write_text('{"report_id": 1, "position": 0, "heading": null, "text": 5, "label": "其他"}\n', encoding="utf-8")
    rows = read_rows(data)
    assert rows == [{"report_id": "1", "position": "0", "heading": "", "text": "5", "label": "其他"}]
    validate(data, rows)


def test_a_broken_csv_is_a_corpus_error_naming_the_line(tmp_path):
    bad = tmp_path / "huge.csv"
    bad.write_text("text,label\n" + '"' + "甲" * 200_000 + '",其他\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"huge.csv: line \d+: bad CSV"):
        read_rows(bad)


def test_read_reading_rejects_empty_and_doubly_labeled_readings(tmp_path):
    from fazhi.corpus.dataset import read_reading

    empty = tmp_path / "empty.csv"
    empty.write_text("report_id,position,label\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no rows"):
        read_reading(empty)
    twice = tmp_path / "twice.csv"
    twice.write_text("report_id,position,label\nr,0,其他\nr,0,不足\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="row 3: sentence r 0 is labeled twice"):
        read_reading(twice)


# --- several labeled files (issue 9) ---

def labeled(path, *rows):
    from make_files import write_rows

    return write_rows(path, [dict(zip(("report_id", "heading", "text", "label"), r)) for r in rows])


def test_several_files_are_concatenated_and_one_report_id_in_two_files_is_one_report(tmp_path):
    from fazhi.corpus.dataset import read_labeled_files

    a = labeled(tmp_path / "a.csv", ("r1", "", "开展普法。", "普法宣传"), ("r2", "", "力量薄弱。", "不足"))
    b = labeled(tmp_path / "b.csv", ("r2", "", "调解纠纷。", "矛盾化解"), ("r3", "", "优化营商环境。", "营商环境"))
    data = read_labeled_files([a, b], require_groups=True, strict=True)
    assert list(data.X[:, 0]) == ["开展普法。", "力量薄弱。", "调解纠纷。", "优化营商环境。"]
    assert list(data.groups) == ["r1", "r2", "r2", "r3"] and len(set(data.groups)) == 3
    assert data.path == f"{a} + {b}" and [f for f, _ in data.files] == [str(a), str(b)]


def test_predict_output_is_refused_as_labeled_data_its_labels_are_the_models(tmp_path):
    from fazhi.corpus.dataset import read_labeled_files

    tagged = tmp_path / "tagged.csv"
    tagged.write_text("source,sentence,heading,text,label,confidence\nr1.txt,0,,开展普法。,普法宣传,0.97\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"tagged.csv: has a confidence column: its labels are a model's guesses"):
        read_labeled_files([tagged])


def test_the_data_hash_covers_every_file(tmp_path):
    from fazhi.corpus.dataset import read_labeled, read_labeled_files

    a = labeled(tmp_path / "a.csv", ("r1", "", "开展普法。", "普法宣传"))
    b = labeled(tmp_path / "b.csv", ("r2", "", "力量薄弱。", "不足"))
    before = read_labeled_files([a, b]).sha256
    assert read_labeled_files([a]).sha256 == read_labeled(a).sha256  # one file: its own hash, as before
    labeled(b, ("r2", "", "力量薄弱。", "其他"))
    assert read_labeled_files([a, b]).sha256 != before
    assert read_labeled_files([b, a]).sha256 != read_labeled_files([a, b]).sha256


def test_a_text_may_take_other_labels_in_other_reports_but_not_twice_in_one(tmp_path):
    from fazhi.corpus.dataset import read_labeled_files

    heading = "1.完善体制机制建设"
    a = labeled(tmp_path / "a.csv", ("r1", "", heading, "普法宣传"))
    b = labeled(tmp_path / "b.csv", ("r2", "", heading, "行政执法"))
    assert list(read_labeled_files([a, b], strict=True).y) == ["普法宣传", "行政执法"]
    c = labeled(tmp_path / "c.csv", ("r1", "", heading, "其他"))
    with pytest.raises(CorpusError) as err:
        read_labeled_files([a, b, c], strict=True)
    assert str(err.value) == f"{c}: row 2: text labeled '其他' here and '普法宣传' in {a} row 2 (report r1)"
    with pytest.raises(CorpusError, match="given twice"):
        read_labeled_files([a, tmp_path / "." / "a.csv"])
