"""Hostile inputs for tests, built at test time: files a careless reader would choke on or obey.

Each builder writes real files with the libraries an attacker or a broken tool would
use, and returns the path.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path


class RunsCommand:
    """Unpickling this calls os.system(command): what a hostile model file does."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def touch_command(marker: Path) -> str:
    return f"touch {marker}"


def evil_pickle(path: Path, marker: Path, inside_object_array: bool = False) -> Path:
    """A joblib file whose loading creates `marker`; with inside_object_array, the
    payload hides in an array of Python objects (joblib's nested pickle stream)."""
    import joblib
    import numpy as np

    payload = RunsCommand(touch_command(marker))
    if inside_object_array:
        payload = {"classes_": np.array([payload, "其他"], dtype=object)}
    joblib.dump(payload, path, compress=3)
    return path


def glyph_code_pdf(path: Path) -> Path:
    """A PDF whose text layer literally is pdfminer's "(cid:N)" codes, for every reader."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.setFont("Helvetica", 10)
    for i, y in enumerate(range(760, 560, -20)):
        c.drawString(72, y, "".join(f"(cid:{4000 + i * 10 + k})" for k in range(10)))
    c.showPage()
    c.save()
    return path


def docx_bomb(path: Path, good: Path, unpacked_mib: int, member: str = "word/document.xml") -> Path:
    """A copy of the .docx `good` whose `member` unpacks to `unpacked_mib` MiB of
    empty paragraphs (document.xml) or zeros (any other member); the file stays small."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info.filename))
        if member == "word/document.xml":
            head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            chunk, tail = b"<w:p/>" * (1 << 16), b"</w:body></w:document>"
        else:
            head, chunk, tail = b"", b"\0" * (1 << 20), b""
        with dst.open(member, "w", force_zip64=True) as out:
            out.write(head)
            for _ in range((unpacked_mib << 20) // len(chunk)):
                out.write(chunk)
            out.write(tail)
    return path


def nested_json_line(path: Path, depth: int = 100_000) -> Path:
    """A JSONL file whose second line nests `depth` arrays: a RecursionError for json."""
    path.write_text('{"text": "甲。"}\n' + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    return path


def symlink_loops(root: Path, loops: int = 2) -> Path:
    """root/a.txt and `loops` subdirectories each holding a link back to root."""
    (root / "a.txt").write_text("全年开展法治宣传活动120场。\n", encoding="utf-8")
    for i in range(loops):
        sub = root / f"sub{i}"
        sub.mkdir()
        (sub / "loop").symlink_to("..")
    return root


def one_line_text(path: Path, megabytes: int, sentence: str = "全年开展法治宣传活动") -> Path:
    """A .txt of one line of `megabytes` MB: a phrase repeated with no sentence end."""
    unit = sentence.encode("utf-8")
    path.write_bytes(unit * ((megabytes << 20) // len(unit)))
    return path

