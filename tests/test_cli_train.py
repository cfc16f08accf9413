"""`fazhi train | sweep | evaluate | ui` through Typer's CliRunner, and the script wrappers."""

import csv
import json
import warnings
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from make_files import write_rows
from fazhi.store import persist
from fazhi.cli import app
from fazhi.config import LABELS, PROJECT_ROOT
from fazhi.corpus.dataset import read_labeled, read_rows
from fazhi.modeling.metrics import scores

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def assert_one_line_error(result, *fragments: str, code: int = 1):
    assert result.exit_code == code, result.output
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), result.stderr
    for f in fragments:
        assert f in err[0], err[0]
    assert "Traceback" not in result.output + result.stderr


def test_train_without_tracking_saves_a_model_with_its_card(tmp_path, small_corpus):
    out = tmp_path / "models"
    result = run("train", "--data", str(small_corpus), "--features", "chars", "--classifier", "ridge",
                 "--no-track", "--output-dir", str(out), "--run-name", "r1")
    assert result.exit_code == 0, result.output + result.stderr
    assert "3-fold CV grouped by report" in result.output and "majority-class baseline" in result.output
    assert (out / "LATEST").read_text().strip() == str((out / "r1").resolve())
    loaded = persist.load(out / "r1")
    card = loaded.card
    assert card["config"]["classifier"] == "ridge" and card["config"]["feature_set"] == "chars"
    assert f"macro-F1 {card['metrics']['cv']['macro_f1']:.3f}" in result.output
    assert card["data"]["sha256"] == persist.sha256_file(small_corpus) and "mlflow" not in card
    assert set(loaded.labels) <= set(LABELS) and hasattr(loaded.pipeline, "predict_proba")
    assert "cross-validating" not in result.output  # no progress bar when not a TTY
    assert sorted(p.name for p in (out / "r1").iterdir()) == ["model.joblib", "model.json"]  # no temporary file
    again = run("train", "--data", str(small_corpus), "--no-track", "--output-dir", str(out), "--run-name", "r1")
    assert_one_line_error(again, "r1: exists; choose another --run-name")
    assert persist.load(out / "r1").card["model_sha256"] == card["model_sha256"]  # untouched


def test_a_run_name_cannot_leave_the_models_directory(tmp_path, small_corpus):
    out = tmp_path / "models"
    result = run("train", "--data", str(small_corpus), "--no-track", "--output-dir", str(out), "--run-name", "../x")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["models"] and (out / "_x" / "model.joblib").is_file()


def test_evaluate_writes_the_json_contract(tmp_path, trained_model_dir, corpus_rows):
    rows = corpus_rows[::7]
    data = write_rows(tmp_path / "eval.csv", rows)
    out = tmp_path / "metrics.json"
    result = run("evaluate", "--model", str(trained_model_dir), "--data", str(data), "--output", str(out), "--no-track")
    assert result.exit_code == 0, result.output + result.stderr
    metrics = json.loads(out.read_text("utf-8"))
    assert {"macro_f1", "accuracy", "n", "per_label"} <= set(metrics) and metrics["n"] == len(rows)
    for label, s in metrics["per_label"].items():
        assert label in LABELS and set(s) == {"precision", "recall", "f1", "support"}
    assert sum(s["support"] for s in metrics["per_label"].values()) == len(rows)
    # The same figures, recomputed from the model's own predictions.
    ds = read_labeled(data)
    expected = scores(ds.y, persist.load(trained_model_dir).pipeline.predict(ds.X))
    assert metrics["macro_f1"] == pytest.approx(expected["macro_f1"])
    assert metrics["accuracy"] == pytest.approx(expected["accuracy"])
    assert f"macro-F1 {metrics['macro_f1']:.3f}" in result.output and "true\\pred" in result.output


def test_evaluate_never_writes_its_output_over_the_data(tmp_path, trained_model_dir, corpus_rows):
    data = write_rows(tmp_path / "eval.csv", corpus_rows[:20])
    before = data.read_bytes()
    result = run("evaluate", "--model", str(trained_model_dir), "--data", str(data), "--output", str(data), "--no-track")
    assert_one_line_error(result, str(data), "is also an input; refusing to overwrite it")
    assert data.read_bytes() == before


def test_evaluate_of_a_one_label_file_prints_no_library_warning(tmp_path, trained_model_dir, corpus_rows):
    one_label = [r for r in corpus_rows if r["label"] == "不足"][:5]
    data = write_rows(tmp_path / "one.csv", one_label)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("evaluate", "--model", str(trained_model_dir), "--data", str(data), "--no-track")
    assert result.exit_code == 0
    assert not [w for w in caught if issubclass(w.category, UserWarning)]


