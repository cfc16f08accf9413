"""The format tables are the one list of what fazhi reads and writes: readers, writers, help and README agree."""

from typer.testing import CliRunner

from fazhi.cli import app
from fazhi.config import PROJECT_ROOT
from fazhi.formats import INPUT_FORMATS, OUTPUT_FORMATS, REPORT_FORMATS, TABLE_FORMATS
from fazhi.formats.readers import READERS, supported
from fazhi.formats.writers import WRITERS


def test_every_listed_format_has_a_reader_or_writer_and_nothing_else_does():
    assert set(READERS) == set(REPORT_FORMATS)
    assert set(INPUT_FORMATS) == set(REPORT_FORMATS) | set(TABLE_FORMATS)
    assert set(WRITERS) == set(OUTPUT_FORMATS)
    assert supported("a/b.DOCX") and not supported("notes.xyz")


def test_the_help_and_the_readme_name_every_format():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    help_text = " ".join(CliRunner().invoke(app, ["predict", "--help"], terminal_width=200).output.split())
    for suffix in (*INPUT_FORMATS, *OUTPUT_FORMATS):
        assert f"`{suffix}`" in readme, suffix
        assert suffix in help_text, suffix
