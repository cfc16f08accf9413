"""`fazhi predict`: tag every sentence of new reports, with per-report summaries.

The work is fazhi.tagging.tagger.tag; this module chooses the writers (a file, a table on a
terminal, JSON lines on a pipe) and reports progress and failures. Only what tagging
one sentence needs is imported on the way: no pandas, no MLflow, no document
library, and rich only when a terminal will show its output.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from fazhi.cli.common import (
    ExcludeOpt, IncludeOpt, ModelOpt, UriOpt, VerboseOpt, app, fail, input_patterns, progress, say, user_errors, verbosity,
)
from fazhi.config import AREAS, LABELS, MAX_SENTENCE_CHARS, SENTENCES_COL, SOURCE_COL, TEXT_COL, UNCERTAIN_COL, short_label
from fazhi.errors import FazhiError, OutputError
from fazhi.interrupts import Stop
from fazhi.formats import INPUT_FORMATS, OUTPUT_FORMATS, suffix_list

_INPUT_HELP = (
    f"Reports to tag: files ({suffix_list(INPUT_FORMATS)}; .csv, .tsv and .jsonl are sentence tables), "
    "directories (searched recursively; README files and other types are skipped, in one line on stderr; "
    "see --include/--exclude), "
    "globs such as 'reports/**/*.pdf', or - for standard input."
)
_FORMATS_HELP = "; ".join(f"{suffix} ({what})" for suffix, what in OUTPUT_FORMATS.items())


@app.command()
def predict(
    inputs: Annotated[Optional[list[str]], typer.Argument(metavar="INPUT", help=_INPUT_HELP, show_default=False)] = None,
    text: Annotated[Optional[list[str]], typer.Option("--text", help="A sentence or passage to tag (repeatable).", show_default=False)] = None,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    model: ModelOpt = None,
    tracking_uri: UriOpt = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help=f"Write rows to this file; the format follows the suffix: {_FORMATS_HELP}. Default: a table on a terminal, JSON lines on a pipe.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --output/--summary file (an input is never replaced).")] = False,
    proba: Annotated[bool, typer.Option("--proba", help="Add one probability column per label (p_<label>).")] = False,
    min_confidence: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="Mark rows whose confidence is below this in an `uncertain` column; the label stays.", show_default=False)] = None,
    only: Annotated[Optional[list[str]], typer.Option(help=f"Keep only rows with this label (repeatable), e.g. --only 不足. Labels: {' '.join(LABELS)}.", show_default=False)] = None,
    area: Annotated[Optional[list[str]], typer.Option("--area", help=f"Keep only the 不足 rows of this area (repeatable), e.g. --only 不足 --area 行政执法. Areas: {' '.join(AREAS)}.", show_default=False)] = None,
    summary: Annotated[Optional[Path], typer.Option(help=f"Write one row per report (sentence counts and shares per label, 不足 per area) to this {'/'.join(OUTPUT_FORMATS)} file, and show it on the terminal.", show_default=False)] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="Also write the batch as one HTML page (`fazhi report`'s): label shares, the shortcomings (不足) one by one, a table to sort and filter. Without --output the rows then stay off the terminal (the page has them); a pipe still gets them.", show_default=False)] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Add an `explanation` column: the features that pushed each sentence most towards its label, with weights (beneath the row on a terminal).")] = False,
    text_column: Annotated[str, typer.Option(help="Column holding the sentences in sentence tables.")] = TEXT_COL,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no closing count; errors are still shown.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Tag every sentence of reports with its topic (普法宣传 行政执法 矛盾化解 营商环境 不足 其他).

    One row per sentence: source, sentence (index in its report), heading, text, label,
    area (what a 不足 sentence is about; empty for the other labels), confidence. A file that cannot be read is named on stderr and skipped; the others
    are still tagged and written, and the exit code is 1.

    Examples: fazhi predict reports/ -o tagged.xlsx --summary shares.csv;
    fazhi predict 'downloads/*.pdf' --only 不足 -o gaps.csv; fazhi predict --text "……"
    """
    from fazhi.formats.writers import check_target
    from fazhi.tagging.inputs import expand_inputs, read_stdin, skipped_line
    from fazhi.store.persist import load
    from fazhi.tagging.tagger import Tagger

    unknown = sorted(set(area or ()) - set(AREAS))
    if unknown:
        raise fail(f"--area {' '.join(unknown)}: not an area; choose from {' '.join(AREAS)}")
    if not inputs and not text:
        raise fail("nothing to tag: give report files, directories, globs, - for standard input, or --text")
    skipped: list = []
    reports = expand_inputs(inputs or [], text or [], text_column, read_stdin,
                            skipped, input_patterns(include, exclude))
    input_paths = {r.path.resolve() for r in reports if r.path is not None}
    with user_errors():
        for target in (output, summary):
            if target is not None:
                check_target(target, input_paths, force)
        if html is not None:
            check_target(html, input_paths, force, formats=(".html", ".htm"))
    targets = [(name, t.resolve()) for name, t in (("--output", output), ("--summary", summary), ("--html", html)) if t is not None]
    for k, (name, target) in enumerate(targets):
        for other, same in targets[k + 1:]:
            if target == same:
                raise fail(f"{target}: given as both {name} and {other}")
    if model is None:
        _train_if_none()
    with user_errors():
        tagger = Tagger(load(model, tracking_uri=tracking_uri), proba=proba, min_confidence=min_confidence, only=frozenset(only or ()), explain=explain,
                        areas=frozenset(area or ()))
    if skipped:
        say(skipped_line(skipped))
    pages: list[Path] = []  # the --html page, once written: an interruption from then on keeps it
    tally = Tally()  # how far the batch got, for the line an interruption prints
    try:
        with verbosity(verbose):
            failed, tagged, rows = _run(reports, tagger, output, summary, quiet, html,
                                        [*(inputs or []), *(['--text'] if text else [])], pages, tally)
    except NothingTagged as nothing:
        failed, tagged, rows = nothing.failed, 0, 0
    except FazhiError as exc:  # outputs are left as they were
        raise fail(str(exc)) from None
    except BrokenPipeError:
        _silence_stdout()  # the reader (e.g. `| head`) left: stop quietly
        raise typer.Exit(0) from None
    except OSError as exc:  # e.g. the disk filled up while writing
        raise fail(f"cannot write the output ({exc.strerror or exc}); nothing was replaced") from None
    except KeyboardInterrupt:  # without fazhi.interrupts installed (the app called in-process)
        raise fail(f"interrupted; {tally.kept(len(reports), output, html if pages else None)}", 130) from None
    except Stop as stop:  # Ctrl-C or SIGTERM: the writers removed their temporary files
        stop.kept = tally.kept(len(reports), output, html if pages else None)
        raise
    if not quiet and output is not None and tagged:
        typer.echo(f"{output}: {rows} row(s) from {tagged} report(s)", err=True)
    if not quiet and summary is not None and tagged:
        typer.echo(f"{summary}: one row per report", err=True)
    if not quiet and html is not None and tagged:
        typer.echo(f"{html}: the batch as one page (open it in a browser)", err=True)
    if failed:
        typer.echo(f"error: {failed} of {failed + tagged} input(s) could not be tagged (see above)", err=True)
        raise typer.Exit(1)


