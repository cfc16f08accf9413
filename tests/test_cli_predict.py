"""`fazhi predict` end to end on real files: every output format, filters, summaries,
failures in a batch, bad models and outputs that must not be clobbered."""

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import make_files as mk
from fazhi.cli import app
from fazhi.config import LABELS
from make_files import read_back

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(trained_model_dir):
    return trained_model_dir


@pytest.fixture()
def reports(tmp_path):
    """One report in each format users download, all with the same text."""
    d = tmp_path / "reports"
    (d / "sub").mkdir(parents=True)
    return [
        mk.docx(d / "a.docx"),
        mk.pdf(d / "b.pdf"),
        mk.html(d / "c.html", "gb2312"),
        mk.txt(d / "sub" / "d.txt", "gb18030"),
        mk.txt(d / "sub" / "e.txt", "utf-16"),
    ]


def predict(model_dir, *args, input=None):
    return runner.invoke(app, ["predict", "--model", str(model_dir), *map(str, args)], input=input)


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx", ".parquet"])
def test_a_directory_of_real_reports_is_tagged_into_each_format(model_dir, reports, tmp_path, suffix):
    out = tmp_path / f"tagged{suffix}"
    result = predict(model_dir, reports[0].parent, "-o", out)
    assert result.exit_code == 0, result.output
    rows = read_back(out) if suffix != ".csv" else list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert list(rows[0]) == ["source", "sentence", "heading", "text", "label", "area", "confidence"]
    by_source = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
    assert sorted(by_source) == sorted(str(p) for p in reports)
    for source, got in by_source.items():
        texts = [r["text"] for r in got]
        assert mk.SENTENCE_3 in texts and mk.HEADING_2 in texts, source
        under = {r["text"]: r["heading"] for r in got}
        assert under[mk.SENTENCE_3] == mk.HEADING_2, source
        assert [int(r["sentence"]) for r in got] == list(range(len(got)))
        assert all(r["label"] in LABELS and 0 < float(r["confidence"]) <= 1 for r in got)
    assert f"{out}: {len(rows)} row(s) from 5 report(s)" in result.stderr


def test_without_output_a_pipe_gets_json_lines_and_stdin_is_read(model_dir):
    result = predict(model_dir, "-", input=mk.REPORT_TEXT.encode("gb18030"))
    assert result.exit_code == 0, result.output
    rows = jsonl(result.stdout)
    assert [r["text"] for r in rows] == [t for _, t in _expected_sentences()]
    assert {r["source"] for r in rows} == {"<stdin>"}


def _expected_sentences():
    from fazhi.segment import iter_sentences, text_lines

    return [(s.heading, s.text) for s in iter_sentences(text_lines(mk.REPORT_TEXT))]


def test_text_option_tags_sentences_given_on_the_command_line(model_dir):
    result = predict(model_dir, "--text", "全市开展普法宣传活动。", "--text", "执法能力存在不足。", "--proba")
    assert result.exit_code == 0, result.output
    rows = jsonl(result.stdout)
    assert [r["text"] for r in rows] == ["全市开展普法宣传活动。", "执法能力存在不足。"]
    for r in rows:
        assert r["confidence"] == max(r[f"p_{lab}"] for lab in LABELS)


def test_text_passage_is_segmented_like_a_file(model_dir):
    result = predict(model_dir, "--text", "一、主要工作\r\n加强普法宣传。\n二、存在的不足\n执法人员素质有待提高。")
    rows = jsonl(result.stdout)
    assert [(r["heading"], r["text"]) for r in rows] == [
        ("", "一、主要工作"),
        ("一、主要工作", "加强普法宣传。"),
        ("", "二、存在的不足"),
        ("二、存在的不足", "执法人员素质有待提高。"),
    ]


