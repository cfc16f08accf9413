"""`fazhi data check | segment | agreement` on the bundled corpus and on broken files."""

import csv
import json

import pytest
from typer.testing import CliRunner

import make_files as mk

from fazhi.cli import app
from fazhi.config import CORPUS_FILE, LABELS, READINGS, SEEDS_DIR
from fazhi.corpus.dataset import read_rows

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


def test_segment_takes_a_directory_with_include_and_exclude(tmp_path):
    d = tmp_path / "reports"
    (d / "drafts").mkdir(parents=True)
    (d / "甲.txt").write_text("开展普法。", encoding="utf-8")
    (d / "drafts" / "乙.txt").write_text("力量薄弱。", encoding="utf-8")
    (d / "README.md").write_text("下载自政府网站。", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("data", "segment", str(d), "-o", str(out), "--exclude", "drafts/*")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (f"skipped 2 files: 1 README ({d / 'README.md'}), "
                                             f"1 excluded by --include/--exclude ({d / 'drafts' / '乙.txt'})")
    assert [(r["report_id"], r["text"]) for r in read_rows(out)] == [("甲", "开展普法。")]
    result = run("data", "segment", str(d), "-o", str(out), "--force", "--include", "*.md", "--include", "drafts/*")
    assert result.exit_code == 0, result.output
    assert sorted(r["report_id"] for r in read_rows(out)) == ["README", "乙"]


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


# --- labels for a user's own reports: suggest → Label Studio → import (issue 9) ---

def test_label_config_prints_the_labeling_xml():
    result = run("data", "label-config")
    assert result.exit_code == 0 and result.output.startswith("<View>")
    assert all(f'<Choice value="{lab}"' in result.output for lab in LABELS)


@pytest.fixture()
def user_reports(tmp_path):
    (tmp_path / "reports").mkdir()
    mk.txt(tmp_path / "reports" / "甲区.txt")
    mk.txt(tmp_path / "reports" / "乙区.txt", text="一、优化营商环境\n全面推行证明事项告知承诺制。\n二、存在的不足\n执法队伍力量薄弱。\n")
    labeled = mk.write_rows(tmp_path / "labeled.csv", [{"report_id": "x", "text": mk.SENTENCE_1, "label": "普法宣传"}])
    return tmp_path / "reports", labeled


def test_suggest_writes_rows_with_score_and_never_a_labeled_sentence(tmp_path, trained_model_dir, user_reports):
    reports, labeled = user_reports
    out = tmp_path / "pick.csv"
    result = run("data", "suggest", str(reports), "-n", "4", "-o", str(out), "--model", str(trained_model_dir),
                 "--labeled", str(labeled))
    assert result.exit_code == 0, result.output
    assert "4 sentences from 2 report(s) (10 sentences read, 1 already labeled)" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: opens in Excel
    rows = read_rows(out)
    assert list(rows[0]) == ["source", "sentence", "heading", "section", "text", "label", "confidence", "score"]
    assert mk.SENTENCE_1 not in [r["text"] for r in rows]
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores) and all(0 <= s <= 1 for s in scores)
    assert {r["source"] for r in rows} == {str(reports / "甲区.txt"), str(reports / "乙区.txt")}


def test_suggest_writes_label_studio_tasks_with_predictions_only_on_request(tmp_path, trained_model_dir, user_reports):
    reports, labeled = user_reports
    common = [str(reports), "-n", "3", "--model", str(trained_model_dir), "--labeled", str(labeled), "--seed", "7"]
    assert run("data", "suggest", *common, "-o", str(tmp_path / "plain.json")).exit_code == 0
    assert run("data", "suggest", *common, "-o", str(tmp_path / "pred.json"), "--predictions").exit_code == 0
    plain = json.loads((tmp_path / "plain.json").read_text(encoding="utf-8"))
    pred = json.loads((tmp_path / "pred.json").read_text(encoding="utf-8"))
    assert [t["data"] for t in plain] == [t["data"] for t in pred] and len(plain) == 3
    assert set(plain[0]["data"]) == {"text", "section", "heading", "source", "sentence"}
    assert all("predictions" not in t for t in plain)
    assert all(t["predictions"][0]["model_version"] == trained_model_dir.name for t in pred)


