"""`fazhi report` and `fazhi predict --html` end to end: the page of a batch, bad files, outputs that must not be clobbered."""

import csv
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from fazhi.cli import app
from fazhi.config import AREAS, LABELS, SEEDS_DIR, area_count_col
from test_report import area_model_dir  # noqa: F401 (a fixture)

runner = CliRunner()
SEEDS = sorted(SEEDS_DIR.glob("*.txt"))[:2]


def blob(page):
    text = page.read_text(encoding="utf-8")
    return json.loads(text.split('<script type="application/json" id=data>', 1)[1].split("</script>", 1)[0])


@pytest.fixture(scope="module")
def tagged(trained_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("tagged") / "tagged.csv"
    result = runner.invoke(app, ["predict", "--model", str(trained_model_dir), *map(str, SEEDS), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_report_writes_the_page_and_names_the_model(tagged, trained_model_dir, tmp_path):
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(tagged), "-o", str(page), "--model", str(trained_model_dir), "--min-confidence", "0.9"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(tagged.read_text(encoding="utf-8-sig").splitlines()))
    assert f"{page}: 2 report(s), {len(rows)} sentence(s)," in result.stderr
    text = page.read_text(encoding="utf-8")
    assert f"<b>{trained_model_dir.name}</b>" in text
    low = sum(float(r["confidence"]) < 0.9 for r in rows)
    assert f"{low:,} ({low / len(rows):.1%}) below confidence 0.9" in text
    assert blob(page)["minConfidence"] == 0.9


def test_bad_files_are_one_line_each_and_the_rest_is_reported(tagged, tmp_path, corpus_file):
    page = tmp_path / "report.html"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["report", str(empty), str(tagged), str(corpus_file), "-o", str(page)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {empty}: empty file",
        f"error: {corpus_file}: not `fazhi predict` output (no column source, sentence, confidence)",
        f"{page}: 2 report(s), {len(blob(page)['t'])} sentence(s), {page.stat().st_size / 1e3:.0f} kB",
        "error: 2 of 3 file(s) could not be read (see above)",
    ]
    assert "model</dt><dd>not recorded in the tagged files" in page.read_text(encoding="utf-8")


def test_nothing_readable_writes_nothing(tmp_path, corpus_file):
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(corpus_file), "-o", str(page)])
    assert result.exit_code == 1 and not page.exists()
    assert result.stderr.splitlines()[-1] == f"error: no tagged file could be read; {page} was not written"


def test_an_input_or_an_existing_page_is_never_replaced(tagged, tmp_path):
    before = tagged.read_bytes()
    same = runner.invoke(app, ["report", str(tagged), "-o", str(tagged)])
    assert same.exit_code == 1 and tagged.read_bytes() == before
    assert "unknown output format '.csv'" in same.stderr
    page = tmp_path / "r.html"
    page.write_text("keep", encoding="utf-8")
    kept = runner.invoke(app, ["report", str(tagged), "-o", str(page)])
    assert kept.exit_code == 1 and page.read_text(encoding="utf-8") == "keep"
    assert kept.stderr.strip() == f"error: {page}: exists (use --force to replace it)"
    assert runner.invoke(app, ["report", str(tagged), "-o", str(page), "--force"]).exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


