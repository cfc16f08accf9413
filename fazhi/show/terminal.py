"""Tables for people: rich tables of tagged rows on a terminal, plain-text figure reports.

rich is imported by the functions that draw, so plain-text reports stay cheap.
"""

from __future__ import annotations

from typing import Any

from fazhi.config import EXPLANATION_COL, HEADING_COL, SOURCE_COL, TEXT_COL, short_label
from fazhi.formats.writers import Column


class TerminalTable:
    """A readable table per report on a terminal (rich): the report's name as title,
    without the long source and heading columns; an explanation goes beneath its sentence."""

    HIDDEN = (SOURCE_COL, HEADING_COL, EXPLANATION_COL)

    def __init__(self, console: Any, columns: list[Column]):
        self.console = console
        self.columns = [c for c in columns if c.name not in self.HIDDEN]
        self.rows = 0

    def write(self, rows: list[dict]) -> None:
        if rows:
            shown = [{**r, TEXT_COL: f"{r[TEXT_COL]}\n  ↳ {r[EXPLANATION_COL]}"} if r.get(EXPLANATION_COL) else r for r in rows]
            headers = {c.name: "p_" + short_label(c.name[2:]) for c in self.columns if c.name.startswith("p_")}
            self.console.print(table(shown, self.columns, rows[0][SOURCE_COL], headers))
            self.rows += len(rows)


