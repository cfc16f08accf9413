"""Training: grouped cross-validation, the final fit on all data, the saved model and its MLflow run (through a tracker).

`train(config, data)` is what `fazhi train` runs; it prints nothing and returns a
TrainResult, so scripts and benchmarks train exactly as the command does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from fazhi import interrupts
from fazhi.modeling.classifiers import CALIBRATION_FOLDS, CLASSIFIERS, make_classifier
from fazhi.config import label_order, models_dir
from fazhi.corpus.dataset import Dataset, check_labels
from fazhi.errors import CorpusError, ModelError, OutputError, TrackingError
from fazhi.modeling.evaluation import CVResult, cross_validate, folds
from fazhi.formats.files import remove_stale, stale_prefix
from fazhi.modeling.model import DEFAULTS, ModelConfig, build_pipeline, fit as fit_model
from fazhi.store import champion, persist
from fazhi.store.card import model_card


class Tracker(Protocol):
    """What training needs of a tracker (fazhi.tracking.log.Tracker): modeling never imports MLflow."""

    started_run: str | None

    def connect(self) -> str: ...

    def log_training(self, result: TrainResult, run_name: str, promote: bool = False) -> dict[str, Any]: ...


@dataclass
class TrainResult:
    config: ModelConfig
    data: Dataset
    cv: CVResult
    pipeline: Any  # fitted on all of data
    fit_seconds: float
    saved: Path | None = None  # models/<run name>/
    champion: Any = None  # fazhi.store.champion.Decision: the model predict and evaluate now use
    mlflow: dict[str, Any] = field(default_factory=dict)  # run_id, model_uri, version, promoted, promotion
    tuning: dict[str, Any] | None = None  # `--tune`'s nested figure and picks (fazhi.modeling.tuning)


def check_data(config: ModelConfig, data: Dataset) -> None:
    """Before any work: CorpusError unless `config` can be cross-validated honestly on
    `data`: two labels, every label in two reports (check_labels), and what the
    calibration needs in the training part of every fold, naming the label and the
    report held out:

    - calibrated by report (the default): a classifier with a decision function must
      see each label in two of the reports left, to calibrate on one while it learns
      from the others (complement NB's probabilities need not);
    - `--calibration none` with linearsvc or ridge (their own 3-fold sigmoid
      calibration): CALIBRATION_FOLDS sentences of each label.
    """
    check_labels(data.path, data.y, data.groups)
    if data.groups is None:
        return
    by_report = config.calibration != "none" and hasattr(
        make_classifier(config.classifier, config.C, config.class_weight, probabilities=False), "decision_function")
    by_sentences = config.calibration == "none" and CLASSIFIERS[config.classifier].calibrated
    if not (by_report or by_sentences):
        return
    labels = label_order(set(map(str, data.y)))
    real = data.real()
    written = data.written_rows()  # in the training part of every fold
    for train, test in folds(data.groups[real]).split(real, groups=data.groups[real]):
        train, test = np.concatenate([real[train], written]), real[test]
        held = ", ".join(sorted(set(map(str, data.groups[test]))))
        sentences = Counter(map(str, data.y[train]))
        reports = Counter(lab for lab, _ in set(zip(map(str, data.y[train]), map(str, data.groups[train]))))
        for lab in labels:
            if by_report and reports[lab] < 2:
                raise CorpusError(
                    f"{data.path}: label {lab!r} is in {reports[lab]} report(s) when {held} is held out; "
                    f"{config.classifier} calibrated by report (--calibration {config.calibration}) needs it in 2 of "
                    "those left: label it in more reports, or use --calibration none"
                )
            if by_sentences and sentences[lab] < CALIBRATION_FOLDS:
                raise CorpusError(
                    f"{data.path}: label {lab!r} has {sentences[lab]} sentence(s) left when {held} is held out; "
                    f"{config.classifier} needs {CALIBRATION_FOLDS} (its probabilities are calibrated by a "
                    f"{CALIBRATION_FOLDS}-fold CV): label more, or choose another classifier"
                )


def cross_validated(config: ModelConfig, data: Dataset, jobs: int = 1, on_fold: Callable[[], None] | None = None) -> CVResult:
    """Grouped CV of `config` on `data` (checked by the caller: check_data); a one-line
    error if the classifier's figures are not numbers."""
    try:
        cv = cross_validate(build_pipeline(config), data, n_jobs=jobs, on_fold=on_fold,
                            sample_weight=data.sample_weight(config.written_weight))
    except ValueError as exc:
        raise _refusal(config, data, exc) from None
    if not np.isfinite(cv.proba).all():  # e.g. complement NB with C = 1e300 (alpha 1e-300)
        raise _not_numbers(config)
    return cv


def _not_numbers(config: ModelConfig) -> ModelError:
    return ModelError(f"C={config.C:g}: {config.classifier} gives scores that are not numbers; choose a smaller C")


def _refusal(config: ModelConfig, data: Dataset, exc: ValueError) -> Exception:
    """scikit-learn's ValueError as one line. The input is text, so a NaN or infinity it
    finds is in the classifier's own scores (a calibration step reads them)."""
    if "NaN" in str(exc) or "infinity" in str(exc):
        return _not_numbers(config)
    return CorpusError(f"{data.path}: cannot train: {exc}".splitlines()[0])


def fit(config: ModelConfig, data: Dataset, jobs: int = 1, on_fold: Callable[[], None] | None = None) -> TrainResult:
    """Grouped CV of `config` on `data`, then the pipeline fitted on all of it; nothing saved."""
    check_data(config, data)
    return _fit(config, data, jobs, on_fold)


def _fit(config: ModelConfig, data: Dataset, jobs: int, on_fold: Callable[[], None] | None) -> TrainResult:
    cv = cross_validated(config, data, jobs, on_fold)
    pipeline = build_pipeline(config)
    start = time.perf_counter()
    try:
        with np.errstate(all="ignore"):  # as in cross-validation, which checked the figures
            fit_model(pipeline, data.X, data.y, data.groups, data.areas, data.sample_weight(config.written_weight))
    except ValueError as exc:
        raise _refusal(config, data, exc) from None
    return TrainResult(config, data, cv, pipeline, time.perf_counter() - start)


def train(
    config: ModelConfig = DEFAULTS,
    data: Dataset | None = None,
    *,
    output_dir: Path | None = None,
    run_name: str | None = None,
    tracker: Tracker | None = None,
    track: bool = True,
    promote: bool = False,
    tuning: dict[str, Any] | None = None,
    jobs: int = 1,
    on_fold: Callable[[], None] | None = None,
) -> TrainResult:
    """Cross-validate, fit, save under output_dir/<run name>/ and (with a `tracker`) log and
    register the model in MLflow (output_dir: default the workspace's models/). The champion (output_dir/CHAMPION, the default of predict
    and evaluate, and the alias @champion) moves only if it is better (or `promote`).
    `tuning` (what `--tune` chose, and its nested figure) goes into the card and the run.
    `track=False` logs nothing even when a tracker is given (`--no-track`).

    The model is logged while its directory is still hidden and is saved whatever MLflow
    does: a failing store, or Ctrl-C while logging, never costs it.
    """
    if data is None:
        from fazhi.config import CORPUS_FILE
        from fazhi.corpus.dataset import read_labeled

        data = read_labeled(CORPUS_FILE, require_groups=True, strict=True)
    check_data(config, data)  # once, before any work
    output_dir = models_dir() if output_dir is None else Path(output_dir)
    tracker = tracker if track else None
    if run_name and (Path(output_dir) / safe_name(run_name)).exists():
        raise OutputError(f"{Path(output_dir) / safe_name(run_name)}: exists; choose another --run-name")
    if tracker is not None:
        tracker.connect()  # fail now, not after the work
    result = _fit(config, data, jobs, on_fold)
    result.tuning = tuning
    name = run_name or f"{config.feature_set}-{config.classifier}-{datetime.now():%Y%m%d-%H%M%S}"
    before = champion.current(Path(output_dir))  # read before saving moves LATEST
    failure: list[str] = []

    def log() -> None:
        try:
            result.mlflow = tracker.log_training(result, run_name=safe_name(name), promote=promote)
        except Exception as exc:  # MLflow raises many types (store, registry, serialisation)
            failure.append(f"{type(exc).__name__}: {exc}".splitlines()[0])

    try:
        try:
            save(result, Path(output_dir), name, log if tracker is not None else None)
        finally:
            if result.saved is not None:
                try:
                    result.champion = champion.decide(result.saved, before, Path(output_dir), promote)
                except OSError as exc:
                    raise OutputError(f"{output_dir}: cannot mark the champion ({exc.strerror or exc})") from None
        if failure:
            raise TrackingError(f"model saved in {result.saved}, but MLflow logging failed: {failure[0]}")
        interrupts.check()  # a signal some library swallowed: never carry on as if all went well
    except interrupts.Stop as stop:
        stop.kept = kept(result, tracker)
        raise
    return result


def kept(result: TrainResult, tracker: Tracker | None = None) -> str:
    """What an interrupted training leaves, in words: the line `fazhi train` ends with."""
    if result.saved is None:
        return "no model was saved"
    line = f"the model was saved to {result.saved}"
    if result.champion is not None and result.champion.promoted:
        line += " (the default model of predict and evaluate now)"
    if result.mlflow:
        return line + f" and logged to MLflow (run {result.mlflow['run_id']}, version {result.mlflow['version']})"
    if tracker is not None and tracker.started_run:
        return line + f" but not logged to MLflow (run {tracker.started_run} is marked KILLED)"
    return line + " but not logged to MLflow"


def save(result: TrainResult, output_dir: Path, name: str, log: Callable[[], None] | None = None) -> Path:
    """Save the fitted pipeline with its card under a directory of its own in output_dir
    (also `result.saved`, even when `log` is interrupted).

    `log` (the MLflow run) runs while the directory is still hidden; the card, written
    once with what `log` recorded, and the rename into place follow whatever it did."""
    try:
        with temp_directory(output_dir, safe_name(name)) as tmp:
            persist.save(result.pipeline, tmp)
            try:
                if log is not None:
                    log()
            finally:
                persist.write_card(tmp, model_card(result))
                result.saved = new_directory(output_dir, safe_name(name), tmp)
        persist.mark_latest(result.saved, output_dir)
        return result.saved
    except OSError as exc:
        raise OutputError(f"{output_dir}: cannot save the model ({exc.strerror or exc})") from None


@contextlib.contextmanager
def temp_directory(parent: Path, name: str) -> Iterator[Path]:
    """A hidden directory in `parent` to write a model into (no reader takes it for a
    model), removed with what is in it unless the block moved it away. A run killed
    with SIGKILL leaves it behind: the next `fazhi train` into `parent` removes it
    (files.remove_stale: its process is gone)."""
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale(parent)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=stale_prefix(name), suffix=".tmp"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's is private; a model directory is not
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def new_directory(parent: Path, name: str, content: Path | None = None) -> Path:
    """parent/name, or parent/name-2, -3 … if taken, so two trainings started in the same
    second never share (and overwrite) one directory. The name is claimed by mkdir; with
    `content` (a finished directory in `parent`), that directory is then renamed onto it
    (rename replaces an empty directory in one step), so the model appears complete."""
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        directory = parent / (name if n == 1 else f"{name}-{n}")
        try:
            directory.mkdir()
        except FileExistsError:
            continue
        if content is not None:
            try:
                os.replace(content, directory)
            except BaseException:
                directory.rmdir()
                raise
        return directory
    raise OutputError(f"{parent}: too many models named {name}")


def safe_name(name: str) -> str:
    """A run name as a directory name under models/: no separators, no leading dot."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).lstrip(".") or "model"