def test_evaluate_reads_jsonl_without_report_ids(tmp_path, trained_model_dir, corpus_rows):
    data = tmp_path / "eval.jsonl"
    data.write_text("".join(json.dumps({"text": r["text"], "label": r["label"]}, ensure_ascii=False) + "\n" for r in corpus_rows[:30]), "utf-8")
    out = tmp_path / "m.json"
    result = run("evaluate", "--model", str(trained_model_dir / "model.joblib"), "--data", str(data), "--output", str(out), "--no-track")
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text("utf-8"))["n"] == 30


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("text,label\n开展普法宣传,普法\n", ["label(s) 普法 not known to the model"]),
        ("text,heading\n开展普法宣传,\n", ["missing column(s) label"]),
        ("", ["empty file"]),
        ("text,label\n", ["no rows below the header"]),
    ],
    ids=["unknown-label", "missing-column", "empty-file", "header-only"],
)
def test_evaluate_rejects_bad_data_in_one_line(tmp_path, trained_model_dir, content, fragments):
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    result = run("evaluate", "--model", str(trained_model_dir), "--data", str(data), "--no-track")
    assert_one_line_error(result, str(data), *fragments)


def test_evaluate_rejects_unreadable_models_in_one_line(tmp_path, corpus_rows):
    data = write_rows(tmp_path / "d.csv", corpus_rows[:5])
    garbage = tmp_path / "model.joblib"
    garbage.write_bytes(b"not a pickle")
    assert_one_line_error(run("evaluate", "--model", str(garbage), "--data", str(data), "--no-track"), "cannot load model")
    assert_one_line_error(run("evaluate", "--model", str(tmp_path / "nope"), "--data", str(data), "--no-track"), "no such model file")
    missing = run("evaluate", "--model", "models:/no-such-model@champion", "--data", str(data), "--no-track",
                  "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert_one_line_error(missing, "models:/no-such-model@champion", "cannot load model")
    assert_one_line_error(run("evaluate", "--data", str(tmp_path / "absent.csv"), "--no-track"), "absent.csv", "no such file")


def test_evaluate_never_runs_a_hostile_model(tmp_path, corpus_rows):
    import hostile_files as hostile

    marker = tmp_path / "ran"
    model = hostile.evil_pickle(tmp_path / "x.joblib", marker)
    data = write_rows(tmp_path / "d.csv", corpus_rows[:5])
    assert_one_line_error(run("evaluate", "--model", str(model), "--data", str(data), "--no-track"), "refusing to load")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "args", "fragments"),
    [
        ("report_id,position,heading,text,label\nr,0,,甲。,普法\n", [], ["row 2: label '普法' is not one of"]),
        ("text,label\n甲,其他\n", [], ["missing column(s)"]),
        ("report_id,position,heading,text,label\nr,0,,甲。,其他\nr,1,,乙。,不足\n", [], ["at least two reports"]),
        ("report_id,position,heading,text,label\nr,0,,甲。,其他\n", ["--C", "0"], ["C must be positive"]),
    ],
    ids=["bad-label", "no-report-id", "one-report", "bad-C"],
)
def test_train_rejects_bad_input_in_one_line(tmp_path, content, args, fragments):
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    result = run("train", "--data", str(data), "--no-track", "--output-dir", str(tmp_path / "m"), *args)
    assert_one_line_error(result, *fragments)
    assert not (tmp_path / "m").exists()


@pytest.mark.filterwarnings("error::RuntimeWarning")  # numpy's overflow warnings would add lines
@pytest.mark.parametrize("c", ["inf", "nan", "-1", "1e300"])
def test_train_and_sweep_refuse_a_C_that_gives_no_honest_model(tmp_path, small_corpus, c):
    # inf and nan are refused at once; 1e300 is finite, but complement NB's
    # probabilities become NaN: refused after cross-validation, nothing saved.
    fragment = "not numbers" if c == "1e300" else "C"
    trained = run("train", "--data", str(small_corpus), "--no-track", "--output-dir", str(tmp_path / "m"), "--C", c)
    assert_one_line_error(trained, fragment)
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").iterdir())
    swept = run("sweep", "--data", str(small_corpus), "--no-track", "--features", "chars",
                "--classifiers", "complementnb", "--C", c, "--jobs", "1")
    assert_one_line_error(swept, fragment)


def _labeled(path, rows):
    path.write_text("report_id,position,heading,text,label\n"
                    + "".join(f"{r},{i},,{t},{lab}\n" for i, (r, t, lab) in enumerate(rows)), encoding="utf-8")
    return path


