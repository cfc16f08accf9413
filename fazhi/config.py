"""One source of truth for label names, column names, paths and tracking defaults.

Nothing here imports anything heavy: the CLI reads this module on every start.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

# The six labels of data/GUIDELINES.md, in the order reports and tables use.
LABELS: tuple[str, ...] = ("普法宣传", "行政执法", "矛盾化解", "营商环境", "不足", "其他")


def label_order(labels: Iterable[str]) -> list[str]:
    """Labels in the order of LABELS; labels outside the scheme after them, alphabetically."""
    labels = {str(lab) for lab in labels}
    return [lab for lab in LABELS if lab in labels] + sorted(labels - set(LABELS))


# Two-character forms for terminal tables, where six full names do not fit 80 columns.
SHORT_LABELS: dict[str, str] = {"普法宣传": "普法", "行政执法": "执法", "矛盾化解": "矛盾", "营商环境": "营商", "不足": "不足", "其他": "其他"}


def short_label(label: str) -> str:
    return SHORT_LABELS.get(label, label)


# Colours of the labels in the batch report (`fazhi report`): Tableau 10's, 不足 in red
# so shortcomings stand out; a label outside the scheme gets OTHER_COLOR.
LABEL_COLORS: dict[str, str] = {"普法宣传": "#4e79a7", "行政执法": "#76b7b2", "矛盾化解": "#f28e2b", "营商环境": "#59a14f", "不足": "#e15759", "其他": "#bab0ac"}
OTHER_COLOR = "#9c755f"
SHORTCOMING = "不足"  # the label the report lists sentence by sentence
# The area of a shortcoming: the topic a 不足 sentence would take if it stated no problem.
AREAS: tuple[str, ...] = ("普法宣传", "行政执法", "矛盾化解", "营商环境", "其他")
REPORT_TITLE = "fazhi: tagged batch"  # the page's title unless `fazhi report --title` gives one


def label_color(label: str) -> str:
    return LABEL_COLORS.get(label, OTHER_COLOR)


# Columns of a labeled or segmented sentence file (a contract with other tools).
REPORT_COL = "report_id"
POSITION_COL = "position"  # 0-based index of the sentence in its report
HEADING_COL = "heading"  # the nearest enclosing numbered heading
SECTION_COL = "section"  # every enclosing heading, outermost first (what the model reads)
TEXT_COL = "text"
LABEL_COL = "label"
AREA_COL = "area"  # the area of a 不足 sentence, empty for the other labels
SENTENCE_COLUMNS: tuple[str, ...] = (REPORT_COL, POSITION_COL, HEADING_COL, SECTION_COL, TEXT_COL, LABEL_COL)

# Columns of `fazhi predict` output (a contract of issue 5: names kept as published).
SOURCE_COL = "source"  # the file (FILE#id for a report of a sentence table)
INDEX_COL = "sentence"  # the sentence's position in its report, as POSITION_COL in the corpus
CONFIDENCE_COL = "confidence"
UNCERTAIN_COL = "uncertain"
SENTENCES_COL = "sentences"  # summary: sentences in the report
EXPLANATION_COL = "explanation"  # --explain: the features that pushed the sentence to its label
# Below this confidence a row is marked in the batch report when predict's --min-confidence
# was not given: the lower of the two thresholds `fazhi train` reports the coverage of.
DEFAULT_MIN_CONFIDENCE = 0.6
# `fazhi data suggest` output (issue 9): the sentence's section, and the selection score:
# the margin between the model's two most probable labels (smaller = picked first).
SCORE_COL = "score"


def area_count_col(area: str) -> str:
    """The summary column counting a report's 不足 sentences of one area."""
    return f"n_{SHORTCOMING}_{area}"


def proba_col(label: str) -> str:
    return f"p_{label}"


