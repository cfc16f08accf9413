"""The report page in a real headless Chromium: what is drawn once its JavaScript ran, filters (label, area, …) and
sorting from the address's fragment, hostile text shown as text, the bars painted in the labels' colours, and a page
of tagged files without an area column."""

import csv
import json

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

import browser
from fazhi.cli import app
from fazhi.config import AREAS, LABELS, SEEDS_DIR, label_color
from test_report import HOSTILE, HOSTILE_AREA, area_model_dir, hostile_file, without_areas  # noqa: F401 (a fixture)

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))


@pytest.fixture(scope="module")
def batch(area_model_dir, tmp_path_factory):
    """The five seed reports tagged by `fazhi predict` (with areas), plus a file of hostile rows, reported by `fazhi report`."""
    d = tmp_path_factory.mktemp("page")
    tagged = d / "tagged.csv"
    done = CliRunner().invoke(app, ["predict", "--model", str(area_model_dir), *map(str, SEEDS), "-o", str(tagged), "-q"])
    assert done.exit_code == 0, done.output
    evil = hostile_file(d / "evil.jsonl")
    page = d / "report.html"
    done = CliRunner().invoke(app, ["report", str(tagged), str(evil), "-o", str(page), "--min-confidence", "0.9"])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(tagged.read_text(encoding="utf-8-sig").splitlines()))
    rows += [{k: str(v) for k, v in json.loads(line).items()} for line in evil.read_text(encoding="utf-8").splitlines()]
    return page, rows, tagged


def rendered(page, fragment=""):
    soup = BeautifulSoup(browser.dom(page, fragment), "html.parser")
    assert soup.body.get("data-rendered") == "1", "the page's script did not finish"
    return soup


def table(soup):
    """The sentence table's rows: report, #, heading, text, label, area, confidence, then the row's classes."""
    return [[td.get_text() for td in tr.find_all("td")] + [tr.get("class") or []] for tr in soup.select("#rows tbody tr")]


def gap_lists(soup):
    """The 不足 lists: per report, its summary line and each item's (number, area, text)."""
    out = []
    for d in soup.select("#gaplist details"):
        items = []
        for li in d.select("li"):
            area = li.select_one(".area")
            text = "".join(t for t in li.find_all(string=True, recursive=False))
            items.append((int(li["value"]), area.get_text() if area else "", text))
        out.append((d.summary.get_text(), items))
    return out


def visible(node):
    return node is not None and not any(n.has_attr("hidden") for n in [node, *node.parents])


def test_the_page_draws_bars_heat_table_gaps_and_the_first_rows(batch):
    page, rows, _ = batch
    soup = rendered(page)
    sources = list(dict.fromkeys(r["source"] for r in rows))
    bars = soup.select("svg.bar")
    assert len(bars) == len(sources)
    for bar, source in zip(bars, sources):
        mine = [r for r in rows if r["source"] == source]
        drawn = [(rect["data-label"], rect["fill"]) for rect in bar.find_all("rect")]
        assert drawn == [(lab, label_color(lab)) for lab in LABELS if any(r["label"] == lab for r in mine)]
        assert sum(float(rect["width"]) for rect in bar.find_all("rect")) == pytest.approx(1000, abs=0.05)
    heads = [th.get_text() for th in soup.select("section#heat table.heat thead th")]
    assert heads == ["report", "sentences", *LABELS]
    assert len(soup.select("section#heat table.heat tbody tr")) == len(sources)
    assert [th.get_text() for th in soup.select("table.areas thead th")] == ["report", "不足", *AREAS, HOSTILE_AREA]
    # 不足 sentences, each report's under its name with its area, hostile text as text.
    gaps = [item for _, items in gap_lists(soup) for item in items]
    want = [r for r in rows if r["label"] == "不足"]
    assert sorted(gaps) == sorted((int(r["sentence"]), r["area"], r["text"]) for r in want)
    assert (0, HOSTILE_AREA, HOSTILE) in gaps
    assert visible(soup.select_one("#g-area")) and visible(soup.select_one("#f-area"))
    assert [o.get_text() for o in soup.select("#f-area option")] == ["all", *AREAS, HOSTILE_AREA]
    shown = table(soup)
    assert len(shown) == 100 and shown[0][3] == rows[0]["text"]
    assert [row[5] for row in shown] == [r["area"] for r in rows[:100]]
    assert soup.body["data-shown"] == str(len(rows))
    assert soup.title.get_text() == "fazhi: tagged batch"  # the hostile script never ran
    assert not soup.select("img") and len(soup.find_all("script")) == 2


