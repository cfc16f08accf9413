"""`fazhi data check` and `fazhi data segment`: the labeled corpus and new reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fazhi.config import CORPUS_FILE, LABELS, READINGS

app = typer.Typer(help="Check the labeled corpus; segment new reports for labeling.", no_args_is_help=True)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="Labeled CSV, TSV or JSONL (columns report_id, heading, text, label).")] = CORPUS_FILE,
) -> None:
    """Validate a labeled sentence file and print counts per label and per report."""
    from fazhi.cli import fail
    from fazhi.corpus import CorpusError, counts, read_rows, validate

    try:
        rows = read_rows(file)
        validate(file, rows)
    except CorpusError as exc:
        raise fail(str(exc)) from None
    per_label, per_report = counts(rows)
    width = max(len(r) for r in per_report)
    typer.echo(f"{file}: {len(rows)} sentences, {len(per_report)} reports, OK")
    typer.echo(f"{'report':<{width}}  " + "  ".join(f"{lab}" for lab in LABELS) + "  total")
    for report, c in sorted(per_report.items()):
        cells = "  ".join(f"{c[lab]:>{len(lab) * 2}}" for lab in LABELS)
        typer.echo(f"{report:<{width}}  {cells}  {sum(c.values()):>5}")
    cells = "  ".join(f"{per_label[lab]:>{len(lab) * 2}}" for lab in LABELS)
    typer.echo(f"{'all':<{width}}  {cells}  {len(rows):>5}")


@app.command()
def segment(
    reports: Annotated[list[Path], typer.Argument(help="Report files (.txt, .md, .html, .docx, .pdf).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write (UTF-8 with BOM).")],
    force: Annotated[bool, typer.Option(help="Replace OUTPUT if it exists.")] = False,
) -> None:
    """Write the sentences of reports (label column empty) to start labeling them.

    The report id is the file name without its suffix (for a sentence table with a
    report_id column, that column's value). `fazhi data segment seeds/*.txt`
    gives exactly the texts of the bundled corpus.
    """
    from fazhi.cli import fail
    from fazhi.corpus import sentences_to_csv, write_atomic
    from fazhi.ingest import ReadError, read_report_parts
    from fazhi.segment import iter_sentences

    from fazhi.output import OutputError, check_target

    try:
        check_target(output, {r.resolve() for r in reports}, force, formats=(".csv",))
    except OutputError as exc:
        raise fail(str(exc)) from None
    sentences, failed = [], 0
    for path in reports:
        try:
            parts = read_report_parts(path)
        except ReadError as exc:
            typer.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        for report_id, paragraphs in parts:
            sentences.extend(iter_sentences(paragraphs, report_id or path.stem))
    if not sentences:
        raise fail(f"{output}: not written: no sentences in {'any of the reports' if failed else 'the reports'}")
    try:
        write_atomic(output, sentences_to_csv(sentences))
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    typer.echo(f"{output}: {len(sentences)} sentences from {len(reports) - failed} report(s)", err=True)
    if failed:
        raise typer.Exit(1)


@app.command()
def agreement(
    reading_a: Annotated[Path, typer.Argument(help="First reading (report_id, position, label).")] = READINGS[0],
    reading_b: Annotated[Path, typer.Argument(help="Second, independent reading.")] = READINGS[1],
) -> None:
    """Cohen's kappa, raw agreement and confusion between two readings, as Markdown."""
    from fazhi.agreement import agreement as measure
    from fazhi.agreement import to_markdown
    from fazhi.cli import fail
    from fazhi.corpus import CorpusError, read_reading

    try:
        a, b = read_reading(reading_a), read_reading(reading_b)
    except CorpusError as exc:
        raise fail(str(exc)) from None
    if a.keys() != b.keys():
        raise fail(f"{reading_a} and {reading_b} do not cover the same sentences")
    keys = sorted(a)
    typer.echo(to_markdown(measure([a[k] for k in keys], [b[k] for k in keys]), "reading A", "reading B"), nl=False)
