"""Command-line INPUTs → reports to read: files, directories (recursive), globs, standard input, --text.

Nothing is read here: a Report knows where its text comes from and reads it when
tagging reaches it, so a batch holds one report in memory at a time. An INPUT that
names nothing becomes a Report that fails when read, so it is reported in order with
the other failures.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fazhi.config import TEXT_COL
from fazhi.errors import ReadError
from fazhi.formats.readers import read_report_parts, read_text_bytes, supported
from fazhi.segment import text_lines

TEXT_SOURCE = "--text"
STDIN_SOURCE = "<stdin>"


@dataclass(frozen=True)
class Report:
    """One unit of input; exactly one of path, texts, stdin or error says where its text is."""

    name: str  # the `source` column and the name in error messages
    path: Path | None = None
    text_column: str = TEXT_COL  # for sentence tables
    texts: tuple[str, ...] = ()  # --text passages
    stdin: Callable[[], bytes] | None = None  # reads standard input once
    error: str | None = None  # why this INPUT names no report

    def parts(self) -> list[tuple[str, list[str]]]:
        """(source name, lines) of each report in this input; ReadError if it cannot be read.

        A sentence table with a report_id column holds several reports, named FILE#id.
        """
        if self.error is not None:
            raise ReadError(f"{self.name}: {self.error}")
        if self.path is not None:
            parts = read_report_parts(self.path, self.text_column)
            return [(f"{self.name}#{rid}" if rid else self.name, lines) for rid, lines in parts]
        if self.stdin is not None:
            return [(self.name, read_text_bytes(self.stdin(), self.name))]
        # A passage's line breaks end sentences, as in a file.
        return [(self.name, [line for t in self.texts for line in text_lines(t)])]


def _discovered(path: Path, skipped: list[Path] | None = None) -> bool:
    """A file found by walking a directory or a glob: a report we can read. Hidden files,
    editor lock files ("~$x.docx") and our own temporary files are passed over silently;
    other files, and README files (notes about the folder, not reports), go to `skipped`."""
    if not path.is_file() or path.name.startswith((".", "~$")):
        return False
    if supported(path) and not is_readme(path):
        return True
    if skipped is not None:
        skipped.append(path)
    return False


def is_readme(path: Path) -> bool:
    """README.md, readme.txt …: a folder's notes. Tagged only when named as an INPUT."""
    return Path(path).stem.lower() == "readme"


def skipped_line(skipped: Sequence[Path]) -> str:
    """One line on what directory walks and globs left out, e.g. "skipped 3 files: 2 of
    unsupported types (.py, .xyz), 1 README (reports/README.md)"; "" if none."""
    readmes = [p for p in skipped if is_readme(p) and supported(p)]
    others = [p for p in skipped if p not in readmes]
    parts = []
    if others:
        kinds = sorted({p.suffix.lower() or "no suffix" for p in others})
        parts.append(f"{len(others)} of unsupported types ({', '.join(kinds)})")
    if readmes:
        shown = ", ".join(str(p) for p in readmes[:3]) + (", …" if len(readmes) > 3 else "")
        parts.append(f"{len(readmes)} README ({shown})")
    n = len(skipped)
    return f"skipped {n} file{'s' if n != 1 else ''}: {', '.join(parts)}" if parts else ""


def _walk(
    directory: Path, keep: Callable[[Path], bool] = lambda _: True, skipped: list[Path] | None = None
) -> tuple[list[Path], list[Report]]:
    """Report files under `directory` that `keep` accepts (symlinked directories are not
    followed, so no loop), and a failing Report per subdirectory that cannot be listed;
    files `keep` accepts that are no reports go to `skipped`."""
    found, unreadable = [], []

    def onerror(exc: OSError) -> None:
        unreadable.append(Report(str(exc.filename), error=f"cannot list directory ({exc.strerror or exc})"))

    for root, dirs, files in os.walk(directory, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(p for p in (Path(root) / f for f in sorted(files)) if keep(p) and _discovered(p, skipped))
    return found, unreadable


def _glob(pattern: str, skipped: list[Path] | None = None) -> tuple[list[Path], list[Report]]:
    """Report files a glob names, and failing Reports for directories that cannot be listed.

    A directory the glob matches is searched like a directory INPUT. With '**' the
    search walks from the glob's fixed prefix without following symlinked directories:
    Python's glob follows them, and a link to a parent directory makes it loop.
    """
    if "**" not in pattern:
        matches = sorted(Path(m) for m in glob.glob(pattern))
    else:
        parts = Path(pattern).parts
        fixed = next(i for i, part in enumerate(parts) if glob.has_magic(part))
        base = Path(*parts[:fixed]) if fixed else Path(".")
        pats = parts[fixed:]

        def named(path: Path) -> bool:  # the file itself, or a directory above it, matches
            rel = path.relative_to(base).parts
            return any(_matches(rel[:k], pats) for k in range(1, len(rel) + 1))

        return _walk(base, named, skipped)
    found, unreadable = [], []
    for m in matches:
        if m.is_dir():
            more, bad = _walk(m, skipped=skipped)
            found += more
            unreadable += bad
        elif _discovered(m, skipped):
            found.append(m)
    return found, unreadable


def _matches(parts: tuple[str, ...], pats: tuple[str, ...]) -> bool:
    """Whether path components match glob components; '**' spans any number of them."""
    if not pats:
        return not parts
    if pats[0] == "**":
        return any(_matches(parts[i:], pats[1:]) for i in range(len(parts) + 1))
    return bool(parts) and not parts[0].startswith(".") and fnmatch.fnmatchcase(parts[0], pats[0]) and _matches(parts[1:], pats[1:])


def expand_inputs(
    inputs: Sequence[str],
    texts: Sequence[str] = (),
    text_column: str = TEXT_COL,
    stdin: Callable[[], bytes] | None = None,
    skipped: list[Path] | None = None,
) -> list[Report]:
    """Reports named by INPUTs: files, directories (recursive), globs, "-" for stdin.

    A file reached twice (two INPUTs, or a glob through a symlink) is tagged once. Files
    a directory or glob reaches but that are no reports are appended to `skipped`
    (skipped_line() says it in one line); a file named as an INPUT is always tried.
    """
    reports: list[Report] = [Report(TEXT_SOURCE, texts=tuple(texts))] if texts else []
    seen: set[Path] = set()

    def add_files(paths: list[Path]) -> None:
        for p in paths:
            real = p.resolve()
            if real not in seen:
                seen.add(real)
                reports.append(Report(str(p), path=p, text_column=text_column))

    for item in inputs:
        if item == "-":
            why = None if stdin is not None else "standard input is not available"
            reports.append(Report(STDIN_SOURCE, stdin=stdin, error=why))
            continue
        path = Path(item)
        if path.is_dir():
            found, unreadable = _walk(path, skipped=skipped)
            if not found and not unreadable:
                reports.append(Report(item, error="no report files in this directory"))
            add_files(found)
            reports.extend(unreadable)
        elif not path.exists() and glob.has_magic(item):
            found, unreadable = _glob(item, skipped)
            if not found and not unreadable:
                reports.append(Report(item, error="no report file matches"))
            add_files(found)
            reports.extend(unreadable)
        else:
            reports.append(Report(item, path=path, text_column=text_column))  # a missing file fails when read
    return reports
