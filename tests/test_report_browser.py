"""The report page in a real headless Chromium: what is drawn once its JavaScript ran, filters and sorting from the
address's fragment, hostile text shown as text, and the bars painted in the labels' colours."""

import csv
import json

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

import browser
from fazhi.cli import app
from fazhi.config import LABELS, SEEDS_DIR, label_color
from test_report import HOSTILE, hostile_file

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))


@pytest.fixture(scope="module")
def batch(trained_model_dir, tmp_path_factory):
    """The five seed reports tagged by `fazhi predict`, plus a file of hostile rows, reported by `fazhi report`."""
    d = tmp_path_factory.mktemp("page")
    tagged = d / "tagged.csv"
    done = CliRunner().invoke(app, ["predict", "--model", str(trained_model_dir), *map(str, SEEDS), "-o", str(tagged), "-q"])
    assert done.exit_code == 0, done.output
    evil = hostile_file(d / "evil.jsonl")
    page = d / "report.html"
    done = CliRunner().invoke(app, ["report", str(tagged), str(evil), "-o", str(page), "--min-confidence", "0.9"])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(tagged.read_text(encoding="utf-8-sig").splitlines()))
    rows += [{k: str(v) for k, v in json.loads(line).items()} for line in evil.read_text(encoding="utf-8").splitlines()]
    return page, rows


def rendered(page, fragment=""):
    soup = BeautifulSoup(browser.dom(page, fragment), "html.parser")
    assert soup.body.get("data-rendered") == "1", "the page's script did not finish"
    return soup


def table(soup):
    return [[td.get_text() for td in tr.find_all("td")] + [tr.get("class") or []] for tr in soup.select("#rows tbody tr")]


def test_the_page_draws_bars_heat_table_gaps_and_the_first_rows(batch):
    page, rows = batch
    soup = rendered(page)
    sources = list(dict.fromkeys(r["source"] for r in rows))
    bars = soup.select("svg.bar")
    assert len(bars) == len(sources)
    for bar, source in zip(bars, sources):
        mine = [r for r in rows if r["source"] == source]
        drawn = [(rect["data-label"], rect["fill"]) for rect in bar.find_all("rect")]
        assert drawn == [(lab, label_color(lab)) for lab in LABELS if any(r["label"] == lab for r in mine)]
        assert sum(float(rect["width"]) for rect in bar.find_all("rect")) == pytest.approx(1000, abs=0.05)
    heads = [th.get_text() for th in soup.select("table.heat thead th")]
    assert heads == ["report", "sentences", *LABELS]
    assert len(soup.select("table.heat tbody tr")) == len(sources)
    # 不足 sentences, each report's under its name, hostile text as text.
    gaps = [li for li in soup.select("#gaplist li")]
    assert len(gaps) == sum(r["label"] == "不足" for r in rows)
    assert any(HOSTILE in li.get_text() for li in gaps)
    shown = table(soup)
    assert len(shown) == 100 and shown[0][3] == rows[0]["text"]
    assert soup.body["data-shown"] == str(len(rows))
    assert soup.title.get_text() == "fazhi: tagged batch"  # the hostile script never ran
    assert not soup.select("img") and len(soup.find_all("script")) == 2


def test_a_fragment_filters_by_label_and_low_confidence(batch):
    page, rows = batch
    want = [r for r in rows if r["label"] == "不足" and float(r["confidence"]) < 0.9]
    assert want, "the fixture should have a low-confidence 不足 row"
    soup = rendered(page, "label=不足&low=1")
    shown = table(soup)
    assert [row[3] for row in shown] == [r["text"] for r in want][:100]
    assert all(row[4] == "不足" and "low" in row[-1] and row[5].endswith("low") for row in shown)
    assert soup.select_one("#count").get_text() == f"{len(want)} of {len(rows):,} sentence(s)"


def test_a_fragment_searches_sorts_and_pages(batch):
    page, rows = batch
    word = "法律顾问"
    want = sorted((r for r in rows if word in r["text"] or word in r["heading"]), key=lambda r: float(r["confidence"]))
    shown = table(rendered(page, f"q={word}&sort=c"))
    assert [float(row[5].split()[0]) for row in shown] == pytest.approx([float(r["confidence"]) for r in want][:100], abs=5e-4)
    assert all(word in row[3] or word in row[2] for row in shown)
    second = table(rendered(page, "page=2"))
    assert [row[3] for row in second] == [r["text"] for r in rows[100:200]]
    report = 1
    by_report = table(rendered(page, f"report={report}&sort=i&dir=desc"))
    mine = [r for r in rows if r["source"] == str(SEEDS[report])]
    assert [int(row[1]) for row in by_report] == sorted((int(r["sentence"]) for r in mine), reverse=True)[:100]


def test_the_screenshot_shows_the_bars_in_the_label_colours(batch, tmp_path):
    from matplotlib.image import imread

    png = browser.screenshot(batch[0], tmp_path / "page.png", width=1200, height=900)
    pixels = {tuple(int(round(v * 255)) for v in px[:3]) for px in imread(png).reshape(-1, 4)[::7]}
    for lab in ("普法宣传", "不足", "其他"):
        colour = label_color(lab)
        rgb = tuple(int(colour[k:k + 2], 16) for k in (1, 3, 5))
        assert rgb in pixels, f"{lab}'s colour {colour} is not on the screen"
