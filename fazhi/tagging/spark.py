"""Tag a table of sentences, or of whole reports, with Spark: the pyfunc model as a Spark UDF, written as Parquet.

Sentences: each row of the table is one sentence, in `text_column`; `section` and
`heading` columns are used when present. Reports (`reports=True`): each row is the
whole text of one report, segmented inside Spark by fazhi.segment (the code every
fazhi command segments with), one output row per sentence. The model runs through
mlflow.pyfunc.spark_udf in the executors' own Python (env_manager="local").

Output columns: the input's columns (for reports: all but the text, then sentence,
heading, section, text), then label, confidence and p_<label>, as `fazhi predict --proba`.
The output is written to a hidden directory beside OUTPUT and renamed into place.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

from fazhi.config import HEADING_COL, INDEX_COL, SECTION_COL, TEXT_COL
from fazhi.errors import OutputError, ReadError

# Table formats Spark reads, by suffix.
TABLE_SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl", ".json")
INSTALL_HINT = "pip install -e '.[spark]'  (or: pip install pyspark)"


@dataclass
class SparkTagResult:
    rows_in: int
    rows_out: int
    output: str
    renamed: dict[str, str] = field(default_factory=dict)  # input columns kept under another name


def keep_apart(df, names, renamed: dict[str, str]):
    """Rename the input's columns that an output column of the same name would replace: c → c_input."""
    for name in [c for c in df.columns if c in names]:
        new = f"{name}_input"
        while new in df.columns:
            new += "_"
        df = df.withColumnRenamed(name, new)
        renamed[name] = new
    return df


def session(master: str | None = None, app_name: str = "fazhi spark-tag"):
    """A SparkSession: on `master`, else spark-submit's master, else local[*]."""
    from pyspark.sql import SparkSession

    # PySpark 4 warns about pandas 3 at every pandas UDF; the tests compare its rows with predict's.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", str(sys.stderr.isatty()).lower())
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:  # not started by spark-submit
        master = "local[*]"
    if master:
        builder = builder.master(master)
    local = (master or "").startswith("local")
    if local:
        # One machine, one batch: no web UI; Python workers run this environment's Python
        # unless PYSPARK_PYTHON says otherwise (on a cluster the cluster decides). Errors come
        # back as one line.
        builder = builder.config("spark.ui.enabled", "false")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("OFF" if local else "ERROR")
    return spark


def table_format(path: str) -> str:
    """The format of a table by its suffix, or (a local directory) by its data files'."""
    name = path.rstrip("/")
    suffix = posixpath.splitext(name)[1].lower()
    if not suffix and os.path.isdir(name):
        found = {os.path.splitext(f)[1].lower() for f in os.listdir(name) if not f.startswith(("_", "."))}
        suffix = next((s for s in TABLE_SUFFIXES if s in found), "")
    if suffix not in TABLE_SUFFIXES:
        raise ReadError(f"{path}: unknown table format {suffix or '(no suffix)'!r}; use {', '.join(TABLE_SUFFIXES)}")
    return suffix


def read_table(spark, path: str):
    """A Spark DataFrame of the table at `path` (CSV/TSV: header row, quoted fields as Python's csv writes them)."""
    suffix = table_format(path)
    if suffix == ".parquet":
        df = spark.read.parquet(path)
    elif suffix in (".csv", ".tsv"):
        df = (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
              .option("sep", "\t" if suffix == ".tsv" else ",").option("encoding", "UTF-8").csv(path))
        if df.columns and df.columns[0].startswith("\ufeff"):  # a BOM (Excel-friendly CSVs, fazhi's own)
            df = df.withColumnRenamed(df.columns[0], df.columns[0].lstrip("\ufeff"))
    else:
        df = spark.read.json(path)  # JSON lines
    return df


def _ship_segmentation(spark) -> None:
    """Make fazhi.segment importable on executors that do not have fazhi installed."""
    import tempfile
    import zipfile
    from pathlib import Path

    import fazhi

    package = Path(fazhi.__file__).parent
    archive = Path(tempfile.mkdtemp(prefix="fazhi-spark-")) / "fazhi_segment.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("__init__.py", "segment.py"):
            zf.write(package / name, f"fazhi/{name}")
    spark.sparkContext.addPyFile(str(archive))


