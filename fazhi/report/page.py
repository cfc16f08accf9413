"""A Batch → one self-contained HTML page: inline CSS, JavaScript and SVG, no network request.

The summary parts (stacked bars of label shares, the heat table, 不足 by area) are
written here as escaped HTML and SVG, so they show without JavaScript; the sentences
travel once, as one inline JSON blob (columns, not objects: a third of the size), which
page.js turns into the 不足 lists and a paginated, sortable, filterable table. The page's Content
Security Policy forbids every load from outside it.
"""

from __future__ import annotations

import json
from collections import Counter
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template
from urllib.parse import quote

from fazhi.config import REPORT_TITLE, SHORTCOMING, label_color
from fazhi.formats.files import write_atomic
from fazhi.report.batch import Batch

_HERE = files("fazhi.report")


def _asset(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def render(batch: Batch, title: str = REPORT_TITLE) -> str:
    """The page, as a string."""
    labels = batch.labels
    return Template(_asset("page.html")).substitute(
        title=escape(title),
        css=_asset("page.css"),
        script=_asset("page.js"),
        meta=_meta(batch),
        problems=_problems(batch),
        legend=_legend(labels),
        bars=_bars(batch, labels),
        heat=_heat(batch, labels),
        areas=_areas(batch),
        shortcoming=escape(SHORTCOMING),
        data=data_json(batch),
    )


def write(batch: Batch, path: Path, title: str = REPORT_TITLE) -> int:
    """Write the page atomically; its size in bytes."""
    page = render(batch, title).encode("utf-8")
    write_atomic(Path(path), page)
    return len(page)


def data_json(batch: Batch) -> str:
    """The sentences as one JSON object of columns (report, sentence, label and heading
    as indices into lists), safe inside <script>: no '<', '>' or '&' survives as such."""
    labels = batch.labels
    label_index = {lab: k for k, lab in enumerate(labels)}
    # No area names, no area parts in page.js: a batch of files without an area column,
    # or of a model that named none, shows as before areas.
    areas = batch.area_names if batch.areas_named else []
    area_index = {area: k for k, area in enumerate(areas)}
    report_index = {r.source: k for k, r in enumerate(batch.reports)}
    headings: dict[str, int] = {}
    rows = batch.rows
    data = {
        "labels": labels,
        "colors": [label_color(lab) for lab in labels],
        "reports": _names(batch),
        "sources": [r.source for r in batch.reports],
        "shortcoming": SHORTCOMING,
        "areas": areas,
        "areaColors": [label_color(area) for area in areas],
        "minConfidence": batch.min_confidence,
        "r": [report_index[row.source] for row in rows],
        "i": [row.sentence for row in rows],
        "l": [label_index[row.label] for row in rows],
        "c": [row.confidence for row in rows],
        "a": [area_index.get(row.area, -1) for row in rows],  # -1: no area (not 不足, or not named)
        "h": [headings.setdefault(row.heading, len(headings)) for row in rows],
        "t": [row.text for row in rows],
    }
    data["headings"] = list(headings)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _names(batch: Batch) -> list[str]:
    """The reports as shown: each one's file name (FILE#id for a report of a sentence
    table), or its source as given where two reports share a file name."""
    names = [Path(r.source).name or r.source for r in batch.reports]
    shared = Counter(names)
    return [r.source if shared[name] > 1 else name for r, name in zip(batch.reports, names)]


def _meta(batch: Batch) -> str:
    model = batch.model
    if model:
        extra = "; ".join(f"{escape(k)} {escape(v)}" for k, v in model.items() if k != "name")
        model_html = f"<b>{escape(model['name'])}</b>" + (f" ({extra})" if extra else "")
    else:
        model_html = "not recorded in the tagged files (<code>fazhi report --model DIR</code> names it)"
    n, low = len(batch.rows), batch.low
    share = f" ({low / n:.1%})" if n else ""
    inputs = ", ".join(escape(p) for p in batch.inputs)
    return (
        f"<dl class=meta><dt>model</dt><dd>{model_html}</dd>"
        f"<dt>made</dt><dd>{escape(batch.made)}</dd>"
        f"<dt>batch</dt><dd>{len(batch.reports):,} report(s), {n:,} sentence row(s); {low:,}{share} "
        f"below confidence {batch.min_confidence:g}, marked <span class=lowmark>low</span></dd>"
        f"<dt>from</dt><dd>{inputs}</dd></dl>"
    )


def _problems(batch: Batch) -> str:
    if not batch.errors and not batch.warnings:
        return ""
    items = "".join(f"<li class=error>{escape(e)}</li>" for e in batch.errors)
    items += "".join(f"<li>{escape(w)}</li>" for w in batch.warnings)
    return f"<ul class=problems>{items}</ul>"


def _legend(labels: list[str]) -> str:
    return "".join(f'<span class=key><i style="background:{label_color(lab)}"></i>{escape(lab)}</span>' for lab in labels)


def _bars(batch: Batch, labels: list[str]) -> str:
    """One row per report: its name, and an SVG bar 1000 units wide cut by label share."""
    out = []
    names = _names(batch)
    for k, rep in enumerate(batch.reports):
        x, rects = 0.0, []
        for lab in labels:
            n = rep.counts[lab]
            if not n:
                continue
            w = 1000 * n / rep.sentences
            tip = f"{lab}: {n} of {rep.sentences} ({n / rep.sentences:.1%})"
            rects.append(f'<rect x="{x:.2f}" width="{w:.2f}" height="20" fill="{label_color(lab)}" '
                         f'data-label="{escape(lab)}"><title>{escape(tip)}</title></rect>')
            x += w
        out.append(f'<a class=name href="#report={k}" title="{escape(rep.source)}">{escape(names[k])}</a>'
                   f'<span class=n>{rep.sentences:,}</span>'
                   f'<svg class=bar viewBox="0 0 1000 20" preserveAspectRatio="none" role="img" '
                   f'aria-label="{escape(names[k])}">{"".join(rects)}</svg>')
    return "".join(out)


def _heat(batch: Batch, labels: list[str]) -> str:
    """Reports × labels, the share of the report's sentences in each cell (shaded
    against the column's highest share), the count on hover; a cell links to its rows."""
    top = {lab: max((r.share(lab) for r in batch.reports), default=0.0) or 1.0 for lab in labels}
    head = "".join(f'<th style="border-bottom-color:{label_color(lab)}">{escape(lab)}</th>' for lab in labels)
    body, names = [], _names(batch)
    for k, rep in enumerate(batch.reports):
        cells = []
        for lab in labels:
            share, n = rep.share(lab), rep.counts[lab]
            alpha = int(round(200 * share / top[lab]))
            cells.append(f'<td style="background:{label_color(lab)}{alpha:02x}" title="{n} of {rep.sentences} sentences">'
                         f'<a href="#report={k}&amp;label={escape(quote(lab))}">{share:.1%}</a></td>')
        body.append(f'<tr><th title="{escape(rep.source)}">{escape(names[k])}</th>'
                    f'<td class=num>{rep.sentences:,}</td>{"".join(cells)}</tr>')
    return f"<table class=heat><thead><tr><th>report</th><th>sentences</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _areas(batch: Batch) -> str:
    """Reports × areas: each report's 不足 sentences per area, and totals; shaded against
    the column's highest count, as the heat table, and a count links to its sentences.
    One line instead when there is no area to show, and one naming any report left out."""
    gap = escape(SHORTCOMING)
    if not batch.areas_named:
        why = ("the model that tagged them named no area" if any(r.areas is not None for r in batch.reports)
               else "the tagged files have no area column (written by a fazhi before areas; tag them again to see them)")
        return f'<p class="hint noarea">{gap} sentences by area are not shown: {escape(why)}.</p>'
    areas, names = batch.area_names, _names(batch)
    shown = [(k, rep.areas) for k, rep in enumerate(batch.reports) if rep.areas is not None]
    total: Counter[str] = Counter()
    for _, counts in shown:
        total.update(counts)
    unnamed = total[""] > 0  # 不足 sentences the model named no area for get a column of their own
    top = {area: max(counts[area] for _, counts in shown) or 1 for area in areas}
    to_gap = f"label={escape(quote(SHORTCOMING))}"

    def row(head: str, counts: Counter[str], where: str, shade: bool) -> str:
        n = sum(counts.values())
        out = [head, f'<td class=num><a href="#{where}{to_gap}">{n:,}</a></td>']
        for area in areas:
            k = counts[area]
            alpha = int(round(200 * k / top[area])) if shade else 0
            share = f" ({k / n:.1%})" if n else ""
            out.append(f'<td style="background:{label_color(area)}{alpha:02x}" title="{k} of {n} {gap} sentences{share}">'
                       f'<a href="#{where}{to_gap}&amp;area={escape(quote(area))}">{k:,}</a></td>')
        if unnamed:
            out.append(f"<td class=num>{counts['']:,}</td>")
        return f"<tr>{''.join(out)}</tr>"

    head = "".join(f'<th style="border-bottom-color:{label_color(area)}">{escape(area)}</th>' for area in areas)
    body = "".join(row(f'<th title="{escape(batch.reports[k].source)}">{escape(names[k])}</th>', counts,
                       f"report={k}&amp;", True) for k, counts in shown)
    table = (f'<table class="heat areas"><thead><tr><th>report</th><th>{gap}</th>{head}'
             f'{"<th>no area</th>" if unnamed else ""}</tr></thead><tbody>{body}</tbody>'
             f"<tfoot>{row('<th>all reports</th>', total, '', False)}</tfoot></table>")
    left = [names[k] for k, rep in enumerate(batch.reports) if rep.areas is None]
    if left:  # a batch of old and new tagged files: the old ones' reports have no areas
        table += (f'<p class="hint noarea">{len(left):,} report(s) not in this table, their file having no area column '
                  f'(written by a fazhi before areas): {escape(", ".join(left[:5]))}{" …" if len(left) > 5 else ""}</p>')
    return (f"<section id=areas><h2>{gap} by area</h2>"
            f"<p class=hint>Each report's {gap} sentences by the area they concern; the shade is relative to the "
            f"highest count in the column; hover for shares, click a count for its sentences.</p>"
            f"<div class=scroll>{table}</div></section>")
