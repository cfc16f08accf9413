"""Run a server as a supervised child process: its own session, stopped with all its workers on Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess

from fazhi.cli.common import fail


def check_port(host: str, port: int) -> None:
    """Fail in one line now if host:port cannot be listened on, not in the server's log later."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port") from None


def supervise(cmd: list[str], env: dict[str, str], what: str) -> None:
    """Run `cmd` until it exits, Ctrl-C or SIGTERM; a failure of the server is one error line."""
    try:
        # Its own session: Ctrl-C reaches only us, and we stop the server and its workers
        # cleanly instead of letting them print tracebacks.
        server = subprocess.Popen(cmd, env=env, start_new_session=True)
    except OSError as exc:
        raise fail(f"cannot start {what}: {exc}") from None
    stopped = []  # by SIGTERM or Ctrl-C: a normal end, not the server's failure

    def stop(*_: object) -> None:
        stopped.append(True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        try:
            code = server.wait()
        except KeyboardInterrupt:
            stop()
            code = server.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code and not stopped:
        raise fail(f"{what} exited with code {code}", code)
