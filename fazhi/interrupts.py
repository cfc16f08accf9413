"""Ctrl-C and SIGTERM as one exception, Stop, so every command cleans up the same way and says what it kept.

Python ends a process on SIGTERM without running `finally` blocks or atexit handlers:
temporary files, worker processes and MLflow runs would stay behind. With `install()`
(the `fazhi` command calls it) SIGINT and SIGTERM raise Stop where the program is; the
`with` blocks that own a temporary file, a worker pool or an MLflow run undo their
work on the way out, and `fazhi` prints one line (`interrupted: …`, naming what was
kept) and exits 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM).

Stop is not a KeyboardInterrupt on purpose: Click turns that into "Aborted!" and exit
code 1. A library that swallows it (`except BaseException:`) cannot make the command
carry on as if nothing happened: `stopped()` still says a signal came, and commands
check it before they report success (check()).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys

_received: list[int] = []  # signals received since install()


class Stop(BaseException):
    """A signal asked fazhi to stop; `kept` says what the command kept (a saved model …)."""

    def __init__(self, signum: int, kept: str | None = None):
        super().__init__(signum)
        self.signum = signum
        self.kept = kept

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def line(self) -> str:
        by = "" if self.signum == signal.SIGINT else f" by {signal.Signals(self.signum).name}"
        return f"interrupted{by}: {self.kept or 'no output was left half-written'}"


def _stop(signum: int, frame) -> None:
    first = not _received
    _received.append(signum)
    if first:  # later signals do not interrupt the cleanup of the first (SIGKILL still ends it)
        raise Stop(signum)


def install() -> None:
    """SIGINT and SIGTERM raise Stop (once) in the main thread."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)


def stopped() -> int | None:
    """The first signal received, if any."""
    return _received[0] if _received else None


def check(kept: str | None = None) -> None:
    """Raise Stop if a signal came (even one a library swallowed)."""
    if _received:
        raise Stop(_received[0], kept)


def run(app, **kwargs) -> None:
    """Run a Typer/Click app with signals handled: a Stop ends it with its line and exit code.

    Once the command is done, a signal no longer interrupts anything (MLflow's exit
    handlers still run): it is noted, and the exit code and a line still say it came.
    One that comes during Python's own teardown after that is ignored: the command's
    exit code stands."""
    install()
    atexit.register(_exit_late)  # registered first, so it runs after every other exit handler
    try:
        app(**kwargs)
    except Stop as stop:
        sys.stderr.write(stop.line() + "\n")
        sys.stderr.flush()
        sys.exit(stop.exit_code)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _late)


_late_signals: list[int] = []


def _late(signum: int, frame) -> None:
    _late_signals.append(signum)


def _exit_late() -> None:
    # What is left is Python's own teardown, which resets a Python handler to the default
    # action: a signal then would kill the process with nothing said. Ignored signals
    # stay ignored; the command's work and its exit handlers are complete.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    if _late_signals and not _received:
        stop = Stop(_late_signals[0], "the command had already finished; what it wrote and printed stands")
        sys.stdout.flush()
        sys.stderr.write(stop.line() + "\n")
        sys.stderr.flush()
        os._exit(stop.exit_code)
