"""The bundled data: the corpus file and the two readings behind its labels."""

import csv

from fazhi.config import CORPUS_FILE, LABELS, READINGS
from fazhi.corpus.dataset import read_rows


def test_the_two_readings_cover_every_sentence_of_the_corpus():
    corpus = {(r["report_id"], r["position"]): r["text"] for r in read_rows(CORPUS_FILE)}
    for reading in READINGS:
        rows = read_rows(reading)
        assert {(r["report_id"], r["position"]): r["text"] for r in rows} == corpus
        assert {r["label"] for r in rows} <= set(LABELS)


def test_bundled_corpus_is_csv_a_spreadsheet_opens():
    raw = CORPUS_FILE.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows and set(rows[0]) >= {"report_id", "text", "label", "heading"}
