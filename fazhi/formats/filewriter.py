"""The base of every file writer: rows streamed into a temporary file beside the target,
renamed into place only when complete, thrown away on failure or interruption."""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fazhi.errors import OutputError
from fazhi.formats.files import publish, remove_stale, temp_beside


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "str", "int", "float" or "bool": typed columns in .parquet and .xlsx; "pct" on screen only


class FileWriter:
    """Base of the file writers: a temporary file, committed by rename on success."""

    def __init__(self, path: Path, columns: list[Column]):
        self.path = Path(path)
        self.columns = columns
        self.names = [c.name for c in columns]
        self.rows = 0
        remove_stale(self.path.parent)  # what a killed run left
        self.tmp = temp_beside(self.path)
        try:
            self._open()
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise

    def _open(self) -> None: ...
    def _write(self, rows: list[dict]) -> None: ...
    def _close(self) -> None: ...

    def write(self, rows: list[dict]) -> None:
        if rows:
            try:
                self._write(rows)
            except Exception as exc:
                raise self._failure(exc) from None
            self.rows += len(rows)

    def commit(self) -> None:
        try:
            self._close()
            publish(self.tmp, self.path)
        except BaseException as exc:  # e.g. the disk filled up at close: leave no temporary file
            self.abort()
            if isinstance(exc, Exception):
                raise self._failure(exc) from None
            raise

    def _failure(self, exc: Exception) -> Exception:
        """An OSError as it is; what a library raises for a failed write (pyarrow's
        ArrowInvalid, lxml's SerialisationError "IO_ENOSPC" …) as one OutputError line."""
        if isinstance(exc, (OSError, OutputError)):
            return exc
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        code = re.search(r"\bIO_(E[A-Z]+)\b", why)  # lxml's names of errno values
        if code and isinstance(getattr(errno, code.group(1), None), int):
            why = os.strerror(getattr(errno, code.group(1)))
        return OutputError(f"{self.path}: cannot write ({why}); nothing was replaced")

    def abort(self) -> None:
        """Throw the temporary file away. Nothing more is written: on a full disk, or after
        Ctrl-C, finishing the file would fail or only waste time."""
        try:
            self._discard()
        except Exception:  # what fails while being thrown away does not matter
            pass
        finally:
            self.tmp.unlink(missing_ok=True)

    def _discard(self) -> None:
        self._close()

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, kind, *_: Any) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
