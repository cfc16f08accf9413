"""The champion under models/: what predict and evaluate use by default, moved only by a better model on the same data or --promote."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fazhi.store import persist
from fazhi.store.champion import CHAMPION_FILE, Score, beats, current
from fazhi.cli import app
from make_files import write_rows

runner = CliRunner()
GOOD = ("--features", "chars", "--classifier", "sgd", "--C", "10")
WORSE = ("--features", "chars", "--classifier", "complementnb", "--C", "0.01")


def train(models: Path, data: Path, name: str, *args: str):
    result = runner.invoke(app, ["train", "--data", str(data), "--no-track", "--output-dir", str(models),
                                 "--run-name", name, "--calibration", "none", *args])
    assert result.exit_code == 0, result.output + result.stderr
    return result


def fazhi(home: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed command in a fresh process whose project (and models/) is `home`."""
    env = {**os.environ, "FAZHI_HOME": str(home)}
    code = "import sys; from fazhi.cli import main; sys.argv = ['fazhi', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)


def cv(models: Path, name: str) -> float:
    return persist.load(models / name).card["metrics"]["cv"]["macro_f1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, small_corpus):
    """FAZHI_HOME/models with a good model, then a worse one trained after it."""
    home = tmp_path_factory.mktemp("home")
    models = home / "models"
    outputs = [train(models, small_corpus, "good", *GOOD), train(models, small_corpus, "worse", *WORSE)]
    assert cv(models, "worse") < cv(models, "good")
    return home, models, outputs


def test_a_worse_model_does_not_become_the_default(trained, small_corpus):
    home, models, (first, second) = trained
    assert f"fazhi predict and evaluate now use {models / 'good'} (first model)" in first.output
    assert f"fazhi predict and evaluate still use {models / 'good'} (CV macro-F1 " in second.output
    assert (models / "LATEST").read_text().strip() == str((models / "worse").resolve())  # the newest …
    assert (models / CHAMPION_FILE).read_text().strip() == str((models / "good").resolve())  # … is not the default
    # evaluate and predict, without --model, in a fresh process: the champion.
    evaluated = fazhi(home, "evaluate", "--data", str(small_corpus), "--no-track")
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.stdout.startswith(f"model {models / 'good' / 'model.joblib'} on ")
    sentence = "深入开展法治宣传教育活动。"
    tagged = fazhi(home, "predict", "--text", sentence)
    assert tagged.returncode == 0, tagged.stderr
    row = json.loads(tagged.stdout)
    good, worse = (persist.load(models / n).pipeline for n in ("good", "worse"))
    x = [[sentence, ""]]
    assert row["confidence"] == round(float(good.predict_proba(x).max()), 4)
    assert row["confidence"] != round(float(worse.predict_proba(x).max()), 4)


def test_a_better_model_or_promote_takes_over(tmp_path, small_corpus):
    models = tmp_path / "models"
    train(models, small_corpus, "worse", *WORSE)
    better = train(models, small_corpus, "better", *GOOD)
    assert f"now use {models / 'better'} (CV macro-F1 {cv(models, 'better'):.4f} > {cv(models, 'worse'):.4f}, same data)" in better.output
    assert current(models) == (models / "better").resolve()
    promoted = train(models, small_corpus, "promoted", *WORSE, "--promote")
    assert f"now use {models / 'promoted'} (forced by --promote)" in promoted.output
    assert persist.load(models_dir=models).source == str((models / "promoted" / "model.joblib").resolve())


def test_figures_on_other_data_do_not_compare(tmp_path, small_corpus, corpus_rows):
    models = tmp_path / "models"
    train(models, small_corpus, "first", *WORSE)
    other = write_rows(tmp_path / "other.csv", corpus_rows)  # all five reports: other data, other folds
    result = train(models, other, "other-data", *GOOD)
    assert cv(models, "other-data") > cv(models, "first")
    assert f"still use {models / 'first'} (scored on other data, sha256 " in result.output
    assert current(models) == (models / "first").resolve()


def test_models_saved_before_the_marker_existed_keep_the_latest_as_champion(tmp_path, small_corpus):
    models = tmp_path / "models"
    train(models, small_corpus, "old", *GOOD)
    (models / CHAMPION_FILE).unlink()  # as fazhi 0.1 left models/: LATEST only
    result = train(models, small_corpus, "new", *WORSE)
    assert f"still use {models / 'old'}" in result.output


@pytest.mark.parametrize(
    ("new", "old", "promote", "takes_over", "why"),
    [
        (Score(0.7, "a"), None, False, True, "first model"),
        (Score(0.7, "a"), Score(0.8, "a"), False, False, "CV macro-F1 0.8000 >= 0.7000"),
        (Score(0.8, "a"), Score(0.8, "a"), False, False, "CV macro-F1 0.8000 >= 0.8000"),
        (Score(0.9, "a"), Score(0.8, "a"), False, True, "CV macro-F1 0.9000 > 0.8000, same data"),
        (Score(0.9, "b"), Score(0.8, "a"), False, False, "scored on other data"),
        (Score(0.9, "a"), Score(None, None), False, False, "no CV score on known data"),
        (Score(0.1, "b"), Score(0.8, "a"), True, True, "forced by --promote"),
    ],
)
def test_the_rule_shared_with_the_mlflow_alias(new, old, promote, takes_over, why):
    moved, message = beats(new, old, promote)
    assert moved is takes_over and why in message
