"""MLflow tracking on a real SQLite store in a temporary directory.

Runs are read back with MlflowClient; the registered model loads through
models:/fazhi-sentence@champion and predicts on a DataFrame of several rows.
"""

import csv
import io
import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

import fazhi_features
from fazhi.store import persist
from fazhi.config import CHAMPION_ALIAS, LABELS, REGISTERED_MODEL
from fazhi.formats.files import sha256_file

runner = CliRunner()


def cli(*args: str):
    result = runner.invoke(__import__("fazhi.cli", fromlist=["app"]).app, list(args))
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


@pytest.fixture(scope="module")
def tracked(tmp_path_factory, small_corpus):
    """Three training runs in one store: a good one, a worse one, the worse one --promote'd."""
    root = tmp_path_factory.mktemp("store")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    common = ("train", "--data", str(small_corpus), "--output-dir", str(root / "models"))
    # The first run finds the store through MLFLOW_TRACKING_URI, the others through --tracking-uri.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        good = cli(*common, "--features", "chars", "--classifier", "sgd", "--C", "10", "--run-name", "good")
    worse_args = (*common, "--tracking-uri", uri, "--features", "chars", "--classifier", "complementnb", "--C", "0.01")
    worse = cli(*worse_args, "--run-name", "worse", "--verbose")
    promoted = cli(*worse_args, "--run-name", "promoted", "--promote")
    mlflow.set_tracking_uri(uri)
    return {"uri": uri, "root": root, "client": MlflowClient(uri), "outputs": (good, worse, promoted)}


def _run(tracked, name):
    runs = tracked["client"].search_runs(
        [e.experiment_id for e in tracked["client"].search_experiments()], f"attributes.run_name = '{name}'"
    )
    assert len(runs) == 1
    return runs[0]


def test_training_prints_fazhi_s_lines_only_and_mlflow_s_with_verbose(tracked):
    good, worse, promoted = tracked["outputs"]
    for quiet in (good, promoted):
        assert quiet.stderr == ""  # no registry chatter, no library warning
        assert quiet.stdout.splitlines()[-1].startswith("fazhi predict and evaluate ")  # fazhi's own line is last
    assert "Created version '2' of model 'fazhi-sentence'." in worse.stderr  # --verbose


def test_training_run_logs_every_param_and_the_data(tracked, small_corpus):
    params = _run(tracked, "good").data.params
    assert params["feature_set"] == "chars" and params["classifier"] == "sgd" and params["C"] == "10.0"
    assert params["class_weight"] == "balanced" and params["seed"] == "0"
    assert params["pipeline.clf__alpha"] == str(1e-4 / 10)  # the classifier's own hyper-parameter
    assert params["data_sha256"] == sha256_file(small_corpus)
    rows = list(csv.DictReader(io.StringIO(small_corpus.read_text(encoding="utf-8-sig"))))
    assert params["n_rows"] == str(len(rows)) and params["n_reports"] == "3"
    for label in {r["label"] for r in rows}:
        assert params[f"n_label.{label}"] == str(sum(r["label"] == label for r in rows))
    import sklearn

    assert params["version.scikit-learn"] == sklearn.__version__ and "version.mlflow" in params


def test_training_run_metrics_match_the_saved_model_card(tracked):
    run = _run(tracked, "good")
    metrics = run.data.metrics
    card = persist.load(tracked["root"] / "models" / "good").card
    assert card["mlflow"]["run_id"] == run.info.run_id
    cv = card["metrics"]["cv"]
    assert metrics["cv_macro_f1"] == pytest.approx(cv["macro_f1"])
    assert metrics["cv_accuracy"] == pytest.approx(cv["accuracy"])
    for label, s in cv["per_label"].items():
        assert metrics[f"cv_f1_{label}"] == pytest.approx(s["f1"])
        assert metrics[f"cv_precision_{label}"] == pytest.approx(s["precision"])
    assert metrics["baseline_macro_f1"] < metrics["cv_macro_f1"]
    assert metrics["fit_seconds"] > 0 and metrics["cv_seconds"] > 0
    # The figures grouped CV cannot see, per label, and calibration (issue 10).
    for variant in ("sentence_only", "style_shift"):
        assert metrics[f"cv_{variant}_macro_f1"] == pytest.approx(card["metrics"][variant]["macro_f1"])
        for label in cv["per_label"]:
            assert 0 <= metrics[f"cv_{variant}_recall_{label}"] <= 1
    assert 0 <= metrics["cv_ece"] <= 1
    assert 0 <= metrics["cv_flagged_0.6"] <= metrics["cv_flagged_0.8"] <= 1


