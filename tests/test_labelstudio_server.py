"""The round trip through a real Label Studio server: suggest → tasks → annotations → exports → import → train.

Label Studio is a Django app with pinned dependencies of its own, so it gets its own
virtual environment (.cache/labelstudio-venv in the checkout, made once and reused;
the first install takes 2–3 minutes). The server runs on 127.0.0.1 on a free port
with a temporary data directory and a user and API token given on its command line,
and is stopped by its process id when the test ends, passed or failed. The labels
posted below were chosen by reading each test sentence; they are test data.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

import make_files as mk
from fazhi.cli import app
from fazhi.config import CORPUS_FILE, PROJECT_ROOT
from fazhi.corpus.dataset import read_rows

pytestmark = pytest.mark.labelstudio

VENV = PROJECT_ROOT / ".cache" / "labelstudio-venv"
READY = VENV / ".fazhi-ready"  # written after a complete install, so a broken one is redone
REQUIREMENT = "label-studio>=1.23"
SECOND_REPORT = "一、优化法治化营商环境\n全面推行证明事项告知承诺制。\n开展涉企法律服务进万企活动。\n二、存在的不足\n执法队伍力量仍然薄弱。\n"
# Read and labeled by hand (test data, not corpus labels): every sentence of the two reports.
READ_LABELS = {
    mk.REPORT_LINES[0]: "其他",
    mk.HEADING_1: "普法宣传",
    mk.SENTENCE_1: "普法宣传",
    mk.SENTENCE_2: "普法宣传",
    mk.HEADING_2: "不足",
    mk.SENTENCE_3: "不足",
    "指标": "其他",  # the .docx's table: a header row, then administrative review cases
    "完成情况": "其他",
    "行政复议案件": "矛盾化解",
    "依法办结率100%。": "矛盾化解",
    "一、优化法治化营商环境": "营商环境",
    "全面推行证明事项告知承诺制。": "营商环境",
    "开展涉企法律服务进万企活动。": "营商环境",
    "执法队伍力量仍然薄弱。": "不足",
}
runner = CliRunner()


def fazhi(*args: str):
    result = runner.invoke(app, list(args))
    return result


def label_studio_venv() -> Path:
    """The label-studio executable of the test's own environment, installed if missing."""
    exe = VENV / "bin" / "label-studio"
    if READY.is_file() and exe.is_file():
        return exe
    log = VENV.parent / "labelstudio-install.log"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(log, "w") as out:
        made = subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], stdout=out, stderr=subprocess.STDOUT)
        ok = made.returncode == 0 and subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "--quiet", REQUIREMENT], stdout=out, stderr=subprocess.STDOUT
        ).returncode == 0
    assert ok, f"installing {REQUIREMENT} failed; see {log}:\n" + log.read_text()[-3000:]
    READY.write_text(f"{REQUIREMENT} installed in {time.perf_counter() - start:.0f} s\n")
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Label Studio server of this test: its base URL and API token."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def call(self, method: str, path: str, body=None, raw: bool = False):
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            data = response.read()
        return data if raw else json.loads(data or b"null")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    exe = label_studio_venv()
    data_dir = tmp_path_factory.mktemp("label-studio")
    port, token = free_port(), secrets.token_hex(20)
    log = open(data_dir / "server.log", "w")
    cmd = [str(exe), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(data_dir / "data"), "--username", "reader@fazhi.test", "--password", secrets.token_hex(8),
           "--user-token", token, "--enable-legacy-api-token"]
    env = {"PATH": str(exe.parent) + ":/usr/bin:/bin", "HOME": str(data_dir), "COLLECT_ANALYTICS": "false",
           "LANG": "C.UTF-8"}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=data_dir)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240  # a fresh data directory runs every migration (~50 s here)
        while True:
            assert proc.poll() is None, "Label Studio exited:\n" + (data_dir / "server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(url + "/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, "Label Studio not ready in 240 s:\n" + (data_dir / "server.log").read_text()[-3000:]
            time.sleep(1)
        yield Server(url, token)
    finally:
        proc.terminate()  # by its process id, also when the test failed
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_round_trip_through_label_studio(server, tmp_path, trained_model_dir):
    reports = tmp_path / "reports"
    reports.mkdir()
    mk.docx(reports / "甲区.docx")
    mk.txt(reports / "乙区.txt", text=SECOND_REPORT)
    tasks_file = tmp_path / "tasks.json"
    picked = fazhi("data", "suggest", str(reports), "-n", "6", "-o", str(tasks_file), "--predictions",
                   "--model", str(trained_model_dir))
    assert picked.exit_code == 0, picked.output
    config = fazhi("data", "label-config").output

    project = server.call("POST", "/api/projects", {"title": "fazhi round trip", "label_config": config})
    parsed = project["parsed_label_config"]["label"]
    assert parsed["type"] == "Choices" and parsed["to_name"] == ["text"] and len(parsed["labels"]) == 6
    area = project["parsed_label_config"]["area"]  # the area question, shown when 不足 is chosen
    assert area["type"] == "Choices" and area["to_name"] == ["text"] and len(area["labels"]) == 5
    imported = server.call("POST", f"/api/projects/{project['id']}/import", json.loads(tasks_file.read_text(encoding="utf-8")))
    assert imported["task_count"] == 6 and imported["prediction_count"] == 6

    tasks = server.call("GET", f"/api/tasks?project={project['id']}&page_size=100")["tasks"]
    assert len(tasks) == 6
    for task in tasks:
        label = READ_LABELS[task["data"]["text"]]
        result = [{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]
        server.call("POST", f"/api/tasks/{task['id']}/annotations", {"result": result})
    skipped = tasks[0]  # a second reader skipped this one
    server.call("POST", f"/api/tasks/{skipped['id']}/annotations", {"result": [], "was_cancelled": True})

    expected = {(Path(t["data"]["source"]).stem, str(t["data"]["sentence"]), t["data"]["text"], READ_LABELS[t["data"]["text"]])
                for t in tasks}
    for kind, name in (("JSON", "export.json"), ("JSON_MIN", "export-min.json"), ("CSV", "export.csv")):
        export = tmp_path / name
        export.write_bytes(server.call("GET", f"/api/projects/{project['id']}/export?exportType={kind}", raw=True))
        out = tmp_path / f"labeled-{kind}.csv"
        result = fazhi("data", "import", str(export), "-o", str(out))
        if kind == "JSON":  # only the full export keeps the skipped annotation: an error, then skipped
            assert result.exit_code == 1 and f"task {skipped['id']} (" in result.output
            assert "skipped (cancelled) annotation" in result.output and not out.exists()
            result = fazhi("data", "import", str(export), "-o", str(out), "--skip-bad")
            want = {row for row in expected if row[2] != skipped["data"]["text"]}
        else:  # JSON-MIN and CSV leave skipped annotations out: the task's other annotation counts
            want = expected
        assert result.exit_code == 0, (kind, result.output)
        rows = read_rows(out)
        assert list(rows[0]) == ["report_id", "position", "heading", "section", "text", "label", "area"]
        assert {(r["report_id"], r["position"], r["text"], r["label"]) for r in rows} == want, kind
        assert all(r["section"] == next(t["data"]["section"] for t in tasks if t["data"]["text"] == r["text"]) for r in rows)

    trained = fazhi("train", "--data", str(CORPUS_FILE), "--data", str(tmp_path / "labeled-CSV.csv"), "--no-track",
                    "--output-dir", str(tmp_path / "models"))
    assert trained.exit_code == 0, trained.output
    assert f"{len(read_rows(CORPUS_FILE)) + 6} sentences" in trained.output
