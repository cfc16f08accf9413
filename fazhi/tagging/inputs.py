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
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fazhi.config import CONFIDENCE_COL, MAX_INPUT_BYTES, SENTENCES_COL, TEXT_COL
from fazhi.errors import ReadError
from fazhi.formats import TABLE_FORMATS
from fazhi.formats.readers import read_report_parts, read_text_bytes, supported
from fazhi.formats.tables import header
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


@dataclass(frozen=True)
class Patterns:
    """--include / --exclude: which files a directory walk or a glob takes.

    A pattern is matched (fnmatch: `*` also crosses `/`, `?`, `[abc]`; case counts) against
    the file's path relative to the directory given (for a glob, its part before the first
    wildcard), with `/` as separator; a pattern without `/` also against the file's name.
    A pattern matching a folder (`drafts`, `drafts/`, `2023/old`) matches every file under it.
    With --include only files matching one are taken, README files too; --exclude wins
    over --include. A file named as an INPUT is never filtered.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def verdict(self, relative: str) -> bool | None:
        """False: left out by a pattern; True: taken by --include (README or not); None: the default rules."""
        if _any_match(self.exclude, relative):
            return False
        if self.include:
            return _any_match(self.include, relative)
        return None


def _any_match(patterns: Sequence[str], relative: str) -> bool:
    """Does a pattern match the file, or a folder it is in? `--exclude drafts` (or `drafts/`)
    leaves out everything under drafts/, as in .gitignore."""
    parts = relative.split("/")
    paths = ["/".join(parts[:k]) for k in range(len(parts), 0, -1)]  # the file, then the folders above it
    for pattern in patterns:
        p = pattern.rstrip("/") or pattern
        if any(fnmatch.fnmatchcase(path, p) for path in paths):
            return True
        if "/" not in p and any(fnmatch.fnmatchcase(part, p) for part in parts):
            return True
    return False


@dataclass(frozen=True)
class Skipped:
    """A file a walk or a glob found and left out, and why: "type" (not a format fazhi reads),
    "readme" (a folder's notes), "output" (fazhi's own rows, summary or suggestions) or
    "pattern" (--include/--exclude)."""

    path: Path
    why: str


def _discovered(path: Path, base: Path, patterns: Patterns, skipped: list[Skipped] | None = None) -> bool:
    """A file found by walking a directory or a glob: a report we can read. Hidden files,
    editor lock files ("~$x.docx") and our own temporary files are passed over silently;
    other files left out go to `skipped` with the reason."""
    if not path.is_file() or path.name.startswith((".", "~$")):
        return False
    verdict = patterns.verdict(path.relative_to(base).as_posix() if path.is_relative_to(base) else path.as_posix())
    why = ("pattern" if verdict is False else "type" if not supported(path)
           else "readme" if verdict is None and is_readme(path)
           else "output" if verdict is None and is_fazhi_output(path) else None)
    if why is None:
        return True
    if skipped is not None:
        skipped.append(Skipped(path, why))
    return False


def is_readme(path: Path) -> bool:
    """README.md, readme.txt …: a folder's notes. Tagged only when named as an INPUT or taken by --include."""
    return Path(path).stem.lower() == "readme"


def is_fazhi_output(path: Path) -> bool:
    """A table fazhi wrote: predict's rows or suggest's (a confidence column) or predict's
    summary (a sentences column). Tagging a folder into itself leaves them there, and a
    second run must not tag them as reports (only its header line is read)."""
    if Path(path).suffix.lower() not in TABLE_FORMATS:
        return False
    names = header(path)
    return CONFIDENCE_COL in names or SENTENCES_COL in names


def skipped_line(skipped: Sequence[Skipped]) -> str:
    """One line on what directory walks and globs left out, e.g. "skipped 4 files: 2 of
    unsupported types (.py, .xyz), 1 README (reports/README.md), 1 excluded by
    --include/--exclude (reports/old/a.txt)"; "" if none."""

    def some(paths: list[Path]) -> str:
        return ", ".join(str(p) for p in paths[:3]) + (", …" if len(paths) > 3 else "")

    by = {why: [s.path for s in skipped if s.why == why] for why in ("type", "readme", "output", "pattern")}
    parts = []
    if by["type"]:
        kinds = sorted({p.suffix.lower() or "no suffix" for p in by["type"]})
        parts.append(f"{len(by['type'])} of unsupported types ({', '.join(kinds)})")
    if by["readme"]:
        parts.append(f"{len(by['readme'])} README ({some(by['readme'])})")
    if by["output"]:
        n = len(by["output"])
        parts.append(f"{n} fazhi output{'s' if n != 1 else ''} ({some(by['output'])})")
    if by["pattern"]:
        parts.append(f"{len(by['pattern'])} excluded by --include/--exclude ({some(by['pattern'])})")
    n = len(skipped)
    return f"skipped {n} file{'s' if n != 1 else ''}: {', '.join(parts)}" if parts else ""


