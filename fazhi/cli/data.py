"""`fazhi data check | segment | agreement`: the labeled corpus and new reports to label."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fazhi.cli.common import fail, user_errors
from fazhi.config import CORPUS_FILE, LABELS, READINGS
from fazhi.formats import REPORT_FORMATS, TABLE_FORMATS, suffix_list

app = typer.Typer(help="Check the labeled corpus; segment new reports for labeling.", no_args_is_help=True)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="Labeled CSV, TSV or JSONL (columns report_id, heading, text, label).")] = CORPUS_FILE,
) -> None:
    """Validate a labeled sentence file and print counts per label and per report."""
    from fazhi.dataset import check as run_check

    with user_errors():
        result = run_check(file)
    width = max(len(r) for r in result.per_report)
    typer.echo(f"{file}: {result.rows} sentences, {len(result.per_report)} reports, OK")
    typer.echo(f"{'report':<{width}}  " + "  ".join(LABELS) + "  total")
    for report, c in sorted(result.per_report.items()):
        cells = "  ".join(f"{c[lab]:>{len(lab) * 2}}" for lab in LABELS)
        typer.echo(f"{report:<{width}}  {cells}  {sum(c.values()):>5}")
    cells = "  ".join(f"{result.per_label[lab]:>{len(lab) * 2}}" for lab in LABELS)
    typer.echo(f"{'all':<{width}}  {cells}  {result.rows:>5}")


@app.command()
def segment(
    reports: Annotated[list[Path], typer.Argument(help=f"Report files ({suffix_list(REPORT_FORMATS)}, or sentence tables {suffix_list(TABLE_FORMATS)}).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write (UTF-8 with BOM).")],
    force: Annotated[bool, typer.Option(help="Replace OUTPUT if it exists.")] = False,
) -> None:
    """Write the sentences of reports (label column empty) to start labeling them.

    The report id is the file name without its suffix (for a sentence table with a
    report_id column, that column's value). `fazhi data segment seeds/*.txt`
    gives exactly the texts of the bundled corpus.
    """
    from fazhi.dataset import segment_reports, sentences_csv
    from fazhi.formats.files import write_atomic
    from fazhi.formats.writers import check_target

    with user_errors():
        check_target(output, {r.resolve() for r in reports}, force, formats=(".csv",))
    sentences, errors = segment_reports(reports)
    for error in errors:
        typer.echo(f"error: {error}", err=True)
    if not sentences:
        raise fail(f"{output}: not written: no sentences in {'any of the reports' if errors else 'the reports'}")
    try:
        write_atomic(output, sentences_csv(sentences))
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    typer.echo(f"{output}: {len(sentences)} sentences from {len(reports) - len(errors)} report(s)", err=True)
    if errors:
        raise typer.Exit(1)


@app.command()
def agreement(
    reading_a: Annotated[Path, typer.Argument(help="First reading (report_id, position, label).")] = READINGS[0],
    reading_b: Annotated[Path, typer.Argument(help="Second, independent reading.")] = READINGS[1],
) -> None:
    """Cohen's kappa, raw agreement and confusion between two readings, as Markdown."""
    from fazhi.agreement import compare_readings, to_markdown

    with user_errors():
        result = compare_readings(reading_a, reading_b)
    typer.echo(to_markdown(result, "reading A", "reading B"), nl=False)
