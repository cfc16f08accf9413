"""MLflow runs that end as they really ended, and a SQLite store created by one process at a time.

A run is FINISHED, FAILED on an error, KILLED on Ctrl-C or SIGTERM (fazhi.interrupts);
one left RUNNING by a process killed with SIGKILL is ended KILLED by the next fazhi
command on its experiment. Imported by fazhi.tracking.log (MLflow is imported there first).
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any


from fazhi.errors import TrackingError
from fazhi.formats.files import HOST, alive
from fazhi.interrupts import Stop
from fazhi.mlflowlib import mlflow, quiet


@contextlib.contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """An exclusive lock (flock) on the directory of a SQLite store while it is opened.

    MLflow creates the tables of a new SQLite store and migrates them on first use,
    without a lock between processes: two `fazhi train` started at once on a new store
    both migrate it, and one fails (`duplicate column name: step`). Elsewhere (a server,
    Windows) nothing is locked."""
    path = _sqlite_path(uri)
    if path is None or not path.parent.is_dir():
        yield
        return
    import fcntl

    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _sqlite_path(uri: str) -> Path | None:
    if os.name != "posix" or not uri.startswith("sqlite:///"):
        return None
    path = uri[len("sqlite:///") :].split("?")[0]
    return Path(path).resolve() if path and path != ":memory:" else None



def check_store(uri: str) -> None:
    """TrackingError (one line) if an existing SQLite store is damaged or read-only.

    MLflow notices neither: it writes runs and versions into a damaged file (each write
    may damage it further), and on a read-only one fails deep in SQLAlchemy ("Query-invoked
    autoflush"), after the work. SQLite's quick_check reads every page (milliseconds for
    a store of a few MB); a table created and rolled back fails on a file the process
    may not write (root ignores the mode bits, not an immutable file or a read-only mount)."""
    if not uri.startswith("sqlite:///"):
        return
    name = uri[len("sqlite:///"):].split("?")[0]
    if not name or name == ":memory:" or not Path(name).is_file():
        return  # a new store: MLflow creates it
    import sqlite3

    path = Path(name).resolve()
    read_only = (f"MLflow store {path} is read-only ({{}}); nothing was logged: make it writable, "
                 "give another store with --tracking-uri, or use --no-track")
    if not os.access(path.parent, os.W_OK):  # SQLite writes its journal beside the file
        raise TrackingError(read_only.format(f"its folder {path.parent} cannot be written"))
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise TrackingError(read_only.format(str(exc))) from None
    try:
        verdict = con.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(" ".join(verdict.split())[:120])
        con.execute("BEGIN IMMEDIATE")
        try:  # a write, undone: SQLite refuses it on a file opened read-only (a lock alone it grants)
            con.execute("CREATE TABLE fazhi_write_probe (x)")
        finally:
            con.rollback()
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise TrackingError(read_only.format("SQLite: " + str(exc))) from None
        if "locked" not in str(exc):  # another process writing a run: the store is fine
            raise TrackingError(_damaged(path, str(exc))) from None
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed" …
        raise TrackingError(_damaged(path, str(exc))) from None
    finally:
        con.close()


def _damaged(path: Path, why: str) -> str:
    return (f"MLflow store {path} is damaged (SQLite: {why}); nothing was logged: move it aside "
            f"(mv {path.name} {path.name}.damaged) to start a new store, or salvage it with "
            f"`sqlite3 {path.name} .recover | sqlite3 recovered.db`; --no-track works without it")


@contextlib.contextmanager
def tracked_run(run_name: str, kind: str, nested: bool = False) -> Iterator[Any]:
    """An MLflow run tagged with its kind and the process writing it (fazhi.pid, fazhi.host).
    It ends FINISHED; FAILED on an error; KILLED on Ctrl-C or SIGTERM (fazhi.interrupts),
    and then the model it was logging is marked FAILED and its registered version removed:
    neither stays PENDING or half-made. A run whose process was killed with SIGKILL is
    ended KILLED by the next fazhi command on its experiment (end_abandoned)."""
    tags = {"fazhi.kind": kind, "fazhi.pid": str(os.getpid()), "fazhi.host": HOST}
    try:  # a signal may come while MLflow starts or ends the run, too
        with quiet():
            run = mlflow.start_run(run_name=run_name, nested=nested, tags=tags)
        yield run
        with quiet():
            mlflow.end_run("FINISHED")
    except BaseException as exc:
        with quiet():
            end_own_runs("KILLED" if isinstance(exc, (KeyboardInterrupt, Stop)) else "FAILED")
        raise


def end_own_runs(status: str) -> None:
    """End every run this process still has RUNNING: the one that failed, its parent, and
    one whose start was interrupted after MLflow had created it (its id never reached us)."""
    client = mlflow.MlflowClient()
    with contextlib.suppress(Exception):
        experiments = [e.experiment_id for e in client.search_experiments()]
        mine = f"attributes.status = 'RUNNING' and tags.`fazhi.pid` = '{os.getpid()}' and tags.`fazhi.host` = '{HOST}'"
        for run in client.search_runs(experiments, filter_string=mine):
            _end(run.info.run_id, status)
    with contextlib.suppress(Exception):
        while mlflow.active_run() is not None:  # MLflow's stack of active runs, emptied
            mlflow.end_run(status)


def _end(run_id: str, status: str) -> None:
    """End a run that did not finish; what it logged half-way is undone. Best effort: an
    unreachable store must not hide the error or interruption that ended the run."""
    client = mlflow.MlflowClient()
    with contextlib.suppress(Exception):
        run = client.get_run(run_id)
        for model in client.search_logged_models([run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'"):
            if str(model.status) == "PENDING" or getattr(model.status, "name", "") == "PENDING":
                client.finalize_logged_model(model.model_id, "FAILED")
    with contextlib.suppress(Exception):
        for version in client.search_model_versions(f"run_id = '{run_id}'"):
            client.delete_model_version(version.name, version.version)
    with contextlib.suppress(Exception):
        if mlflow.active_run() is not None and mlflow.active_run().info.run_id == run_id:
            mlflow.end_run(status)
        else:
            client.set_terminated(run_id, status)


def end_abandoned(experiment_id: str) -> list[str]:
    """End KILLED the runs of this host still RUNNING whose process is gone (killed with
    SIGKILL, or a power cut); returns their ids."""
    client = mlflow.MlflowClient()
    ended = []
    runs = client.search_runs(
        [experiment_id], filter_string=f"attributes.status = 'RUNNING' and tags.`fazhi.host` = '{HOST}'", max_results=200)
    for run in runs:
        pid = run.data.tags.get("fazhi.pid", "")
        if pid.isdigit() and not alive(int(pid)):
            client.set_tag(run.info.run_id, "fazhi.ended", f"its process {pid} was gone; ended by process {os.getpid()}")
            _end(run.info.run_id, "KILLED")
            ended.append(run.info.run_id)
    return ended
