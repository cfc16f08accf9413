"""`fazhi data check | segment | agreement | suggest | label-config | import`: the labeled corpus, and labels for a user's own reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from fazhi.cli.common import ExcludeOpt, IncludeOpt, ModelOpt, UriOpt, fail, input_patterns, user_errors
from fazhi.config import CORPUS_FILE, LABELS, READINGS, TEXT_COL
from fazhi.formats import INPUT_FORMATS, REPORT_FORMATS, TABLE_FORMATS, suffix_list

app = typer.Typer(help="Check the labeled corpus; segment new reports; pick, export and import labels of your own reports.", no_args_is_help=True)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="Labeled CSV, TSV or JSONL (columns report_id, heading, text, label).", show_default="the bundled corpus")] = CORPUS_FILE,
) -> None:
    """Validate a labeled sentence file and print counts per label and per report."""
    from fazhi.corpus.dataset import check as run_check

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
    if result.warning:
        typer.echo(f"warning: {result.warning}; train it together with the corpus (--data data/sentences.csv --data FILE)", err=True)


@app.command()
def segment(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help=f"Reports, as for `fazhi predict` but not standard input: files ({suffix_list(REPORT_FORMATS)}, or sentence tables {suffix_list(TABLE_FORMATS)}), directories (recursive), globs.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write (UTF-8 with BOM).")],
    force: Annotated[bool, typer.Option(help="Replace OUTPUT if it exists.")] = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
) -> None:
    """Write the sentences of reports (label column empty) to start labeling them.

    The report id is the file name without its suffix (for a sentence table with a
    report_id column, that column's value). `fazhi data segment seeds/*.txt`
    gives exactly the texts of the bundled corpus.
    """
    from fazhi.corpus.dataset import segment_reports, sentences_csv
    from fazhi.formats.files import write_atomic
    from fazhi.formats.writers import check_target
    from fazhi.tagging.inputs import expand_inputs, skipped_line

    skipped: list = []
    found = expand_inputs(inputs, skipped=skipped, patterns=input_patterns(include, exclude))
    reports = [r.path for r in found if r.path is not None]
    with user_errors():
        check_target(output, {r.resolve() for r in reports}, force, formats=(".csv",))
    if skipped:
        typer.echo(skipped_line(skipped), err=True)
    sentences, unread = segment_reports(reports)
    errors = [f"{r.name}: {r.error}" for r in found if r.path is None] + unread  # and INPUTs that name no report
    for error in errors:
        typer.echo(f"error: {error}", err=True)
    if not sentences:
        raise fail(f"{output}: not written: no sentences in {'any of the reports' if errors else 'the reports'}")
    try:
        write_atomic(output, sentences_csv(sentences))
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    typer.echo(f"{output}: {len(sentences)} sentences from {len(reports) - len(unread)} report(s)", err=True)
    if errors:
        raise typer.Exit(1)


@app.command()
def agreement(
    reading_a: Annotated[Path, typer.Argument(help="First reading (report_id, position, label).", show_default="the bundled reading_a.csv")] = READINGS[0],
    reading_b: Annotated[Path, typer.Argument(help="Second, independent reading.", show_default="the bundled reading_b.csv")] = READINGS[1],
) -> None:
    """Cohen's kappa, raw agreement and confusion between two readings, as Markdown."""
    from fazhi.corpus.agreement import compare_readings, to_markdown

    with user_errors():
        result = compare_readings(reading_a, reading_b)
    typer.echo(to_markdown(result, "reading A", "reading B"), nl=False)


SUGGEST_FORMATS = (".csv", ".jsonl", ".json")
LABELED_FORMATS = (".csv", ".jsonl")


@app.command()
def suggest(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help=f"Your reports, as for `fazhi predict`: files ({suffix_list(INPUT_FORMATS)}), directories, globs, or - for standard input.")],
    n: Annotated[int, typer.Option("-n", min=1, help="How many sentences to suggest.")] = 200,
    output: Annotated[Path, typer.Option("--output", "-o", help=".csv/.jsonl: rows (source, sentence, heading, section, text, label, confidence, score); .json: Label Studio tasks.")] = ...,
    model: ModelOpt = None,
    tracking_uri: UriOpt = None,
    labeled: Annotated[Optional[list[Path]], typer.Option("--labeled", metavar="FILE", help="Labeled CSV/TSV/JSONL whose sentences are never suggested (repeatable). Default: the bundled corpus.", show_default=False)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Breaks ties between equally uncertain sentences; the same seed gives the same pick.")] = 0,
    predictions: Annotated[bool, typer.Option("--predictions", help="Label Studio tasks carry the model's label as a prediction (off: readers are not anchored on it).")] = False,
    text_column: Annotated[str, typer.Option(help="Column holding the sentences in sentence tables.")] = TEXT_COL,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists (an input is never replaced).")] = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
) -> None:
    """Pick the N sentences of your reports most worth labeling, as rows or Label Studio tasks.

    Those the model is least sure of (smallest margin between its two most probable
    labels) first, spread over reports and predicted labels, near-duplicates once, none
    already labeled (--labeled FILE, or --exclude FILE naming an existing labeled
    .csv/.tsv/.jsonl; any other --exclude is a file pattern). Example: fazhi data suggest reports/ -n 200 -o tasks.json (then import tasks.json in Label Studio).
    """

    from fazhi.formats.files import write_atomic
    from fazhi.formats.writers import check_target, open_writer
    from fazhi.tagging.inputs import expand_inputs, read_stdin, skipped_line
    from fazhi.labeling.labelstudio import tasks, tasks_json
    from fazhi.store.persist import load
    from fazhi.labeling.suggest import COLUMNS
    from fazhi.labeling.suggest import suggest as pick
    from fazhi.tagging.tagger import Tagger

    labeled, exclude = _labeled_given_as_exclude(labeled, exclude)
    skipped: list = []
    reports = expand_inputs(inputs, (), text_column, read_stdin, skipped,
                            input_patterns(include, exclude))
    labeled = [CORPUS_FILE] if labeled is None else labeled
    with user_errors():
        check_target(output, {r.path.resolve() for r in reports if r.path is not None} | {p.resolve() for p in labeled},
                     force, formats=SUGGEST_FORMATS)
        loaded = load(model, tracking_uri=tracking_uri)
        if skipped:
            typer.echo(skipped_line(skipped), err=True)
        result = pick(reports, Tagger(loaded), n, labeled, seed)
    picked, errors = result.picked, result.errors
    for error in errors:
        typer.echo(f"error: {error}", err=True)
    if not picked:
        why = f"all {result.sentences} sentences are already labeled in {', '.join(map(str, labeled))}" if result.sentences else "no sentences read"
        raise fail(f"{output}: not written: {why}")
    try:
        if output.suffix.lower() == ".json":
            # The model's run name (models/<run>/model.joblib), or its MLflow URI.
            version = loaded.source if ":/" in loaded.source else Path(loaded.source).parent.name
            write_atomic(output, tasks_json(tasks(picked, predictions, version)))
        else:
            with open_writer(output, COLUMNS) as out:
                out.write([c.row() for c in picked])
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    shown = "Label Studio tasks" if output.suffix.lower() == ".json" else "sentences"
    typer.echo(f"{output}: {len(picked)} {shown} from {len({c.source for c in picked})} report(s) "
               f"({result.sentences} sentences read, {result.excluded} already labeled)", err=True)
    if errors:
        raise typer.Exit(1)


