"""`fazhi ui`: the MLflow UI on the project's store, as a supervised child process, opened on the training runs."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import IO, Annotated

import typer

from fazhi.cli.common import ExperimentOpt, UriOpt, VerboseOpt, app, fail, user_errors, verbosity
from fazhi.config import DEFAULT_EXPERIMENT, LABELS

READY_TIMEOUT = 180  # seconds; the server is ready in ~7–15 s on a 2-core machine


@app.command()
def ui(
    tracking_uri: UriOpt = None,
    experiment: ExperimentOpt = DEFAULT_EXPERIMENT,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 5000,
    verbose: VerboseOpt = False,
) -> None:
    """Start the MLflow UI on the project's store and print the address of the experiment's training runs (Ctrl-C stops it).

    The address opens the Training runs table on the saved view "fazhi: CV figures": the configuration, CV macro-F1 and the F1 of each label as columns, best first. Nothing is printed per request; --verbose shows the server's own log.
    """
    import os
    import signal
    import socket
    import subprocess
    import tempfile

    with socket.socket() as probe:  # fail in one line now, not in uvicorn's log later
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port") from None
    with verbosity(verbose), user_errors():
        from fazhi import tracking
        from fazhi.mlflow_ui import ensure_runs_view, runs_url, ui_base, ui_command

        experiment_id = tracking.connect(tracking_uri, experiment)  # created if missing
        view = ensure_runs_view(experiment_id, list(LABELS))
    cmd, env = ui_command(tracking_uri, host, port, verbose)
    log = None if verbose else tempfile.TemporaryFile()  # the server's own output, for a failure
    try:
        # Its own session: Ctrl-C reaches only us, and we stop the server cleanly
        # instead of letting it print its workers' tracebacks.
        server = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT if log else None)
    except OSError as exc:
        raise fail(f"cannot start mlflow ui: {exc}") from None
    stopped = []  # by SIGTERM or Ctrl-C: a normal end, not the server's failure

    def stop(*_: object) -> None:
        stopped.append(True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # the server and its workers

    signal.signal(signal.SIGTERM, stop)
    base = ui_base(tracking_uri, host, port)
    try:
        ready = _wait_until_ready(server, base)
        if ready:
            store = cmd[cmd.index("--backend-store-uri") + 1]
            typer.echo(f"MLflow UI on {runs_url(base, experiment_id, view)}  (store {store}; Ctrl-C stops it)")
        elif server.poll() is None and not stopped:
            stop()
            server.wait()
            raise fail(f"mlflow ui did not answer on {base} within {READY_TIMEOUT} s{_last_line(log)}")
        code = server.wait()
    except KeyboardInterrupt:
        stop()
        code = server.wait()
    if code and not stopped:
        raise fail(f"mlflow ui exited with code {code}{_last_line(log)}", code)


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


def _last_line(log: IO[bytes] | None) -> str:
    """': <the last line the server wrote>' for a one-line error, or '' (verbose: it is on screen)."""
    if log is None:
        return ""
    log.seek(0)
    lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return f": {lines[-1]}" if lines else ""
