"""Writers: every format reads back the same rows; writes are atomic and never clobber."""

import csv
import io

import pytest

from fazhi.errors import OutputError
from fazhi.formats import OUTPUT_FORMATS, binary_writers, writers as output
from fazhi.formats.writers import Column, check_target, open_writer
from make_files import read_back

COLUMNS = [Column("source", "str"), Column("sentence", "int"), Column("text", "str"),
           Column("confidence", "float"), Column("uncertain", "bool")]
ROWS = [
    {"source": "甲.docx", "sentence": 0, "text": "加强“八五”普法，宣传,引号\"与换行\n。", "confidence": 0.91, "uncertain": False},
    {"source": "甲.docx", "sentence": 1, "text": "存在不足。", "confidence": 0.42, "uncertain": True},
]


@pytest.mark.parametrize("suffix", OUTPUT_FORMATS)
def test_each_format_reads_back_the_rows_written_in_several_calls(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with open_writer(path, COLUMNS) as writer:
        writer.write(ROWS[:1])
        writer.write([])
        writer.write(ROWS[1:])
    assert writer.rows == 2
    assert read_back(path) == ROWS
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_parquet_columns_are_typed(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "out.parquet"
    with open_writer(path, COLUMNS) as writer:
        writer.write(ROWS)
    assert [str(t) for t in pq.read_schema(path).types] == ["string", "int64", "string", "double", "bool"]


def test_parquet_is_written_in_row_groups_as_rows_arrive(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    monkeypatch.setattr(binary_writers.ParquetWriter, "BATCH", 3)
    path = tmp_path / "out.parquet"
    with open_writer(path, COLUMNS) as writer:
        for i in range(4):
            writer.write(ROWS)  # 2 rows a call: the buffer reaches 3 at 4 rows, twice
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4]
    assert read_back(path) == ROWS * 4


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(binary_writers, "XLSX_MAX_ROWS", 2)  # header + 1 row per sheet
    path = tmp_path / "out.xlsx"
    with open_writer(path, COLUMNS) as writer:
        writer.write(ROWS + ROWS[:1])
    from openpyxl import load_workbook

    assert load_workbook(path, read_only=True).sheetnames == ["rows", "rows2", "rows3"]
    assert read_back(path) == ROWS + ROWS[:1]


def test_an_error_mid_write_leaves_the_existing_file_untouched_and_no_temporary(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with open_writer(path, COLUMNS) as writer:
            writer.write(ROWS)
            raise RuntimeError("interrupted")
    assert path.read_text(encoding="utf-8") == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_committed_file_gets_normal_permissions_not_mkstemp_private_ones(tmp_path):
    path = tmp_path / "out.jsonl"
    with open_writer(path, COLUMNS) as writer:
        writer.write(ROWS)
    assert path.stat().st_mode & 0o044  # readable by group/others under a usual umask


@pytest.mark.parametrize(
    ("name", "force", "why"),
    [
        ("out.txt", False, "unknown output format '.txt'; use .csv, .jsonl, .xlsx, .parquet"),
        ("out", False, "unknown output format '(no suffix)'"),
        ("existing.csv", False, "exists (use --force to replace it)"),
        ("input.csv", True, "is also an input; refusing to overwrite it"),
        ("nodir/out.csv", False, "does not exist"),
        ("adir.csv", True, "is a directory"),
        ("x" * 300 + ".csv", True, "cannot be an output (File name too long)"),  # not a traceback
    ],
)
def test_check_target_refuses_what_would_lose_data(tmp_path, name, force, why):
    (tmp_path / "existing.csv").write_text("x", encoding="utf-8")
    (tmp_path / "input.csv").write_text("x", encoding="utf-8")
    (tmp_path / "adir.csv").mkdir()
    target = tmp_path / name
    with pytest.raises(OutputError) as info:
        check_target(target, {(tmp_path / "input.csv").resolve()}, force)
    assert str(info.value) == f"{target}: {why}" or (str(info.value).startswith(f"{target}: ") and why in str(info.value))


def test_check_target_accepts_a_new_file_or_an_existing_one_only_with_force(tmp_path):
    (tmp_path / "existing.csv").write_text("x", encoding="utf-8")
    assert check_target(tmp_path / "new.parquet", set(), force=False) is None
    assert check_target(tmp_path / "existing.csv", set(), force=True) is None
    with pytest.raises(OutputError, match="exists"):
        check_target(tmp_path / "existing.csv", set(), force=False)
    assert (tmp_path / "existing.csv").read_text(encoding="utf-8") == "x"  # checking never touches a file


def test_stream_jsonl_writes_only_the_columns_in_order():
    import io

    buf = io.StringIO()
    writer = output.StreamJsonl(buf, COLUMNS[:3])
    writer.write([{**ROWS[1], "extra": 1}])
    assert buf.getvalue() == '{"source": "甲.docx", "sentence": 1, "text": "存在不足。"}\n'


def test_terminal_table_shows_text_literally_not_as_markup():
    from rich.console import Console

    from fazhi.show.terminal import TerminalTable

    console = Console(record=True, width=120, color_system=None)
    TerminalTable(console, COLUMNS).write([{**ROWS[1], "text": "依据[bold]〔2023〕19号[/bold]文件。"}])
    shown = console.export_text()
    assert "[bold]〔2023〕19号[/bold]" in shown
    assert "0.42" in shown and "⚠" in shown and "甲.docx" in shown


FORMULAS = ['=HYPERLINK("http://example.com","点我")', "=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(1)",
            "\t=1+1", "\r=1+1"]


def _texts(path):
    if path.suffix == ".csv":  # read as Excel does: a line break inside quotes stays in the cell
        return [r["text"] for r in csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""))]
    return [r["text"] for r in read_back(path)]


def _text_rows(texts):
    return [{"source": "甲.docx", "sentence": i, "text": t, "confidence": 0.5, "uncertain": False}
            for i, t in enumerate(texts)]


def test_csv_neutralises_formula_cells_with_a_leading_quote(tmp_path):
    path = tmp_path / "out.csv"
    with open_writer(path, COLUMNS) as writer:
        writer.write(_text_rows(FORMULAS + ["依法行政=法治政府。"]))
    assert _texts(path) == ["'" + f for f in FORMULAS] + ["依法行政=法治政府。"]


def test_xlsx_stores_formula_like_text_as_text_cells(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    with open_writer(path, COLUMNS) as writer:
        writer.write(_text_rows(FORMULAS))
    cells = [row[2] for row in load_workbook(path).active.iter_rows(min_row=2)]
    assert [c.value for c in cells] == FORMULAS
    assert {c.data_type for c in cells} == {"s"}  # "f" would be a live formula


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_jsonl_and_parquet_keep_formula_like_text_raw(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with open_writer(path, COLUMNS) as writer:
        writer.write(_text_rows(FORMULAS))
    assert _texts(path) == FORMULAS


@pytest.mark.parametrize("suffix", OUTPUT_FORMATS)
def test_control_characters_never_end_a_write(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with open_writer(path, COLUMNS) as writer:
        writer.write(_text_rows(["甲\x0b乙\x00丙\x1f。", "好的句子。"]))
    texts = _texts(path)
    assert texts[1] == "好的句子。"
    assert texts[0] == ("甲乙丙。" if suffix == ".xlsx" else "甲\x0b乙\x00丙\x1f。")


def test_the_confusion_matrix_keeps_its_columns_under_chinese_labels():
    import numpy as np

    from fazhi.show.terminal import _width, format_confusion

    lines = format_confusion(["普法宣传", "不足"], np.array([[61, 0], [2, 31]])).splitlines()
    assert lines[0] == "true\\pred  普法宣传      不足"
    assert lines[1] == "普法宣传         61         0"
    assert {_width(line) for line in lines} == {_width(lines[0])}  # every count ends under its label
