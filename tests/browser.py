"""A real headless Chromium for tests: the DOM after the page's JavaScript ran, and screenshots.

The browser comes from the system's packages. If none is installed and the tests run as
root with apt-get, it is installed (`apt-get install -y chromium`, with a CJK font so that
screenshots show the labels); otherwise the test fails with what to install, never skips.
Each run gets a fresh profile and is killed by its process group id if it hangs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", "--hide-scrollbars",
         "--disable-background-networking", "--disable-component-update", "--disable-extensions"]


def chromium() -> str:
    found = next((p for p in map(shutil.which, NAMES) if p), None)
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env, capture_output=True)
        done = subprocess.run(["apt-get", "install", "-y", "-q", "chromium", "fonts-noto-cjk"], env=env,
                              capture_output=True, text=True)
        found = next((p for p in map(shutil.which, NAMES) if p), None)
        if found:
            return found
        pytest.fail(f"apt-get install chromium failed: {done.stderr.strip().splitlines()[-1:]}")
    pytest.fail("no Chromium found (chromium, chromium-browser): install it, e.g. `apt-get install chromium fonts-noto-cjk`; "
                "the report page is tested in a real browser")


def run(args: list[str], timeout: float = 90) -> str:
    """Chromium with a fresh profile; its stdout. Killed by process group if it hangs."""
    with tempfile.TemporaryDirectory(prefix="fazhi-chromium-") as profile:
        proc = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"chromium did not finish in {timeout} s")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        assert proc.returncode == 0, err[-2000:]
        return out


def dom(page: Path, fragment: str = "", budget_ms: int = 5000) -> str:
    """The page's DOM once its scripts ran (file URL, optional #fragment)."""
    url = Path(page).resolve().as_uri() + (f"#{fragment}" if fragment else "")
    return run([f"--virtual-time-budget={budget_ms}", "--dump-dom", url])


def screenshot(page: Path, out: Path, width: int = 1400, height: int = 2000, budget_ms: int = 5000) -> Path:
    url = Path(page).resolve().as_uri()
    run([f"--virtual-time-budget={budget_ms}", f"--window-size={width},{height}", f"--screenshot={out}", url])
    assert Path(out).is_file(), "chromium wrote no screenshot"
    return Path(out)
