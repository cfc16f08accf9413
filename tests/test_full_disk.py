"""A full disk while `fazhi predict` writes each format and while `fazhi train` saves a model: one line, nothing left.

The disk is real and small: a 64 KiB tmpfs mounted by the fixture (`mount -t tmpfs`,
which needs root or CAP_SYS_ADMIN; it works on this project's machine and is unmounted
when the test ends). Where mounting is not allowed, the child gets a real file-size
limit instead (RLIMIT_FSIZE of 64 KiB, set in the child before it starts): a write past
it fails with EFBIG ("File too large") as a full disk fails with ENOSPC, through the
same code paths.
"""

from __future__ import annotations

import os
import resource
import subprocess
import uuid
from pathlib import Path

import pytest

from processes import FAZHI, one_line, random_report

SIZE = 64 * 1024


@pytest.fixture()
def small_disk(tmp_path):
    """(directory on a 64 KiB disk, preexec_fn for the child or None)."""
    disk = tmp_path / f"disk-{uuid.uuid4().hex[:8]}"
    disk.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(disk)],
                                 capture_output=True, timeout=30).returncode == 0
    except OSError:  # no mount command
        mounted = False
    if mounted:
        try:
            yield disk, None
        finally:
            subprocess.run(["umount", str(disk)], check=True)
    else:
        yield disk, lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (SIZE, SIZE))


def _run(args: list[str], cwd: Path, preexec) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    return subprocess.run([FAZHI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=preexec)


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx", ".csv"])
def test_predict_on_a_full_disk_gives_one_line_and_leaves_nothing(tmp_path, small_disk, trained_model_dir, suffix):
    disk, preexec = small_disk
    report = random_report(tmp_path / "report.txt")  # ~220 KB of Parquet, more in the other formats
    done = _run(["predict", str(report), "--model", str(trained_model_dir), "-o", str(disk / f"t{suffix}"), "-q"],
                tmp_path, preexec)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith("error: ") and ("No space left on device" in line or "File too large" in line), line
    assert "nothing was replaced" in line
    assert list(disk.iterdir()) == []


def test_train_on_a_full_disk_leaves_no_model_directory(tmp_path, small_disk, small_corpus):
    """The model is written into a hidden directory and renamed when complete: a full
    disk leaves neither an empty models/<run>/ nor the hidden one."""
    disk, preexec = small_disk
    done = _run(["train", "--data", str(small_corpus), "--features", "chars", "--calibration", "none", "--no-track",
                 "--output-dir", str(disk / "models"), "--run-name", "full"], tmp_path, preexec)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith(f"error: {disk / 'models'}: cannot save the model ("), line
    assert list((disk / "models").iterdir()) == []
