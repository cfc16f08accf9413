"""`fazhi spark-tag`: tag a table of sentences or reports with Spark (fazhi.tagging.spark); pyspark is an optional extra."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from fazhi.cli.common import UriOpt, app, fail, user_errors
from fazhi.cli.serve import SERVE_MODEL_HELP
from fazhi.config import TEXT_COL
from fazhi.errors import FazhiError


@app.command("spark-tag")
def spark_tag(
    input_path: Annotated[str, typer.Argument(metavar="INPUT", help="A Parquet, CSV, TSV or JSON-lines table: a file or a directory of part files, local or any URI Spark reads (hdfs://, s3a://…).", show_default=False)],
    output: Annotated[str, typer.Option("--output", "-o", help="Where to write the tagged table (a Parquet directory).", show_default=False)],
    master: Annotated[Optional[str], typer.Option("--master", help="Spark master: local[*] (the default), local[2], yarn, k8s://https://HOST:PORT, spark://HOST:PORT. Under spark-submit, spark-submit's.", show_default=False)] = None,
    text_column: Annotated[str, typer.Option(help="Column holding the sentences (with --reports: the whole report texts).")] = TEXT_COL,
    reports: Annotated[bool, typer.Option("--reports", help="Each row is one whole report: segment it into sentences inside Spark (fazhi's own segmentation), one output row per sentence.")] = False,
    model: Annotated[Optional[str], typer.Option("--model", help=SERVE_MODEL_HELP, show_default=False)] = None,
    tracking_uri: UriOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing OUTPUT.")] = False,
) -> None:
    """Tag every sentence of a table with Spark, through the MLflow model as a Spark UDF; write Parquet.

    Rows keep their columns and gain label, confidence and p_<label> (as fazhi predict
    --proba); section and heading columns are read when present. With --reports each row
    is a report, and the output has one row per sentence with sentence, heading, section
    and text. Examples: fazhi spark-tag sentences.parquet -o tagged.parquet;
    fazhi spark-tag reports.jsonl --reports -o tagged.parquet --master local[2]
    """
    from fazhi.tagging import spark as sparktag

    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise fail(f"spark-tag needs PySpark, which is not installed: {sparktag.INSTALL_HINT}") from None
    from fazhi.tracking.serving import pyfunc_model

    with user_errors():
        sparktag.check_paths(input_path, output, force)  # before a JVM and MLflow are started
    with user_errors(), pyfunc_model(model, tracking_uri) as uri:
        spark = sparktag.session(master)
        try:
            result = sparktag.spark_tag(spark, input_path, output, uri, text_column, reports, force)
        except Exception as exc:  # Spark and Py4J raise many types for a bad path or a failed job
            if isinstance(exc, (typer.Exit, FazhiError)):
                raise
            raise fail(f"{input_path}: {sparktag.first_line(exc)}") from None
        finally:
            spark.stop()
    for old, new in result.renamed.items():
        typer.echo(f"note: the input's column {old!r} is kept as {new!r}", err=True)
    typer.echo(f"{result.output}: {result.rows_out:,} row(s) from {result.rows_in:,} input row(s)", err=True)