def _walk(
    directory: Path, keep: Callable[[Path], bool] = lambda _: True, skipped: list[Skipped] | None = None,
    patterns: Patterns = Patterns(), base: Path | None = None,
) -> tuple[list[Path], list[Report]]:
    """Report files under `directory` that `keep` accepts (symlinked directories are not
    followed, so no loop), and a failing Report per subdirectory that cannot be listed;
    files `keep` accepts that are left out go to `skipped`. Patterns match paths relative
    to `base` (default: `directory`)."""
    found, unreadable = [], []

    def onerror(exc: OSError) -> None:
        unreadable.append(Report(str(exc.filename), error=f"cannot list directory ({exc.strerror or exc})"))

    for root, dirs, files in os.walk(directory, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(p for p in (Path(root) / f for f in sorted(files))
                     if keep(p) and _discovered(p, base or directory, patterns, skipped))
    return found, unreadable


def _glob(pattern: str, skipped: list[Skipped] | None = None, patterns: Patterns = Patterns()) -> tuple[list[Path], list[Report]]:
    """Report files a glob names, and failing Reports for directories that cannot be listed.

    A directory the glob matches is searched like a directory INPUT. With '**' the
    search walks from the glob's fixed prefix without following symlinked directories:
    Python's glob follows them, and a link to a parent directory makes it loop.
    """
    parts = Path(pattern).parts
    fixed = next(i for i, part in enumerate(parts) if glob.has_magic(part))
    base = Path(*parts[:fixed]) if fixed else Path(".")  # what --include/--exclude match relative to
    if "**" in pattern:
        pats = parts[fixed:]

        def named(path: Path) -> bool:  # the file itself, or a directory above it, matches
            rel = path.relative_to(base).parts
            return any(_matches(rel[:k], pats) for k in range(1, len(rel) + 1))

        return _walk(base, named, skipped, patterns)
    found, unreadable = [], []
    for m in sorted(Path(m) for m in glob.glob(pattern)):
        if m.is_dir():
            more, bad = _walk(m, skipped=skipped, patterns=patterns, base=base)
            found += more
            unreadable += bad
        elif _discovered(m, base, patterns, skipped):
            found.append(m)
    return found, unreadable


def _matches(parts: tuple[str, ...], pats: tuple[str, ...]) -> bool:
    """Whether path components match glob components; '**' spans any number of them."""
    if not pats:
        return not parts
    if pats[0] == "**":
        return any(_matches(parts[i:], pats[1:]) for i in range(len(parts) + 1))
    return bool(parts) and not parts[0].startswith(".") and fnmatch.fnmatchcase(parts[0], pats[0]) and _matches(parts[1:], pats[1:])


def read_stdin() -> bytes:
    """Standard input, one byte past the input limit at most: enough for the reader to
    refuse it as too big, never the whole of an endless stream; read so that Ctrl-C
    stops a wait for a writer that sends nothing (read_limited)."""
    from fazhi.formats.tables import read_limited

    return read_limited(sys.stdin.buffer, MAX_INPUT_BYTES + 1)


def expand_inputs(
    inputs: Sequence[str],
    texts: Sequence[str] = (),
    text_column: str = TEXT_COL,
    stdin: Callable[[], bytes] | None = None,
    skipped: list[Skipped] | None = None,
    patterns: Patterns = Patterns(),
) -> list[Report]:
    """Reports named by INPUTs: files, directories (recursive), globs, "-" for stdin.

    A file reached twice (two INPUTs, or a glob through a symlink) is tagged once. Files
    a directory or glob reaches but leaves out (no report, or by `patterns`) are appended
    to `skipped` (skipped_line() says it in one line); a file named as an INPUT is always
    tried, whatever the patterns.
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
        is_dir = path.is_dir()
        if is_dir or (not path.exists() and glob.has_magic(item)):
            found, unreadable = _walk(path, skipped=skipped, patterns=patterns) if is_dir else _glob(item, skipped, patterns)
            if not found and not unreadable:
                nothing = "no report files in this directory" if is_dir else "no report file matches"
                why = " (after --include/--exclude)" if patterns.include or patterns.exclude else ""
                reports.append(Report(item, error=nothing + why))
            add_files(found)
            reports.extend(unreadable)
        elif not path.exists() and not supported(path):  # e.g. a mistyped directory, reports/
            reports.append(Report(item, error="no such file or directory"))
        else:
            reports.append(Report(item, path=path, text_column=text_column))  # a missing file fails when read
    return reports
