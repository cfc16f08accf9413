"""Label Studio files: the labeling config, task files, and every export format and bad input of the importer.

The export files here have the shapes Label Studio 1.23 writes (checked against a real
server in test_labelstudio_server.py): JSON keeps every annotation, skipped ones
with was_cancelled; JSON-MIN and CSV hold one flat record per annotation.
"""

import json
import xml.etree.ElementTree as ET

import pytest

import make_files as mk
from fazhi.config import AREAS, LABELS
from fazhi.labeling.labelstudio import import_exports, label_config, read_export, report_id_of, tasks
from fazhi.labeling.suggest import Candidate

DATA = {"text": "普法宣传教育形式较为单一。", "section": "二、存在的不足", "heading": "二、存在的不足",
        "source": "reports/甲区2023.docx", "sentence": 31}


def choice(label: str) -> dict:
    return {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [label]}}


def annotation(*labels: str, cancelled: bool = False) -> dict:
    return {"id": 1, "completed_by": 1, "result": [choice(lab) for lab in labels], "was_cancelled": cancelled}


def task(task_id: int, *annotations: dict, **data) -> dict:
    return {"id": task_id, "annotations": list(annotations), "predictions": [], "data": {**DATA, **data}}


def write_json(path, obj):
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def test_label_config_has_one_choice_with_a_hotkey_per_label_and_the_section_above_the_sentence():
    view = ET.fromstring(label_config())
    assert [child.tag for child in view] == ["Header", "Text", "Choices", "View"]
    assert view[0].get("value") == "$section" and view[1].get("value") == "$text"
    choices = view.find("Choices")
    assert choices.get("name") == "label" and choices.get("toName") == view[1].get("name") == "text"
    assert [c.get("value") for c in choices] == list(LABELS)
    hotkeys = [c.get("hotkey") for c in choices]
    assert len(set(hotkeys)) == len(LABELS) and all(hotkeys)


def test_label_config_asks_for_the_area_when_a_shortcoming_is_chosen():
    area = ET.fromstring(label_config()).find("View")
    assert (area.get("visibleWhen"), area.get("whenTagName"), area.get("whenChoiceValue")) == ("choice-selected", "label", "不足")
    choices = area.find("Choices")
    assert choices.get("name") == "area" and choices.get("toName") == "text"
    assert [c.get("value") for c in choices] == list(AREAS)
    hotkeys = [c.get("hotkey") for c in choices] + [c.get("hotkey") for c in ET.fromstring(label_config()).find("Choices")]
    assert len(set(hotkeys)) == len(hotkeys)  # no key does two things


def test_the_area_of_a_shortcoming_is_imported_and_a_leftover_area_of_another_label_is_not(tmp_path):
    with_area = annotation("不足")
    with_area["result"].append({**choice("行政执法"), "from_name": "area"})
    leftover = annotation("普法宣传")  # the reader chose an area, then changed the label: Label Studio keeps it
    leftover["result"].append({**choice("行政执法"), "from_name": "area"})
    export = write_json(tmp_path / "export.json", [task(1, with_area),
                                                   task(2, leftover, text="开展宪法宣传周活动。", sentence=32)])
    result = import_exports([export])
    assert result.problems == []
    assert [(r["label"], r["area"]) for r in result.rows] == [("不足", "行政执法"), ("普法宣传", "")]


def test_an_unknown_area_is_one_line_naming_the_task(tmp_path):
    bad = annotation("不足")
    bad["result"].append({**choice("执法"), "from_name": "area"})
    result = import_exports([write_json(tmp_path / "export.json", [task(7, bad)])])
    assert result.rows == [] and len(result.problems) == 1 and "task 7" in result.problems[0]
    assert "unknown area '执法'" in result.problems[0]


def test_tasks_carry_the_sentence_and_its_place_and_predictions_only_on_request():
    c = Candidate("r.docx", 4, "一、普法", "一、普法", "开展宪法宣传周活动。", "普法宣传", 0.61, 0.2)
    plain = tasks([c])
    assert plain == [{"data": {"text": "开展宪法宣传周活动。", "section": "一、普法", "heading": "一、普法",
                               "source": "r.docx", "sentence": 4}}]
    predicted = tasks([c], predictions=True, model_version="m1")[0]["predictions"]
    assert predicted == [{"model_version": "m1", "score": 0.61, "result": [choice("普法宣传")]}]