def test_a_fragment_filters_by_label_and_low_confidence(batch):
    page, rows, _ = batch
    want = [r for r in rows if r["label"] == "不足" and float(r["confidence"]) < 0.9]
    assert want, "the fixture should have a low-confidence 不足 row"
    soup = rendered(page, "label=不足&low=1")
    shown = table(soup)
    assert [row[3] for row in shown] == [r["text"] for r in want][:100]
    assert all(row[4] == "不足" and "low" in row[-1] and row[6].endswith("low") for row in shown)
    assert soup.select_one("#count").get_text() == f"{len(want)} of {len(rows):,} sentence(s)"


def test_a_fragment_filters_the_table_and_the_gap_lists_by_area(batch):
    page, rows, _ = batch
    area = "行政执法"
    want = [r for r in rows if r["label"] == "不足" and r["area"] == area]
    others = [r for r in rows if r["label"] == "不足" and r["area"] not in ("", area)]
    assert want and others, "the fixture should have 不足 sentences of this area and of others"
    soup = rendered(page, f"label=不足&area={area}")
    assert [(row[3], row[5]) for row in table(soup)] == [(r["text"], area) for r in want]
    assert soup.select_one("#count").get_text() == f"{len(want)} of {len(rows):,} sentence(s)"
    lists = gap_lists(soup)
    assert sorted(item for _, items in lists for item in items) == sorted((int(r["sentence"]), area, r["text"]) for r in want)
    for line, items in lists:  # "— 2 of 8 不足 sentence(s) in 行政执法"
        source = next(r["source"] for r in want if r["text"] == items[0][2])
        of = sum(r["label"] == "不足" and r["source"] == source for r in rows)
        assert line.endswith(f" — {len(items)} of {of} 不足 sentence(s) in {area}")
    # The area alone keeps only that area's 不足 sentences too; an unknown area is no filter.
    assert [row[3] for row in table(rendered(page, f"area={area}"))] == [r["text"] for r in want]
    assert rendered(page, "area=无此领域").body["data-shown"] == str(len(rows))


def test_the_area_table_s_links_are_views_of_the_table(batch):
    page, rows, _ = batch
    soup = rendered(page)
    k, report = 1, str(SEEDS[1])
    links = [a["href"] for a in soup.select("table.areas tbody tr")[k].select("td a")]
    mine = [r for r in rows if r["source"] == report and r["label"] == "不足"]
    for link, area in zip(links[1:], AREAS):
        shown = table(rendered(page, link.lstrip("#")))
        assert [row[3] for row in shown] == [r["text"] for r in mine if r["area"] == area], link
    by_area = table(rendered(page, "label=不足&sort=a&dir=desc"))
    assert [row[5] for row in by_area] == sorted((r["area"] for r in rows if r["label"] == "不足"), reverse=True)


def test_a_page_of_files_without_an_area_column_draws_without_area_parts(batch, tmp_path):
    _, rows, tagged = batch
    page = tmp_path / "old.html"
    done = CliRunner().invoke(app, ["report", str(without_areas(tagged, tmp_path / "old.csv")), "-o", str(page)])
    assert done.exit_code == 0, done.output
    soup = rendered(page, "label=不足&area=行政执法")  # a view bookmarked on a page with areas
    assert soup.select_one("p.noarea").get_text().startswith("不足 sentences by area are not shown")
    assert not soup.select("table.areas") and not soup.select("#gaplist .area")
    assert not visible(soup.select_one("#g-area")) and not visible(soup.select_one("#f-area"))
    assert not visible(soup.select_one('#rows th[data-key="a"]'))
    old = list(csv.DictReader(tagged.read_text(encoding="utf-8-sig").splitlines()))
    shown = table(soup)  # the label filters, the area is ignored: every 不足 row, in six columns as before areas
    assert [row[3] for row in shown] == [r["text"] for r in old if r["label"] == "不足"][:100]
    assert all(len(row) == 7 and row[4] == "不足" for row in shown)
    assert len([li for _, items in gap_lists(soup) for li in items]) == len(shown)


def test_a_fragment_searches_sorts_and_pages(batch):
    page, rows, _ = batch
    word = "法律顾问"
    want = sorted((r for r in rows if word in r["text"] or word in r["heading"]), key=lambda r: float(r["confidence"]))
    shown = table(rendered(page, f"q={word}&sort=c"))
    assert [float(row[6].split()[0]) for row in shown] == pytest.approx([float(r["confidence"]) for r in want][:100], abs=5e-4)
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
