"""Files, safely: atomic writes (a temporary file beside the target, renamed into place) and content hashes.

An existing file is never left half-written, and a failed or interrupted write leaves no
temporary file; one left by a process killed with SIGKILL is removed by the next writer
into the same directory (remove_stale).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path


def temp_beside(path: Path) -> Path:
    """A new, empty temporary file in `path`'s directory (hidden, so no batch picks it up;
    named after this process, so that remove_stale can tell when it is abandoned)."""
    fd, name = tempfile.mkstemp(dir=Path(path).parent, prefix=stale_prefix(Path(path).name), suffix=".tmp")
    os.close(fd)
    return Path(name)


def stale_prefix(name: str) -> str:
    """`.NAME.fazhi-PID@HOST.`: the start of a temporary name this process owns."""
    return f".{name}.fazhi-{os.getpid()}@{HOST}."


HOST = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40] or "host"
_OWNED = re.compile(r"^\..*\.fazhi-(\d+)@([A-Za-z0-9_-]+)\.[A-Za-z0-9_]+\.tmp$")


def remove_stale(directory: Path) -> list[Path]:
    """Remove the temporary files and directories (stale_prefix) that a fazhi process of
    this host left in `directory` and that no running process owns any more: what a run
    killed with SIGKILL, which cannot clean up, left behind. Returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        owned = _OWNED.match(entry.name)
        if not owned or owned.group(2) != HOST or alive(int(owned.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def publish(tmp: Path, path: Path) -> None:
    """Rename a finished temporary file onto `path`, with the mode a new file gets.

    mkstemp creates files readable by their owner only; a user's output should not be.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path to write to; renamed onto `path` if the block ends normally,
    removed if it fails."""
    tmp = temp_beside(path)
    try:
        yield tmp
        publish(tmp, Path(path))
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see atomic_file)."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
