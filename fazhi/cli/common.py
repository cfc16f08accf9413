"""What every command shares: the app, one-line failures, the progress bar, option types."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from fazhi.errors import FazhiError

# Typer 0.29's rich help gives every parameter a type column, flags too (`--force <bool>`),
# although a flag takes no value, and repeatable ones a Python type (`INPUT <list[str]>`).
# Its plain help leaves flags out (TyperOption.get_help_record). For the rich help, of
# every command: no type for a flag; a repeatable one shows its metavar, or its element
# type followed by "..." (click's way), an argument nothing beyond its name.
_display_type = {cls: cls.display_type_rich for cls in (typer.core.TyperOption, typer.core.TyperArgument)}


def _display_type_rich(self, ctx):
    if getattr(self, "is_flag", False):
        return None
    if self.type_descriptor.is_list and not self.type_descriptor.is_choice:
        if isinstance(self, typer.core.TyperArgument):
            return None
        element = self._bare_type(self.type_descriptor.annotation).removeprefix("list[").removesuffix("]")
        return self.metavar or f"<{element}>..."
    return _display_type[type(self)](self, ctx)


for _cls in _display_type:
    _cls.display_type_rich = _display_type_rich


# Typer 0.29's rich help keeps the single line breaks of a docstring's later paragraphs,
# so on an 80-column terminal a sentence breaks twice ("to sort" / "and filter"). Its
# first paragraph, and click's plain help, join them; the same for every paragraph (one
# starting with click's \b marker keeps its lines).
def _join_lines(paragraphs, markup_mode):
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split("\n")) for p in paragraphs)


def _options_table():
    """Typer 0.29's options table lets rich share the width among its columns by their widest
    entries, so at 80 columns a long choice list (<logreg|linearsvc|…>) squeezes the help to
    ~16 columns and cuts what is longer (`sqlite:///mlflo…`). Here the type column is kept
    narrow (it folds), and columns no option uses take no room."""
    from rich.table import Table

    class OptionsTable(Table):
        def _calculate_column_widths(self, console, options):
            types = self.columns[-2] if len(self.columns) >= 2 else None
            if types is not None and any(str(cell) for cell in types.cells):  # an options table
                types.max_width = TYPE_WIDTH
                # Columns no option uses (short forms, mostly) would still take their padding.
                self.columns[:] = [c for c in self.columns[:-1] if any(str(cell) for cell in c.cells)] + self.columns[-1:]
            return super()._calculate_column_widths(console, options)

    return OptionsTable


TYPE_WIDTH = 14  # the type column of option tables (e.g. <float>, <words|chars|both> in two lines)


def _joining(format_help):
    def format_help_joined(self, ctx, formatter):
        import typer.rich_utils  # only when help is shown: it costs `predict --text` nothing

        if hasattr(typer.rich_utils, "_fix_linebreaks"):
            typer.rich_utils._fix_linebreaks = _join_lines
        if getattr(typer.rich_utils, "Table", None) is not None and not hasattr(typer.rich_utils, "_fazhi_table"):
            typer.rich_utils._fazhi_table = typer.rich_utils.Table = _options_table()
        return format_help(self, ctx, formatter)

    return format_help_joined


for _cls in (typer.core.TyperCommand, typer.core.TyperGroup):
    _cls.format_help = _joining(_cls.format_help)

def _app_help() -> str:
    from fazhi.config import HOME_ENV, workspace

    try:
        where, why = workspace()
    except OSError:  # the working directory was removed: the callback says so in one line
        where, why = "?", "the working directory, which no longer exists"
    return ("Tag the sentences of Chinese rule-of-law government work reports (法治政府建设工作报告).\n\n"
            f"Workspace (models/, mlflow.db, mlruns/): {where} ({why}). Choose it with --home DIR or {HOME_ENV}; "
            "without them it is the checkout fazhi runs from, else the working directory. "
            "The bundled corpus and seed reports are read where fazhi is installed, never written.")


app = typer.Typer(
    name="fazhi",
    help=_app_help(),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"fazhi {version('fazhi')}")
        raise typer.Exit()


@app.callback()
def _workspace(
    home: Annotated[Optional[Path], typer.Option(
        "--home", metavar="DIR", show_default=False,
        help="Workspace: where models/, mlflow.db and mlruns/ go (default: $FAZHI_HOME, else the checkout, "
             "else the working directory).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show fazhi's version and exit.")] = False,
) -> None:
    from fazhi.config import inside_package, set_home, workspace

    set_home(home)  # every run sets it, so one in-process run's --home never leaks into the next
    try:
        where, why = workspace()
    except OSError as exc:
        raise fail(f"the working directory is gone ({exc.strerror}): choose a workspace with --home DIR") from None
    if where.exists() and not where.is_dir():
        raise fail(f"{where}: not a directory (the workspace, from {why})")
    if inside_package(where):
        raise fail(f"{where}: inside the installed package, where fazhi never writes; "
                   "choose a workspace with --home DIR or FAZHI_HOME, or run from another directory")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Any FazhiError inside the block ends the command with its one line, no traceback."""
    try:
        yield
    except FazhiError as exc:
        raise fail(str(exc)) from None


