"""`fazhi spark-tag` on local[2]: the same rows as `fazhi predict` for a table of sentences and for
whole reports segmented inside Spark; one-line errors; the install hint without PySpark."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import make_files as mk
from fazhi.cli import app
from fazhi.config import LABELS, PROJECT_ROOT, SEEDS_DIR

PROBA = [f"p_{lab}" for lab in LABELS]
TAGS = ["label", "area", "confidence", *PROBA]


@pytest.fixture(autouse=True)
def local_spark(registered, monkeypatch):
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registered.uri)


def fazhi(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def predicted(registered, *inputs, tmp_path) -> pd.DataFrame:
    out = tmp_path / "predict.csv"
    fazhi("predict", *map(str, inputs), "--model", registered.model_uri, "--proba", "-o", str(out), "--force")
    return pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False, dtype={"heading": str, "text": str})


def test_a_table_of_sentences_gets_the_rows_fazhi_predict_gives(registered, tmp_path):
    # `fazhi data segment` output: report_id, position, heading, section, text and an empty label column.
    table = tmp_path / "sentences.csv"
    fazhi("data", "segment", *map(str, sorted(SEEDS_DIR.glob("*.txt"))[:2]), "-o", str(table))
    out = tmp_path / "tagged.parquet"
    result = fazhi("spark-tag", str(table), "-o", str(out), "--master", "local[2]")
    assert "note: the input's column 'label' is kept as 'label_input'" in result.stderr
    spark = pd.read_parquet(out)
    source = pd.read_csv(table, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(spark.columns) == [*(c if c != "label" else "label_input" for c in source.columns), *TAGS]
    assert f"{out}: {len(source):,} row(s) from {len(source):,} input row(s)" in result.stderr
    cli = predicted(registered, table, tmp_path=tmp_path)
    cli["report_id"] = cli["source"].str.split("#").str[-1]
    merged = cli.merge(spark.astype({"position": int}), left_on=["report_id", "sentence"], right_on=["report_id", "position"],
                       suffixes=("", "_spark"))
    assert len(merged) == len(cli) == len(spark)
    for column in ["text", *TAGS]:
        assert (merged[column] == merged[f"{column}_spark"]).all(), column


def test_whole_reports_are_segmented_in_spark_as_fazhi_predict_segments_files(registered, tmp_path):
    files = [mk.txt(tmp_path / "made.txt"), *sorted(SEEDS_DIR.glob("*.txt"))[2:4]]
    reports = tmp_path / "reports.parquet"
    pd.DataFrame({"source": [str(f) for f in files], "year": [2023] * len(files),
                  "body": [f.read_text("utf-8") for f in files]}).to_parquet(reports)
    out = tmp_path / "tagged"
    fazhi("spark-tag", str(reports), "-o", str(out), "--reports", "--text-column", "body", "--master", "local[2]")
    spark = pd.read_parquet(out)
    assert list(spark.columns) == ["source", "year", "sentence", "heading", "section", "text", *TAGS]
    cli = predicted(registered, *files, tmp_path=tmp_path)
    merged = cli.merge(spark, on=["source", "sentence"], suffixes=("", "_spark"))
    assert len(merged) == len(cli) == len(spark) and (spark["year"] == 2023).all()
    for column in ["heading", "text", *TAGS]:
        assert (merged[column] == merged[f"{column}_spark"].fillna("")).all(), column
    assert (spark["section"] != "").any()  # the model was given the sections, as predict gives them


ROWS = [{"text": "深入开展宪法宣传周活动。", "section": "一、主要工作"},
        {"text": "基层执法力量仍显薄弱。", "section": "二、存在的不足"},
        {"text": "人民调解组织化解矛盾纠纷，\n共计120件。", "section": ""}]


@pytest.fixture(scope="module")
def expected(registered):
    import mlflow

    mlflow.set_tracking_uri(registered.uri)
    return mlflow.pyfunc.load_model(registered.model_uri).predict(pd.DataFrame(ROWS))


def in_row_order(path) -> pd.DataFrame:
    return pd.read_parquet(path).set_index("text").loc[[r["text"] for r in ROWS]].reset_index()


def test_a_tsv_table_with_a_section_column(registered, expected, tmp_path):
    tsv, out = tmp_path / "s.tsv", tmp_path / "out.parquet"
    pd.DataFrame(ROWS).to_csv(tsv, sep="\t", index=False)
    fazhi("spark-tag", str(tsv), "-o", str(out), "--master", "local[2]")
    pd.testing.assert_frame_equal(in_row_order(out)[TAGS], expected[TAGS], check_dtype=False)


def test_under_spark_submit_the_script_runs_on_spark_submits_master(registered, expected, tmp_path):
    # What a cluster run looks like (README): spark-submit names the master, spark_tag.py is the command.
    jsonl, out = tmp_path / "s.jsonl", tmp_path / "out.parquet"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    done = subprocess.run([str(Path(sys.executable).with_name("spark-submit")), "--master", "local[2]",
                           "--conf", "spark.ui.enabled=false", str(PROJECT_ROOT / "spark_tag.py"), str(jsonl),
                           "-o", str(out), "--model", registered.model_uri, "--tracking-uri", registered.uri],
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{out}: 3 row(s) from 3 input row(s)" in done.stdout  # spark-submit passes the script's stderr on stdout
    pd.testing.assert_frame_equal(in_row_order(out)[TAGS], expected[TAGS], check_dtype=False)


@pytest.mark.parametrize("args, says", [
    (["missing.parquet", "-o", "out.parquet"], "missing.parquet: no such file or directory"),
    (["in.csv", "-o", "in.csv"], "in.csv: is also the input; refusing to overwrite it"),
    (["in.csv", "-o", "exists.parquet"], "exists.parquet: exists (use --force to replace it)"),
    (["in.xlsx", "-o", "out.parquet"], "in.xlsx: unknown table format '.xlsx'"),
])
def test_bad_paths_are_one_line_errors_before_spark_starts(tmp_path, monkeypatch, args, says):
    monkeypatch.chdir(tmp_path)
    for name in ("in.csv", "in.xlsx"):
        (tmp_path / name).write_text("text\n一句话。\n", encoding="utf-8")
    (tmp_path / "exists.parquet").mkdir()
    result = CliRunner().invoke(app, ["spark-tag", *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {says}") and len(result.stderr.strip().splitlines()) == 1


def test_a_missing_text_column_is_one_line_error(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("sentence\n一句话。\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["spark-tag", str(table), "-o", str(tmp_path / "o.parquet"), "--master", "local[2]"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"error: {table}: no column 'text' (columns: sentence); choose one with --text-column"]


BLOCK_PYSPARK = """
import sys
class NoPySpark:
    def find_spec(self, name, path=None, target=None):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, NoPySpark())
from fazhi.cli import main
sys.argv = ["fazhi", "spark-tag", "in.csv", "-o", "out.parquet"]
main()
"""


def test_without_pyspark_the_command_says_how_to_install_it(tmp_path):
    (tmp_path / "in.csv").write_text("text\n一句话。\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", BLOCK_PYSPARK], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: spark-tag needs PySpark, which is not installed: pip install -e '.[spark]'  (or: pip install pyspark)"]
