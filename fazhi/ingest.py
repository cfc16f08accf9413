"""Report files → lines of text (paragraphs), ready for segmentation."""

from __future__ import annotations

from pathlib import Path

from fazhi.segment import normalize


class ReadError(Exception):
    """A report that cannot be read; str() is one line naming the file and why."""


def read_report(path: Path) -> list[str]:
    """The lines of a report file, in order."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReadError(f"{path}: not UTF-8") from None
    return normalize(text).split("\n")