class Tally:
    """How far a batch got: inputs done, rows tagged, rows already sent down a pipe.

    Said when Ctrl-C or SIGTERM stops it: rows on a pipe are gone to the reader (and
    complete: each report's lines are written and flushed together), while a file
    output is never half-written, so the user learns what they have and what is lost."""

    def __init__(self) -> None:
        self.reports: set[int] = set()  # ids of the Reports with a result (one may have several parts)
        self.rows = 0
        self.stream: Any = None  # the StreamJsonl of a pipe, if rows go there

    def kept(self, inputs: int, output: Path | None, page: Path | None) -> str:
        files = (f"only the page {page} was written; no row file was written or replaced" if page
                 else "no output file was written or replaced")
        if self.stream is not None and self.stream.rows:
            return f"{self.stream.rows} row(s) had gone to standard output as complete JSON lines; {files}"
        if output is not None:
            return f"{files} (stopped after {len(self.reports)} of {inputs} input(s), {self.rows} row(s) tagged)"
        return files


def _train_if_none() -> None:
    """No model in the workspace yet: train the default one on the bundled data first, as
    `fazhi train` would (saved, tracked, champion), its figures left to `fazhi train`, so
    that a first `fazhi predict` works. Stdout stays the rows'."""
    import os

    import click

    from fazhi.cli.common import make_tracker, verbosity
    from fazhi.config import CORPUS_FILE, DEFAULT_EXPERIMENT, SUPPLEMENT_FILE, models_dir
    from fazhi.store.persist import current

    with user_errors():  # a marker that cannot be read is an error, not a reason to retrain
        if current(models_dir()) is not None:
            return
    from fazhi.corpus.dataset import read_labeled_files
    from fazhi.modeling.model import DEFAULTS
    from fazhi.modeling.training import train

    # FAZHI_SUPPLEMENT is `fazhi train --supplement`'s variable: the same data as it would read.
    supplement = click.BOOL.convert(os.environ.get("FAZHI_SUPPLEMENT") or "1", None, None)
    say(f"no model in {models_dir()} yet: training the default model on the bundled corpus first "
        "(as `fazhi train` does; about a minute)")
    with user_errors(), verbosity(False):
        data = read_labeled_files([CORPUS_FILE], require_groups=True, strict=True,
                                  written=[SUPPLEMENT_FILE] if supplement else [])
        train(DEFAULTS, data, tracker=make_tracker(True, None, DEFAULT_EXPERIMENT))