def test_data_that_cannot_train_an_honest_model_is_refused_by_check_train_and_sweep(tmp_path):
    one_label = _labeled(tmp_path / "one_label.csv", [(f"r{i % 3}", f"句子{i}。", "其他") for i in range(12)])
    one_report = _labeled(tmp_path / "one_report.csv", [(f"r{i % 3}", f"句子{i}。", "其他") for i in range(12)]
                          + [("r0", "存在不足。", "不足")])
    one_report_why = "label '不足' occurs in one report only (r0, 1 sentence(s))"
    for data, fragments in ((one_label, ["every sentence is labeled '其他'", "at least two labels"]),
                            (one_report, [one_report_why])):
        assert_one_line_error(run("train", "--data", str(data), "--no-track", "--output-dir", str(tmp_path / "m")),
                              *fragments)
        assert_one_line_error(run("sweep", "--data", str(data), "--no-track", "--jobs", "1"), *fragments)
    assert not (tmp_path / "m").exists()
    assert_one_line_error(run("data", "check", str(one_label)), str(one_label), "at least two labels")
    # A user's own labels are trained with the corpus: data check warns, it does not refuse.
    checked = run("data", "check", str(one_report))
    assert checked.exit_code == 0 and "OK" in checked.output
    assert checked.stderr.startswith("warning: ") and one_report_why in checked.stderr
    assert "--data data/sentences.csv --data FILE" in checked.stderr


@pytest.mark.parametrize("hostile_table", ["long row", "short row", "nested json"])
def test_data_check_and_train_refuse_ragged_or_hostile_tables(tmp_path, corpus_rows, hostile_table):
    import hostile_files as hostile

    if hostile_table == "nested json":
        data, why = hostile.nested_json_line(tmp_path / "bad.jsonl"), "line 2: not JSON"
    else:
        good = write_rows(tmp_path / "good.csv", corpus_rows).read_text("utf-8-sig").splitlines()
        fields = good[5].split(",")
        good[5] = ",".join(fields + ["extra"] if hostile_table == "long row" else fields[3:])
        data = tmp_path / "bad.csv"
        data.write_text("\n".join(good) + "\n", encoding="utf-8")
        why = f"line 6: {len(fields) + 1 if hostile_table == 'long row' else len(fields) - 3} fields, the header has 6"
    assert_one_line_error(run("data", "check", str(data)), f"{data}: {why}")
    assert_one_line_error(run("train", "--data", str(data), "--no-track", "--output-dir", str(tmp_path / "m")), f"{data}: {why}")
    assert not (tmp_path / "m").exists()


def test_calibration_names_the_label_it_has_too_little_of(tmp_path):
    rows = [(f"r{i % 3}", f"句子{i}。", "其他") for i in range(12)] + [("r0", "存在不足一。", "不足"), ("r1", "存在不足二。", "不足")]
    data = _labeled(tmp_path / "few.csv", rows)
    train = ("train", "--data", str(data), "--no-track", "--output-dir", str(tmp_path / "m"))
    # Calibrated by report (the default): a label in two reports is in one when either is held out.
    assert_one_line_error(run(*train, "--classifier", "ridge"),
                          "label '不足' is in 1 report(s) when r", "ridge calibrated by report (--calibration isotonic) needs it in 2")
    # ridge's own sigmoid calibration: three sentences of each label in every training part.
    assert_one_line_error(run(*train, "--classifier", "ridge", "--calibration", "none"),
                          "label '不足' has 1 sentence(s) left when r", "ridge needs 3")
    assert run(*train, "--classifier", "complementnb").exit_code == 0  # its probabilities need neither


def test_train_rejects_an_unknown_choice_with_a_usage_error(small_corpus, tmp_path):
    result = run("train", "--data", str(small_corpus), "--classifier", "svm", "--no-track")
    assert result.exit_code == 2 and "svm" in result.stderr and "Traceback" not in result.stderr


def test_sweep_without_tracking_prints_and_writes_a_ranked_table(small_corpus, tmp_path):
    out = tmp_path / "results.md"
    result = run("sweep", "--data", str(small_corpus), "--features", "chars,words", "--classifiers", "complementnb",
                 "--C", "0.1,10", "--no-track", "--output", str(out), "--jobs", "2")
    assert result.exit_code == 0, result.output + result.stderr
    table = out.read_text("utf-8")
    assert table in result.output
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 4
    f1 = [float(r[4]) for r in rows]
    assert f1 == sorted(f1, reverse=True) and f1[0] > f1[-1]
    assert "| majority class | baseline |" in table


