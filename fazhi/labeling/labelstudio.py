"""Label Studio: the labeling configuration, task files of suggested sentences, labeled rows from its exports.

The project's <Choices> is named `label` and labels the object `text`, so Label
Studio's JSON-MIN and CSV exports carry the label in a column named like the corpus's.
Exports read: JSON (tasks with every annotation, skipped ones included), JSON-MIN and
CSV (one record per annotation; Label Studio leaves skipped annotations out of them),
and plain CSV/TSV/JSONL files with text and label.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from fazhi.config import (
    AREA_COL, AREAS, HEADING_COL, INDEX_COL, LABEL_COL, LABELS, POSITION_COL, REPORT_COL, SECTION_COL, SHORTCOMING, SOURCE_COL,
    TEXT_COL,
)
from fazhi.corpus.dataset import refuse_model_output
from fazhi.errors import CorpusError, ReadError
from fazhi.formats import TABLE_FORMATS
from fazhi.formats.writers import Column
from fazhi.tagging.inputs import STDIN_SOURCE, TEXT_SOURCE

FROM_NAME = LABEL_COL  # the <Choices> name
AREA_NAME = AREA_COL  # the <Choices> of a shortcoming's area, shown when 不足 is chosen
TO_NAME = TEXT_COL  # the <Text> it labels
HOTKEYS = "123456789qwertyuiop"
COLUMNS = [Column(c, "str")
           for c in (REPORT_COL, POSITION_COL, HEADING_COL, SECTION_COL, TEXT_COL, LABEL_COL, AREA_COL)]


def label_config(labels: Sequence[str] = LABELS) -> str:
    """The labeling configuration (XML): the section above the sentence, one choice per
    label with a hotkey (1, 2, …), exactly one choice required; when 不足 is chosen, the
    area of the shortcoming (AREAS) below it, hotkeys a, s, d, f, g."""
    choices = "".join(f"    <Choice value={quoteattr(lab)} hotkey={quoteattr(key)}/>\n" for lab, key in zip(labels, HOTKEYS))
    areas = "".join(f"      <Choice value={quoteattr(a)} hotkey={quoteattr(key)}/>\n" for a, key in zip(AREAS, "asdfg"))
    return (
        "<View>\n"
        f'  <Header value="${SECTION_COL}" size="6"/>\n'
        f'  <Text name="{TO_NAME}" value="${TEXT_COL}"/>\n'
        f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="single-radio" showInline="true" required="true">\n'
        f"{choices}"
        "  </Choices>\n"
        f'  <View visibleWhen="choice-selected" whenTagName="{FROM_NAME}" whenChoiceValue={quoteattr(SHORTCOMING)}>\n'
        '    <Header value="What is the shortcoming about? (its area)" size="6"/>\n'
        f'    <Choices name="{AREA_NAME}" toName="{TO_NAME}" choice="single-radio" showInline="true">\n'
        f"{areas}"
        "    </Choices>\n"
        "  </View>\n"
        "</View>\n"
    )


def tasks(candidates: Iterable[Any], predictions: bool = False, model_version: str = "") -> list[dict]:
    """Label Studio tasks (data: text, section, heading, source, sentence) of suggested
    sentences (fazhi.labeling.suggest.Candidate); with `predictions`, the model's label as a
    prediction that the reader sees preselected."""
    out = []
    for c in candidates:
        task: dict[str, Any] = {"data": {TEXT_COL: c.text, SECTION_COL: c.section, HEADING_COL: c.heading,
                                         SOURCE_COL: c.source, INDEX_COL: c.sentence}}
        if predictions:
            task["predictions"] = [{"model_version": model_version, "score": round(c.confidence, 4), "result": [
                {"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices", "value": {"choices": [c.label]}}]}]
        out.append(task)
    return out


def tasks_json(task_list: list[dict]) -> bytes:
    return (json.dumps(task_list, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@dataclass
class Labeled:
    """One task (or row) of an export: its data, the labels of its annotations, or what is wrong."""

    where: str  # "FILE: task 17" or "FILE: row 5"
    data: dict[str, str]
    labels: list[str] = field(default_factory=list)  # one per label chosen in any annotation
    areas: list[str] = field(default_factory=list)  # one per area chosen in any annotation
    problem: str | None = None
    malformed: str | None = None  # the task is not shaped as Label Studio writes one (said before anything else)


def _str(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_export(path: Path) -> list[Labeled]:
    """The tasks of a Label Studio export (.json: JSON or JSON-MIN) or the rows of a
    CSV/TSV/JSONL file with text and label (a Label Studio CSV export is one)."""
    from fazhi.formats.tables import read_raw, read_table

    path = Path(path)
    if path.suffix.lower() == ".json":
        try:
            records = json.loads(read_raw(path).decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ReadError(f"{path}: not a JSON file (a Label Studio JSON or JSON-MIN export)") from None
        records = [records] if isinstance(records, dict) else records
        if not isinstance(records, list) or not any(isinstance(r, dict) for r in records):
            raise ReadError(f"{path}: not a Label Studio export (a JSON list of tasks)")
        # A JSON export as soon as one record is a task (it has data or annotations): a task
        # broken in one place is then that task's problem, not a reason to read the whole
        # file as JSON-MIN and lose every good task with it.
        if any(isinstance(r, dict) and ("data" in r or "annotations" in r) for r in records):
            return [_from_task(path, i, r) for i, r in enumerate(records, start=1)]
        if not all(isinstance(r, dict) for r in records):
            raise ReadError(f"{path}: not a Label Studio export (a JSON list of tasks)")
        return _from_records(path, [{k: _str(v) for k, v in r.items()} for r in records], "record", 1)
    if path.suffix.lower() not in TABLE_FORMATS:
        raise ReadError(f"{path}: unknown export format; use .json (Label Studio JSON or JSON-MIN), {', '.join(TABLE_FORMATS)}")
    rows = read_table(path, utf8_only=True)
    return _from_records(path, rows, "row", 2)


def _task_id(task: Any, i: int) -> str:
    task_id = task.get("id") if isinstance(task, dict) else None
    return str(task_id) if isinstance(task_id, (int, str)) and str(task_id) else str(i)


def _from_task(path: Path, i: int, task: Any) -> Labeled:
    """A task of a JSON export: every annotation, skipped (cancelled) ones included.

    Every level is checked for the shape Label Studio writes (a hand-edited or foreign
    file may hold anything), so a broken task is one line naming it, not a traceback."""
    where = f"{path}: task {_task_id(task, i)}"
    if not isinstance(task, dict):
        return Labeled(where, {}, malformed=f"not a task (a JSON {type(task).__name__}, not an object)")
    data = task.get("data")
    if not isinstance(data, dict):
        return Labeled(where, {}, malformed="no data (the task's text and section)" if data is None
                       else f"data is a JSON {type(data).__name__}, not an object")
    item = Labeled(where, {k: _str(v) for k, v in data.items()})
    annotations = task.get("annotations") or task.get("completions") or []
    if not isinstance(annotations, list):
        item.malformed = f"annotations is a JSON {type(annotations).__name__}, not a list"
        return item
    if not annotations:
        item.problem = "no annotation"
    for n, a in enumerate(annotations, start=1):
        if not isinstance(a, dict):
            item.malformed = f"annotation {n} is not a JSON object"
            return item
        if a.get("was_cancelled") or a.get("skipped"):
            item.problem = item.problem or "skipped (cancelled) annotation"
            continue
        result = a.get("result") or []
        if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
            item.malformed = f"annotation {n}: result is not a list of JSON objects"
            return item
        results = [r for r in result if r.get("type") == "choices"]
        area_results = [r for r in results if r.get("from_name") == AREA_NAME]
        ours = [r for r in results if r.get("from_name") == FROM_NAME] or [r for r in results if r not in area_results]
        values = [r.get("value") or {} for r in ours + area_results]
        if not all(isinstance(v, dict) for v in values):
            item.malformed = f"annotation {n}: a value is not a JSON object"
            return item
        choices = [v.get("choices") or [] for v in values]
        if not all(isinstance(c, list) for c in choices):
            item.malformed = f"annotation {n}: choices is not a list"
            return item
        chosen = [_str(c) for cs in choices[: len(ours)] for c in cs]
        if not chosen:
            item.problem = item.problem or "empty annotation"
        item.labels.extend(chosen)
        item.areas.extend(_str(c) for cs in choices[len(ours):] for c in cs)
    return item


def _from_records(path: Path, records: list[dict[str, str]], unit: str, first: int) -> list[Labeled]:
    """Flat records (JSON-MIN, CSV): one per annotation; records of one task share its id."""
    if records and TEXT_COL not in records[0]:
        raise CorpusError(f"{path}: no {TEXT_COL} column")
    if records:
        refuse_model_output(path, records[0])
    items: dict[str, Labeled] = {}
    for i, r in enumerate(records, start=first):
        task_id = r.get("id") or ""
        key = f"id {task_id}" if task_id else f"{unit} {i}"
        item = items.setdefault(key, Labeled(f"{path}: {'task ' + task_id if task_id else key}", r))
        label = r.get(LABEL_COL, "")
        if r.get(AREA_COL):
            item.areas.append(r[AREA_COL])
        if label.startswith(("[", "{")):  # several choices: Label Studio writes them as JSON
            try:
                value = json.loads(label)
                chosen = value.get("choices", []) if isinstance(value, dict) else value
                item.labels.extend(_str(c) for c in chosen)
                continue
            except (ValueError, AttributeError):
                pass
        if label:
            item.labels.append(label)
        else:
            item.problem = item.problem or "empty annotation (no label)"
    return list(items.values())


def report_id_of(source: str) -> str:
    """A task's report, named as `fazhi data segment` names it: the file name without its
    suffix; for a report of a sentence table (FILE#id), the id."""
    head, sep, rid = source.rpartition("#")
    if sep and Path(head).suffix.lower() in TABLE_FORMATS:
        return rid
    if source in (TEXT_SOURCE, STDIN_SOURCE):
        return source
    return Path(source).stem or source


def _check(item: Labeled) -> str | None:
    if item.malformed:
        return f"not a Label Studio task: {item.malformed}"
    if not item.data.get(TEXT_COL):
        return "no text"
    if item.problem:
        return item.problem
    unknown = [lab for lab in item.labels if lab not in LABELS]
    if unknown:
        return f"unknown label {unknown[0]!r} (not one of {' '.join(LABELS)})"
    if len(set(item.labels)) > 1:
        return f"two different labels: {' and '.join(dict.fromkeys(item.labels))}"
    areas = set(_area(item))
    if areas - set(AREAS):
        return f"unknown area {sorted(areas - set(AREAS))[0]!r} (not one of {' '.join(AREAS)})"
    if len(areas) > 1:
        return f"two different areas: {' and '.join(sorted(areas))}"
    return None


def _area(item: Labeled) -> list[str]:
    """The areas chosen for a 不足 sentence (an area left from a label changed afterwards
    belongs to no shortcoming: Label Studio keeps a hidden choice)."""
    return item.areas if item.labels and item.labels[0] == SHORTCOMING else []


def _row(item: Labeled, fallback_report: str) -> dict[str, str]:
    d = item.data
    report = d.get(REPORT_COL) or (report_id_of(d[SOURCE_COL]) if d.get(SOURCE_COL) else fallback_report)
    return {REPORT_COL: report, POSITION_COL: d.get(POSITION_COL) or d.get(INDEX_COL) or "",
            HEADING_COL: d.get(HEADING_COL, ""), SECTION_COL: d.get(SECTION_COL) or d.get(HEADING_COL, ""),
            TEXT_COL: d[TEXT_COL], LABEL_COL: item.labels[0], AREA_COL: next(iter(_area(item)), "")}


def _snippet(text: str) -> str:
    return f" ({text[:20]}{'…' if len(text) > 20 else ''})" if text else ""


@dataclass
class ImportResult:
    rows: list[dict[str, str]]  # corpus columns, one per labeled sentence
    problems: list[str]  # one line per task or file that cannot be used
    duplicates: int = 0  # a sentence labeled the same twice (e.g. in two exports): written once


def import_exports(paths: Sequence[Path]) -> ImportResult:
    """Labeled rows of Label Studio exports and plain labeled files, and one line per
    unusable task: no text, no/empty/skipped annotation, an unknown label, two different
    labels for one sentence (one task, or one sentence of one report in two tasks).

    A task without a source is taken to come from a report named after the export file.
    """
    result = ImportResult([], [])
    by_sentence: dict[tuple[str, str], list[tuple[Labeled, dict[str, str]]]] = {}
    for path in paths:
        try:
            items = read_export(Path(path))
        except (ReadError, CorpusError) as exc:
            result.problems.append(str(exc))
            continue
        for item in items:
            problem = _check(item)
            if problem:
                result.problems.append(f"{item.where}{_snippet(item.data.get(TEXT_COL, ''))}: {problem}")
                continue
            row = _row(item, Path(path).stem)
            by_sentence.setdefault((row[REPORT_COL], row[TEXT_COL]), []).append((item, row))
    for (report, text), seen in by_sentence.items():
        labels = list(dict.fromkeys(row[LABEL_COL] for _, row in seen))
        if len(labels) > 1:  # neither reading can be trusted: all are dropped
            where = ", ".join(item.where for item, _ in seen)
            result.problems.append(f"{seen[-1][0].where}{_snippet(text)}: two different labels for one sentence of "
                                   f"report {report}: {' and '.join(labels)} ({where})")
            continue
        result.rows.append(seen[0][1])
        result.duplicates += len(seen) - 1
    return result
