"""fazhi.report: tagged files → a Batch → one self-contained page; shares from real predict output, escaping, the JSON blob, no network."""

import csv
import json
import re
from collections import Counter
from html import unescape
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from fazhi.cli import app
from fazhi.config import AREAS, LABELS, SEEDS_DIR, label_color
from fazhi.report.batch import card_info, read_tagged
from fazhi.report.page import data_json, render

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))[:2]
_AREA_MODEL: list = []  # one fit per session, shared by the modules that import area_model_dir
HOSTILE = '<script>document.title="pwned"</script>不足 & </script><b>'
HOSTILE_AREA = "<i>区</i>&"  # an area outside the five is shown (a newer fazhi's), as text


@pytest.fixture(scope="module")
def tagged(area_model_dir, tmp_path_factory):
    """Two seed reports as `fazhi predict -o tagged.csv` writes them (with areas), and the rows read back."""
    out = tmp_path_factory.mktemp("tagged") / "tagged.csv"
    result = CliRunner().invoke(app, ["predict", "--model", str(area_model_dir), *map(str, SEEDS), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    return out, rows


@pytest.fixture(scope="session")
def area_model_dir(tmp_path_factory, corpus_file):
    """A model that names the area of its 不足 sentences (conftest's trained_model_dir is fitted
    without the corpus's area column, so its area column is empty), saved as models/<name>/."""
    if not _AREA_MODEL:
        from fazhi.corpus.dataset import read_labeled
        from fazhi.modeling.model import build_pipeline, fit
        from fazhi.store import persist

        data = read_labeled(corpus_file, strict=True)
        assert data.areas is not None, "the corpus has no area column"
        pipeline = build_pipeline(feature_set="chars", classifier="logreg", C=10.0, section=True)
        fit(pipeline, data.X, data.y, areas=data.areas)
        card = {"config": {"feature_set": "chars", "classifier": "logreg"}, "data": {"sha256": data.sha256}}
        _AREA_MODEL.append(persist.save(pipeline, tmp_path_factory.mktemp("models") / "chars-logreg-areas", card))
    return _AREA_MODEL[0]


def hostile_file(path):
    rows = [{"source": "<img src=x onerror=alert(1)>.txt", "sentence": 0, "heading": "</script>", "text": HOSTILE,
             "label": "不足", "area": HOSTILE_AREA, "confidence": 0.31},
            {"source": "<img src=x onerror=alert(1)>.txt", "sentence": 1, "heading": "", "text": "=SUM(A1)",
             "label": "其他", "area": "", "confidence": 0.95}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def without_areas(tagged_csv, path):
    """The tagged file as a fazhi before areas wrote it: the same rows, no area column."""
    rows = list(csv.DictReader(tagged_csv.read_text(encoding="utf-8-sig").splitlines()))
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[k for k in rows[0] if k != "area"], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def area_table(page):
    """The reports × areas table: its header, and each row as (name, cells' text, cells' links)."""
    from bs4 import BeautifulSoup

    table = BeautifulSoup(page, "html.parser").select_one("section#areas table.areas")
    head = [th.get_text() for th in table.select("thead th")]
    rows = [(tr.th.get_text(), [td.get_text() for td in tr.find_all("td")], [a["href"] for a in tr.select("td a")])
            for tr in table.select("tbody tr, tfoot tr")]
    return head, rows


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


def test_areas_are_counted_per_report_from_the_predict_output(tagged):
    path, rows = tagged
    batch = read_tagged([path])
    assert any(r["area"] for r in rows), "the model should name areas"
    assert [r.area for r in batch.rows] == [r["area"] for r in rows]
    for rep in batch.reports:
        gaps = [r for r in rows if r["source"] == rep.source and r["label"] == "不足"]
        assert +rep.areas == +Counter(r["area"] for r in gaps) and sum(rep.areas.values()) == len(gaps)
    assert batch.area_names == list(AREAS) and batch.areas_named


def test_the_area_table_counts_each_report_s_shortcomings_per_area_with_totals(tagged):
    path, rows = tagged
    head, table = area_table(render(read_tagged([path])))
    assert head == ["report", "不足", *AREAS]  # every 不足 has an area: no "no area" column
    gaps = [r for r in rows if r["label"] == "不足"]
    assert [name for name, _, _ in table] == [p.name for p in SEEDS] + ["all reports"]
    for k, (_, cells, links) in enumerate(table):
        mine = [r for r in gaps if k == len(SEEDS) or r["source"] == str(SEEDS[k])]
        assert cells == [str(len(mine)), *(str(sum(r["area"] == a for r in mine)) for a in AREAS)]
        where = "" if k == len(SEEDS) else f"report={k}&"
        assert links == [f"#{where}label=%E4%B8%8D%E8%B6%B3", *(f"#{where}label=%E4%B8%8D%E8%B6%B3&area={quote(a)}" for a in AREAS)]


def test_a_file_without_an_area_column_loads_and_the_page_says_so_in_one_line(tagged, tmp_path):
    path, rows = tagged
    old = read_tagged([without_areas(path, tmp_path / "old.csv")])
    assert old.errors == [] and all(rep.areas is None for rep in old.reports) and not old.areas_named
    assert [r.text for r in old.rows] == [r["text"] for r in rows] and {r.area for r in old.rows} == {""}
    page = render(old)
    assert "<section id=areas>" not in page and "table class=\"heat areas\"" not in page
    line = "不足 sentences by area are not shown: the tagged files have no area column"
    assert page.count(line) == 1 and "<table class=heat>" in page  # the rest of the page as before
    assert json.loads(data_json(old))["areas"] == []  # page.js then draws no area control


def test_reports_of_an_old_file_are_left_out_of_the_area_table_and_named(tagged, tmp_path):
    path, rows = tagged
    mine = [r for r in rows if r["source"] == str(SEEDS[1])]
    old = tmp_path / "old.csv"
    with open(old, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[k for k in rows[0] if k != "area"], extrasaction="ignore")
        w.writeheader()
        w.writerows({**r, "source": "older.txt"} for r in mine)
    page = render(read_tagged([path, old]))
    _, table = area_table(page)
    assert [name for name, _, _ in table] == [p.name for p in SEEDS] + ["all reports"]
    assert "1 report(s) not in this table, their file having no area column (written by a fazhi before areas): older.txt" in page


def test_a_model_that_named_no_area_gives_one_line_not_an_empty_table(trained_model_dir, tmp_path):
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(app, ["predict", "--model", str(trained_model_dir), *map(str, SEEDS), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    batch = read_tagged([out])
    assert all(rep.areas is not None for rep in batch.reports) and any(rep.counts["不足"] for rep in batch.reports)
    page = render(batch)
    assert "<section id=areas>" not in page
    assert page.count("不足 sentences by area are not shown: the model that tagged them named no area.") == 1


def test_shortcomings_without_an_area_get_a_column_of_their_own(tmp_path):
    rows = [{"source": "a.txt", "sentence": k, "heading": "", "text": text, "label": label, "area": area, "confidence": 0.9}
            for k, (text, label, area) in enumerate([("执法不规范。", "不足", "行政执法"), ("仍有差距。", "不足", ""),
                                                     ("加强普法。", "普法宣传", "")])]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    head, table = area_table(render(read_tagged([path])))
    assert head == ["report", "不足", *AREAS, "no area"]
    assert [cells for _, cells, _ in table] == [["2", "0", "1", "0", "0", "0", "1"]] * 2  # the report, and all reports


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
    assert data["areas"] == list(AREAS) and data["areaColors"] == [label_color(a) for a in AREAS]
    assert [data["areas"][k] if k >= 0 else "" for k in data["a"]] == [r["area"] for r in rows]


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
    assert "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page  # the bars and heat table, as text
    assert "<th style=\"border-bottom-color:#9c755f\">&lt;i&gt;区&lt;/i&gt;&amp;</th>" in page  # the area table
    assert 'area=%3Ci%3E%E5%8C%BA%3C/i%3E%26"' in page  # its link, quoted
    blob = page.split('<script type="application/json" id=data>', 1)[1].split("</script>", 1)[0]
    assert json.loads(blob)["t"][0] == HOSTILE and json.loads(blob)["areas"][-1] == HOSTILE_AREA


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
def test_every_format_predict_writes_reads_back_the_same(tagged, area_model_dir, tmp_path, suffix):
    out = tmp_path / f"tagged{suffix}"
    result = CliRunner().invoke(app, ["predict", "--model", str(area_model_dir), *map(str, SEEDS), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    back = read_tagged([out])
    assert back.rows == read_tagged([tagged[0]]).rows and any(r.area for r in back.rows)
    assert [r.areas for r in back.reports] == [r.areas for r in read_tagged([tagged[0]]).reports]


def test_the_model_is_named_from_its_card(trained_model_dir):
    info = card_info(trained_model_dir)
    assert info["name"] == trained_model_dir.name and info["trained"]
    assert card_info(trained_model_dir / "model.json") == info


@pytest.mark.parametrize("field, value, why", [("confidence", "1.5", "row 2: confidence 1.5 is not between 0 and 1"),
                                               ("confidence", "high", "row 2: sentence or confidence is not a number"),
                                               ("label", "", "row 2: no label"),
                                               ("area", "行政执法", "row 2: area '行政执法' on a '其他' row (an area belongs to 不足 rows only)")])
def test_a_bad_row_names_the_file_and_the_row(tmp_path, field, value, why):
    path = tmp_path / "t.jsonl"
    rows = [{"source": "a", "sentence": k, "heading": "", "text": "一句。", "label": "其他", "area": "", "confidence": "0.9"}
            for k in range(2)]
    rows[1][field] = value
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert read_tagged([path]).errors == [f"{path}: {why}"]
