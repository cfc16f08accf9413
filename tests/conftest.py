"""Shared fixtures: the bundled corpus, a small subset of it, and a trained model.

`trained_model_dir` is a fast model (chars + logistic regression) fitted on the
bundled corpus and saved with fazhi.store.persist.save; prediction tests load it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The suite trains on small files in seconds: the written supplement (4,368 rows) stays
# out unless a test asks for it (FAZHI_SUPPLEMENT is `--supplement`'s environment
# variable; tests/test_supplement.py checks the default with it unset). Subprocesses inherit it.
os.environ.setdefault("FAZHI_SUPPLEMENT", "0")

from fazhi.config import CORPUS_FILE, REPORT_COL  # noqa: E402
from fazhi.corpus.dataset import read_rows  # noqa: E402
from make_files import write_rows  # noqa: E402


def _corpus_path() -> Path:
    # FAZHI_TEST_CORPUS: run the suite against another labeled file (e.g. a new release).
    return Path(os.environ.get("FAZHI_TEST_CORPUS", CORPUS_FILE))


@pytest.fixture(scope="session")
def corpus_file() -> Path:
    return _corpus_path()


@pytest.fixture(scope="session")
def corpus_rows(corpus_file) -> list[dict[str, str]]:
    return read_rows(corpus_file)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory, corpus_rows) -> Path:
    """Three of the bundled reports: grouped CV still works, training is quicker."""
    reports = sorted({r[REPORT_COL] for r in corpus_rows})[:3]
    rows = [r for r in corpus_rows if r[REPORT_COL] in reports]
    return write_rows(tmp_path_factory.mktemp("data") / "small.csv", rows)


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, corpus_file) -> Path:
    """A chars + logreg model fitted on the bundled corpus, saved as models/<name>/."""
    from fazhi.store import persist
    from fazhi.corpus.dataset import read_labeled
    from fazhi.modeling.model import build_pipeline

    data = read_labeled(corpus_file, strict=True)
    pipeline = build_pipeline(feature_set="chars", classifier="logreg", C=10.0, section=True)
    pipeline.fit(data.X, data.y)
    models = tmp_path_factory.mktemp("models")
    card = {"config": {"feature_set": "chars", "classifier": "logreg"}, "data": {"sha256": data.sha256}}
    saved = persist.save(pipeline, models / "chars-logreg", card)
    persist.mark_latest(saved)
    return saved


@pytest.fixture()
def store(tmp_path, monkeypatch) -> str:
    """A fresh SQLite MLflow store in tmp_path, also set as MLFLOW_TRACKING_URI."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


@pytest.fixture(scope="session")
def registered(tmp_path_factory, small_corpus):
    """The default model as `fazhi train` logs it, the champion of a fresh SQLite store.

    .uri: the store; .model_uri: models:/fazhi-sentence@champion; .saved: the same model
    as `fazhi train` saved it under models/ (what `fazhi predict` loads by default).
    """
    from types import SimpleNamespace

    from typer.testing import CliRunner

    from fazhi.cli import app
    from fazhi.config import CHAMPION_ALIAS, REGISTERED_MODEL

    root = tmp_path_factory.mktemp("registry")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    result = CliRunner().invoke(app, ["train", "--data", str(small_corpus), "--tracking-uri", uri,
                                      "--output-dir", str(root / "models"), "--run-name", "champion"])
    assert result.exit_code == 0, result.output
    saved = Path((root / "models" / "LATEST").read_text(encoding="utf-8").strip())
    return SimpleNamespace(uri=uri, root=root, model_uri=f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}", saved=saved)