def test_predict_html_is_the_page_of_the_batch_with_shares_of_every_sentence(trained_model_dir, tmp_path):
    page, out, summary = tmp_path / "p.html", tmp_path / "gaps.jsonl", tmp_path / "s.csv"
    result = runner.invoke(app, ["predict", "--model", str(trained_model_dir), *map(str, SEEDS), "--only", "不足",
                                 "-o", str(out), "--summary", str(summary), "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert f"{page}: the batch as one page (open it in a browser)" in result.stderr
    data = blob(page)
    gaps = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert data["t"] == [r["text"] for r in gaps]  # the rows --only kept
    text = page.read_text(encoding="utf-8")
    for row in csv.DictReader(summary.read_text(encoding="utf-8-sig").splitlines()):  # shares of all sentences
        n = int(row["sentences"])
        assert f'<span class=n>{n:,}</span>' in text
        assert f'title="{row["n_不足"]} of {n} sentences"' in text
    assert f"<b>{trained_model_dir.name}</b>" in text


def test_predict_html_counts_labels_not_the_summary_s_area_columns(area_model_dir, tmp_path):
    # The summary's n_不足_<area> columns start with n_ as the label counts do: read as
    # labels, they made columns 不足_行政执法 … and doubled every report's 不足 in its total.
    page, summary = tmp_path / "p.html", tmp_path / "s.csv"
    result = runner.invoke(app, ["predict", "--model", str(area_model_dir), *map(str, SEEDS), "--summary", str(summary),
                                 "--html", str(page), "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(summary.read_text(encoding="utf-8-sig").splitlines()))
    assert any(int(row[area_count_col(area)]) for row in rows for area in AREAS), "the model should name areas"
    assert blob(page)["labels"] == list(LABELS)
    text = page.read_text(encoding="utf-8")
    for row in rows:
        n = int(row["sentences"])
        assert f'<span class=n>{n:,}</span>' in text and f'title="{row["n_不足"]} of {n} sentences"' in text


def test_predict_html_counts_areas_of_every_sentence_even_under_only_and_area(area_model_dir, tmp_path):
    from test_report import area_table

    page, out, summary = tmp_path / "p.html", tmp_path / "t.jsonl", tmp_path / "s.csv"
    result = runner.invoke(app, ["predict", "--model", str(area_model_dir), *map(str, SEEDS), "--only", "不足", "--area", "行政执法",
                                 "-o", str(out), "--summary", str(summary), "--html", str(page), "-q"])
    assert result.exit_code == 0, result.output
    kept = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert kept and {r["area"] for r in kept} == {"行政执法"} and blob(page)["t"] == [r["text"] for r in kept]
    rows = list(csv.DictReader(summary.read_text(encoding="utf-8-sig").splitlines()))
    assert sum(int(row[area_count_col(a)]) for row in rows for a in AREAS if a != "行政执法"), "other areas should be counted"
    head, table = area_table(page.read_text(encoding="utf-8"))
    assert head == ["report", "不足", *AREAS]
    for row, (name, cells, _) in zip(rows, table):  # the summary's counts, not the rows --only and --area kept
        assert cells == [row["n_不足"], *(row[area_count_col(a)] for a in AREAS)]
    assert table[-1][1] == [str(sum(int(row[col]) for row in rows)) for col in ["n_不足", *map(area_count_col, AREAS)]]


def test_predict_html_checks_its_target_before_any_work(trained_model_dir, tmp_path):
    out = tmp_path / "t.csv"
    bad = runner.invoke(app, ["predict", "--model", str(trained_model_dir), "--text", "一句。", "--html", str(tmp_path / "p.txt")])
    assert bad.exit_code == 1 and "unknown output format '.txt'; use .html, .htm" in bad.stderr
    twice = runner.invoke(app, ["predict", "--model", str(trained_model_dir), "--text", "一句。", "--summary", str(out), "--html", str(out)])
    assert twice.exit_code == 1


def test_predict_html_that_cannot_be_written_names_the_page_and_replaces_no_output(trained_model_dir, tmp_path):
    out = tmp_path / "t.csv"
    out.write_text("keep", encoding="utf-8")
    page = tmp_path / ("p" * 240 + ".html")  # a valid name whose temporary file's name is too long
    result = runner.invoke(app, ["predict", "--model", str(trained_model_dir), str(SEEDS[0]), "-o", str(out), "--force",
                                 "--html", str(page), "-q"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {page}: cannot write (File name too long); nothing was replaced"
    assert out.read_text(encoding="utf-8") == "keep" and sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def run_predict(*args):
    """predict in a fresh process, its rows on a pipe; then whether it imported fazhi.report."""
    code = ("import sys\nfrom fazhi.cli import app\ntry: app(['predict', *sys.argv[1:]])\nexcept SystemExit: pass\n"
            "print('REPORT', 'fazhi.report' in sys.modules)")
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=os.environ)


def test_predict_html_without_output_still_sends_rows_down_a_pipe(trained_model_dir, tmp_path):
    page = tmp_path / "p.html"
    done = run_predict("--model", trained_model_dir, "--text", "普法宣传形式单一。", "--html", page)
    rows, imported = done.stdout.split("REPORT ")
    assert json.loads(rows)["text"] == "普法宣传形式单一。" and page.is_file() and imported.strip() == "True"


def test_predict_without_html_does_not_import_the_report(trained_model_dir):
    done = run_predict("--model", trained_model_dir, "--text", "普法宣传形式单一。")
    assert done.stdout.split("REPORT ")[1].strip() == "False", done.stderr