def test_suggest_excludes_the_bundled_corpus_by_default(tmp_path, trained_model_dir):
    out = tmp_path / "pick.csv"
    result = run("data", "suggest", str(SEEDS_DIR), "-o", str(out), "--model", str(trained_model_dir))
    assert result.exit_code == 1 and "already labeled in" in result.output and not out.exists()


@pytest.mark.parametrize(("target", "message"), [("pick.xlsx", "use .csv, .jsonl, .json"), ("labeled.csv", "is also an input")])
def test_suggest_checks_its_output_first(tmp_path, trained_model_dir, user_reports, target, message):
    reports, labeled = user_reports
    before = labeled.read_bytes()
    result = run("data", "suggest", str(reports), "-o", str(tmp_path / target), "--labeled", str(labeled), "--force",
                 "--model", str(trained_model_dir))
    assert result.exit_code == 1 and message in result.output and labeled.read_bytes() == before


def ls_task(task_id: int, text: str, *labels: str, cancelled: bool = False) -> dict:
    result = [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [lab]}} for lab in labels]
    return {"id": task_id, "data": {"text": text, "section": "", "heading": "", "source": "r/甲区.txt", "sentence": task_id},
            "annotations": [{"id": task_id, "result": result, "was_cancelled": cancelled}]}


@pytest.fixture()
def export(tmp_path):
    tasks = [ls_task(1, "开展宪法宣传周活动。", "普法宣传"), ls_task(2, "执法队伍力量薄弱。", "不足"),
             ls_task(3, "全年办理行政复议案件12件。", cancelled=True), ls_task(4, "组织学法活动。", "学法")]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_stops_at_an_unusable_task_with_one_line_and_writes_nothing(tmp_path, export):
    out = tmp_path / "mine.csv"
    result = run("data", "import", str(export), "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {export}: task 3 (")
    assert "skipped (cancelled) annotation (and 1 more; --skip-bad skips them)" in lines[0]


