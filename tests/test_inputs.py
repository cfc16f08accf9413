"""fazhi.tagging.inputs on hostile trees: symlink loops under a recursive glob, a directory nobody may list."""

import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import hostile_files as hostile
import make_files as mk
from fazhi.errors import ReadError
from fazhi.tagging.inputs import Patterns, expand_inputs


def _names(reports):
    return [r.name for r in reports]


@pytest.fixture()
def tree(tmp_path, monkeypatch):
    """d/a.txt, d/sub/b.txt, d/sub/deeper/c.html, d/x.md; no symlinks."""
    d = tmp_path / "d"
    (d / "sub" / "deeper").mkdir(parents=True)
    mk.txt(d / "a.txt")
    mk.txt(d / "sub" / "b.txt")
    mk.html(d / "sub" / "deeper" / "c.html")
    mk.txt(d / "x.md")
    monkeypatch.chdir(tmp_path)
    return d


@pytest.mark.parametrize("pattern", ["d/**/*.txt", "d/**", "**/*.txt", "d/**/deeper", "d/s*/**/*.html", "d/**/sub/*"])
def test_recursive_globs_find_what_python_glob_finds_in_a_tree_without_links(tree, pattern):
    expected = []
    for m in sorted(glob.glob(pattern, recursive=True)):
        path = Path(m)
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        expected += [str(p) for p in found if p.suffix in (".txt", ".md", ".html") and str(p) not in expected]
    assert sorted(_names(expand_inputs([pattern]))) == sorted(expected)


def test_a_recursive_glob_never_follows_symlink_loops(tmp_path):
    # Python's glob follows a link to a parent: with two such loops it runs for
    # minutes; fazhi walks without following symlinked directories.
    (tmp_path / "d").mkdir()
    hostile.symlink_loops(tmp_path / "d", loops=2)
    code = ("import sys, json; from fazhi.tagging.inputs import expand_inputs; "
            "print(json.dumps([r.name for r in expand_inputs([sys.argv[1]])]))")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "d" / "**" / "*.txt")],
                          capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout) == [str(tmp_path / "d" / "a.txt")]
    assert time.perf_counter() - start < 20