def test_training_run_artifacts(tracked, tmp_path):
    client, run = tracked["client"], _run(tracked, "good")
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"confusion_matrix.png", "confusion_matrix.csv", "classification_report.txt", "oof_errors.csv", "top_terms.json",
            "metrics.json", "reliability_diagram.png"} <= names
    local = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=str(tmp_path)))
    n = int(run.data.params["n_rows"])
    matrix = list(csv.reader(io.StringIO((local / "confusion_matrix.csv").read_text("utf-8"))))
    assert sum(int(v) for row in matrix[1:] for v in row[1:]) == n
    errors = list(csv.DictReader(io.StringIO((local / "oof_errors.csv").read_text("utf-8-sig"))))
    assert len(errors) == round(n * (1 - run.data.metrics["cv_accuracy"]))
    assert set(errors[0]) >= {"text", "true", "predicted", "probability"}
    assert all(e["true"] != e["predicted"] and 0 <= float(e["probability"]) <= 1 for e in errors)
    assert (local / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    terms = json.loads((local / "top_terms.json").read_text("utf-8"))
    assert set(terms) <= set(LABELS) and all(len(v) == 20 for v in terms.values())
    report = (local / "classification_report.txt").read_text("utf-8")
    assert "macro-F1" in report and "sentence only" in report and "expected calibration error" in report
    assert (local / "reliability_diagram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The logged figure is, pixel for pixel, the confusion matrix of the logged CSV drawn with
    # the label font (tests/test_plots.py: it has every glyph; the names, not numbers).
    from matplotlib.image import imread
    from fazhi.show.plots import confusion_figure

    labels = matrix[0][1:]
    assert labels == [lab for lab in LABELS if lab in labels]
    redrawn = io.BytesIO()
    confusion_figure(labels, np.array([[int(v) for v in row[1:]] for row in matrix[1:]])).savefig(redrawn, format="png")
    redrawn.seek(0)
    np.testing.assert_array_equal(imread(local / "confusion_matrix.png"), imread(redrawn))
    assert set(json.loads((local / "metrics.json").read_text("utf-8"))) == {"cv", "sentence_only", "style_shift", "calibration", "baseline"}


def test_artifacts_live_beside_the_store_not_in_the_working_directory(tracked):
    exp = mlflow.get_experiment_by_name("fazhi")
    assert exp.artifact_location == (tracked["root"] / "mlruns").as_uri()
    assert not (Path.cwd() / "mlruns" / exp.experiment_id).exists()


def test_champion_moves_only_for_a_better_model_or_with_promote(tracked):
    client = tracked["client"]
    good, worse, promoted = (_run(tracked, n) for n in ("good", "worse", "promoted"))
    assert worse.data.metrics["cv_macro_f1"] < good.data.metrics["cv_macro_f1"]
    versions = {mv.run_id: mv.version for mv in client.search_model_versions(f"name='{REGISTERED_MODEL}'")}
    assert len(versions) == 3
    out_good, out_worse, out_promoted = (r.output for r in tracked["outputs"])
    assert "is now @champion (first model)" in out_good
    assert f"@champion stays version {versions[good.info.run_id]}" in out_worse
    assert "forced by --promote" in out_promoted
    champion = client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    assert champion.run_id == promoted.info.run_id


def test_champion_loads_by_alias_and_predicts_a_dataframe_row_by_row(tracked):
    model = mlflow.pyfunc.load_model(f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}")
    texts = ["深入开展普法宣传教育", "推行双随机一公开监管", "人民调解组织调解纠纷", "优化营商环境", "执法人员力量薄弱"]
    frame = pd.DataFrame({"text": texts, "heading": [""] * 5})
    predicted = list(model.predict(frame)["label"])
    assert len(predicted) == 5 and set(predicted) <= set(LABELS)
    assert list(model.predict(pd.DataFrame({"text": texts}))["label"]) == predicted  # heading is optional
    assert list(model.predict(texts)["label"]) == predicted  # and so is a table: a list of strings will do
    # The registered model holds the very pipeline saved with joblib.
    saved = persist.load(tracked["root"] / "models" / "promoted").pipeline
    assert list(saved.predict(frame)) == predicted
    via_uri = persist.load(f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}", tracking_uri=tracked["uri"])
    assert list(via_uri.pipeline.predict(frame)) == predicted  # what predict/evaluate --model models:/… use
    schema = model.metadata.get_output_schema()
    assert schema.input_names()[:3] == ["label", "area", "confidence"]
    with_section = pd.DataFrame({"text": texts, "section": ["一、主要工作 › （一）普法宣传"] * 5})
    assert len(model.predict(with_section)) == 5


def test_a_model_registered_by_fazhi_0_2_still_loads_for_predict_and_evaluate(tracked, small_corpus):
    # Up to fazhi 0.2 the registered model was the sklearn flavor (skops); persist.load reads both.
    import mlflow.sklearn
    from sklearn.pipeline import Pipeline

    from fazhi.corpus.dataset import read_labeled
    from fazhi.modeling.model import build_pipeline

    data = read_labeled(small_corpus)
    # As fazhi 0.2 built it: a plain scikit-learn Pipeline (sample weights came later).
    pipeline = Pipeline(build_pipeline(feature_set="chars", classifier="logreg", calibration="none", area=False,
                                       section_dropout=0.0).steps).fit(data.X, data.y)
    with mlflow.start_run(run_name="old-flavor") as run:
        mlflow.sklearn.log_model(pipeline, name="model", code_paths=[str(Path(fazhi_features.__file__).parent)],
                                 skops_trusted_types=["fazhi_features.text.SentenceInput", "fazhi_features.text.SectionVectorizer",
                                                      "fazhi_features.text.CharVectorizer", "fazhi_features.cues.CueFeatures"])
    loaded = persist.load(f"runs:/{run.info.run_id}/model", tracking_uri=tracked["uri"])
    assert list(loaded.pipeline.predict(data.X)) == list(pipeline.predict(data.X))


def test_the_good_model_predicts_sensibly_through_mlflow(tracked):
    # The "good" run's model, by run URI: the strongest cues of each topic land right.
    run = _run(tracked, "good")
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    texts = ["深入开展法治宣传教育活动", "人民调解组织调解矛盾纠纷", "优化法治化营商环境"]
    assert list(model.predict(pd.DataFrame({"text": texts}))["label"]) == ["普法宣传", "矛盾化解", "营商环境"]


def test_evaluate_logs_an_evaluation_run(tracked, small_corpus, tmp_path):
    out = tmp_path / "m.json"
    cli("evaluate", "--model", f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}", "--data", str(small_corpus),
        "--tracking-uri", tracked["uri"], "--run-name", "eval", "--output", str(out))
    run = _run(tracked, "eval")
    assert run.data.tags["fazhi.kind"] == "evaluate"
    assert run.data.params["model"] == f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}"
    assert run.data.metrics["eval_macro_f1"] == pytest.approx(json.loads(out.read_text("utf-8"))["macro_f1"])


