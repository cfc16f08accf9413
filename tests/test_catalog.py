"""`fazhi models` and fazhi.show.catalog: the saved models, newest first, the champion and the latest marked, broken ones named."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fazhi.show.catalog import list_models
from fazhi.cli import app

runner = CliRunner()


def train(models: Path, data: Path, name: str, *args: str) -> None:
    result = runner.invoke(app, ["train", "--data", str(data), "--no-track", "--output-dir", str(models),
                                 "--run-name", name, "--calibration", "none", *args])
    assert result.exit_code == 0, result.output + result.stderr


@pytest.fixture(scope="module")
def models(tmp_path_factory, small_corpus) -> Path:
    """Two real trainings: `good` (the champion), then `worse` (the latest, not the champion)."""
    models = tmp_path_factory.mktemp("catalog") / "models"
    train(models, small_corpus, "good", "--features", "chars", "--classifier", "sgd", "--C", "10")
    train(models, small_corpus, "worse", "--features", "chars", "--classifier", "complementnb", "--C", "0.01")
    return models


def test_lists_newest_first_with_the_champion_and_the_latest_marked(models, small_corpus):
    entries = list_models(models)
    assert [e.name for e in entries] == ["worse", "good"]
    worse, good = entries
    assert good.champion and not good.latest and worse.latest and not worse.champion
    card = json.loads((models / "good" / "model.json").read_text(encoding="utf-8"))
    assert good.cv_macro_f1 == card["metrics"]["cv"]["macro_f1"] > worse.cv_macro_f1
    assert good.deficiency_f1 == card["metrics"]["cv"]["per_label"]["不足"]["f1"]
    assert good.sentence_only_macro_f1 == card["metrics"]["sentence_only"]["macro_f1"]
    assert good.n_sentences == len(small_corpus.read_text(encoding="utf-8-sig").splitlines()) - 1
    assert good.data_sha256 == card["data"]["sha256"] and good.broken is None
    assert good.short_config() == "chars sgd C=10 calibration=none"


def test_a_broken_directory_is_a_row_with_its_reason_and_the_others_stay(models, tmp_path):
    here = tmp_path / "models"
    shutil.copytree(models, here)
    for marker in ("CHAMPION", "LATEST"):  # they name the originals; point them here
        (here / marker).write_text((models / marker).read_text().replace(str(models.resolve()), str(here.resolve())))
    shutil.copytree(here / "good", here / "bad-card")
    (here / "bad-card" / "model.json").write_text("{not json", encoding="utf-8")
    shutil.copytree(here / "good", here / "no-file")
    (here / "no-file" / "model.joblib").unlink()
    shutil.copytree(here / "good", here / "swapped")
    shutil.copy(here / "worse" / "model.joblib", here / "swapped" / "model.joblib")
    shutil.copytree(here / "good", here / "old-sklearn")
    card = json.loads((here / "old-sklearn" / "model.json").read_text(encoding="utf-8"))
    card["versions"]["scikit-learn"] = "0.24.2"
    (here / "old-sklearn" / "model.json").write_text(json.dumps(card), encoding="utf-8")
    (here / "empty").mkdir()
    (here / ".tmp-hidden").mkdir()  # hidden: not listed
    entries = {e.name: e for e in list_models(here)}
    assert set(entries) == {"good", "worse", "bad-card", "no-file", "swapped", "old-sklearn", "empty"}
    import sklearn

    assert entries["old-sklearn"].broken == (f"trained with scikit-learn 0.24.2, this is {sklearn.__version__}: "
                                             "retrain with `fazhi train`")
    assert entries["bad-card"].broken.startswith("unreadable model card (")
    assert entries["no-file"].broken == "no model.joblib"
    assert entries["swapped"].broken == "model.joblib does not match model.json (changed after training)"
    assert entries["empty"].broken == "not a saved model: no model.json, no model.joblib"
    assert entries["good"].broken is None and entries["good"].champion
    result = runner.invoke(app, ["models", "--output-dir", str(here)], env={"COLUMNS": "80"})
    assert result.exit_code == 0 and "Traceback" not in result.output
    shown = " ".join(result.output.split())  # a long reason folds in its cell
    assert "broken: unreadable model card (" in shown and "broken: no model.joblib" in shown
    assert "! no-file " in shown and "* good " in shown and " L worse " in shown


def _width(line: str) -> int:
    return len(line) + sum(0x2E80 < ord(c) for c in line)


def test_the_table_fits_80_columns_and_marks_the_champion(models):
    result = runner.invoke(app, ["models", "--output-dir", str(models)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(map(_width, lines)) <= 80, result.output
    assert lines[0].split() == ["model", "cv", "sent", "shift", "不足", "area", "n", "data"]
    rows = [line for line in lines if line[:2] in ("*L", "* ", " L")]
    assert rows[0].startswith(" L worse") and rows[1].startswith("*  good"), result.output
    good = list_models(models)[1]
    assert f"{good.cv_macro_f1:.3f}" in rows[1] and good.data_sha256[:8] in rows[1]
    assert "chars sgd C=10 calibration=none" in result.output
    assert "* champion (the default of predict and evaluate)  L latest  ! broken" in lines


def test_json_is_a_list_of_objects_with_the_same_keys(models):
    result = runner.invoke(app, ["models", "--output-dir", str(models), "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [m["name"] for m in listed] == ["worse", "good"]
    assert len({tuple(m) for m in listed}) == 1
    assert listed[1]["champion"] is True and listed[0]["latest"] is True and listed[0]["broken"] is None
    assert listed[1]["config"]["classifier"] == "sgd"


def test_no_models_is_one_line_and_exit_0(tmp_path):
    for where in (tmp_path / "missing", tmp_path):
        result = runner.invoke(app, ["models", "--output-dir", str(where)])
        assert result.exit_code == 0
        assert result.output == f"no saved models in {where}: `fazhi train` saves one there\n"
    assert json.loads(runner.invoke(app, ["models", "--output-dir", str(tmp_path), "--json"]).output) == []