def _as_nobody(work):
    """work() in a forked child that runs as the unprivileged user nobody when we are root
    (root may list any directory, whatever its mode); its JSON result."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            with os.fdopen(write, "w") as out:
                out.write(json.dumps(work()))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as inp:
        result = inp.read()
    os.waitpid(pid, 0)
    return json.loads(result)


def test_a_subdirectory_that_cannot_be_listed_is_a_failing_report_not_silence():
    root = Path(tempfile.mkdtemp(prefix="fazhi-unlistable-"))  # not under pytest's owner-only tmp
    try:
        root.chmod(0o755)
        mk.txt(root / "a.txt")
        (root / "locked").mkdir()
        mk.txt(root / "locked" / "b.txt")
        (root / "locked").chmod(0)

        def expand():
            out = []
            for report in expand_inputs([str(root)]):
                try:
                    report.parts()
                    out.append([report.name, None])
                except ReadError as exc:
                    out.append([report.name, str(exc)])
            return out

        assert _as_nobody(expand) == [
            [str(root / "a.txt"), None],
            [str(root / "locked"), f"{root / 'locked'}: cannot list directory (Permission denied)"],
        ]
    finally:
        (root / "locked").chmod(stat.S_IRWXU)
        shutil.rmtree(root)


def _taken(inputs, **patterns):
    from fazhi.tagging.inputs import Patterns, Skipped

    skipped: list[Skipped] = []
    reports = expand_inputs(inputs, skipped=skipped, patterns=Patterns(**{k: tuple(v) for k, v in patterns.items()}))
    return sorted(_names(reports)), sorted((str(s.path), s.why) for s in skipped)


def test_exclude_patterns_match_the_path_relative_to_the_directory_or_the_file_name(tree):
    (tree / "README.md").write_text("notes", encoding="utf-8")
    assert _taken(["d"], exclude=["sub/*"]) == (["d/a.txt", "d/x.md"], [
        ("d/README.md", "readme"), ("d/sub/b.txt", "pattern"), ("d/sub/deeper/c.html", "pattern")])
    assert _taken(["d"], exclude=["*.md", "b.txt"])[0] == ["d/a.txt", "d/sub/deeper/c.html"]  # a name, at any depth
    assert _taken(["d"], exclude=["d/a.txt"])[0] == ["d/a.txt", "d/sub/b.txt", "d/sub/deeper/c.html", "d/x.md"]  # relative to d
    assert _taken(["d"], exclude=["SUB/*"])[0] == ["d/a.txt", "d/sub/b.txt", "d/sub/deeper/c.html", "d/x.md"]  # case counts


def test_a_pattern_naming_a_folder_matches_every_file_under_it(tree):
    under_sub = [("d/sub/b.txt", "pattern"), ("d/sub/deeper/c.html", "pattern")]
    for pattern in ("sub", "sub/", "s?b"):
        assert _taken(["d"], exclude=[pattern]) == (["d/a.txt", "d/x.md"], under_sub), pattern
    assert _taken(["d"], exclude=["deeper"])[0] == ["d/a.txt", "d/sub/b.txt", "d/x.md"]  # a folder's name, at any depth
    assert _taken(["d"], exclude=["sub/deeper"])[0] == ["d/a.txt", "d/sub/b.txt", "d/x.md"]
    assert _taken(["d"], include=["sub"])[0] == ["d/sub/b.txt", "d/sub/deeper/c.html"]
    assert _taken(["d"], exclude=["su"])[0] == ["d/a.txt", "d/sub/b.txt", "d/sub/deeper/c.html", "d/x.md"]  # whole names only


def test_include_takes_only_what_matches_readme_files_too_and_exclude_wins(tree):
    (tree / "README.md").write_text("notes", encoding="utf-8")
    (tree / "fetch.py").write_text("print()", encoding="utf-8")
    names, skipped = _taken(["d"], include=["*.md"])
    assert names == ["d/README.md", "d/x.md"]  # the README rule is the default only
    assert ("d/a.txt", "pattern") in skipped and ("d/fetch.py", "pattern") in skipped
    assert _taken(["d"], include=["*"])[1] == [("d/fetch.py", "type")]  # a type fazhi cannot read stays out
    assert _taken(["d"], include=["*.md", "*.txt"], exclude=["README.md", "sub/*"])[0] == ["d/a.txt", "d/x.md"]


def test_in_a_glob_patterns_are_relative_to_its_part_before_the_first_wildcard(tree):
    assert _taken(["d/**/*.txt"], exclude=["sub/b.txt"]) == (["d/a.txt"], [("d/sub/b.txt", "pattern")])
    assert _taken(["d/s*"], exclude=["sub/deeper/*"])[0] == ["d/sub/b.txt"]


def test_a_file_named_as_an_input_is_never_filtered(tree):
    assert _taken(["d/a.txt", "d/x.md"], exclude=["*"], include=["nothing"]) == (["d/a.txt", "d/x.md"], [])


def test_the_skipped_line_names_files_excluded_by_pattern(tree):
    from fazhi.tagging.inputs import skipped_line

    (tree / "README.md").write_text("notes", encoding="utf-8")
    (tree / "notes.xyz").write_text("?", encoding="utf-8")
    skipped: list = []
    expand_inputs(["d"], skipped=skipped, patterns=Patterns(exclude=("*/deeper/*",)))
    assert skipped_line(skipped) == ("skipped 3 files: 1 of unsupported types (.xyz), 1 README (d/README.md), "
                                     "1 excluded by --include/--exclude (d/sub/deeper/c.html)")


def test_a_directory_with_every_file_excluded_says_so(tree):
    [report] = expand_inputs(["d"], patterns=Patterns(exclude=("*",)))
    with pytest.raises(ReadError, match=r"^d: no report files in this directory \(after --include/--exclude\)$"):
        report.parts()


@pytest.mark.parametrize("name", ["reports/", "reports", "reports.2024/"])
def test_a_mistyped_directory_is_no_such_file_or_directory_not_an_unsupported_type(tmp_path, name):
    [report] = expand_inputs([str(tmp_path / name)])
    with pytest.raises(ReadError, match=rf"^{tmp_path / name}: no such file or directory$"):
        report.parts()
