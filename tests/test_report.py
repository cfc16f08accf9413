"""fazhi.report: tagged files → a Batch → one self-contained page; shares from real predict output, escaping, the JSON blob, no network."""

import csv
import json
import re
from collections import Counter
from html import unescape

import pytest
from typer.testing import CliRunner

from fazhi.cli import app
from fazhi.config import LABELS, SEEDS_DIR, label_color
from fazhi.report.batch import card_info, read_tagged
from fazhi.report.page import data_json, render

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))[:2]
HOSTILE = '<script>document.title="pwned"</script>不足 & </script><b>'


@pytest.fixture(scope="module")
def tagged(trained_model_dir, tmp_path_factory):
    """Two seed reports as `fazhi predict -o tagged.csv` writes them, and the rows read back."""
    out = tmp_path_factory.mktemp("tagged") / "tagged.csv"
    result = CliRunner().invoke(app, ["predict", "--model", str(trained_model_dir), *map(str, SEEDS), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    return out, rows


def hostile_file(path):
    rows = [{"source": "<img src=x onerror=alert(1)>.txt", "sentence": 0, "heading": "</script>", "text": HOSTILE,
             "label": "不足", "confidence": 0.31},
            {"source": "<img src=x onerror=alert(1)>.txt", "sentence": 1, "heading": "", "text": "=SUM(A1)",
             "label": "其他", "confidence": 0.95}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_shares_are_those_of_the_predict_output(tagged):
    path, rows = tagged
    batch = read_tagged([path])
    assert [r.source for r in batch.reports] == [str(p) for p in SEEDS]
    for rep in batch.reports:
        mine = [r for r in rows if r["source"] == rep.source]
        assert rep.sentences == len(mine) and not rep.gaps
        assert rep.counts == Counter(r["label"] for r in mine)
    assert len(batch.rows) == len(rows) and batch.errors == [] and batch.warnings == []
    assert batch.labels == list(LABELS)  # a label no sentence has is a 0% column


def test_the_heat_table_shows_each_share_and_count(tagged):
    path, rows = tagged
    page = render(read_tagged([path]))
    heat = page.split("<table class=heat>", 1)[1].split("</table>", 1)[0]
    body_rows = re.findall(r"<tr><th title=\"([^\"]*)\">.*?</tr>", heat)
    assert [unescape(s) for s in body_rows] == [str(p) for p in SEEDS]
    first = str(SEEDS[0])
    mine = [r for r in rows if r["source"] == first]
    n_gap = sum(r["label"] == "不足" for r in mine)
    assert f'title="{n_gap} of {len(mine)} sentences"><a href="#report=0&amp;label=%E4%B8%8D%E8%B6%B3">{n_gap / len(mine):.1%}</a>' in heat


def test_the_json_blob_holds_every_row_by_column(tagged):
    path, rows = tagged
    batch = read_tagged([path], min_confidence=0.8)
    data = json.loads(data_json(batch))
    assert data["minConfidence"] == 0.8 and data["shortcoming"] == "不足"
    assert data["colors"] == [label_color(lab) for lab in data["labels"]]
    assert data["t"] == [r["text"] for r in rows]
    assert [data["labels"][k] for k in data["l"]] == [r["label"] for r in rows]
    assert [data["sources"][k] for k in data["r"]] == [r["source"] for r in rows]
    assert [data["headings"][k] for k in data["h"]] == [r["heading"] for r in rows]
    assert data["c"] == [float(r["confidence"]) for r in rows] and data["i"] == [int(r["sentence"]) for r in rows]


def test_reports_are_shown_by_file_name_and_by_path_where_two_share_one(tmp_path):
    rows = [{"source": source, "sentence": 0, "heading": "", "text": "加强普法。", "label": "普法宣传", "confidence": 0.9}
            for source in ("d/a.txt", "d/drafts/a.txt", "d/b.txt")]
    path = tmp_path / "tagged.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert json.loads(data_json(read_tagged([path])))["reports"] == ["d/a.txt", "d/drafts/a.txt", "b.txt"]


def test_text_is_escaped_everywhere(tmp_path):
    batch = read_tagged([hostile_file(tmp_path / "evil.jsonl")])
    page = render(batch, title="<i>t</i>")
    # The page's own two scripts, nothing else: the blob cannot close its <script>.
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<img" not in page and "<b>" not in page and "<i>t</i>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page  # the bars and heat table, as text
    blob = page.split('<script type="application/json" id=data>', 1)[1].split("</script>", 1)[0]
    assert json.loads(blob)["t"][0] == HOSTILE


def test_the_page_loads_nothing_from_outside(tagged):
    page = render(read_tagged([tagged[0]]))
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"url\(|@import|<link|<iframe|<img|fetch\(|XMLHttpRequest", page, re.I)
    assert "default-src 'none'" in page  # the browser itself refuses any load


def test_a_file_that_is_not_predict_output_is_one_line_and_the_rest_is_reported(tagged, tmp_path, corpus_file):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"source": "a", "sentence": 0}\nnot json\n', encoding="utf-8")
    batch = read_tagged([corpus_file, tagged[0], tmp_path / "missing.csv", broken, tmp_path / "x.txt"])
    assert len(batch.reports) == len(SEEDS)
    assert batch.errors == [
        f"{corpus_file}: not `fazhi predict` output (no column source, sentence, confidence)",
        f"{tmp_path / 'missing.csv'}: no such file",
        f"{broken}: line 2: not JSON",
        f"{tmp_path / 'x.txt'}: not a tagged file (.csv, .jsonl, .xlsx, .parquet, as `fazhi predict -o` writes)",
    ]


def test_a_report_in_two_files_counts_once_and_rows_left_out_are_named(tagged, tmp_path):
    path, rows = tagged
    only = tmp_path / "only.csv"
    with open(only, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r["label"] == "不足")
    batch = read_tagged([path, only])
    assert len(batch.rows) == len(rows)
    assert batch.warnings == [f"{only}: report {s} is also in {path}; kept from there" for s in map(str, SEEDS)]
    alone = read_tagged([only])
    assert all(r.gaps and r.counts.keys() == {"不足"} for r in alone.reports)
    assert alone.warnings == [f"{only}: {len(SEEDS)} report(s) lack rows for some sentences (written with --only?), "
                              f"e.g. {SEEDS[0]}; shares are of the rows present"]


def test_a_formula_guard_of_the_csv_writer_is_undone(tmp_path, trained_model_dir):
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(app, ["predict", "--model", str(trained_model_dir), "--text", "=SUM(A1)是不足。", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "'=SUM" in out.read_text(encoding="utf-8-sig")
    assert read_tagged([out]).rows[0].text == "=SUM(A1)是不足。"


def test_the_guard_is_undone_in_every_text_cell_not_only_the_sentence(tmp_path):
    from fazhi.formats.writers import Column, open_writer

    out = tmp_path / "t.csv"
    kinds = {"source": "str", "sentence": "int", "heading": "str", "text": "str", "label": "str", "confidence": "float"}
    with open_writer(out, [Column(name, kind) for name, kind in kinds.items()]) as writer:
        writer.write([{"source": "-a.txt", "sentence": 0, "heading": "+一、总体", "text": "@句", "label": "其他", "confidence": 0.9}])
    assert "'+一、总体" in out.read_text(encoding="utf-8-sig")
    [row] = read_tagged([out]).rows
    assert (row.source, row.heading, row.text) == ("-a.txt", "+一、总体", "@句")


@pytest.mark.parametrize("suffix", [".jsonl", ".xlsx", ".parquet"])
def test_every_format_predict_writes_reads_back_the_same(tagged, trained_model_dir, tmp_path, suffix):
    out = tmp_path / f"tagged{suffix}"
    result = CliRunner().invoke(app, ["predict", "--model", str(trained_model_dir), *map(str, SEEDS), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert read_tagged([out]).rows == read_tagged([tagged[0]]).rows


def test_the_model_is_named_from_its_card(trained_model_dir):
    info = card_info(trained_model_dir)
    assert info["name"] == trained_model_dir.name and info["trained"]
    assert card_info(trained_model_dir / "model.json") == info


@pytest.mark.parametrize("field, value, why", [("confidence", "1.5", "row 2: confidence 1.5 is not between 0 and 1"),
                                               ("confidence", "high", "row 2: sentence or confidence is not a number"),
                                               ("sentence", "nan", "row 2: sentence or confidence is not a number"),
                                               ("sentence", "inf", "row 2: sentence or confidence is not a number"),
                                               ("sentence", "-inf", "row 2: sentence or confidence is not a number"),
                                               ("label", "", "row 2: no label")])
def test_a_bad_row_names_the_file_and_the_row(tmp_path, field, value, why):
    path = tmp_path / "t.jsonl"
    rows = [{"source": "a", "sentence": k, "heading": "", "text": "一句。", "label": "其他", "confidence": "0.9"} for k in range(2)]
    rows[1][field] = value
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert read_tagged([path]).errors == [f"{path}: {why}"]
