"""Report files in, tagged rows out: the formats fazhi reads and writes, each listed once.

The CLI's help, the readers' dispatch, the writers' dispatch and the README check all
read these tables. Importing this package imports no document or table library.
"""

from __future__ import annotations

# Input suffix → what it holds. Readers: fazhi.formats.readers.READERS (same keys).
REPORT_FORMATS: dict[str, str] = {
    ".txt": "plain text in any common Chinese encoding (detected)",
    ".md": "Markdown, read as plain text",
    ".html": "a web page (text without scripts, styles, navigation)",
    ".htm": "a web page",
    ".docx": "a Word document (paragraphs and table cells in order)",
    ".pdf": "a PDF with a text layer",
}
# Sentence tables: one sentence per row, in the column given by --text-column.
TABLE_FORMATS: dict[str, str] = {
    ".csv": "a sentence table, comma-separated",
    ".tsv": "a sentence table, tab-separated",
    ".jsonl": "a sentence table, one JSON object per line",
}
INPUT_FORMATS: dict[str, str] = {**REPORT_FORMATS, **TABLE_FORMATS}

# Output suffix → what is written. Writers: fazhi.formats.writers.WRITERS (same keys).
OUTPUT_FORMATS: dict[str, str] = {
    ".csv": "UTF-8 with BOM (opens in Excel)",
    ".jsonl": "one JSON object per row",
    ".xlsx": "an Excel workbook",
    ".parquet": "typed columns, zstd-compressed",
}


def suffix_list(formats: dict[str, str]) -> str:
    """'.txt, .md, …' for help texts and messages."""
    return ", ".join(formats)