_bars: list = []  # the console of the progress bar on screen, if one is


def say(message: str) -> None:
    """A line on stderr that never lands on a progress bar's line. While a bar is on screen
    the line goes through the bar's console, which prints it above the bar and redraws the
    bar below (click's echo would write beside the bar), unwrapped: a long path stays one
    line to copy."""
    if _bars:
        from rich.text import Text  # plain text: "[2023]" in a path is not markup

        _bars[-1].print(Text(message), soft_wrap=True, highlight=False)
    else:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()


@contextlib.contextmanager
def verbosity(verbose: bool) -> Iterator[None]:
    """--verbose: MLflow's own messages ("Successfully registered model …", server logs) and
    every library warning (pdfminer's about fonts too) are shown. Without it fazhi.tracking.log keeps them off the terminal."""
    if not verbose:
        yield
        return
    saved_env, logger = os.environ.get("MLFLOW_LOGGING_LEVEL"), logging.getLogger("mlflow")
    saved_level = logger.level
    pdf_logger = logging.getLogger("pdfminer")  # fazhi.formats.pdf keeps it at ERROR otherwise
    saved_pdf_level = pdf_logger.level
    os.environ["MLFLOW_LOGGING_LEVEL"] = "INFO"  # read when fazhi.tracking.log imports MLflow
    logger.setLevel(logging.INFO)  # if it was imported already
    pdf_logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            yield
    finally:
        logger.setLevel(saved_level)
        pdf_logger.setLevel(saved_pdf_level)
        if saved_env is None:
            os.environ.pop("MLFLOW_LOGGING_LEVEL", None)
        else:
            os.environ["MLFLOW_LOGGING_LEVEL"] = saved_env


def deprecated(old: str, new: str) -> None:
    typer.echo(f"warning: {old} is deprecated and will be removed in the next release; use {new}", err=True)


@contextlib.contextmanager
def progress(description: str, total: int, console=None) -> Iterator[Callable[[], None]]:
    """A rich progress bar on a terminal (stderr); a no-op when stderr is not a TTY.
    Messages meanwhile go through say()."""
    if not sys.stderr.isatty() or total <= 0:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console or Console(stderr=True), transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        _bars.append(bar.console)  # say() prints above it
        try:
            yield lambda: bar.advance(task)
        finally:
            _bars.remove(bar.console)


def check_output(output: Path | None, data: list[Path], force: bool = False) -> None:
    """Before any work: --output must be writable, never a --data file it is computed
    from, and not an existing file unless --force: the rule of every command that writes
    files (predict, report, data …), so no earlier report or metrics file goes silently."""
    from fazhi.formats.writers import check_target

    if output is not None:
        with user_errors():
            check_target(output, {p.resolve() for p in data}, force=force, formats=())