def test_import_skip_bad_warns_per_task_and_writes_the_rest(tmp_path, export):
    out = tmp_path / "mine.jsonl"
    result = run("data", "import", str(export), "-o", str(out), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "warning: skipped" in result.output and "task 4 (组织学法活动。): unknown label '学法'" in result.output
    assert f"{out}: 2 labeled sentences, 2 skipped" in result.output
    rows = mk.read_back(out)
    assert [(r["report_id"], r["position"], r["text"], r["label"]) for r in rows] == [
        ("甲区", "1", "开展宪法宣传周活动。", "普法宣传"), ("甲区", "2", "执法队伍力量薄弱。", "不足")]


def test_import_never_overwrites_an_input_or_an_output_without_force(tmp_path, export):
    before = export.read_bytes()
    result = run("data", "import", str(export), "-o", str(export.with_suffix(".csv")), "--skip-bad")
    assert result.exit_code == 0
    again = run("data", "import", str(export), "-o", str(export.with_suffix(".csv")), "--skip-bad")
    assert again.exit_code == 1 and "use --force" in again.output
    plain = export.with_suffix(".csv")
    clobber = run("data", "import", str(plain), "-o", str(plain), "--force")
    assert clobber.exit_code == 1 and "is also an input" in clobber.output
    assert export.read_bytes() == before


def test_import_output_joins_the_bundled_corpus_as_training_data(tmp_path, export):
    from fazhi.corpus.dataset import read_labeled_files

    out = tmp_path / "mine.csv"
    assert run("data", "import", str(export), "-o", str(out), "--skip-bad").exit_code == 0
    data = read_labeled_files([CORPUS_FILE, out], require_groups=True, strict=True)  # what `fazhi train` reads
    assert len(data) == len(read_rows(CORPUS_FILE)) + 2 and list(data.groups[-2:]) == ["甲区", "甲区"]


def test_suggest_takes_include_and_exclude_and_names_labeled_files_with_labeled(tmp_path, trained_model_dir, user_reports):
    reports, labeled = user_reports
    out = tmp_path / "pick.csv"
    result = run("data", "suggest", str(reports), "-n", "10", "-o", str(out), "--model", str(trained_model_dir),
                 "--labeled", str(labeled), "--exclude", "乙*")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"skipped 1 file: 1 excluded by --include/--exclude ({reports / '乙区.txt'})"
    assert {r["source"] for r in read_rows(out)} == {str(reports / "甲区.txt")}
    # --exclude naming an existing labeled file is a labeled file (issue 9's form), not a pattern.
    old = run("data", "suggest", str(reports), "-n", "10", "-o", str(out), "--force", "--model", str(trained_model_dir),
              "--exclude", str(labeled))
    assert old.exit_code == 0, old.output
    assert "warning" not in old.stderr
    assert "1 already labeled" in old.stderr


FORMULA_REPORT = ('一、依法行政\n'
                  '=HYPERLINK("http://evil.example","点我")。\n'
                  '+SUM(1,2)依法行政。\n'
                  "@推进普法。\n"
                  "'+引号开头的句子。\n")


def test_segment_guards_formula_cells_and_every_reader_gives_the_text_back(tmp_path):
    # The file users open in a spreadsheet to label: a cell starting with = + @ must not run.
    report = tmp_path / "formula.txt"
    report.write_text(FORMULA_REPORT, encoding="utf-8")
    out = tmp_path / "seg.csv"
    assert run("data", "segment", str(report), "-o", str(out)).exit_code == 0
    raw = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))[1:]
    cells = [c for row in raw for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@")], cells
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")。" in cells
    texts = [r["text"] for r in read_rows(out)]  # what train, data check and evaluate read
    assert texts[1] == '=HYPERLINK("http://evil.example","点我")。' and "+SUM(1,2)依法行政。" in texts
    assert "'+引号开头的句子。" in texts  # a text starting with ' keeps it


def test_import_guards_formulas_and_train_check_evaluate_read_the_original_text(tmp_path, corpus_file):
    from fazhi.corpus.dataset import read_labeled_files

    texts = ['=HYPERLINK("http://evil.example","点我")', "+SUM(1,2)依法行政。", "'=引号开头。"]
    tasks = [ls_task(i, t, "不足") for i, t in enumerate(texts, start=1)]
    tasks[0]["data"]["heading"] = tasks[0]["data"]["section"] = "=1+1"
    export = tmp_path / "formula.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "mine.csv"
    assert run("data", "import", str(export), "-o", str(out)).exit_code == 0
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    data = read_labeled_files([corpus_file, out], require_groups=True, strict=True)  # train and evaluate read this
    assert list(data.X[-3:, 0]) == texts and data.X[-3, 1] == "=1+1" and data.headings[-3] == "=1+1"
    rows = read_rows(out)  # data check reads this
    assert [r["text"] for r in rows] == texts


def test_import_skip_bad_skips_only_a_task_without_data_and_names_it(tmp_path):
    # One task without data used to make the whole file read as JSON-MIN: "no text column".
    tasks = [ls_task(1, "开展宪法宣传周活动。", "普法宣传"), ls_task(2, "执法队伍力量薄弱。", "不足"),
             {"id": 3, "annotations": [{"id": 3, "result": []}]}, ls_task(4, "组织学法活动。", "普法宣传")]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "mine.csv"
    stopped = run("data", "import", str(export), "-o", str(out))
    assert stopped.exit_code == 1 and not out.exists()
    assert stopped.output.strip().splitlines() == [f"error: {export}: task 3: not a Label Studio task: no data (the task's text and section) (--skip-bad skips it)"]
    result = run("data", "import", str(export), "-o", str(out), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert f"warning: skipped {export}: task 3: not a Label Studio task: no data" in result.output
    assert [r["text"] for r in read_rows(out)] == ["开展宪法宣传周活动。", "执法队伍力量薄弱。", "组织学法活动。"]
