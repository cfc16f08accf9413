"""Files, safely: atomic writes (a temporary file beside the target, renamed into place) and content hashes.

An existing file is never left half-written, and a failed write leaves no temporary file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def temp_beside(path: Path) -> Path:
    """A new, empty temporary file in `path`'s directory (hidden, so no batch picks it up)."""
    fd, name = tempfile.mkstemp(dir=Path(path).parent, prefix=f".{Path(path).name}.", suffix=".tmp")
    os.close(fd)
    return Path(name)


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