def table(rows: list[dict], columns: list[Column], title: str | None = None, headers: dict[str, str] | None = None) -> Any:
    """A rich table; `headers` renames columns on screen (short forms, so 80 columns suffice)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text  # plain text: "[2023]" in a report is not rich markup

    # No vertical rules, no outer edge, no padding: columns one space apart, so six label
    # columns and a readable file name fit 80 columns.
    t = Table(title=title, title_justify="left", show_lines=False, box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 0))
    for c in columns:
        numeric = c.kind in ("int", "float", "pct")
        # Long text columns fold; the first one keeps room to stay readable.
        wide = not numeric and c is next((x for x in columns if x.kind == "str"), None)
        t.add_column((headers or {}).get(c.name, c.name), justify="right" if numeric else "left", overflow="fold",
                     min_width=12 if wide else None, no_wrap=numeric)
    for row in rows:
        t.add_row(*(Text(_show(row.get(c.name), c.kind)) for c in columns))
    return t


def _show(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "⚠" if value else ""
    if kind == "float":
        return f"{value:.2f}"
    if kind == "pct":
        return f"{value:.0%}"
    return str(value)


def format_report(metrics: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    """A plain-text table: per-label P/R/F1/support, then macro-F1 and accuracy."""
    per = metrics["per_label"]
    width = max([8] + [_width(lab) for lab in per])
    lines = [f"{_pad('label', width)}  precision  recall     f1  support"]
    for lab, s in per.items():
        lines.append(
            f"{_pad(lab, width)}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}"
        )
    lines.append(f"macro-F1 {metrics['macro_f1']:.3f}   accuracy {metrics['accuracy']:.3f}   n {metrics['n']}")
    if baseline is not None:
        lines.append(
            f"majority-class baseline: macro-F1 {baseline['macro_f1']:.3f}   accuracy {baseline['accuracy']:.3f}"
        )
    return "\n".join(lines)


def format_variants(variants: dict[str, dict[str, Any]]) -> str:
    """Per-label precision/recall/F1 of each variant (fazhi.modeling.shift) side by side, macro-F1 last."""
    names = list(variants)
    labels = list(next(iter(variants.values()))["per_label"]) if variants else []
    width = max([8] + [_width(lab) for lab in labels])
    head = _pad("label", width) + "".join(f"  {name.replace('_', ' '):>17}" for name in names)
    sub = _pad("", width) + "  P     R     F1   " * len(names)
    lines = [head, sub.rstrip()]
    for lab in labels:
        cells = ""
        for name in names:
            s = variants[name]["per_label"].get(lab, {"precision": 0.0, "recall": 0.0, "f1": 0.0})
            cells += f"  {s['precision']:.2f}  {s['recall']:.2f}  {s['f1']:.2f} "
        lines.append(_pad(lab, width) + cells.rstrip())
    lines.append(_pad("macro-F1", width) + "".join(f"  {variants[n]['macro_f1']:>16.3f} " for n in names).rstrip())
    return "\n".join(lines)


def format_calibration(calibration: dict[str, Any]) -> str:
    """ECE and what --min-confidence would flag, in one line."""
    flags = ", ".join(
        f"--min-confidence {k.split('_')[1]} flags {v:.0%} (the rest {calibration['unflagged_accuracy_' + k.split('_')[1]]:.1%} right)"
        for k, v in calibration.items() if k.startswith("flagged_")
    )
    return f"calibration: expected calibration error {calibration['ece']:.3f}; {flags}"


def format_confusion(labels: list[str], matrix: Any) -> str:
    """Rows = true label, columns = predicted (same order)."""
    corner = "true\\pred"
    width = max([6] + [_width(lab) for lab in labels])
    first = max(width, _width(corner))
    # label names right-aligned over their counts
    head = _pad(corner, first) + "".join(f"  {' ' * (width - _width(lab))}{lab}" for lab in labels)
    rows = [head]
    for lab, row in zip(labels, matrix):
        rows.append(_pad(lab, first) + "".join(f"  {v:>{width}d}" for v in row))
    return "\n".join(rows)


def _width(s: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))


MODELS_LEGEND = ("* champion (the default of predict and evaluate)  L latest  ! broken\n"
                 "cv: grouped-CV macro-F1  sent: sentence only  shift: style shift\n"
                 "不足: its CV F1  area: CV accuracy of the 不足 sentences' area\n"
                 "n: training sentences  data: training data sha256")


def models_table(entries: list[Any]) -> Any:
    """fazhi.show.catalog entries as a rich table that fits 80 columns: beneath each model's
    name its date and configuration, or why it is broken."""
    from rich import box
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from fazhi.show.catalog import local_time
    from fazhi.config import SHORTCOMING

    t = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 0), show_lines=False)
    t.add_column("", no_wrap=True)
    t.add_column("model", overflow="fold", min_width=16, ratio=1)
    for head in ("cv", "sent", "shift", SHORTCOMING, "area", "n"):
        t.add_column(head, justify="right", no_wrap=True)
    t.add_column("data", no_wrap=True)
    for e in entries:
        mark = ("!" if e.broken else "*" if e.champion else " ") + ("L" if e.latest else " ")
        below = [f"broken: {e.broken}"] if e.broken else [x for x in (local_time(e.created), e.short_config()) if x]
        figures = [e.cv_macro_f1, e.sentence_only_macro_f1, e.style_shift_macro_f1, e.deficiency_f1, e.area_accuracy]
        # Lines below the name are indented as a block, so a long reason folds under itself.
        t.add_row(Text(mark), Group(Text(e.name), *(Padding(Text(x), (0, 0, 0, 2)) for x in below)),
                  *(Text("" if f is None else f"{f:.3f}") for f in figures),
                  Text("" if e.n_sentences is None else str(e.n_sentences)), Text((e.data_sha256 or "")[:8]))
    return t


def format_parts(parts: dict[str, dict[str, Any] | None], counts: dict[str, int]) -> str:
    """Figures of several parts of one evaluation side by side (e.g. all, seen, unseen):
    n, macro-F1, then F1 per label; "–" where a part has no sentence."""
    names = list(parts)
    labels = list(next(p for p in parts.values() if p is not None)["per_label"])
    width = max([8] + [_width(lab) + 3 for lab in labels])
    col = max(8, *(len(n) for n in names))
    lines = [_pad("", width) + "".join(f"  {n:>{col}}" for n in names),
             _pad("n", width) + "".join(f"  {counts[n]:>{col}d}" for n in names)]

    def cell(part: dict[str, Any] | None, get) -> str:
        value = get(part) if part is not None else None
        return f"  {'–' if value is None else f'{value:.3f}':>{col}}"

    lines.append(_pad("macro-F1", width) + "".join(cell(parts[n], lambda p: p["macro_f1"]) for n in names))
    for lab in labels:
        lines.append(_pad(f"{lab} F1", width) + "".join(
            cell(parts[n], lambda p: p["per_label"].get(lab, {}).get("f1")) for n in names))
    return "\n".join(lines)


def format_area(area: dict) -> str:
    """The area figures of the 不足 sentences (modeling.metrics.area_scores) in one line."""
    per = ", ".join(f"{short_label(a)} {s['f1']:.2f}" for a, s in area["per_area"].items() if s["support"])
    return (f"area of the {area['n']} 不足 sentences (a missed 不足 counts as wrong): accuracy {area['accuracy']:.3f}; "
            f"F1 {per}")