@pytest.mark.parametrize(("source", "report"), [("reports/甲区2023.docx", "甲区2023"), ("t.csv#R7", "R7"),
                                                ("a#b.txt", "a#b"), ("--text", "--text")])
def test_report_ids_are_named_as_data_segment_names_them(source, report):
    assert report_id_of(source) == report


def test_a_json_export_becomes_rows_in_the_corpus_columns(tmp_path):
    export = write_json(tmp_path / "export.json", [task(1, annotation("不足")),
                                                   task(2, annotation("普法宣传"), text="开展宪法宣传周活动。", sentence=32)])
    result = import_exports([export])
    assert result.problems == []
    assert result.rows[0] == {"report_id": "甲区2023", "position": "31", "heading": "二、存在的不足",
                              "section": "二、存在的不足", "text": "普法宣传教育形式较为单一。", "label": "不足", "area": ""}
    assert [r["label"] for r in result.rows] == ["不足", "普法宣传"]


def test_json_min_and_csv_exports_and_plain_labeled_files_read_alike(tmp_path):
    record = {**DATA, "id": 1, "label": "不足", "annotator": 1, "annotation_id": 1, "lead_time": None}
    json_min = write_json(tmp_path / "min.json", [record])
    csv_export = tmp_path / "export.csv"  # as Label Studio writes it: sorted columns, quoted strings, no BOM
    csv_export.write_text('"annotation_id","annotator","heading","id","label","section","sentence","source","text"\n'
                          '1,"1","二、存在的不足",1,"不足","二、存在的不足",31,"reports/甲区2023.docx","普法宣传教育形式较为单一。"\n',
                          encoding="utf-8")
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps({"report_id": "甲区2023", "text": DATA["text"], "label": "不足"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    for path in (json_min, csv_export, plain):
        result = import_exports([path])
        assert result.problems == [] and len(result.rows) == 1, path
        assert (result.rows[0]["report_id"], result.rows[0]["text"], result.rows[0]["label"]) == ("甲区2023", DATA["text"], "不足")


def test_a_task_without_a_source_comes_from_a_report_named_after_the_export(tmp_path):
    plain = mk.write_rows(tmp_path / "mine.csv", [{"text": "开展普法。", "label": "普法宣传"}], columns=("text", "label"))
    assert import_exports([plain]).rows[0]["report_id"] == "mine"


def test_the_same_sentence_labeled_alike_twice_is_written_once(tmp_path):
    a = write_json(tmp_path / "a.json", [task(1, annotation("不足"))])
    b = write_json(tmp_path / "b.json", [task(9, annotation("不足"), annotation("不足"))])
    result = import_exports([a, b])
    assert len(result.rows) == 1 and result.duplicates == 1 and result.problems == []


@pytest.mark.parametrize(
    ("tasks_", "message"),
    [
        ([task(7, annotation("普法"))], "task 7 (普法宣传教育形式较为单一。): unknown label '普法'"),
        ([task(7, annotation())], "task 7 (普法宣传教育形式较为单一。): empty annotation"),
        ([task(7, annotation("不足"), annotation(cancelled=True))], "task 7 (普法宣传教育形式较为单一。): skipped (cancelled) annotation"),
        ([task(7)], "task 7 (普法宣传教育形式较为单一。): no annotation"),
        ([task(7, annotation("不足"), annotation("普法宣传"))], "task 7 (普法宣传教育形式较为单一。): two different labels: 不足 and 普法宣传"),
        ([task(7, annotation("不足"), text="")], "task 7: no text"),
        ([task(6, annotation("不足")), task(7, annotation("其他"))],
         "task 7 (普法宣传教育形式较为单一。): two different labels for one sentence of report 甲区2023: 不足 and 其他"),
    ],
)
def test_every_unusable_task_is_one_line_naming_it_and_the_others_are_kept(tmp_path, tasks_, message):
    good = task(99, annotation("普法宣传"), text="开展宪法宣传周活动。")
    export = write_json(tmp_path / "export.json", [*tasks_, good])
    result = import_exports([export])
    assert len(result.problems) == 1 and result.problems[0].startswith(f"{export}: ")
    assert message in result.problems[0] and "\n" not in result.problems[0]
    assert [r["text"] for r in result.rows] == ["开展宪法宣传周活动。"]


def test_flat_records_of_one_task_are_its_annotations(tmp_path):
    records = [{**DATA, "id": 3, "label": "不足"}, {**DATA, "id": 3, "label": "其他"}, {**DATA, "id": 4, "text": "乙。"}]
    result = import_exports([write_json(tmp_path / "min.json", records)])
    assert [p.split(": ", 1)[1] for p in result.problems] == [
        "task 3 (普法宣传教育形式较为单一。): two different labels: 不足 and 其他", "task 4 (乙。): empty annotation (no label)"]


def test_several_choices_in_one_csv_cell_are_two_labels(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text('"id","label","text"\n5,"{""choices"": [""不足"", ""其他""]}","甲。"\n', encoding="utf-8")
    assert "two different labels: 不足 and 其他" in import_exports([export]).problems[0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.json", "{not json", "not a JSON file"),
        ("x.json", '"just a string"', "not a Label Studio export"),
        ("x.xml", "<a/>", "unknown export format"),
        ("x.csv", "sentence,label\n甲。,其他\n", "no text column"),
        ("x.csv", "source,sentence,text,label,confidence\nr.txt,0,甲。,其他,0.9\n", "a model's guesses"),
        ("x.csv", "", "empty file"),
    ],
)
def test_a_file_that_is_no_export_is_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = import_exports([path, tmp_path / "missing.json"])
    assert result.rows == [] and len(result.problems) == 2
    assert message in result.problems[0] and result.problems[0].startswith(str(path))
    assert "no such file" in result.problems[1]


def test_read_export_tells_json_from_json_min(tmp_path):
    full = read_export(write_json(tmp_path / "a.json", [task(1, annotation("不足"))]))
    flat = read_export(write_json(tmp_path / "b.json", [{**DATA, "id": 1, "label": "不足"}]))
    assert [(i.where.split(": ")[1], i.labels, i.data["text"]) for i in full + flat] == [
        ("task 1", ["不足"], DATA["text"]), ("task 1", ["不足"], DATA["text"])]


def _malformed(**changes) -> dict:
    t = task(7, annotation("不足"))
    for key, value in changes.items():
        if key == "result":
            t["annotations"][0]["result"] = value
        elif key == "value":
            t["annotations"][0]["result"][0]["value"] = value
        else:
            t[key] = value
    return t


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (_malformed(annotations=["不足"]), "annotation 1 is not a JSON object"),
        (_malformed(annotations={"result": []}), "annotations is a JSON dict, not a list"),
        (_malformed(result=["不足"]), "result is not a list of JSON objects"),
        (_malformed(result={"value": 1}), "result is not a list of JSON objects"),
        (_malformed(value=["不足"]), "a value is not a JSON object"),
        (_malformed(value={"choices": "不足"}), "choices is not a list"),
        (_malformed(data="普法"), "data is a JSON str, not an object"),
        ({"id": 7, "annotations": [annotation("不足")]}, "no data"),
        ("task 7", "not a task"),
    ],
)
def test_a_malformed_task_is_one_line_naming_it_and_the_others_are_kept(tmp_path, bad, message):
    # Hand-edited or foreign exports: each gave an AttributeError traceback before.
    good = [task(i, annotation("普法宣传"), text=f"开展宪法宣传周活动{i}。") for i in (1, 2, 3)]
    export = write_json(tmp_path / "export.json", [good[0], bad, *good[1:]])
    result = import_exports([export])
    assert len(result.problems) == 1 and "\n" not in result.problems[0], result.problems
    where = f"task {7 if isinstance(bad, dict) else 2}"  # a task without an id is named by its place
    assert result.problems[0].startswith((f"{export}: {where}:", f"{export}: {where} (")) and "not a Label Studio task" in result.problems[0]
    assert message in result.problems[0]
    assert [r["text"] for r in result.rows] == [f"开展宪法宣传周活动{i}。" for i in (1, 2, 3)]
