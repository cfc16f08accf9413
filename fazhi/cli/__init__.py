"""The `fazhi` command: one Typer app, with commands grouped by the step they serve.

Each command module keeps heavy imports (pandas, MLflow, scikit-learn) inside its
functions, so `fazhi predict --text …` starts fast.
"""

from __future__ import annotations

import typer

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


# Command modules register themselves on `app` (see each module); import order is --help order.
from fazhi.cli import data, train, predict  # noqa: E402,F401

app.add_typer(data.app, name="data")


def main() -> None:
    app()
