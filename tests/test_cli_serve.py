"""`fazhi serve`: MLflow's scoring server for the registered model, started by the test on a free
port of 127.0.0.1, asked in Chinese, and stopped by process id however the test ends."""

import contextlib
import json
import os
import signal
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
from fazhi.segment import iter_sentences, text_lines
from fazhi.tracking.serving import serve_command

FAZHI = str(Path(sys.executable).with_name("fazhi"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: bytes | str) -> tuple[int, dict]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def descendants(pid: int) -> list[int]:
    """Process ids of every process below `pid` (Linux /proc), children first."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        out += children
        todo += children
    return out


@pytest.fixture(scope="module")
def server(registered, tmp_path_factory):
    """`fazhi serve` on a free port; yields (address, process). Stopped with SIGTERM, as Ctrl-C would."""
    port, log_path = free_port(), tmp_path_factory.mktemp("serve") / "serve.log"
    env = dict(os.environ, MLFLOW_TRACKING_URI=registered.uri)
    with open(log_path, "w") as log:
        process = subprocess.Popen([FAZHI, "serve", "--port", str(port)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"{address}/ping", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "no answer in 180 s:\n" + log_path.read_text()
                time.sleep(0.5)
        yield address, process
    finally:
        tree = descendants(process.pid)  # the scoring server runs in a session of its own
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            for pid in [process.pid, *tree]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()
            raise AssertionError("fazhi serve did not stop on SIGTERM") from None
        assert tree, "fazhi serve started no server process"
        with socket.socket() as probe:  # the server (a grandchild) went with it
            assert probe.connect_ex(("127.0.0.1", port)) != 0, "the scoring server outlived fazhi serve"


def test_sentences_posted_in_every_format_get_the_labels_fazhi_predict_gives(server, registered, tmp_path, monkeypatch):
    address, _ = server
    report = mk.txt(tmp_path / "report.txt")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registered.uri)
    done = CliRunner().invoke(app, ["predict", str(report), "--model", registered.model_uri, "-o", str(tmp_path / "rows.jsonl")])
    assert done.exit_code == 0, done.output
    expected = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text("utf-8").splitlines()]
    sentences = list(iter_sentences(text_lines(report.read_text("utf-8"))))
    assert [s.text for s in sentences] == [r["text"] for r in expected] and any(s.section for s in sentences)
    records = [{"text": s.text, "section": s.section} for s in sentences]
    split = {"columns": ["text", "section"], "data": [[s.text, s.section] for s in sentences]}
    for body in ({"dataframe_records": records}, {"dataframe_split": split},
                 {"inputs": {"text": [s.text for s in sentences], "section": [s.section for s in sentences]}}):
        status, answer = post(f"{address}/invocations", json.dumps(body, ensure_ascii=False))
        assert status == 200, answer
        got = answer["predictions"]
        assert [p["label"] for p in got] == [r["label"] for r in expected]
        assert [p["confidence"] for p in got] == [r["confidence"] for r in expected]
    # A plain list of strings: sentences without a section, as `fazhi predict --text` tags them one by one.
    texts = ["深入开展宪法宣传周活动。", "人民调解组织化解矛盾纠纷。"]
    status, answer = post(f"{address}/invocations", json.dumps({"inputs": texts}, ensure_ascii=False))
    cli = [json.loads(CliRunner().invoke(app, ["predict", "--model", registered.model_uri, "--text", t]).stdout) for t in texts]
    assert status == 200 and [p["label"] for p in answer["predictions"]] == [r["label"] for r in cli]


@pytest.mark.parametrize("body, says", [
    ('{"dataframe_records": [{"txt": "开展普法。"}, {"txt": "执法。"}]}', "no 'text' column"),
    ('{"inputs": "一句话。"}', "not a list of sentences"),
    ('{"sentences": ["一句话。"]}', "dataframe_records"),
    ("一句话。", "valid JSON"),
])
def test_a_malformed_payload_gets_a_400_that_says_what_is_wrong(server, body, says):
    address, _ = server
    status, answer = post(f"{address}/invocations", body)
    assert status == 400 and says in answer["message"], answer


def test_it_listens_on_127_0_0_1_unless_told_otherwise(server):
    address, process = server
    cmd, env = serve_command("models:/m@a", "127.0.0.1", 5001)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and "--env-manager" in cmd and cmd[cmd.index("--env-manager") + 1] == "local"
    ours = socket.gethostbyname(socket.gethostname())
    if not ours.startswith("127."):  # another address of this machine must not answer
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(5)
            s.connect((ours, int(address.rsplit(":", 1)[1])))


def test_a_busy_port_and_a_missing_model_are_one_line_errors(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([FAZHI, "serve", "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.strip().startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert len(done.stderr.strip().splitlines()) == 1
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'empty.db'}")
    done = subprocess.run([FAZHI, "serve", "--port", str(free_port())], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1 and "error: models:/fazhi-sentence@champion: cannot load model" in done.stderr
    assert "train one with `fazhi train`" in done.stderr and "Traceback" not in done.stderr
