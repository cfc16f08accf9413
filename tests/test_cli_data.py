"""`fazhi data check | segment | agreement` on the bundled corpus and on broken files."""

import pytest
from typer.testing import CliRunner

from fazhi.cli import app
from fazhi.config import CORPUS_FILE, LABELS, READINGS, SEEDS_DIR
from fazhi.dataset import read_rows

runner = CliRunner()
HEADER = "report_id,position,heading,text,label\n"


def run(*args: str):
    return runner.invoke(app, list(args))


def test_check_passes_on_the_bundled_corpus_and_prints_counts():
    result = run("data", "check")
    assert result.exit_code == 0, result.output
    rows = read_rows(CORPUS_FILE)
    assert f"{len(rows)} sentences, 5 reports, OK" in result.output
    for label in LABELS:
        assert label in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("report_id,position,text\nr,0,甲。\n", "missing column(s) label, heading"),
        (HEADER + "r,0,,甲。,普法宣传\nr,1,, ,其他\n", "row 3: empty text"),
        (HEADER + "r,0,,甲。,普法\n", "row 2: label '普法' is not one of"),
        (HEADER + "r,0,,甲。,其他\nr,1,,乙。,其他\nr,2,,甲。,不足\n", "row 4: text labeled '不足' here and '其他' in row 2"),
        ("", "empty file"),
        (HEADER, "no rows below the header"),
    ],
)
def test_check_rejects_a_broken_file_with_one_line_naming_file_and_row(tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = run("data", "check", str(bad))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and message in lines[0], result.output
    assert "Traceback" not in result.output


def test_check_rejects_a_file_that_is_not_utf8(tmp_path):
    bad = tmp_path / "gbk.csv"
    bad.write_bytes((HEADER + "r,0,,开展普法宣传。,普法宣传\n").encode("gbk"))
    result = run("data", "check", str(bad))
    assert result.exit_code == 1
    assert f"{bad}: line 2: not UTF-8" in result.output


def test_check_names_a_missing_file(tmp_path):
    result = run("data", "check", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1 and "nope.csv: no such file" in result.output


def test_segmenting_seeds_reproduces_the_bundled_corpus_texts(tmp_path):
    out = tmp_path / "seeds.csv"
    result = run("data", "segment", *sorted(str(p) for p in SEEDS_DIR.glob("*.txt")), "-o", str(out))
    assert result.exit_code == 0, result.output
    fresh = read_rows(out)
    bundled = read_rows(CORPUS_FILE)
    key = ("report_id", "position", "heading", "section", "text")
    assert [tuple(r[k] for k in key) for r in fresh] == [tuple(r[k] for k in key) for r in bundled]
    assert all(r["label"] == "" for r in fresh)


def test_segment_never_overwrites_without_force_and_never_an_input(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("一、工作\n开展普法。", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run("data", "segment", str(report), "-o", str(out)).exit_code == 0
    before = out.read_bytes()
    again = run("data", "segment", str(report), "-o", str(out))
    assert again.exit_code == 1 and "use --force" in again.output and out.read_bytes() == before
    assert run("data", "segment", str(report), "-o", str(out), "--force").exit_code == 0
    clobber = run("data", "segment", str(report), "-o", str(report), "--force")
    assert clobber.exit_code == 1 and report.read_text(encoding="utf-8") == "一、工作\n开展普法。"


def test_segment_reports_an_unreadable_report_and_keeps_the_others(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("开展普法。", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("data", "segment", str(tmp_path / "missing.txt"), str(good), "-o", str(out))
    assert result.exit_code == 1 and "missing.txt" in result.output
    assert [r["text"] for r in read_rows(out)] == ["开展普法。"]


@pytest.mark.parametrize(("target", "message"), [("nodir/out.csv", "does not exist"), ("out.xlsx", "use .csv"), (".", "is a directory")])
def test_segment_checks_its_output_before_reading(tmp_path, target, message):
    report = tmp_path / "r.txt"
    report.write_text("开展普法。", encoding="utf-8")
    result = run("data", "segment", str(report), "-o", str(tmp_path / target), "--force")
    assert result.exit_code == 1 and message in result.output and len(result.output.strip().splitlines()) == 1


def test_segment_of_a_table_keeps_its_report_ids(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("report_id,text\nA,一、工作\nA,开展普法。\nB,力量薄弱。\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run("data", "segment", str(table), "-o", str(out)).exit_code == 0
    got = [(r["report_id"], r["position"], r["heading"]) for r in read_rows(out)]
    assert got == [("A", "0", ""), ("A", "1", "一、工作"), ("B", "0", "")]


def test_segment_writes_nothing_when_no_report_can_be_read(tmp_path):
    out = tmp_path / "out.csv"
    result = run("data", "segment", str(tmp_path / "missing.txt"), "-o", str(out))
    assert result.exit_code == 1 and "not written" in result.output and not out.exists()


def test_agreement_reports_kappa_of_the_bundled_readings():
    result = run("data", "agreement")
    assert result.exit_code == 0, result.output
    assert "Cohen's kappa" in result.output and "| 不足 |" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,label\nx,其他\n", "missing column(s) report_id, position"),
        ("report_id,position,label\nr,0,问题\n", "row 2: label '问题' is not one of"),
    ],
)
def test_agreement_rejects_a_bad_reading_in_one_line(tmp_path, content, message):
    bad = tmp_path / "b.csv"
    bad.write_text(content, encoding="utf-8")
    result = run("data", "agreement", str(READINGS[0]), str(bad))
    assert result.exit_code == 1 and message in result.output and len(result.output.strip().splitlines()) == 1


def test_agreement_of_a_reading_with_itself_is_perfect():
    result = run("data", "agreement", str(READINGS[0]), str(READINGS[0]))
    assert "raw agreement 1.000; Cohen's kappa 1.000" in result.output
