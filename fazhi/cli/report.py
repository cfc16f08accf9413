"""`fazhi report`: tagged files → one self-contained HTML page of the batch (the work is fazhi.report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fazhi.cli.common import app, fail, say, user_errors
from fazhi.config import DEFAULT_MIN_CONFIDENCE, REPORT_TITLE

MIN_CONFIDENCE_HELP = (f"Mark sentences whose confidence is below this as low (default {DEFAULT_MIN_CONFIDENCE:g}, "
                       "the lower threshold whose coverage `fazhi train` reports). Tagged files do not record "
                       "the --min-confidence predict was given: repeat it here.")


@app.command()
def report(
    tagged: Annotated[list[Path], typer.Argument(metavar="TAGGED", help="Files written by `fazhi predict -o` (.csv, .jsonl, .xlsx, .parquet).", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML page to write.", show_default=False)],
    model: Annotated[Optional[Path], typer.Option("--model", help="The models/ directory that tagged the files: the page names it, from its card (tagged files do not record their model).", show_default=False)] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help=MIN_CONFIDENCE_HELP)] = DEFAULT_MIN_CONFIDENCE,
    title: Annotated[str, typer.Option(help="The page's title.")] = REPORT_TITLE,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output (an input is never replaced).")] = False,
) -> None:
    """One HTML page for a batch of tagged reports, to open in any browser, offline.

    Label shares per report (stacked bars and a heat table), the 不足 sentences of
    each report with their heading and confidence, and every sentence in a table to sort
    and filter (label, report, text, low confidence). A file that cannot be read is named
    on stderr and left out; the exit code is then 1.

    Example: fazhi predict reports/ -o tagged.csv; fazhi report tagged.csv -o report.html
    """
    from fazhi.formats.writers import check_target
    from fazhi.report.batch import card_info, read_tagged
    from fazhi.report.page import write

    with user_errors():
        check_target(output, {p.resolve() for p in tagged}, force, formats=(".html", ".htm"))
        info = card_info(model) if model is not None else {}
    batch = read_tagged(tagged, min_confidence)
    batch.model = info
    for line in batch.errors:
        say(f"error: {line}")
    for line in batch.warnings:
        say(f"warning: {line}")
    if not batch.reports:
        raise fail(f"no tagged file could be read; {output} was not written")
    try:
        size = write(batch, output, title)
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    say(f"{output}: {len(batch.reports)} report(s), {len(batch.rows)} sentence(s), {size_text(size)}")
    if batch.errors:
        say(f"error: {len(batch.errors)} of {len(tagged)} file(s) could not be read (see above)")
        raise typer.Exit(1)


def size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