def test_sweep_rejects_a_bad_grid(small_corpus):
    assert_one_line_error(run("sweep", "--data", str(small_corpus), "--classifiers", "svm", "--no-track"), "bad grid", "svm")
    assert_one_line_error(run("sweep", "--data", str(small_corpus), "--C", "a,b", "--no-track"), "not a comma-separated list")


@pytest.mark.parametrize("script", ["train.py", "evaluate.py"])
def test_script_wrappers_are_the_cli_commands(script):
    out = subprocess.run([sys.executable, str(PROJECT_ROOT / script), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert f"fazhi {script[:-3]}" in out.stdout and "--data" in out.stdout


def test_script_wrapper_reports_errors_like_the_cli(tmp_path):
    out = subprocess.run([sys.executable, str(PROJECT_ROOT / "evaluate.py"), "--data", str(tmp_path / "x.csv"), "--no-track"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stderr.strip().startswith("error: ") and "Traceback" not in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ui_prints_one_line_the_training_runs_address_and_nothing_per_request(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"  # a new store: the experiment is created
    port = _free_port()
    fazhi = Path(sys.executable).with_name("fazhi")
    proc = subprocess.Popen([str(fazhi), "ui", "--tracking-uri", uri, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = proc.stdout.readline()  # printed once the server answers
        from mlflow.tracking import MlflowClient

        experiment = MlflowClient(uri).get_experiment_by_name("fazhi")
        address = f"http://127.0.0.1:{port}/#/experiments/{experiment.experiment_id}/runs?viewStateShareKey=fazhi-cv"
        assert line == f"MLflow UI on {address}  (store {uri}; Ctrl-C stops it)\n"
        # The saved view the address opens: configuration and CV figures as columns, best first.
        view = json.loads(experiment.tags["mlflow.sharedViewState.fazhi-cv"])
        state = json.loads(view["state"])
        assert view["name"] == "fazhi: CV figures" and state["orderByKey"] == "metrics.`cv_macro_f1`"
        assert state["selectedColumns"][:4] == ["params.`feature_set`", "params.`classifier`", "params.`C`", "metrics.`cv_macro_f1`"]
        assert [f"metrics.`cv_f1_{lab}`" for lab in LABELS] == state["selectedColumns"][4:10]
        pages = [f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search?max_results=10"]
        for url in pages * 5:  # ten requests: no access-log line for any
            body = urllib.request.urlopen(url, timeout=10).read()
        assert "experiments" in json.loads(body)
        proc.terminate()  # SIGTERM to `fazhi ui` alone: it must stop its server too
        assert proc.wait(timeout=30) == 0
        assert proc.stdout.read() == "" and proc.stderr.read() == ""  # nothing per request, no warnings
        with pytest.raises(OSError):
            urllib.request.urlopen(pages[1], timeout=2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)


def test_ui_on_a_busy_port_is_a_one_line_error(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("ui", "--tracking-uri", f"sqlite:///{tmp_path / 'm.db'}", "--port", str(port))
    assert_one_line_error(result, f"127.0.0.1:{port}", "choose another --port")


def test_the_old_heading_options_still_work_for_one_release_with_a_notice(tmp_path, small_corpus):
    out = tmp_path / "models"
    result = run("train", "--data", str(small_corpus), "--no-heading", "--heading-weight", "0.3", "--no-track",
                 "--output-dir", str(out), "--run-name", "old-names")
    assert result.exit_code == 0, result.stderr
    notices = result.stderr.strip().splitlines()
    assert notices == [
        "warning: --heading-weight is deprecated and will be removed in the next release; use --section-weight",
        "warning: --heading/--no-heading is deprecated and will be removed in the next release; use --section/--no-section",
    ]
    config = persist.load(out / "old-names").card["config"]
    assert config["section"] is False and config["section_weight"] == 0.3 and "heading" not in config
    shown = run("train", "--help").output
    assert "--section" in shown and "--section-weight" in shown and "--heading" not in shown


def test_train_prints_the_sentence_only_and_style_shift_figures_and_calibration(tmp_path, small_corpus):
    result = run("train", "--data", str(small_corpus), "--no-track", "--output-dir", str(tmp_path / "m"))
    assert result.exit_code == 0, result.stderr
    out = result.output
    assert "sentence only" in out and "style shift" in out
    card = persist.load(next(p for p in (tmp_path / "m").iterdir() if p.is_dir())).card  # beside LATEST, CHAMPION
    assert f"{card['metrics']['sentence_only']['macro_f1']:>16.3f}" in out
    assert "expected calibration error" in out and "--min-confidence 0.6 flags" in out


def test_evaluate_writes_its_errors_with_explanations_and_warns_on_training_data(tmp_path, small_corpus):
    models = tmp_path / "m"
    assert run("train", "--data", str(small_corpus), "--no-track", "--output-dir", str(models), "--run-name", "r").exit_code == 0
    errors = tmp_path / "errors.csv"
    figures = tmp_path / "m.json"
    result = run("evaluate", "--model", str(models / "r"), "--data", str(small_corpus), "--errors", str(errors),
                 "--output", str(figures), "--no-track")
    assert result.exit_code == 0, result.stderr
    assert "warning: the model was trained on this very file" in result.stderr
    rows = list(csv.DictReader(errors.read_text(encoding="utf-8-sig").splitlines()))
    m = json.loads(figures.read_text(encoding="utf-8"))
    assert len(rows) == round(m["n"] * (1 - m["accuracy"]))
    assert all(r["true"] != r["predicted"] and r["explanation"] for r in rows)
    assert f"{errors}: {len(rows)} misclassified sentence(s)" in result.stderr


def split_corpus(tmp_path, small_corpus):
    """The small corpus as two files: its first report in one, the other two in the other."""
    rows = read_rows(small_corpus)
    first = rows[0]["report_id"]
    a = write_rows(tmp_path / "a.csv", [r for r in rows if r["report_id"] == first])
    b = write_rows(tmp_path / "b.csv", [r for r in rows if r["report_id"] != first])
    return a, b, len(rows)


def test_train_and_evaluate_take_several_data_files(tmp_path, small_corpus):
    a, b, n = split_corpus(tmp_path, small_corpus)
    out = tmp_path / "models"
    result = run("train", "--data", str(a), "--data", str(b), "--no-track", "--output-dir", str(out), "--run-name", "two")
    assert result.exit_code == 0, result.output + result.stderr
    assert f"{a} + {b}: {n} sentences, 3-fold CV grouped by report" in result.output
    card = persist.load(out / "two").card["data"]
    assert [{k: f[k] for k in ("file", "sha256", "written")} for f in card["files"]] == [
        {"file": str(p), "sha256": persist.sha256_file(p), "written": False} for p in (a, b)]
    assert [f["rows"] for f in card["files"]] == [len(p.read_text(encoding="utf-8-sig").splitlines()) - 1 for p in (a, b)]
    assert card["sha256"] not in (persist.sha256_file(a), persist.sha256_file(b)) and card["rows"] == n
    scored = run("evaluate", "--model", str(out / "two"), "--data", str(a), "--data", str(b), "--no-track",
                 "--output", str(tmp_path / "m.json"))
    assert scored.exit_code == 0, scored.output
    assert json.loads((tmp_path / "m.json").read_text())["n"] == n


def test_train_logs_every_data_file_and_one_hash_to_mlflow(tmp_path, small_corpus, store):
    from mlflow.tracking import MlflowClient

    a, b, _ = split_corpus(tmp_path, small_corpus)
    result = run("train", "--data", str(a), "--data", str(b), "--output-dir", str(tmp_path / "models"), "--run-name", "two")
    assert result.exit_code == 0, result.output + result.stderr
    card = persist.load(tmp_path / "models" / "two").card
    params = MlflowClient(store).get_run(card["mlflow"]["run_id"]).data.params
    assert params["data_file"] == f"{a} + {b}" and params["data_sha256"] == card["data"]["sha256"]


def test_train_tune_prints_the_nested_figure_and_keeps_it_in_the_card(tmp_path, small_corpus, monkeypatch):
    import fazhi.modeling.tuning

    monkeypatch.setattr(fazhi.modeling.tuning, "TUNE_GRID", {"feature_sets": ["chars"], "classifiers": ["complementnb"], "Cs": [0.3, 3.0, 30.0]})
    out = tmp_path / "models"
    result = run("train", "--data", str(small_corpus), "--tune", "--calibration", "none", "--no-track",
                 "--output-dir", str(out), "--run-name", "t")
    assert result.exit_code == 0, result.output + result.stderr
    assert "wins the sweep of 3 configurations" in result.output and "nested grouped CV of the choice: macro-F1" in result.output
    card = persist.load(out / "t").card
    assert len(card["tuning"]["picks"]) == 3 and 0 <= card["tuning"]["nested"]["macro_f1"] <= 1
    assert f"{card['config']['feature_set']}+{card['config']['classifier']} C={card['config']['C']:g} wins" in result.output
