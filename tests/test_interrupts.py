"""Ctrl-C, SIGTERM and SIGKILL on real `fazhi predict`, `train` and `sweep` processes (fazhi.interrupts, fazhi.workers).

Each test starts `fazhi` with a TMPDIR of its own, waits for a sign that the work it
interrupts is under way (a hidden temporary output, worker processes, a RUNNING run in
the SQLite store), sends a real signal and checks what is left: the exit code, one
line on stderr, no temporary file beside the output or in TMPDIR, no worker process,
the MLflow run's status read back with MlflowClient.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from fazhi.config import REGISTERED_MODEL
from fazhi.formats.files import remove_stale, stale_prefix
from processes import FAZHI, alive, cmdline, descendants, fazhi, held_open, hidden, one_line, random_report, started, wait_for

QUICK = ["--features", "chars", "--classifier", "complementnb", "--calibration", "none"]  # the fastest training


@pytest.fixture()
def place(tmp_path):
    """(working directory, private TMPDIR, output directory)."""
    dirs = [tmp_path / name for name in ("work", "tmp", "out")]
    for d in dirs:
        d.mkdir()
    return dirs


def _workers(pid: int) -> list[int]:
    """Worker processes below `pid` (and the resource tracker multiprocessing starts with them)."""
    return [p for p in descendants(pid) if "multiprocessing" in cmdline(p)]


def _gone(pids: list[int], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def _runs(db: Path, status: str) -> list[str]:
    """Run ids in `status`, read with sqlite3 (cheap enough to poll)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return [r[0] for r in con.execute("SELECT run_uuid FROM runs WHERE status = ?", (status,))]
    except sqlite3.Error:  # not created yet, or being migrated
        return []


# Sentences of the first report: more than tagging takes in one batch (fazhi.tagging.tagger.CHUNK),
# so its rows are tagged (and written) before fazhi opens the next input.
FIRST_REPORT = 4200


@pytest.mark.parametrize(("suffix", "signum", "code", "by"), [
    (".xlsx", signal.SIGTERM, 143, " by SIGTERM"),
    (".parquet", signal.SIGINT, 130, ""),
])
def test_a_signal_on_predict_leaves_no_temporary_file(place, trained_model_dir, suffix, signum, code, by):
    # The signal comes while fazhi waits on its second input, a named pipe we hold open:
    # certain, where waiting for the temporary output raced with predict finishing
    # first on a loaded machine (exit 0, not 143).
    work, tmp, out = place
    report = random_report(work / "report.txt", lines=FIRST_REPORT)
    waiting = work / "waiting.txt"
    os.mkfifo(waiting)
    target = out / f"tagged{suffix}"
    with started(fazhi("predict", str(report), str(waiting), "--model", str(trained_model_dir), "-o", str(target), "-q",
                       tmpdir=tmp, cwd=work)) as proc:
        fd = held_open(waiting, proc)
        try:
            assert hidden(out)  # the temporary output, being written
            proc.send_signal(signum)
            _, stderr = proc.communicate(timeout=30)
        finally:
            os.close(fd)
    assert proc.returncode == code
    assert one_line(stderr) == (f"interrupted{by}: no output file was written or replaced "
                                f"(stopped after 1 of 2 input(s), {FIRST_REPORT} row(s) tagged)")
    assert list(out.iterdir()) == [] and list(tmp.iterdir()) == []


def test_ctrl_c_with_rows_on_a_pipe_says_how_many_went_there(place, trained_model_dir):
    # It said "no output file was written or replaced" after 88,198 lines had gone to the pipe.
    work, tmp, out = place
    report = random_report(work / "report.txt", lines=FIRST_REPORT)
    waiting = work / "waiting.txt"
    os.mkfifo(waiting)
    with open(out / "rows.jsonl", "w") as rows, started(fazhi("predict", str(report), str(waiting), "--model",
                                                               str(trained_model_dir), tmpdir=tmp, cwd=work,
                                                               stdout=rows)) as proc:
        fd = held_open(waiting, proc)
        try:
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=30)
        finally:
            os.close(fd)
    assert proc.returncode == 130
    lines = (out / "rows.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == FIRST_REPORT and all(line.endswith("}") for line in lines)
    assert one_line(stderr) == (f"interrupted: {FIRST_REPORT} row(s) had gone to standard output as complete JSON lines; "
                                "no output file was written or replaced")


