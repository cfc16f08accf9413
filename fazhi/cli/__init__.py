"""The `fazhi` command: one Typer app; each module of this package is one command group.

Command modules keep heavy imports (pandas, MLflow, scikit-learn) inside their
functions, so `fazhi predict --text …` and `--help` start fast.
"""

from __future__ import annotations

from fazhi.cli.common import app

# Command modules register themselves on `app`; import order is --help order.
from fazhi.cli import data, train, evaluate, models, predict, report, serve, spark, ui  # noqa: E402,F401

app.add_typer(data.app, name="data")


def main(args: list[str] | None = None) -> None:
    """The `fazhi` command: Ctrl-C and SIGTERM end it with one line saying what was kept (fazhi.interrupts)."""
    from fazhi.interrupts import run

    run(app, args=args, prog_name="fazhi")
