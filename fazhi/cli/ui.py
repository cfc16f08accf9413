"""`fazhi ui`: the MLflow UI on the project's store, as a supervised child process."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from fazhi.cli.common import UriOpt, app, fail


@app.command()
def ui(
    tracking_uri: UriOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 5000,
) -> None:
    """Start the MLflow UI on the project's store and print its address (Ctrl-C stops it)."""
    import os
    import signal
    import socket
    import subprocess

    from fazhi.tracking import ui_command

    with socket.socket() as probe:  # fail in one line now, not in uvicorn's log later
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port") from None
    cmd, env = ui_command(tracking_uri, host, port)
    try:
        # Its own session: Ctrl-C reaches only us, and we stop the server cleanly
        # instead of letting it print its workers' tracebacks.
        server = subprocess.Popen(cmd, env=env, start_new_session=True)
    except OSError as exc:
        raise fail(f"cannot start mlflow ui: {exc}") from None
    stopped = []  # by SIGTERM or Ctrl-C: a normal end, not the server's failure

    def stop(*_: object) -> None:
        stopped.append(True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # the server and its workers

    signal.signal(signal.SIGTERM, stop)
    typer.echo(f"MLflow UI on http://{host}:{port}  (store {cmd[cmd.index('--backend-store-uri') + 1]}; Ctrl-C stops it)")
    try:
        code = server.wait()
    except KeyboardInterrupt:
        stop()
        code = server.wait()
    if code and not stopped:
        raise fail(f"mlflow ui exited with code {code}", code)