def write_text_output(output: Path, text: str, what: str) -> None:
    """Write `text` atomically and say so in one line on stderr: "FILE: what"."""
    from fazhi.formats.files import write_atomic

    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None
    typer.echo(f"{output}: {what}", err=True)


ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an output file that exists (an input is never replaced).")]


DATA_HELP = ("Labeled CSV/TSV/JSONL: text, label, report_id (for grouped CV); section or heading if known. "
             "Repeat to concatenate files (one report_id in two files is one report).")
# --data, defaulting to the bundled corpus (config.CORPUS_FILE): its path, long and
# different in every installation, would be cut at 80 columns.
BUNDLED = "the bundled corpus"
CorpusOpt = Annotated[list[Path], typer.Option("--data", metavar="FILE", help=DATA_HELP, show_default=BUNDLED)]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", help="A models/ directory, a .joblib file, or an MLflow URI (models:/fazhi-sentence@champion, runs:/…). Default: the champion under the workspace's models/ (the best model by CV macro-F1; see `fazhi train`).", show_default=False),
]
UriOpt = Annotated[Optional[str], typer.Option("--tracking-uri", show_default=False, help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db in the workspace; see fazhi --help).")]
ModelsDirOpt = Annotated[Optional[Path], typer.Option(
    "--output-dir", metavar="DIR", show_default=False,
    help="Models directory (default: models/ in the workspace; see fazhi --help).")]
SupplementOpt = Annotated[bool, typer.Option("--supplement/--no-supplement", envvar="FAZHI_SUPPLEMENT", help="Also train on the bundled written supplement (data/written/: sentences written for fazhi from the guideline); cross-validation never scores it.")]
ExperimentOpt = Annotated[str, typer.Option("--experiment", help="MLflow experiment name.")]
RunNameOpt = Annotated[Optional[str], typer.Option("--run-name", help="MLflow run name (default: one that says what the run is).", show_default=False)]
VerboseOpt = Annotated[bool, typer.Option("--verbose", help="Also show MLflow's own messages and library warnings.")]
JobsOpt = Annotated[int, typer.Option("--jobs", min=1, help="Processes for cross-validation folds / sweep configurations.")]
# Renamed in 0.2 (a heading is the nearest heading; the model reads the whole section).
OldHeadingOpt = Annotated[Optional[bool], typer.Option("--heading/--no-heading", hidden=True)]
OldHeadingWeightOpt = Annotated[Optional[float], typer.Option("--heading-weight", hidden=True)]

# --include / --exclude: one definition for every command that takes INPUTs (fazhi.tagging.inputs.Patterns).
_PATTERN_RULE = ("fnmatch pattern on the path relative to the directory given (for a glob, its part before "
                 "the first wildcard); * also crosses /; a pattern without / also matches the file name; "
                 "a pattern matching a folder (drafts, drafts/) matches every file under it. "
                 "Repeatable. Files named as INPUT are never filtered.")
IncludeOpt = Annotated[Optional[list[str]], typer.Option(
    "--include", metavar="PATTERN", show_default=False,
    help="Of the files directories and globs find, take only those matching PATTERN, README files too "
         "(e.g. --include '*.md'). " + _PATTERN_RULE)]
ExcludeOpt = Annotated[Optional[list[str]], typer.Option(
    "--exclude", metavar="PATTERN", show_default=False,
    help="Leave out the files directories and globs find that match PATTERN, as for --include "
         "(wins over it), e.g. --exclude drafts. Repeatable.")]


def input_patterns(include: list[str] | None, exclude: list[str] | None):
    from fazhi.tagging.inputs import Patterns

    return Patterns(tuple(include or ()), tuple(exclude or ()))


def make_tracker(track: bool, tracking_uri: str | None, experiment: str):
    """The tracker a tracked command hands to the library (fazhi.tracking.log.Tracker),
    None for --no-track: MLflow is imported only when tracking."""
    if not track:
        return None
    from fazhi.tracking.log import Tracker

    return Tracker(tracking_uri, experiment)