def test_sigkill_on_predict_leaves_files_the_next_run_removes(place, trained_model_dir):
    """SIGKILL cannot be caught: the hidden temporary output (and, for .xlsx, openpyxl's
    sheet file, kept beside it rather than in the system temp folder) stays, named after
    the dead process; the next fazhi writing into that directory removes it."""
    work, tmp, out = place
    report = random_report(work / "report.txt")
    with started(fazhi("predict", str(report), "--model", str(trained_model_dir), "-o", str(out / "t.xlsx"), "-q",
                       tmpdir=tmp, cwd=work)) as proc:
        wait_for(lambda: len(hidden(out)) == 2, 60, "the output's and the sheet's temporary files", proc)
        proc.kill()
        proc.communicate(timeout=30)
    left = hidden(out)
    assert len(left) == 2 and all(name.startswith(".t.xlsx.fazhi-") and f"-{proc.pid}@" in name for name in left)
    assert list(tmp.iterdir()) == []
    done = subprocess.run([FAZHI, "predict", "--text", "普法宣传。", "--model", str(trained_model_dir),
                           "-o", str(out / "next.csv")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in out.iterdir()] == ["next.csv"]


def test_remove_stale_spares_files_of_running_processes(tmp_path):
    """Only what a process of this host that no longer runs left is removed."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    mine = tmp_path / (stale_prefix("out.csv") + "abc.tmp")
    mine.write_text("in progress")
    theirs = tmp_path / (stale_prefix("out.csv").replace(f"-{os.getpid()}@", f"-{dead.pid}@") + "xyz.tmp")
    theirs.mkdir()
    (theirs / "model.joblib").write_text("half")
    other = tmp_path / ".notes.txt"
    other.write_text("a user's hidden file")
    assert remove_stale(tmp_path) == [theirs]
    assert mine.exists() and other.exists() and not theirs.exists()


def test_ctrl_c_while_train_logs_to_mlflow_keeps_the_model_and_says_so(place, small_corpus):
    work, tmp, _ = place
    db = work / "mlflow.db"
    with started(fazhi("train", "--data", str(small_corpus), *QUICK, "--tracking-uri", f"sqlite:///{db}",
                       "--output-dir", "models", "--run-name", "quick", tmpdir=tmp, cwd=work)) as proc:
        wait_for(lambda: _runs(db, "RUNNING"), 120, "a RUNNING run", proc)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    line = one_line(stderr)
    assert line.startswith("interrupted: the model was saved to models/quick") and "not logged to MLflow" in line, line
    assert sorted(p.name for p in (work / "models" / "quick").iterdir()) == ["model.joblib", "model.json"]
    assert [p.name for p in (work / "models").iterdir() if p.name.startswith(".")] == []
    client = MlflowClient(f"sqlite:///{db}")
    (run,) = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert run.info.status == "KILLED" and run.data.tags["fazhi.pid"] == str(proc.pid)
    assert line.endswith(f"but not logged to MLflow (run {run.info.run_id} is marked KILLED)"), line
    models = client.search_logged_models([run.info.experiment_id])
    assert all(str(m.status) != "PENDING" for m in models), [m.status for m in models]
    assert client.search_model_versions(f"name = '{REGISTERED_MODEL}'") == []


def test_sigterm_during_cross_validation_saves_nothing_and_stops_the_workers(place, small_corpus):
    work, tmp, _ = place
    with started(fazhi("train", "--data", str(small_corpus), *QUICK, "--no-track", "--jobs", "2",
                       "--output-dir", "models", tmpdir=tmp, cwd=work)) as proc:
        workers = wait_for(lambda: _workers(proc.pid), 120, "the cross-validation workers", proc)
        proc.terminate()
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert one_line(stderr) == "interrupted by SIGTERM: no model was saved"
    assert _gone(workers), [cmdline(p) for p in workers]
    assert not (work / "models").exists() or list((work / "models").iterdir()) == []
    assert list(tmp.iterdir()) == []


SWEEP = ["--features", "chars,words", "--classifiers", "logreg,complementnb", "--C", "1,5", "--calibration", "none",
         "--jobs", "2"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_sweep_leaves_no_worker_holding_the_callers_output(place, small_corpus, signum):
    """The caller reads stdout to its end (communicate): a worker still holding it would hang it.
    After SIGKILL the sweep's run stays RUNNING until the next fazhi command on the
    experiment finds its process gone and ends it KILLED."""
    work, tmp, _ = place
    db = work / "mlflow.db"
    with started(fazhi("sweep", "--data", str(small_corpus), *SWEEP, "--tracking-uri", f"sqlite:///{db}",
                       tmpdir=tmp, cwd=work)) as proc:
        # Workers at work: a configuration measured (a child run beside the parent run)
        wait_for(lambda: len(_runs(db, "FINISHED")) >= 1, 120, "a measured configuration", proc)
        workers = _workers(proc.pid)  # and multiprocessing's resource tracker
        assert sum("spawn_main" in cmdline(p) for p in workers) == 2, [cmdline(p) for p in workers]
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=30)  # EOF on stdout: nobody holds it any more
    assert _gone(workers), [cmdline(p) for p in workers]
    assert proc.returncode == (143 if signum == signal.SIGTERM else -signal.SIGKILL)
    if signum == signal.SIGTERM:
        assert one_line(stderr) == ("interrupted by SIGTERM: no table was written; the sweep's MLflow run is marked "
                                    "KILLED (the configurations measured so far are its child runs)")
    else:
        assert "Traceback" not in stderr and "leaked" not in stderr, stderr
        again = subprocess.run([FAZHI, "sweep", "--data", str(small_corpus), "--features", "chars",
                                "--classifiers", "complementnb", "--C", "1", "--calibration", "none",
                                "--tracking-uri", f"sqlite:///{db}"], capture_output=True, text=True, cwd=work, timeout=120)
        assert again.returncode == 0, again.stderr
    client = MlflowClient(f"sqlite:///{db}")
    experiments = [e.experiment_id for e in client.search_experiments()]
    mine = [r for r in client.search_runs(experiments) if r.data.tags.get("fazhi.pid") == str(proc.pid)]
    (killed,) = [r for r in mine if r.data.tags["fazhi.kind"] == "sweep"]
    assert killed.info.status == "KILLED"
    # the configurations measured are FINISHED; one being logged at the signal is KILLED; none stays RUNNING
    children = [r.info.status for r in mine if r is not killed]
    assert "FINISHED" in children and set(children) <= {"FINISHED", "KILLED"}, children
    if signum == signal.SIGKILL:
        assert f"its process {proc.pid} was gone" in killed.data.tags["fazhi.ended"]
    # jieba keeps its dictionary cache in the temp folder on purpose (words features)
    assert [p.name for p in tmp.iterdir()] in ([], ["jieba.cache"])


LATE = """
import atexit, sys, time, typer
from fazhi.interrupts import run
app = typer.Typer()

@app.command()
def work():
    atexit.register(time.sleep, 3)  # an exit handler that takes time, as MLflow's do
    print("done", flush=True)

run(app, args=[])
"""


def test_a_signal_after_the_work_is_done_is_said_not_swallowed(tmp_path):
    """While exit handlers run the work is complete: the signal no longer interrupts it,
    but the exit code and a line still say that it came."""
    proc = subprocess.Popen([sys.executable, "-c", LATE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with started(proc):
        assert proc.stdout.readline() == "done\n"
        time.sleep(0.5)  # inside the exit handler
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert one_line(stderr) == "interrupted: the command had already finished; what it wrote and printed stands"