def _run(reports, tagger, output: Path | None, summary: Path | None, quiet: bool, html: Path | None = None,
         given: list[str] | None = None, pages: list[Path] | None = None, tally: Tally | None = None) -> tuple[int, int, int]:
    """Tag reports one at a time into the writers; (failed, tagged, rows written). With
    `html`, every row is also kept for the page, written when all are tagged (and then
    appended to `pages`). `tally` follows how far it got."""
    from fazhi.show.terminal import TerminalTable
    from fazhi.formats.writers import StreamJsonl, open_writer
    from fazhi.tagging.tagger import tag

    stdout_tty, stderr_tty = sys.stdout.isatty(), sys.stderr.isatty()
    console = _console(stderr=False) if stdout_tty else (_console(stderr=True) if stderr_tty else None)
    failed = tagged = 0
    shown_summaries: list[dict] = []  # only kept to print on a terminal at the end
    page: list[tuple[list[dict], dict]] | None = [] if html is not None else None
    with ExitStack() as stack:
        # Writers commit (rename into place) when the block ends normally, even if
        # some reports failed; on an exception they delete their temporary file.
        if output is not None:
            rows_out: Any = stack.enter_context(open_writer(output, tagger.columns))
        elif stdout_tty and html is not None:
            rows_out = _Discard()  # the page shows them
        elif stdout_tty:
            rows_out = TerminalTable(console, tagger.columns)
        else:
            rows_out = StreamJsonl(sys.stdout, tagger.columns)
        tally = Tally() if tally is None else tally
        tally.stream = rows_out if isinstance(rows_out, StreamJsonl) else None
        summary_out = stack.enter_context(open_writer(summary, tagger.summary_columns)) if summary else None
        advance = stack.enter_context(progress("tagging", 0 if quiet else len(reports), console))
        for result in tag(reports, tagger):
            if result.error is not None:
                failed += 1
                say(f"error: {result.error}")  # above the progress bar, never on its line
            else:
                tagged += 1
                if result.cut[0]:
                    spans, pieces = result.cut
                    say(f"warning: {result.summary[SOURCE_COL]}: {spans} span{'s' if spans != 1 else ''} longer than "
                        f"{MAX_SENTENCE_CHARS} characters cut into {pieces} pieces (a table or a page without punctuation?)")
                rows_out.write(result.rows)
                tally.rows += len(result.rows)
                if page is not None:
                    page.append((result.rows, result.summary))
                if summary_out is not None:
                    summary_out.write([result.summary])
                    if console is not None:
                        shown_summaries.append(result.summary)
            tally.reports.add(id(result.report))
            advance()
        if failed and not tagged:
            raise NothingTagged(failed)  # writers drop their temporary files: no empty output
        if page is not None:  # before the writers commit: if it fails, no output is replaced
            _write_page(html, page, tagger, given or [])
            if pages is not None:
                pages.append(html)
    if shown_summaries:
        console.print(_summary_table(shown_summaries, tagger))
    return failed, tagged, rows_out.rows


def _write_page(html: Path, page: list[tuple[list[dict], dict]], tagger, given: list[str]) -> None:
    from fazhi.report.batch import from_results, model_info
    from fazhi.report.page import write

    model = tagger.model
    batch = from_results(page, model_info(model.source, model.card), tagger.min_confidence)
    batch.inputs = [f"fazhi predict {' '.join(given)}"]
    try:
        write(batch, html)
    except OSError as exc:  # name the page, not "the output": -o and --summary are fine
        raise OutputError(f"{html}: cannot write ({exc.strerror or exc}); nothing was replaced") from None


class _Discard:
    """Rows counted, not shown: on a terminal, --html without --output."""

    rows = 0

    def write(self, rows: list[dict]) -> None:
        self.rows += len(rows)


class NothingTagged(Exception):
    """Every input failed to read."""

    def __init__(self, failed: int):
        self.failed = failed


def _summary_table(rows: list[dict], tagger) -> Any:
    """The summary, narrow enough for an 80-column terminal: file name, sentences, share per
    label under its two-character form (config.SHORT_LABELS)."""
    from fazhi.show.terminal import table
    from fazhi.formats.writers import Column

    labels = tagger.labels
    extra = [c for c in tagger.summary_columns if c.name == UNCERTAIN_COL]
    columns = [Column("report", "str"), Column("n", "int"), *(Column(lab, "pct") for lab in labels), *extra]
    shown = [
        {"report": Path(r[SOURCE_COL]).name, "n": r[SENTENCES_COL], UNCERTAIN_COL: r.get(UNCERTAIN_COL),
         **{lab: r[f"share_{lab}"] for lab in labels}}
        for r in rows
    ]
    headers = {lab: short_label(lab) for lab in labels}
    return table(shown, columns, "Share of sentences per label", headers)


def _console(stderr: bool) -> Any:
    from rich.console import Console

    return Console(stderr=stderr)


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
