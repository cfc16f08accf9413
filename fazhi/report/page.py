"""A Batch → one self-contained HTML page: inline CSS, JavaScript and SVG, no network request.

The summary parts (stacked bars of label shares, the heat table) are written here as
escaped HTML and SVG, so they show without JavaScript; the sentences travel once, as
one inline JSON blob (columns, not objects: a third of the size), which page.js turns
into the 不足 lists and a paginated, sortable, filterable table. The page's Content
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
    report_index = {r.source: k for k, r in enumerate(batch.reports)}
    headings: dict[str, int] = {}
    rows = batch.rows
    data = {
        "labels": labels,
        "colors": [label_color(lab) for lab in labels],
        "reports": _names(batch),
        "sources": [r.source for r in batch.reports],
        "shortcoming": SHORTCOMING,
        "minConfidence": batch.min_confidence,
        "r": [report_index[row.source] for row in rows],
        "i": [row.sentence for row in rows],
        "l": [label_index[row.label] for row in rows],
        "c": [row.confidence for row in rows],
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
