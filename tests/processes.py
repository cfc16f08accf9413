"""Real `fazhi` processes for the interruption tests: start one, wait for a sign of its work, find its workers.

Processes are read from /proc (Linux; psutil is not a dependency). Every process a
test starts is stopped by its id when the test ends (`started`).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

FAZHI = str(Path(sys.executable).with_name("fazhi"))


def fazhi(*args: str, tmpdir: Path, cwd: Path, **popen) -> subprocess.Popen:
    """`fazhi ARGS` with its own TMPDIR (to see what it leaves in the system temp folder)."""
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONUNBUFFERED": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.Popen([FAZHI, *args], cwd=cwd, env=env, text=True,
                            **{"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen})


@contextmanager
def started(proc: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """The process, killed (with the workers it left, by id) if the test ends before it does."""
    try:
        yield proc
    finally:
        leftovers = descendants(proc.pid) if proc.poll() is None else []
        for pid in [proc.pid, *leftovers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.communicate()


def wait_for(condition: Callable[[], object], timeout: float, what: str, proc: subprocess.Popen | None = None):
    """Poll `condition` until it is true; fail naming `what` (and the process's stderr if it ended)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"fazhi ended (exit {proc.returncode}) before {what}: {proc.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def held_open(fifo: Path, proc: subprocess.Popen, timeout: float = 120) -> int:
    """Wait until `proc` opens the named pipe `fifo` for reading, and return our writing
    end (close it when done). Until then opening it for writing without blocking fails
    (ENXIO); from then on the reader waits for data for as long as the fd stays open:
    a window in which a signal is certain to find fazhi at work, on any machine load."""
    import errno

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
        if proc.poll() is not None:
            raise AssertionError(f"fazhi ended (exit {proc.returncode}) before reading {fifo}: {proc.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for fazhi to read {fifo}")


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def descendants(pid: int) -> list[int]:
    """Live (not zombie) processes below `pid`."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) and stat[1] != "Z":
            children.setdefault(stat[0], []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running: a zombie has ended (its reaping is its new parent's business)."""
    stat = _stat(pid)
    return stat is not None and stat[1] != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def hidden(directory: Path) -> list[str]:
    return sorted(p.name for p in Path(directory).iterdir() if p.name.startswith("."))


def random_report(path: Path, lines: int = 3000, seed: int = 1) -> Path:
    """A report of random Chinese characters: slow enough to tag to be interrupted,
    and its output does not compress (a small disk fills up)."""
    rng = random.Random(seed)
    text = "\n".join("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(30)) + "。" for _ in range(lines))
    path.write_text(text, encoding="utf-8")
    return path


def one_line(stderr: str) -> str:
    """stderr must be one line and no traceback; the line."""
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]