def test_evaluation_runs_are_named_after_model_and_data(tracked, small_corpus):
    result = cli("evaluate", "--model", str(tracked["root"] / "models" / "good"), "--data", str(small_corpus),
                 "--tracking-uri", tracked["uri"])
    run = _run(tracked, f"eval-good-on-{small_corpus.name}")
    assert result.stdout.splitlines()[-1] == f"MLflow run {run.info.run_id}"
    [said] = result.stderr.splitlines()  # fazhi's own warning, nothing from MLflow
    assert said.startswith("warning: the model was trained on this very file")


def test_a_sweep_in_a_fresh_process_names_its_runs_and_prints_where_to_compare_them(tracked, small_corpus):
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracked["uri"]}
    code = "import sys; from fazhi.cli import main; sys.argv = ['fazhi', *sys.argv[1:]]; main()"
    done = subprocess.run([sys.executable, "-c", code, "sweep", "--data", str(small_corpus), "--features", "chars",
                           "--classifiers", "sgd,ridge", "--C", "3", "--calibration", "none", "--jobs", "1"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nothing from MLflow or its dependencies
    parent = _run(tracked, "sweep-chars-sgd+ridge-C3-section")
    *_, said, url = done.stdout.splitlines()
    assert said == f"MLflow parent run {parent.info.run_id}; its 2 runs side by side (with `fazhi ui` running):"
    children = tracked["client"].search_runs([parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
                                             order_by=["metrics.cv_macro_f1 DESC"])
    assert sorted(r.info.run_name for r in children) == ["chars-ridge-C3-section", "chars-sgd-C3-section"]
    ids = json.dumps([r.info.run_id for r in children])  # best first
    assert url == ("http://127.0.0.1:5000/#/compare-runs?runs=" + urllib.parse.quote(ids)
                   + "&experiments=" + urllib.parse.quote(json.dumps([parent.info.experiment_id])))


def test_sweep_logs_a_parent_run_with_one_nested_run_per_configuration(tracked, small_corpus):
    result = cli("sweep", "--data", str(small_corpus), "--features", "chars", "--classifiers", "sgd,complementnb",
                 "--C", "1,10", "--tracking-uri", tracked["uri"], "--run-name", "sweep", "--jobs", "1")
    parent = _run(tracked, "sweep")
    client = tracked["client"]
    children = client.search_runs([parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert sorted(r.info.run_name for r in children) == sorted(
        f"chars-{c}-C{C}-section" for c in ("sgd", "complementnb") for C in ("1", "10")
    )
    best = max(r.data.metrics["cv_macro_f1"] for r in children)
    assert parent.data.metrics["best_cv_macro_f1"] == pytest.approx(best)
    table = Path(mlflow.artifacts.download_artifacts(run_id=parent.info.run_id, artifact_path="sweep_results.md")).read_text("utf-8")
    assert table in result.output and "majority class" in table


def _easy_rows(reports=3):
    """Two labels a child could tell apart, in every report: CV macro-F1 1.0."""
    return [
        {"report_id": f"r{r}", "position": str(i), "heading": "", "section": "",
         "text": f"存在不足问题{r}{i}。" if i % 2 else f"召开会议研究{r}{i}。", "label": "不足" if i % 2 else "其他"}
        for r in range(reports) for i in range(8)
    ]


def test_the_champion_never_moves_to_a_score_on_other_data(tmp_path, small_corpus):
    from make_files import write_rows

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    common = ("train", "--tracking-uri", uri, "--output-dir", str(tmp_path / "models"), "--classifier", "complementnb")
    cli(*common, "--data", str(small_corpus), "--run-name", "real")
    easy = write_rows(tmp_path / "easy.csv", _easy_rows())
    out = cli(*common, "--data", str(easy), "--run-name", "easy").output
    client = MlflowClient(uri)
    easy_run = client.search_runs([client.get_experiment_by_name("fazhi").experiment_id], "attributes.run_name = 'easy'")[0]
    assert easy_run.data.metrics["cv_macro_f1"] == 1.0  # a "better" score, on other data
    assert "@champion stays version 1 (scored on other data" in out and "use --promote" in out
    assert str(client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS).version) == "1"
    again = cli(*common, "--data", str(easy), "--run-name", "easy-promoted", "--promote").output
    assert "forced by --promote" in again


def test_evaluate_logs_the_figures_on_unseen_sentences_apart(tracked, corpus_file, tmp_path):
    out = tmp_path / "m.json"
    cli("evaluate", "--model", str(tracked["root"] / "models" / "good"), "--data", str(corpus_file),
        "--tracking-uri", tracked["uri"], "--run-name", "eval-unseen", "--output", str(out))
    figures = json.loads(out.read_text("utf-8"))
    metrics = _run(tracked, "eval-unseen").data.metrics
    assert metrics["seen_n"] == figures["n_seen"] > 0 and metrics["unseen_n"] == figures["unseen"]["n"] > 0
    assert metrics["unseen_macro_f1"] == pytest.approx(figures["unseen"]["macro_f1"])
    assert metrics["unseen_f1_不足"] == pytest.approx(figures["unseen"]["per_label"]["不足"]["f1"])
    assert metrics["eval_macro_f1"] == pytest.approx(figures["macro_f1"])


def test_two_first_trains_on_a_new_store_both_succeed(tmp_path, small_corpus):
    """MLflow creates and migrates a new SQLite store on first use, with no lock between
    processes: two `fazhi train` started at once on a new store both migrated it and one
    failed (`duplicate column name: step`). fazhi.tracking.log.store_lock serialises it.
    A race: two rounds, each on a brand-new store (~30 s on two busy cores)."""
    from processes import FAZHI

    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    for round_ in range(2):
        store = tmp_path / f"store{round_}"
        store.mkdir()
        uri = f"sqlite:///{store / 'mlflow.db'}"
        procs = [subprocess.Popen([FAZHI, "train", "--data", str(small_corpus), "--features", "chars", "--calibration",
                                   "none", "--tracking-uri", uri, "--output-dir", str(store / "models"), "--run-name", f"t{i}"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
        try:
            outcomes = [p.communicate(timeout=300) for p in procs]
        finally:
            for p in procs:
                p.kill()
                p.wait()
        assert [p.returncode for p in procs] == [0, 0], [err for _, err in outcomes]
        client = MlflowClient(uri)
        runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
        assert sorted((r.info.run_name, r.info.status) for r in runs) == [("t0", "FINISHED"), ("t1", "FINISHED")]


def test_training_names_the_registered_version_and_whether_it_is_the_champion(tracked):
    # It printed "model models:/m-47d1…", MLflow's internal id, which no other command takes.
    client = tracked["client"]
    versions = {mv.run_id: mv.version for mv in client.search_model_versions(f"name='{REGISTERED_MODEL}'")}
    for name, output, champion in zip(("good", "worse", "promoted"), tracked["outputs"], ("the champion", "not the champion", "the champion")):
        run = _run(tracked, name)
        line = next(x for x in output.stdout.splitlines() if x.startswith("MLflow run "))
        assert line == f"MLflow run {run.info.run_id}; model {REGISTERED_MODEL} v{versions[run.info.run_id]}, {champion}", line
        assert "models:/m-" not in output.stdout


@pytest.fixture(scope="module")
def new_store(tmp_path_factory) -> Path:
    """A SQLite store as MLflow creates it (tables migrated), no runs yet; tests copy it."""
    from fazhi.tracking.log import Tracker

    from fazhi.config import DEFAULT_EXPERIMENT

    path = tmp_path_factory.mktemp("new-store") / "mlflow.db"
    Tracker(f"sqlite:///{path}", DEFAULT_EXPERIMENT).connect()  # train's experiment exists: nothing to create
    return path


def _train_on(store: Path, small_corpus, models: Path):
    return runner.invoke(__import__("fazhi.cli", fromlist=["app"]).app, [
        "train", "--data", str(small_corpus), "--tracking-uri", f"sqlite:///{store}", "--output-dir", str(models),
        "--features", "chars", "--calibration", "none"])


def test_a_damaged_store_is_one_line_before_any_work_and_is_left_as_it_was(new_store, small_corpus, tmp_path):
    # 8 KiB of random bytes at a third of the file: PRAGMA integrity_check fails, and
    # MLflow used it silently (exit 0, a run and a version written into it).
    import random
    import shutil

    store = tmp_path / "mlflow.db"
    shutil.copy(new_store, store)
    with open(store, "r+b") as fh:
        fh.seek(store.stat().st_size // 3)
        fh.write(random.Random(0).randbytes(8192))
    before = store.read_bytes()
    result = _train_on(store, small_corpus, tmp_path / "models")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [result.stderr.strip()] and result.stderr.startswith(f"error: MLflow store {store} is damaged (SQLite: ")
    assert "mv mlflow.db mlflow.db.damaged" in result.stderr and "--no-track" in result.stderr
    assert store.read_bytes() == before and not list((tmp_path / "models").glob("*/model.joblib"))


def test_a_read_only_store_is_one_line_before_any_work(new_store, small_corpus, tmp_path):
    # It failed after cross-validation and the final fit: "MLflow logging failed:
    # MlflowException: (raised as a result of Query-invoked autoflush; …)".
    import shutil

    folder = tmp_path / "store"
    folder.mkdir()
    store = folder / "mlflow.db"
    shutil.copy(new_store, store)
    store.chmod(0o444)
    immutable = os.geteuid() == 0  # root writes a 0444 file anyway: make it immutable instead
    if immutable and subprocess.run(["chattr", "+i", str(store)], capture_output=True).returncode != 0:
        pytest.skip("running as root without chattr: no way to make a file read-only here")
    try:
        result = _train_on(store, small_corpus, tmp_path / "models")
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(store)], check=True)
        store.chmod(0o644)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith(f"error: MLflow store {store} is read-only (") and "--no-track" in result.stderr
    assert "autoflush" not in result.stderr and "cross-validat" not in result.stdout
    assert not list((tmp_path / "models").glob("*/model.joblib"))


def test_predict_and_suggest_read_a_registered_model_from_the_store_named_by_tracking_uri(registered, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # only --tracking-uri names the store
    out = tmp_path / "rows.jsonl"
    result = cli("predict", "--text", "基层执法力量仍显薄弱。", "--model", registered.model_uri,
                 "--tracking-uri", registered.uri, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["label"]
    report = tmp_path / "r.txt"
    report.write_text("一、主要工作\n开展宪法宣传周活动。\n基层执法力量仍显薄弱。\n", encoding="utf-8")
    picked = tmp_path / "picked.csv"
    result = cli("data", "suggest", str(report), "-n", "2", "-o", str(picked), "--model", registered.model_uri,
                 "--tracking-uri", registered.uri)
    assert result.exit_code == 0, result.output
    assert picked.is_file()