def _labeled_given_as_exclude(labeled: list[Path] | None, exclude: list[str] | None) -> tuple[list[Path] | None, list[str] | None]:
    """`suggest --exclude LABELED` is issue 9's published form, so an --exclude naming an
    existing labeled table is a labeled file (as --labeled); any other --exclude is a file
    pattern, as for every command that takes INPUTs."""
    old = [p for p in exclude or () if Path(p).suffix.lower() in (".csv", ".tsv", ".jsonl") and Path(p).is_file()]
    if not old:
        return labeled, exclude
    return [*(labeled or []), *map(Path, old)], [p for p in exclude or () if p not in old]


@app.command("label-config")
def label_config() -> None:
    """Print the Label Studio labeling configuration (XML) for the six labels.

    The section above the sentence, one choice per label with hotkeys 1–6. Paste it under
    Settings → Labeling Interface → Code."""
    from fazhi.labeling.labelstudio import label_config as config_xml

    typer.echo(config_xml(), nl=False)


@app.command("import")
def import_(
    exports: Annotated[list[Path], typer.Argument(metavar="EXPORT", help="Label Studio exports (JSON, JSON-MIN as .json; CSV) or CSV/TSV/JSONL files with text and label.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Labeled file to write (.csv or .jsonl) in the corpus's columns.")] = ...,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Warn about each unusable task and write the rest.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists (an input is never replaced).")] = False,
) -> None:
    """Turn Label Studio exports into a labeled file for `fazhi train --data`.

    Columns: report_id (from the task's source), position, heading, section, text, label.
    A task without text, with no, an empty or a skipped annotation, an unknown label, or two
    different labels for one sentence stops the import (nothing is written); with
    --skip-bad it is a warning and the other tasks are written.
    """
    from fazhi.formats.writers import check_target, open_writer
    from fazhi.labeling.labelstudio import COLUMNS, import_exports

    with user_errors():
        check_target(output, {p.resolve() for p in exports}, force, formats=LABELED_FORMATS)
    result = import_exports(exports)
    if result.problems and not skip_bad:
        more = len(result.problems) - 1
        hint = f" (and {more} more; --skip-bad skips them)" if more else " (--skip-bad skips it)"
        raise fail(result.problems[0] + hint)
    for problem in result.problems:
        typer.echo(f"warning: skipped {problem}", err=True)
    if not result.rows:
        raise fail(f"{output}: not written: no labeled sentence")
    try:
        with open_writer(output, COLUMNS) as out:
            out.write(result.rows)
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    extra = f", {len(result.problems)} skipped" if result.problems else ""
    extra += f", {result.duplicates} duplicate(s) written once" if result.duplicates else ""
    typer.echo(f"{output}: {len(result.rows)} labeled sentences{extra}", err=True)
