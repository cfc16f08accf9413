"""`fazhi ui`: the MLflow UI on the project's store, as a supervised child process, opened on the training runs."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Annotated

import typer

from fazhi.cli.common import ExperimentOpt, UriOpt, VerboseOpt, app, make_tracker, user_errors, verbosity
from fazhi.config import DEFAULT_EXPERIMENT, LABELS

READY_TIMEOUT = 180  # seconds; the server is ready in ~7–15 s on a 2-core machine


@app.command()
def ui(
    tracking_uri: UriOpt = None,
    experiment: ExperimentOpt = DEFAULT_EXPERIMENT,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 or ::: every interface, with a warning: the UI has no login).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 5000,
    verbose: VerboseOpt = False,
) -> None:
    """Start the MLflow UI on the project's store and print the address of the experiment's training runs (Ctrl-C stops it).

    The address opens the Training runs table on the saved view "fazhi: CV figures": the configuration, CV macro-F1 and the F1 of each label as columns, best first. Nothing is printed per request; --verbose shows the server's own log.
    """
    import tempfile

    from fazhi.cli.supervise import check_port, supervise

    check_port(host, port)  # fail in one line now, not in uvicorn's log later
    with verbosity(verbose), user_errors():
        from fazhi.tracking.ui import ensure_runs_view, runs_url, ui_base, ui_command

        experiment_id = make_tracker(True, tracking_uri, experiment).connect()  # created if missing
        view = ensure_runs_view(experiment_id, list(LABELS))
    cmd, env = ui_command(tracking_uri, host, port, verbose)
    base = ui_base(tracking_uri, host, port)
    store = cmd[cmd.index("--backend-store-uri") + 1]
    from fazhi.tracking.ui import is_loopback

    if not is_loopback(host):  # the MLflow UI has no login, and its API writes as well as reads
        typer.echo(f"warning: listening on {host}: anyone who can reach this machine on port {port} can read and "
                   f"change the runs and models of {store}, without a password", err=True)

    def ready(server) -> str | None:
        if not _wait_until_ready(server, base):
            return f"did not answer on {base} within {READY_TIMEOUT} s"
        typer.echo(f"MLflow UI on {runs_url(base, experiment_id, view)}  (store {store}; Ctrl-C stops it)")
        return None

    log = None if verbose else tempfile.TemporaryFile()  # the server's own output, for a failure
    supervise(cmd, env, "mlflow ui", log, ready)


def _wait_until_ready(server, base: str) -> bool:
    """Poll the server's /health until it answers (True) or it exits or time runs out (False).
    On a terminal a transient status line says what is happening; it leaves no line behind."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 never via a proxy
    status = contextlib.nullcontext()
    if sys.stderr.isatty():
        from rich.console import Console

        status = Console(stderr=True).status("starting the MLflow UI …")
    deadline = time.monotonic() + READY_TIMEOUT
    with status:
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with opener.open(f"{base}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return True
            except OSError:
                time.sleep(0.3)
    return False