def sentences_of_reports(spark, df, text_column: str):
    # The caller renamed input columns called sentence, heading, section or text (but the report's).
    """One row per sentence of each report row: its other columns, sentence, heading, section, text."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, IntegerType, StringType, StructField, StructType

    from fazhi.segment import report_rows

    others = [c for c in df.columns if c != text_column]
    _ship_segmentation(spark)
    parts = StructType([StructField(INDEX_COL, IntegerType()), StructField(HEADING_COL, StringType()),
                        StructField(SECTION_COL, StringType()), StructField(TEXT_COL, StringType())])
    segment = F.udf(report_rows, ArrayType(parts))
    return (df.select(*others, F.explode(segment(F.col(text_column))).alias("_s"))
              .select(*others, *(F.col(f"_s.{f.name}").alias(f.name) for f in parts.fields)))


def tag_frame(spark, df, model_uri: str, text_column: str = TEXT_COL, reports: bool = False,
              renamed: dict[str, str] | None = None):
    """`df` with label, confidence and p_<label> columns (and split into sentences if `reports`).

    Input columns the output would overwrite are kept as <name>_input (listed in `renamed`).
    """
    from pyspark.sql import functions as F

    from fazhi.mlflowlib import mlflow

    renamed = {} if renamed is None else renamed
    if text_column not in df.columns:
        raise ReadError(f"no column {text_column!r} (columns: {', '.join(df.columns) or 'none'}); choose one with --text-column")
    import logging

    mlflow_log = logging.getLogger("mlflow.pyfunc")
    level = mlflow_log.level
    mlflow_log.setLevel(logging.ERROR)  # its warning that "local" does not rebuild the training environment: chosen
    try:
        udf = mlflow.pyfunc.spark_udf(spark, model_uri, env_manager="local")  # returns the model's output schema
    finally:
        mlflow_log.setLevel(level)
    outputs = list(udf.returnType.fieldNames())
    if reports:
        df = keep_apart(df.withColumnRenamed(text_column, "_report"),
                        (INDEX_COL, HEADING_COL, SECTION_COL, TEXT_COL, *outputs), renamed)
        df = sentences_of_reports(spark, df, "_report")
        text_column = TEXT_COL
    else:
        df = keep_apart(df, [c for c in outputs if c != text_column], renamed)
        text_column = renamed.get(text_column, text_column)
    inputs = [F.col(text_column).cast("string").alias(TEXT_COL)]
    inputs += [F.col(c).cast("string").alias(c) for c in (SECTION_COL, HEADING_COL) if c in df.columns and c != text_column]
    tagged = df.withColumn("_tag", udf(F.struct(*inputs)))
    return tagged.select(*df.columns, *(F.col(f"_tag.{name}").alias(name) for name in outputs))


def write_parquet(spark, df, output: str, inputs: list[str], force: bool) -> None:
    """Write `df` as Parquet under a hidden name beside `output`, then rename it into place.

    Through Hadoop's FileSystem, so local paths, hdfs:// and s3a:// behave alike.
    """
    jvm = spark._jvm
    Path = jvm.org.apache.hadoop.fs.Path
    target = Path(output)
    fs = target.getFileSystem(spark._jsc.hadoopConfiguration())
    target = fs.makeQualified(target)
    for path in inputs:
        source = fs.makeQualified(Path(path)).toString().rstrip("/")
        if target.toString().rstrip("/") == source or source.startswith(target.toString().rstrip("/") + "/"):
            raise OutputError(f"{output}: is also the input; refusing to overwrite it")
    if fs.exists(target) and not force:
        raise OutputError(f"{output}: exists (use --force to replace it)")
    hidden = Path(target.getParent(), f".{target.getName()}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        df.write.parquet(hidden.toString())
        if fs.exists(target):
            fs.delete(target, True)
        if not fs.rename(hidden, target):
            raise OutputError(f"{output}: cannot move the written table into place")
    finally:
        if fs.exists(hidden):
            fs.delete(hidden, True)


def local_path(path: str) -> str | None:
    """The local file system path of `path`, or None for another file system (hdfs://, s3a://…)."""
    if path.startswith("file:"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(path).path)
    return None if re.match(r"^[A-Za-z][\w+.-]*://", path) else path


def check_paths(input_path: str, output: str, force: bool) -> None:
    """What can be refused before Spark starts: an unknown format, a missing local input,
    an output that is the input or exists without `force` (other file systems: when writing)."""
    table_format(input_path)
    source, target = local_path(input_path), local_path(output)
    if source is not None and not os.path.exists(source):
        raise ReadError(f"{input_path}: no such file or directory")
    if target is None:
        return
    if source is not None and os.path.exists(target):
        a, b = os.path.realpath(source), os.path.realpath(target)
        if a == b or a.startswith(b.rstrip(os.sep) + os.sep):
            raise OutputError(f"{output}: is also the input; refusing to overwrite it")
    if os.path.exists(target) and not force:
        raise OutputError(f"{output}: exists (use --force to replace it)")


def spark_tag(spark, input_path: str, output: str, model_uri: str, text_column: str = TEXT_COL,
              reports: bool = False, force: bool = False) -> SparkTagResult:
    """Read INPUT, tag it, write OUTPUT as Parquet; the counts of rows read and written."""
    check_paths(input_path, output, force)
    df = read_table(spark, input_path)
    if text_column not in df.columns:
        raise ReadError(f"{input_path}: no column {text_column!r} (columns: {', '.join(df.columns) or 'none'}); "
                        "choose one with --text-column")
    # A file smaller than a block (or a multi-line CSV, which cannot be split) is one
    # partition, one task: spread the rows over every core of the cluster first.
    cores = spark.sparkContext.defaultParallelism
    if df.rdd.getNumPartitions() < cores:
        df = df.repartition(cores)
    renamed: dict[str, str] = {}
    tagged = tag_frame(spark, df, model_uri, text_column, reports, renamed)
    write_parquet(spark, tagged, output, [input_path], force)
    rows_out = spark.read.parquet(output).count()  # from the Parquet footers: no second pass over the data
    return SparkTagResult(df.count() if reports else rows_out, rows_out, output, renamed)


def first_line(exc: BaseException) -> str:
    """One line of a Spark or Py4J error: the Python error a worker raised, else the first line."""
    text: Any = getattr(exc, "getMessage", None)
    message = text() if callable(text) else str(exc)
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
    return raised[-1] if raised else (lines[0] if lines else type(exc).__name__)