def test_only_keeps_the_rows_of_the_chosen_labels(model_dir, reports):
    everything = jsonl(predict(model_dir, reports[3]).stdout)
    result = predict(model_dir, reports[3], "--only", "不足", "--only", "普法宣传")
    assert result.exit_code == 0, result.output
    kept = jsonl(result.stdout)
    assert kept == [r for r in everything if r["label"] in ("不足", "普法宣传")]
    assert kept and len(kept) < len(everything)


def test_summary_has_counts_and_shares_per_report_and_ignores_only(model_dir, reports, tmp_path):
    summary = tmp_path / "summary.csv"
    out = tmp_path / "rows.jsonl"
    result = predict(model_dir, *reports[:2], "-o", out, "--summary", summary, "--only", "不足")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(summary.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["source"] for r in rows] == [str(p) for p in reports[:2]]
    full = jsonl(predict(model_dir, *reports[:2]).stdout)
    for row in rows:
        mine = [r for r in full if r["source"] == row["source"]]
        assert int(row["sentences"]) == len(mine)
        for lab in LABELS:
            n = sum(r["label"] == lab for r in mine)
            assert int(row[f"n_{lab}"]) == n
            assert float(row[f"share_{lab}"]) == pytest.approx(n / len(mine), abs=1e-4)
    assert all(r["label"] == "不足" for r in read_back(out))


