"""Sentences a model was trained on (fazhi.store.overlap): hashes in its card, and `fazhi evaluate`'s figures on the unseen part beside the whole."""

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fazhi.store import overlap

from fazhi.store import persist
from fazhi.cli import app
from fazhi.config import REPORT_COL
from fazhi.corpus.dataset import read_labeled, read_rows
from fazhi.modeling.metrics import scores
from make_files import write_rows

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def same_text(text: str) -> str:  # the rule, written out: NFKC, no whitespace
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def model(tmp_path_factory, small_corpus) -> Path:
    """`fazhi train` on three of the five bundled reports."""
    models = tmp_path_factory.mktemp("overlap") / "models"
    result = run("train", "--data", small_corpus, "--no-track", "--output-dir", models, "--run-name", "three",
                 "--features", "chars", "--classifier", "sgd", "--C", "10", "--calibration", "none")
    assert result.exit_code == 0, result.output
    return models / "three"


def test_the_card_keeps_one_short_hash_per_distinct_training_sentence(model, small_corpus):
    entry = persist.load(model).card["data"]["sentences"]
    texts = read_labeled(small_corpus).X[:, 0]
    assert entry["key"] == overlap.KEY
    hashes = entry["hashes"].split()
    assert len(hashes) == len({same_text(t) for t in texts}) and hashes == sorted(hashes)
    assert all(len(h) == 16 for h in hashes)
    assert not any(t in entry["hashes"] for t in texts[:20])  # hashes, not the text


def test_the_same_text_up_to_width_and_spaces_is_seen_and_other_text_is_not(model):
    card = persist.load(model).card
    trained = read_labeled(Path(card["data"]["file"])).X[0, 0]
    fullwidth = unicodedata.normalize("NFKC", trained).replace(",", "，")  # NFKC maps ， back to ,
    assert list(overlap.seen(card, [trained, " ".join(trained), fullwidth, trained + "另"])) == [True, True, True, False]
    assert overlap.seen({"data": {}}, [trained]) is None  # an old card: unknown, not "unseen"


def test_evaluate_on_data_that_shares_sentences_scores_the_unseen_part_beside_the_whole(model, corpus_file, tmp_path):
    out = tmp_path / "m.json"
    result = run("evaluate", "--model", model, "--data", corpus_file, "--no-track", "-o", out)  # -o as for predict and report
    assert result.exit_code == 0, result.output
    data = read_labeled(corpus_file)
    trained = {same_text(t) for t in read_labeled(Path(persist.load(model).card["data"]["file"])).X[:, 0]}
    seen = np.array([same_text(t) in trained for t in data.X[:, 0]])
    assert 0 < seen.sum() < len(seen)
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["n"] == len(seen) and figures["n_seen"] == seen.sum()
    loaded = persist.load(model)  # evaluate's prediction: the most probable label, as predict tags
    predicted = np.array(loaded.labels)[loaded.pipeline.predict_proba(data.X).argmax(axis=1)]
    expected = scores(data.y[~seen], predicted[~seen])
    assert figures["unseen"]["n"] == (~seen).sum()
    assert figures["unseen"]["macro_f1"] == pytest.approx(expected["macro_f1"])
    assert figures["unseen"]["per_label"]["不足"]["f1"] == pytest.approx(expected["per_label"]["不足"]["f1"])
    assert figures["seen"]["macro_f1"] > figures["unseen"]["macro_f1"]  # what the whole hides
    assert result.stderr.splitlines() == [
        f"warning: {seen.sum()} of the {len(seen)} sentences are ones the model was trained on (the same text): "
        "figures on them say nothing about new reports", f"{out}: the figures as JSON"]
    lines = result.stdout.splitlines()
    at = lines.index("figures on the sentences the model was trained on (seen) and on the others (unseen):")
    assert lines[at + 1].split() == ["all", "seen", "unseen"]
    assert lines[at + 2].split() == ["n", str(len(seen)), str(seen.sum()), str((~seen).sum())]
    assert lines[at + 3].split() == ["macro-F1", f"{figures['macro_f1']:.3f}", f"{figures['seen']['macro_f1']:.3f}",
                                     f"{expected['macro_f1']:.3f}"]
    assert any(line.split()[:2] == ["不足", "F1"] for line in lines[at + 4:at + 10])


def test_every_sentence_seen_and_none_seen_each_say_so(model, small_corpus, corpus_rows, tmp_path):
    spaced = write_rows(tmp_path / "spaced.csv", [{**r, "text": " " + r["text"]} for r in
                                                   read_rows(small_corpus)])
    out = tmp_path / "all.json"
    result = run("evaluate", "--model", model, "--data", spaced, "--no-track", "--output", out)
    assert result.exit_code == 0, result.output
    n = json.loads(out.read_text(encoding="utf-8"))["n"]
    assert f"no sentence is unseen: the model was trained on all {n}; no figures on unseen sentences" in result.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["unseen"] is None
    trained = {same_text(t) for t in read_labeled(small_corpus).X[:, 0]}
    reports = {r[REPORT_COL] for r in read_rows(small_corpus)}
    others = [r for r in corpus_rows if r[REPORT_COL] not in reports and same_text(r["text"]) not in trained]
    fresh = write_rows(tmp_path / "fresh.csv", others)
    result = run("evaluate", "--model", model, "--data", fresh, "--no-track", "--output", out, "--force")  # out exists
    assert result.exit_code == 0 and result.stderr == f"{out}: the figures as JSON\n"
    assert f"none of the {len(others)} sentences is one the model was trained on" in result.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["n_seen"] == 0


def test_a_model_whose_card_has_no_sentence_hashes_gets_one_note(trained_model_dir, corpus_file, tmp_path):
    out = tmp_path / "m.json"
    result = run("evaluate", "--model", trained_model_dir, "--data", corpus_file, "--no-track", "--output", out)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes == [f"note: {trained_model_dir / 'model.joblib'} keeps no record of its training sentences (a model "
                     "from MLflow, or trained before fazhi kept one): no figures on unseen sentences; retrain to get them"]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["n_seen"] is None and figures["unseen"] is None
