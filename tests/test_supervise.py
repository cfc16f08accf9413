"""fazhi.cli.supervise: a child server in its own session, a readiness hook, one-line failures with the server's last line."""

import os
import subprocess
import sys
import tempfile
import time

import pytest
import typer

from fazhi.cli.supervise import supervise

SERVER = [sys.executable, "-c"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_server_that_never_gets_ready_is_stopped_and_the_reason_is_one_line(capsys):
    seen = []

    def never(server: subprocess.Popen) -> str:
        seen.append(server.pid)
        time.sleep(0.5)
        return "did not answer on http://127.0.0.1:1 within 0.5 s"

    code = "import sys, time; print('starting on port 1', flush=True); time.sleep(60)"
    started = time.monotonic()
    with tempfile.TemporaryFile() as log, pytest.raises(typer.Exit) as ended:
        supervise([*SERVER, code], dict(os.environ), "the test server", log, never)
    # supervise waits for the server it stopped: had the stop not reached it, that wait
    # would last the server's 60 s (the pid below is reaped either way)
    assert time.monotonic() - started < 30
    assert ended.value.exit_code == 1
    assert capsys.readouterr().err == ("error: the test server did not answer on http://127.0.0.1:1 within 0.5 s: "
                                       "starting on port 1\n")
    assert not _alive(seen[0])  # stopped, not left behind


def test_a_ready_server_runs_until_it_exits_and_its_failure_is_one_line_with_its_last_line(capsys):
    said = []

    def ready(server: subprocess.Popen) -> None:
        said.append("ready")
        return None

    code = "import sys; print('loading'); print('port in use', file=sys.stderr); sys.exit(3)"
    with tempfile.TemporaryFile() as log, pytest.raises(typer.Exit) as ended:
        supervise([*SERVER, code], dict(os.environ), "the test server", log, ready)
    assert said == ["ready"] and ended.value.exit_code == 3
    assert capsys.readouterr().err == "error: the test server exited with code 3: port in use\n"
    supervise([*SERVER, "pass"], dict(os.environ), "the test server")  # a clean exit: nothing to say
