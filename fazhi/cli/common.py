"""What every command shares: the app, one-line failures, the progress bar, option types."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from fazhi.classifiers import CLASS_WEIGHTS, CLASSIFIERS, c_help
from fazhi.errors import FazhiError
from fazhi.model import CALIBRATIONS
from features import FEATURE_SETS

app = typer.Typer(
    name="fazhi",
    help="Tag the sentences of Chinese rule-of-law government work reports (法治政府建设工作报告).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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


def deprecated(old: str, new: str) -> None:
    typer.echo(f"warning: {old} is deprecated and will be removed in the next release; use {new}", err=True)


@contextlib.contextmanager
def progress(description: str, total: int, console=None) -> Iterator[Callable[[], None]]:
    """A rich progress bar on a terminal (stderr); a no-op when stderr is not a TTY."""
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
        yield lambda: bar.advance(task)


def check_output(output: Path | None, data: Path | list[Path]) -> None:
    """Before any work: --output must be writable and never a --data file it is computed
    from. An earlier report or metrics file is replaced, as a rerun expects."""
    from fazhi.formats.writers import check_target

    if output is not None:
        with user_errors():
            check_target(output, {p.resolve() for p in (data if isinstance(data, list) else [data])}, force=True, formats=())


def write_text_output(output: Path, text: str) -> None:
    from fazhi.formats.files import write_atomic

    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})") from None


# Choices as str Enums, so --help lists them and Typer rejects anything else.
FeatureSet = Enum("FeatureSet", {n: n for n in FEATURE_SETS}, type=str)
Classifier = Enum("Classifier", {n: n for n in CLASSIFIERS}, type=str)
ClassWeight = Enum("ClassWeight", {n: n for n in CLASS_WEIGHTS}, type=str)
Calibration = Enum("Calibration", {n: n for n in CALIBRATIONS}, type=str)

C_HELP = "Inverse regularisation strength: " + c_help() + "."
DATA_HELP = ("Labeled CSV/TSV/JSONL: text, label, report_id (for grouped CV); section or heading if known. "
             "Repeat to concatenate files (one report_id in two files is one report).")
DataOpt = Annotated[list[Path], typer.Option("--data", metavar="FILE", help=DATA_HELP)]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", help="A models/ directory, a .joblib file, or an MLflow URI (models:/fazhi-sentence@champion, runs:/…). Default: the model `fazhi train` saved last.", show_default=False),
]
UriOpt = Annotated[Optional[str], typer.Option("--tracking-uri", help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db in the project).")]
ExperimentOpt = Annotated[str, typer.Option("--experiment", help="MLflow experiment name.")]
RunNameOpt = Annotated[Optional[str], typer.Option("--run-name", help="MLflow run name.")]
JobsOpt = Annotated[int, typer.Option("--jobs", min=1, help="Processes for cross-validation folds / sweep configurations.")]
SectionOpt = Annotated[bool, typer.Option("--section/--no-section", help="Add the sentence's section (every heading it stands under) as its own TF-IDF block.")]
# Renamed in 0.2 (a heading is the nearest heading; the model reads the whole section).
OldHeadingOpt = Annotated[Optional[bool], typer.Option("--heading/--no-heading", hidden=True)]
OldHeadingWeightOpt = Annotated[Optional[float], typer.Option("--heading-weight", hidden=True)]
