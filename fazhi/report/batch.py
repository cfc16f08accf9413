"""A tagged batch for the report page: rows of `fazhi predict` output, per-report label and area counts, the model and the date.

Built from tagged files (`read_tagged`: .csv, .jsonl, .xlsx, .parquet, as predict writes
them) or from predict's own results (`from_results`). A file that cannot be read, or is
not predict output, gives one line in `errors`; the other files are still reported.
A file without an area column (written by a fazhi before areas) still loads: its reports
have no area counts, and the page leaves them out of its area parts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fazhi.config import (
    AREA_COL, AREAS, CONFIDENCE_COL, DEFAULT_MIN_CONFIDENCE, HEADING_COL, INDEX_COL, LABEL_COL, LABELS, MAX_INPUT_BYTES, SECTION_COL, SENTENCES_COL, SOURCE_COL,
    SHORTCOMING, TEXT_COL, area_count_col, label_order,
)
from fazhi.errors import FazhiError, ReadError
from fazhi.formats import OUTPUT_FORMATS
from fazhi.formats.writers import read_back

TAGGED_FORMATS = tuple(OUTPUT_FORMATS)  # what predict writes, this module reads back
REQUIRED = (SOURCE_COL, INDEX_COL, TEXT_COL, LABEL_COL, CONFIDENCE_COL)


@dataclass
class Row:
    source: str
    sentence: int
    heading: str  # the section if the file has one (suggest output), else the nearest heading
    text: str
    label: str
    confidence: float
    area: str = ""  # the area of a 不足 sentence; "" for the other labels, or if not named


@dataclass
class ReportCounts:
    """One report's sentences per label. `sentences` is what the shares are of: every
    sentence when predict gives the counts, the rows present when read from a file."""

    source: str
    counts: Counter[str]
    sentences: int
    gaps: bool = False  # read from a file whose sentence numbers skip (written with --only?)
    # 不足 sentences per area ("" counts those the model named no area for); None when
    # the file has no area column: unknown is not the same as none.
    areas: Counter[str] | None = None

    def share(self, label: str) -> float:
        return self.counts[label] / self.sentences if self.sentences else 0.0


@dataclass
class Batch:
    rows: list[Row] = field(default_factory=list)
    reports: list[ReportCounts] = field(default_factory=list)
    model: dict[str, str] = field(default_factory=dict)  # name, and what else the card says
    inputs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per file not reported
    warnings: list[str] = field(default_factory=list)
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    made: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))

    @property
    def labels(self) -> list[str]:
        """Every label of the scheme (a 0% column says something too), then any other found."""
        return label_order([*LABELS, *(lab for r in self.reports for lab in r.counts)])

    @property
    def area_names(self) -> list[str]:
        """Every area of the scheme, then any other found (a newer fazhi's), as labels are ordered."""
        found = {a for r in self.reports if r.areas for a in r.areas if a} - set(AREAS)
        return [*AREAS, *sorted(found)]

    @property
    def areas_named(self) -> bool:
        """Whether any 不足 sentence of the batch has an area: if none has, the page has no area parts."""
        return any(n and a for r in self.reports if r.areas for a, n in r.areas.items())

    @property
    def low(self) -> int:
        return sum(r.confidence < self.min_confidence for r in self.rows)


def read_tagged(paths: Iterable[Path], min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> Batch:
    """The batch of the tagged files, in order. A report (source) found in two files is
    kept from the first, with a warning: counting it twice would skew the shares."""
    batch = Batch(min_confidence=min_confidence)
    seen: dict[str, str] = {}
    for path in map(Path, paths):
        try:
            rows, with_areas = _rows(path)
        except FazhiError as exc:
            batch.errors.append(str(exc))
            continue
        batch.inputs.append(str(path))
        by_source: dict[str, list[Row]] = {}
        for row in rows:
            by_source.setdefault(row.source, []).append(row)
        for source, got in by_source.items():
            if source in seen:
                batch.warnings.append(f"{path}: report {source} is also in {seen[source]}; kept from there")
                continue
            seen[source] = str(path)
            counts = ReportCounts(source, Counter(r.label for r in got), len(got))
            if with_areas:
                counts.areas = Counter(r.area for r in got if r.label == SHORTCOMING)
            counts.gaps = max(r.sentence for r in got) + 1 > len(got)
            batch.reports.append(counts)
            batch.rows.extend(got)
        gapped = [c for c in batch.reports if c.gaps and seen[c.source] == str(path)]
        if gapped:  # one line per file: a file written with --only has gaps in every report
            batch.warnings.append(f"{path}: {len(gapped)} report(s) lack rows for some sentences (written with --only?), "
                                  f"e.g. {gapped[0].source}; shares are of the rows present")
    return batch


def from_results(results: Iterable[tuple[list[dict], dict]], model: dict[str, str], min_confidence: float | None) -> Batch:
    """The batch `fazhi predict` just tagged: (rows, summary) per report. Shares come from
    the summaries, so they are of every sentence even when --only kept some rows."""
    batch = Batch(model=model, min_confidence=DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence)
    area_cols = {area_count_col(area) for area in AREAS}
    for rows, summary in results:
        # n_<label> are the label counts; n_不足_<area> also start with n_ but count areas.
        counts = Counter({key[2:]: n for key, n in summary.items() if key.startswith("n_") and key not in area_cols and n})
        report = ReportCounts(summary[SOURCE_COL], counts, summary[SENTENCES_COL])
        if all(col in summary for col in area_cols):  # of every sentence, as the label counts
            report.areas = Counter({area: summary[area_count_col(area)] for area in AREAS})
            report.areas[""] = counts[SHORTCOMING] - sum(report.areas.values())  # named no area
        batch.reports.append(report)
        batch.rows.extend(Row(r[SOURCE_COL], r[INDEX_COL], r.get(HEADING_COL) or "", r[TEXT_COL], r[LABEL_COL],
                              r[CONFIDENCE_COL], r.get(AREA_COL) or "") for r in rows)
    return batch


def model_info(source: str, card: dict[str, Any]) -> dict[str, str]:
    """What the page says about the model: its name (the models/ directory, or the URI),
    when it was trained, its CV macro-F1 and MLflow run, as far as the card knows."""
    path = Path(source)
    info = {"name": path.parent.name if path.name == "model.joblib" else source}
    if card.get("created"):
        info["trained"] = str(card["created"])
    f1 = card.get("metrics", {}).get("cv", {}).get("macro_f1")
    if isinstance(f1, (int, float)):
        info["CV macro-F1"] = f"{f1:.3f}"
    run = card.get("mlflow", {}).get("run_id") if isinstance(card.get("mlflow"), dict) else None
    if run:
        info["MLflow run"] = str(run)
    return info


def card_info(directory: Path) -> dict[str, str]:
    """model_info of a saved model, from its card alone (the model itself is not loaded)."""
    from fazhi.store.persist import CARD_FILE, MODEL_FILE, read_card

    directory = Path(directory)
    if directory.name in (MODEL_FILE, CARD_FILE):
        directory = directory.parent
    if not (directory / CARD_FILE).is_file():
        raise ReadError(f"{directory}: no {CARD_FILE} (give a models/ directory)")
    return model_info(str(directory / MODEL_FILE), read_card(directory / CARD_FILE))


def _rows(path: Path) -> tuple[list[Row], bool]:
    """The rows of one tagged file, and whether it has an area column."""
    suffix = path.suffix.lower()
    if suffix not in TAGGED_FORMATS:
        raise ReadError(f"{path}: not a tagged file ({', '.join(TAGGED_FORMATS)}, as `fazhi predict -o` writes)")
    if suffix in (".csv", ".jsonl"):
        from fazhi.formats.tables import read_table

        records = read_table(path)
        if suffix == ".csv":  # predict's CSV writer puts a ' before a formula start in every text cell
            records = [{k: read_back(v) if isinstance(v, str) else v for k, v in rec.items()} for rec in records]
    else:
        records = _binary_records(path, suffix)
    if not records:
        raise ReadError(f"{path}: no rows")
    missing = [c for c in REQUIRED if c not in records[0]]
    if missing:
        raise ReadError(f"{path}: not `fazhi predict` output (no column {', '.join(missing)})")
    heading = SECTION_COL if SECTION_COL in records[0] else HEADING_COL
    with_areas = AREA_COL in records[0]
    out = []
    for line, rec in enumerate(records, start=2):
        try:
            sentence, confidence = int(float(rec[INDEX_COL])), float(rec[CONFIDENCE_COL])
        except (TypeError, ValueError):
            raise ReadError(f"{path}: row {line - 1}: sentence or confidence is not a number") from None
        if not 0.0 <= confidence <= 1.0:
            raise ReadError(f"{path}: row {line - 1}: confidence {confidence} is not between 0 and 1")
        label = _str(rec[LABEL_COL])
        if not label.strip():
            raise ReadError(f"{path}: row {line - 1}: no label")
        area = _str(rec.get(AREA_COL)).strip()
        # predict writes an area on 不足 rows only; one elsewhere would be counted as a
        # shortcoming's area that is not one, so the file is refused, not half-trusted.
        if area and label != SHORTCOMING:
            raise ReadError(f"{path}: row {line - 1}: area {area!r} on a {label!r} row (an area belongs to {SHORTCOMING} rows only)")
        out.append(Row(_str(rec[SOURCE_COL]), sentence, _str(rec.get(heading)), _str(rec[TEXT_COL]), label, confidence, area))
    return out, with_areas


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _binary_records(path: Path, suffix: str) -> list[dict[str, Any]]:
    """Rows of a .xlsx (every sheet: predict continues past Excel's row limit on a new
    sheet) or .parquet file."""
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise ReadError(f"{path}: more than {MAX_INPUT_BYTES >> 20} MiB, the most fazhi reads of one input")
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path).to_pylist()
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            records = []
            for sheet in book.worksheets:
                values = sheet.iter_rows(values_only=True)
                header = [str(h) for h in next(values, ())]
                records.extend(dict(zip(header, v)) for v in values)
            return records
        finally:
            book.close()
    except ReadError:
        raise
    except Exception as exc:  # pyarrow and openpyxl raise many kinds for a broken file
        raise ReadError(f"{path}: cannot read as {suffix} ({type(exc).__name__})") from None