# Limits on the work one input may cause (README, "What fazhi guarantees"): a hostile
# or broken file fails alone, in bounded time and memory, while the batch goes on.
MAX_INPUT_BYTES = 256 << 20  # a report or table file, or standard input
MAX_UNPACKED_BYTES = 256 << 20  # everything inside a .docx (a zip): zip bombs
MAX_DOCX_PARAGRAPHS = 100_000  # python-docx takes ~25 µs per paragraph (a 300-page report has ~6,000)
MAX_SENTENCE_CHARS = 500  # longer spans are cut (the corpus's longest sentence has 241 characters)


# Two kinds of paths. The bundled data (the corpus, its two readings, the guideline, the
# user dictionary, the written supplement, the seed reports) is read in place, never
# written: a checkout's own data/ and seeds/, or, installed, their copies inside the
# package (fazhi/data, fazhi/seeds: pyproject.toml's package-dir). The workspace is where
# fazhi writes (models/, mlflow.db, mlruns/): see workspace().
PACKAGE_DIR = Path(__file__).resolve().parent


def _checkout(package: Path) -> Path | None:
    """The checkout this package is imported from (an editable install), or None when installed."""
    root = package.parent
    return root if (root / "pyproject.toml").is_file() and (root / "data" / "sentences.csv").is_file() else None


PROJECT_ROOT = _checkout(PACKAGE_DIR)  # the checkout (tests, benchmarks, scripts); None when installed
BUNDLE_DIR = PROJECT_ROOT or PACKAGE_DIR
DATA_DIR = BUNDLE_DIR / "data"
SEEDS_DIR = BUNDLE_DIR / "seeds"
CORPUS_FILE = DATA_DIR / "sentences.csv"
# Sentences written for the project from the guideline (data/written/README.md): training
# only, never scored; `fazhi train` adds them to whatever --data names unless --no-supplement.
SUPPLEMENT_FILE = DATA_DIR / "written" / "sentences.csv"
USER_DICT_FILE = DATA_DIR / "userdict.txt"
# The two independent readings behind data/sentences.csv's labels (data/README.md).
ANNOTATIONS_DIR = DATA_DIR / "annotations"
READINGS = (ANNOTATIONS_DIR / "reading_a.csv", ANNOTATIONS_DIR / "reading_b.csv")

HOME_ENV = "FAZHI_HOME"
_home: Path | None = None  # `fazhi --home DIR`, set by the CLI for the command it runs


def set_home(home: Path | None) -> None:
    """Make `home` the workspace (None: back to FAZHI_HOME, the checkout, the working directory)."""
    global _home
    _home = None if home is None else Path(home).expanduser().resolve()


def workspace() -> tuple[Path, str]:
    """(where fazhi writes, why there): --home, else $FAZHI_HOME, else the checkout fazhi
    runs from, else the working directory. Read on every call: never frozen at import."""
    if _home is not None:
        return _home, "--home"
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser().resolve(), HOME_ENV
    if PROJECT_ROOT is not None:
        return PROJECT_ROOT, "the checkout"
    return Path.cwd(), "the working directory"


def inside_package(path: Path) -> bool:
    """Whether `path` lies inside the installed package (or its site-packages), where fazhi never writes."""
    return PROJECT_ROOT is None and Path(path).resolve().is_relative_to(PACKAGE_DIR.parent)


def models_dir() -> Path:
    """The workspace's models/: one directory per trained model, LATEST and CHAMPION naming them."""
    return workspace()[0] / "models"


def default_tracking_uri() -> str:
    """MLflow: an explicit SQLite store in the workspace, so runs do not depend on the cwd."""
    return f"sqlite:///{workspace()[0] / 'mlflow.db'}"


DEFAULT_EXPERIMENT = "fazhi"
REGISTERED_MODEL = "fazhi-sentence"
CHAMPION_ALIAS = "champion"


def tracking_uri(explicit: str | None = None) -> str:
    """--tracking-uri wins, then MLFLOW_TRACKING_URI, then the workspace's SQLite store."""
    return explicit or os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()
