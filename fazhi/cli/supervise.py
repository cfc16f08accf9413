"""Run a server as a supervised child process: its own session, stopped with all its workers on Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from typing import IO

from fazhi.cli.common import fail
from fazhi.interrupts import Stop


def check_port(host: str, port: int) -> None:
    """Fail in one line now if host:port cannot be listened on, not in the server's log later."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port") from None


def supervise(
    cmd: list[str],
    env: dict[str, str],
    what: str,
    log: IO[bytes] | None = None,
    ready: Callable[[subprocess.Popen], str | None] | None = None,
) -> None:
    """Run `cmd` until it exits, Ctrl-C or SIGTERM; a failure of the server is one error line.

    log: a file for the server's own output (default: the terminal); its last line ends
    an error message. ready(server): waits until the server answers, says so and returns
    None, or returns why it did not (the server is then stopped and that is the error).
    """
    try:
        # Its own session: Ctrl-C reaches only us, and we stop the server and its workers
        # cleanly instead of letting them print tracebacks.
        server = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=log,
                                  stderr=subprocess.STDOUT if log is not None else None)
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
            why = ready(server) if ready is not None else None
            if why is not None and server.poll() is None and not stopped:
                stop()
                server.wait()
                raise fail(f"{what} {why}{last_line(log)}")
            code = server.wait()
        except (KeyboardInterrupt, Stop):  # Ctrl-C (Stop once fazhi.interrupts is installed)
            stop()
            code = server.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code and not stopped:
        raise fail(f"{what} exited with code {code}{last_line(log)}", code)


def last_line(log: IO[bytes] | None) -> str:
    """': <the last line the server wrote>' for a one-line error, or '' (no log: it is on screen)."""
    if log is None:
        return ""
    log.seek(0)
    lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return f": {lines[-1]}" if lines else ""
