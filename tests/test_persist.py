"""fazhi.store.persist: models/<run>/ with its card and LATEST; what cannot be a model is a one-line ModelError."""

import json
import shutil

import pytest

from fazhi.store import persist
from fazhi.errors import ModelError


def test_an_empty_latest_is_an_error_never_the_working_directory(tmp_path, monkeypatch, trained_model_dir):
    # A perfectly good model.joblib in the working directory must not be picked up.
    shutil.copy(trained_model_dir / "model.joblib", tmp_path / "model.joblib")
    monkeypatch.chdir(tmp_path)
    models = tmp_path / "models"
    models.mkdir()
    (models / "LATEST").write_text("\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"LATEST: empty; run `fazhi train` or choose a model with --model"):
        persist.load(models_dir=models)


@pytest.mark.parametrize(
    "card, why",
    [
        ([1, 2], "not a model card"),
        ({"versions": "1.9"}, "'versions' is not a JSON object"),
        ({"versions": 3}, "'versions' is not a JSON object"),
        ({"labels": "其他"}, "'labels' is not a JSON list"),
        ({"model_sha256": 7}, "'model_sha256' is not a JSON string"),
    ],
)
def test_a_malformed_card_is_a_one_line_error(tmp_path, trained_model_dir, card, why):
    directory = tmp_path / "m"
    directory.mkdir()
    shutil.copy(trained_model_dir / "model.joblib", directory / "model.joblib")
    (directory / "model.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError, match=why) as caught:
        persist.load(directory)
    assert "\n" not in str(caught.value)


def test_a_saved_model_loads_with_its_card(trained_model_dir):
    model = persist.load(trained_model_dir)
    assert model.labels == model.card["labels"] and model.source.endswith("model.joblib")