def test_min_confidence_adds_an_uncertain_column_and_keeps_labels(model_dir, reports, tmp_path):
    plain = jsonl(predict(model_dir, reports[0]).stdout)
    threshold = sorted(r["confidence"] for r in plain)[len(plain) // 2]
    out = tmp_path / "rows.parquet"
    result = predict(model_dir, reports[0], "--min-confidence", threshold, "-o", out)
    assert result.exit_code == 0, result.output
    rows = read_back(out)
    assert [r["label"] for r in rows] == [r["label"] for r in plain]
    assert [r["uncertain"] for r in rows] == [r["confidence"] < threshold for r in plain]
    assert any(r["uncertain"] for r in rows) and not all(r["uncertain"] for r in rows)


def test_min_confidence_outside_zero_to_one_is_refused(model_dir):
    result = predict(model_dir, "--text", "甲。", "--min-confidence", "1.5")
    assert result.exit_code == 2
    assert "Invalid value for '--min-confidence'" in result.output


def test_a_batch_with_broken_files_writes_the_good_ones_and_exits_non_zero(model_dir, reports, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    broken = {
        mk.corrupt_docx(bad / "corrupt.docx"): "not a valid .docx",
        mk.empty(bad / "empty.txt"): "empty file",
        mk.image_pdf(bad / "scan.pdf"): "no text layer (scanned PDF?)",
        bad / "missing.html": "no such file",
        mk.txt(bad / "photo.png"): "unsupported file type '.png'",
    }
    out = tmp_path / "out.xlsx"
    summary = tmp_path / "summary.jsonl"
    inputs = [reports[0], *broken, reports[1]]
    result = predict(model_dir, *inputs, "-o", out, "--summary", summary)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(broken) + 1
    for line, (path, why) in zip(errors, broken.items()):
        assert line.startswith(f"error: {path}: {why}")
    assert errors[-1] == "error: 5 of 7 input(s) could not be tagged (see above)"
    assert {r["source"] for r in read_back(out)} == {str(reports[0]), str(reports[1])}
    assert [r["source"] for r in read_back(summary)] == [str(reports[0]), str(reports[1])]
    assert "Traceback" not in result.output


def test_sentence_tables_use_text_column(model_dir, tmp_path):
    table = tmp_path / "sentences.csv"
    table.write_text("编号,句子\n1,加强普法宣传。\n2,存在不足。\n", encoding="utf-8-sig")
    result = predict(model_dir, table, "--text-column", "句子")
    assert result.exit_code == 0, result.output
    assert [r["text"] for r in jsonl(result.stdout)] == ["加强普法宣传。", "存在不足。"]
    wrong = predict(model_dir, table)
    assert wrong.exit_code == 1
    assert f"{table}: no column 'text' (columns: 编号, 句子); choose one with --text-column" in wrong.stderr


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_table_with_report_ids_is_one_report_per_id(model_dir, tmp_path, suffix):
    rows = [("a", "一、主要工作"), ("a", "加强普法宣传。"), ("b", "开展执法检查。"), ("a", "化解矛盾纠纷。")]
    table = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        table.write_text("report_id,text\n" + "".join(f"{r},{t}\n" for r, t in rows), encoding="utf-8")
    else:
        table.write_text("".join(json.dumps({"report_id": r, "text": t}, ensure_ascii=False) + "\n" for r, t in rows), "utf-8")
    summary = tmp_path / "s.csv"
    result = predict(model_dir, table, "--summary", summary)
    assert result.exit_code == 0, result.output
    tagged = jsonl(result.stdout)
    assert [(r["source"], r["sentence"], r["heading"]) for r in tagged] == [
        (f"{table}#a", 0, ""), (f"{table}#a", 1, "一、主要工作"), (f"{table}#a", 2, "一、主要工作"),
        (f"{table}#b", 0, ""),  # report b does not inherit report a's heading
    ]
    sums = list(csv.DictReader(summary.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["source"], r["sentences"]) for r in sums] == [(f"{table}#a", "3"), (f"{table}#b", "1")]


def test_an_existing_output_is_replaced_only_with_force_and_an_input_never(model_dir, reports, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("keep me", encoding="utf-8")
    refused = predict(model_dir, reports[3], "-o", out)
    assert refused.exit_code == 1
    assert refused.stderr == f"error: {out}: exists (use --force to replace it)\n"
    assert out.read_text(encoding="utf-8") == "keep me"
    assert predict(model_dir, reports[3], "-o", out, "--force").exit_code == 0
    assert "confidence" in out.read_text(encoding="utf-8-sig")
    as_input = predict(model_dir, out, "-o", out, "--force")
    assert as_input.exit_code == 1
    assert "is also an input; refusing to overwrite it" in as_input.stderr
    assert "confidence" in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to tag"),
        (("--text", "甲。", "-o", "out.txt"), "unknown output format '.txt'"),
        (("--text", "甲。", "--only", "不够"), "--only 不够: not a label of this model"),
        (("--text", "甲。", "-o", "same.csv", "--summary", "same.csv"), "given as both --output and --summary"),
    ],
)
def test_bad_options_give_one_line_errors(model_dir, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = predict(model_dir, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_broken_or_missing_model_is_a_one_line_error(tmp_path, model_dir):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.joblib").write_bytes(b"not a pickle")
    result = predict(broken, "--text", "甲。")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {broken / 'model.joblib'}: cannot load model")
    assert len(result.stderr.splitlines()) == 1
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    for f in ("model.joblib", "model.json"):
        (tampered / f).write_bytes((model_dir / f).read_bytes())
    (tampered / "model.joblib").write_bytes((tampered / "model.joblib").read_bytes() + b"\0")
    result = predict(tampered, "--text", "甲。")
    assert result.exit_code == 1 and "does not match model.json" in result.stderr


def test_a_model_file_that_would_run_a_command_is_refused_and_never_run(tmp_path):
    import hostile_files as hostile

    marker = tmp_path / "ran"
    model = hostile.evil_pickle(tmp_path / "x.joblib", marker)
    result = predict(model, "--text", "甲。")
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert "refusing to load: it needs posix.system" in result.stderr
    assert not marker.exists()


def test_formulas_and_control_characters_in_reports_are_written_safely(model_dir, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    mk.txt(d / "a.txt", text='=HYPERLINK("http://example.com","点我")\n基层执法\x0b能力\x00不足。\n')
    mk.txt(d / "b.txt")
    out = tmp_path / "out.xlsx"
    result = predict(model_dir, d, "-o", out)
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    rows = list(load_workbook(out).active.iter_rows(min_row=2))
    texts = {r[3].value: r[3].data_type for r in rows}
    assert texts['=HYPERLINK("http://example.com","点我")'] == "s" and "基层执法能力不足。" in texts
    assert {r[0].value for r in rows} == {str(d / "a.txt"), str(d / "b.txt")}
    csv_out = tmp_path / "out.csv"
    assert predict(model_dir, d, "-o", csv_out).exit_code == 0
    assert "'=HYPERLINK(" in csv_out.read_text("utf-8-sig")


@pytest.mark.parametrize("hostile_table", ["long row", "short row", "nested json"])
def test_a_ragged_or_hostile_table_fails_alone_and_the_batch_lands(model_dir, tmp_path, hostile_table):
    import hostile_files as hostile

    d = tmp_path / "in"
    d.mkdir()
    if hostile_table == "nested json":
        bad, why = hostile.nested_json_line(d / "bad.jsonl"), "line 2: not JSON"
    else:
        extra = "r2,多出来的字段。,x" if hostile_table == "long row" else "短行。"
        bad = d / "bad.csv"
        bad.write_text(f"report_id,text\nr1,甲。\n{extra}\nr1,乙。\n", encoding="utf-8")
        why = f"line 3: {3 if hostile_table == 'long row' else 1} fields, the header has 2"
    mk.txt(d / "good.txt")
    out = tmp_path / "out.jsonl"
    result = predict(model_dir, d, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"error: {bad}: {why}"
    assert {r["source"] for r in read_back(out)} == {str(d / "good.txt")}


def test_hostile_documents_fail_alone_and_the_rest_of_the_batch_lands(model_dir, tmp_path):
    import hostile_files as hostile

    d = tmp_path / "in"
    d.mkdir()
    good = mk.docx(d / "good.docx")
    hostile.docx_bomb(d / "bomb.docx", good, unpacked_mib=8)
    hostile.docx_bomb(d / "zip.docx", good, unpacked_mib=260, member="word/media/image1.png")
    hostile.nested_json_line(d / "deep.jsonl")
    out = tmp_path / "out.jsonl"
    result = predict(model_dir, d, "-o", out)
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert [e.split(": ")[1] for e in errors[:3]] == [str(d / n) for n in ("bomb.docx", "deep.jsonl", "zip.docx")]
    assert "Traceback" not in result.output + result.stderr
    assert {r["source"] for r in read_back(out)} == {str(good)}


def _peak_rss_mb(args):
    """Peak memory of `fazhi ARGS` in a fresh process (measured by a parent of its own)."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")
    fazhi = Path(sys.executable).with_name("fazhi")
    done = subprocess.run([sys.executable, "-c", code, str(fazhi), *map(str, args)], capture_output=True, text=True)
    return int(done.stdout)


def test_a_one_line_text_of_megabytes_costs_no_more_memory_than_one_sentence(model_dir, tmp_path):
    # 3 MB of text without a sentence end: once one 1-million-character "sentence"
    # (char n-grams of it took ~270 MB more; 2 GB for 20 MB); now pieces of at most
    # MAX_SENTENCE_CHARS, tagged a bounded number of characters at a time.
    import hostile_files as hostile

    line = hostile.one_line_text(tmp_path / "line.txt", megabytes=3)
    baseline = _peak_rss_mb(["predict", "--model", model_dir, "--text", "甲。"])
    peak = _peak_rss_mb(["predict", "--model", model_dir, line, "-o", tmp_path / "out.jsonl"])
    assert len(read_back(tmp_path / "out.jsonl")) > 2000
    assert peak < baseline + 60, (peak, baseline)


def _fazhi(args, env_extra=None, cwd=None):
    """Run the installed command in a fresh process (imports, exit codes, no traceback)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent), **(env_extra or {})}
    code = "import sys; from fazhi.cli import main; sys.argv = ['fazhi', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd)


def test_without_a_trained_model_predict_trains_the_default_one_first(tmp_path):
    # An empty workspace: one line says so, the default model is trained on the bundled
    # corpus into it (models/, mlflow.db), then the sentence is tagged; a second run reuses it.
    done = _fazhi(["predict", "--text", "存在执法不规范的问题。"], {"FAZHI_HOME": str(tmp_path)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0].startswith(f"no model in {tmp_path / 'models'} yet: training the default model")
    assert json.loads(done.stdout.splitlines()[0])["label"] in LABELS
    assert (tmp_path / "models" / "CHAMPION").is_file() and (tmp_path / "mlflow.db").is_file()
    again = _fazhi(["predict", "--text", "甲。"], {"FAZHI_HOME": str(tmp_path)}, cwd=tmp_path)
    assert again.returncode == 0 and "training" not in again.stderr, again.stderr


def test_a_broken_champion_marker_is_an_error_not_a_retraining(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "CHAMPION").write_text("\n", encoding="utf-8")
    done = _fazhi(["predict", "--text", "甲。"], {"FAZHI_HOME": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr == f"error: {tmp_path / 'models' / 'CHAMPION'}: empty; run `fazhi train` or choose a model with --model\n"


def test_tagging_a_sentence_imports_nothing_heavy_beyond_scikit_learn(model_dir):
    # scikit-learn itself imports pandas (and with it pyarrow, rich...) when installed;
    # predict --text must add nothing to what `import sklearn.linear_model` loads.
    heavy = ("pandas", "mlflow", "rich", "docx", "pdfplumber", "bs4", "openpyxl", "pyarrow", "charset_normalizer", "skops")
    report = f"print('LOADED', sorted(m for m in {heavy!r} if m in sys.modules))"
    predict = (
        "import sys\nfrom fazhi.cli import app\n"
        f"try: app(['predict', '--model', {str(model_dir)!r}, '--text', '存在不足。'])\n"
        f"except SystemExit: pass\n{report}\n"
    )
    baseline = f"import sys, sklearn.linear_model, jieba\n{report}\n"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    done, base = (subprocess.run([sys.executable, "-c", c], capture_output=True, text=True, env=env) for c in (predict, baseline))
    assert done.returncode == 0, done.stderr
    assert '"text": "存在不足。"' in done.stdout
    loaded = done.stdout.split("LOADED ")[1]
    assert loaded == base.stdout.split("LOADED ")[1]
    assert "mlflow" not in loaded and "docx" not in loaded


def test_a_model_that_fails_at_prediction_is_a_one_line_error_and_writes_nothing(tmp_path, monkeypatch, model_dir):
    # Like a pickle whose classes changed in the code since it was saved.
    from fazhi_features.text import SentenceInput

    def broken(self, X):
        raise AttributeError("'SentenceInput' object has no attribute 'heading_mark'")

    monkeypatch.setattr(SentenceInput, "transform", broken)
    out = tmp_path / "out.csv"
    result = predict(model_dir, "--text", "甲。", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == (f"error: {model_dir / 'model.joblib'}: the model fails to predict (AttributeError: "
                             "'SentenceInput' object has no attribute 'heading_mark'); retrain it with `fazhi train`\n")
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv*"))  # the temporary file is gone too


def test_a_write_failure_is_one_line_and_leaves_the_old_output(tmp_path, monkeypatch, model_dir, reports):
    from fazhi.formats import writers as output

    def disk_full(self, rows):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.CsvWriter, "_write", disk_full)
    out = tmp_path / "out.csv"
    out.write_text("previous run", encoding="utf-8")
    result = predict(model_dir, reports[3], "-o", out, "--force")
    assert result.exit_code == 1
    assert result.stderr == "error: cannot write the output (No space left on device); nothing was replaced\n"
    assert out.read_text(encoding="utf-8") == "previous run"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []


def test_a_batch_where_every_file_fails_writes_no_output(model_dir, tmp_path):
    out = tmp_path / "rows.csv"
    result = predict(model_dir, str(tmp_path / "missing.txt"), "-o", str(out), "--summary", str(tmp_path / "s.csv"))
    assert result.exit_code == 1 and "missing.txt" in result.stderr
    assert list(tmp_path.iterdir()) == []  # neither output, nor a temporary file


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx", ".parquet"])
def test_explain_adds_the_features_that_pushed_each_sentence_to_its_label(model_dir, tmp_path, suffix):
    out = tmp_path / f"why{suffix}"
    result = predict(model_dir, "--text", mk.SENTENCE_1 + mk.SENTENCE_3, "--explain", "-o", out)
    assert result.exit_code == 0, result.output
    rows = read_back(out) if suffix != ".csv" else list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert list(rows[0])[-1] == "explanation" and len(rows) == 2
    for row in rows:
        pushes = row["explanation"].split("; ")
        assert 1 <= len(pushes) <= 5
        assert all(p.split(":", 1)[0] in {"chars", "words", "section", "cues"} and float(p.rsplit(" ", 1)[1]) > 0 for p in pushes)


def test_explain_on_a_terminal_goes_beneath_the_row(model_dir):
    code = (
        "import sys\nfrom rich.console import Console\nfrom fazhi.show.terminal import TerminalTable\n"
        "from fazhi.tagging.inputs import expand_inputs\nfrom fazhi.store.persist import load\nfrom fazhi.tagging.tagger import Tagger, tag\n"
        f"tagger = Tagger(load({str(model_dir)!r}), explain=True)\n"
        "console = Console(width=100, color_system=None)\n"
        f"[result] = tag(expand_inputs([], [{mk.SENTENCE_3!r}]), tagger)\n"
        "TerminalTable(console, tagger.columns).write(result.rows)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    text_line = next(i for i, line in enumerate(lines) if mk.SENTENCE_3[:6] in line)
    assert "↳" in lines[text_line + 1] and "explanation" not in out.stdout


def test_a_directory_walk_tags_reports_and_says_in_one_line_what_it_skipped(model_dir, reports, tmp_path):
    folder = reports[0].parent
    (folder / "notes.xyz").write_text("not a report", encoding="utf-8")
    (folder / "sub" / "fetch.py").write_text("print('download')", encoding="utf-8")
    readme = mk.txt(folder / "README.md", "utf-8")  # notes about the folder, not a report
    (folder / ".DS_Store").write_bytes(b"\0")  # hidden: passed over without a word
    out = tmp_path / "rows.csv"
    result = predict(model_dir, folder, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == f"skipped 3 files: 2 of unsupported types (.py, .xyz), 1 README ({readme})"
    sources = {r["source"] for r in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())}
    assert sources == {str(p) for p in reports}
    named = predict(model_dir, readme)  # named as an INPUT, a README is tagged
    assert named.exit_code == 0 and {r["source"] for r in jsonl(named.stdout)} == {str(readme)}
    assert named.stderr == ""


def test_include_and_exclude_choose_the_files_of_a_directory_and_the_skipped_line_says_so(model_dir, reports, tmp_path):
    folder = reports[0].parent
    readme = mk.txt(folder / "README.md", "utf-8")
    out = tmp_path / "rows.csv"

    def sources(*args):
        result = predict(model_dir, folder, "-o", out, "--force", *args)
        assert result.exit_code == 0, result.stderr
        return result.stderr.splitlines()[0], {r["source"] for r in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())}

    said, tagged = sources("--include", "*.md")  # Markdown only: the README too
    assert tagged == {str(readme)} and said.startswith(f"skipped {len(reports)} files: {len(reports)} excluded by --include/--exclude (")
    said, tagged = sources("--exclude", "sub/*", "--exclude", "*.pdf")
    assert tagged == {str(p) for p in reports if p.parent == folder and p.suffix != ".pdf"}
    excluded = [p for p in reports if p.parent != folder or p.suffix == ".pdf"]
    assert said.startswith(f"skipped {len(excluded) + 1} files: 1 README ({readme}), {len(excluded)} excluded by --include/--exclude (")
    named = predict(model_dir, reports[0], "--exclude", "*")  # a file named as an INPUT is never filtered
    assert named.exit_code == 0 and {r["source"] for r in jsonl(named.stdout)} == {str(reports[0])}


def test_help_shows_no_type_for_flags_nor_python_list_types_and_keeps_it_for_options_with_values():
    for command in (["predict"], ["train"], ["sweep"], ["evaluate"], ["ui"], ["report"], ["models"],
                    ["data", "check"], ["data", "suggest"], ["data", "import"]):
        shown = runner.invoke(app, [*command, "--help"], terminal_width=160).output
        assert "<bool>" not in shown and "<list[" not in shown, command
        assert "--help" in shown
    shown = runner.invoke(app, ["predict", "--help"], terminal_width=160).output
    assert "<path>" in shown and "--force " in shown  # -o takes a path; --force takes nothing
    assert re.search(r"--text\s+<str>\.\.\.", shown)  # repeatable: its element type, then ...


def test_help_joins_the_lines_of_a_paragraph_so_80_columns_wrap_once():
    # A kept docstring line break ends a screen line early ("…in a table" / "to sort" / "and filter…").
    for command in (["report"], ["models"], ["data", "suggest"], ["predict"]):
        shown = runner.invoke(app, [*command, "--help"], terminal_width=80).output
        text = shown.split("Usage:", 1)[1].split("╭", 1)[0]
        paragraphs = "\n".join(line.rstrip() for line in text.splitlines()).strip("\n").split("\n\n")
        for paragraph in paragraphs[1:]:
            lines = paragraph.splitlines()
            assert all(len(line) >= 60 for line in lines[:-1]), (command, lines)


def _in_a_terminal(args, columns=80, timeout=300):
    """Run `fazhi ARGS` with stdout and stderr on a pseudo-terminal of `columns` columns, as a
    user at a terminal would (progress bar, tables); the screen's text, escape codes removed."""
    import fcntl
    import pty
    import re
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env.update(TERM="xterm-256color", PYTHONPATH=str(Path(__file__).parent))
    code = "import sys; from fazhi.cli import main; sys.argv = ['fazhi', *sys.argv[1:]]; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdin=subprocess.DEVNULL,
                            stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=timeout)
    os.close(leader)
    raw = b"".join(chunks).decode("utf-8", "replace")
    return proc.returncode, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", raw)


def test_at_an_80_column_terminal_errors_stay_off_the_progress_bar_and_the_summary_fits(model_dir, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    for k in range(6):
        mk.txt(folder / f"report_{k:02d}_2023.txt", "utf-8")
    mk.corrupt_docx(folder / "a_broken.docx")  # first in order: fails while the bar is showing
    mk.empty(folder / "m_empty.txt")
    code, screen = _in_a_terminal(["predict", "--model", model_dir, folder, "-o", tmp_path / "rows.csv",
                                   "--summary", tmp_path / "shares.csv"])
    assert code == 1
    pieces = [p for line in screen.split("\n") for p in line.split("\r")]
    errors = [p for p in pieces if "error:" in p]
    assert len(errors) == 3, screen
    assert all(p.strip().startswith("error: ") and "tagging" not in p and "━" not in p for p in errors), errors
    table = screen[screen.index("Share of sentences per label"):].splitlines()[:9]  # title, header, rule, rows
    rows = [line for line in table if line.startswith("report_")]
    assert len(rows) == 6, table  # one line per report: nothing wrapped
    assert max(len(line.rstrip()) + sum(0x2E80 < ord(c) for c in line.rstrip()) for line in table) <= 80
    assert table[1].split() == ["report", "n", "普法", "执法", "矛盾", "营商", "不足", "其他"]


def csv_rows(path):
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


def test_fazhi_outputs_in_an_input_folder_are_skipped_and_named(model_dir, tmp_path):
    # Tagging a folder into itself, then again under another name: the first run's rows
    # and summary were read as a 606-sentence report, and the summary failed (no column 'text').
    d = tmp_path / "inplace"
    d.mkdir()
    report = mk.txt(d / "甲区.txt")
    first = predict(model_dir, d, "-o", d / "tagged.csv", "--summary", d / "summary.jsonl")
    assert first.exit_code == 0, first.output
    sentences = len(csv_rows(d / "tagged.csv"))
    table = mk.write_rows(d / "mine.csv", [{"report_id": "乙区", "text": "开展普法。"}], columns=("report_id", "text"))
    again = predict(model_dir, f"{d}/*", "-o", d / "again.csv", "--summary", d / "again-summary.csv")
    assert again.exit_code == 0, again.output
    assert f"skipped 2 files: 2 fazhi outputs ({d / 'summary.jsonl'}, {d / 'tagged.csv'})" in again.stderr
    rows = csv_rows(d / "again.csv")
    assert {r["source"] for r in rows} == {str(report), f"{table}#乙区"} and len(rows) == sentences + 1
    # Named as an INPUT, such a file is still tried (and says what it lacks).
    named = predict(model_dir, d / "tagged.csv", "-o", d / "named.csv", "--text-column", "text")
    assert named.exit_code == 0 and "skipped" not in named.stderr


def test_spans_cut_for_length_are_counted_in_one_line_per_file(model_dir, tmp_path):
    # A page without punctuation became thousands of "sentences" without a word.
    long = tmp_path / "long.txt"
    long.write_text("依法行政" * 400 + "。\n" + "开展普法宣传" * 200 + "\n短句。\n", encoding="utf-8")
    plain = mk.txt(tmp_path / "plain.txt")
    out = tmp_path / "out.csv"
    result = predict(model_dir, long, plain, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "cut" in line]
    assert notes == [f"warning: {long}: 2 spans longer than 500 characters cut into 7 pieces "
                     "(a table or a page without punctuation?)"]
    assert sum(r["source"] == str(long) for r in csv_rows(out)) == 7 + 1


def test_library_warnings_about_a_pdf_stay_silent_unless_verbose(model_dir, tmp_path):
    # pdfminer logged "Could not get FontBBox from font descriptor …" 80 times on a quiet run.
    report = mk.pdf_bad_font_box(tmp_path / "bad.pdf")
    fazhi = str(Path(sys.executable).with_name("fazhi"))
    command = [fazhi, "predict", "--model", str(model_dir), str(report), "-q"]
    quiet = subprocess.run([*command, "-o", str(tmp_path / "a.csv")], capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    loud = subprocess.run([*command, "-o", str(tmp_path / "b.csv"), "--verbose"], capture_output=True, text=True, timeout=120)
    assert loud.returncode == 0 and "Could not get FontBBox" in loud.stderr, loud.stderr
    segment = subprocess.run([fazhi, "data", "segment", str(report), "-o", str(tmp_path / "s.csv")],
                             capture_output=True, text=True, timeout=120)
    assert segment.returncode == 0 and "FontBBox" not in segment.stderr, segment.stderr


def test_the_xlsx_has_a_frozen_header_sized_columns_and_wrapped_text(model_dir, reports, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "tagged.xlsx"
    assert predict(model_dir, reports[0], "-o", out, "--proba", "-q").exit_code == 0
    sheet = load_workbook(out).worksheets[0]
    assert sheet.freeze_panes == "A2"  # the header stays in sight while scrolling
    header = [c.value for c in sheet[1]]
    widths = {name: sheet.column_dimensions[chr(ord("A") + i)].width for i, name in enumerate(header)}
    assert widths["text"] >= 60 and widths["source"] >= 20 and 6 <= widths["sentence"] <= 12, widths
    assert all(w for w in widths.values()), widths
    text = header.index("text")
    assert all(row[text].alignment.wrap_text for row in sheet.iter_rows(min_row=2))
    assert not any(row[0].alignment.wrap_text for row in sheet.iter_rows(min_row=2))
