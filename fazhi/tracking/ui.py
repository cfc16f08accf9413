"""`fazhi ui`'s part of MLflow: the server command, the saved runs view it opens on, the addresses of runs and comparisons.

Measured on MLflow 3.17 in a fresh browser: an experiment's own page opens on the GenAI
overview whatever its tags; #/experiments/<id>/runs opens the Training runs table, which
shows no metric column until chosen, unless a saved view says which.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from fazhi.config import tracking_uri
from fazhi.mlflowlib import mlflow, quiet
from fazhi.tracking.log import artifact_location


def ui_command(uri: str | None, host: str, port: int, verbose: bool = False) -> tuple[list[str], dict[str, str]]:
    """The `mlflow ui` command line for the project's store, and its environment.

    Quiet unless `verbose`: no access log line per request, no start-up INFO lines, no
    dependency warnings (they go to the server's log either way)."""
    from fazhi.tracking.serving import mlflow_program

    uri = tracking_uri(uri)
    exe, env = mlflow_program()
    cmd = [exe, "ui", "--backend-store-uri", uri, "--host", host, "--port", str(port), "--workers", "1"]
    loc = artifact_location(uri)
    if loc:
        cmd += ["--default-artifact-root", loc]
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    if not verbose:
        cmd += ["--uvicorn-opts", "--no-access-log --log-level warning"]
        env["PYTHONWARNINGS"] = "ignore"
    return cmd, env


# The saved view of the runs table that `fazhi ui` opens (MLflow ≥ 3.15 keeps saved
# views as experiment tags mlflow.sharedViewState.<key>; the address
# #/experiments/<id>/runs?viewStateShareKey=<key> opens one): the configuration and the
# CV figures as columns, best macro-F1 first.
RUNS_VIEW_KEY = "fazhi-cv"
RUNS_VIEW_NAME = "fazhi: CV figures"
_VIEW_TAG = "mlflow.sharedViewState."


def runs_view_state(labels: list[str]) -> dict[str, Any]:
    """Columns (ids as the UI writes them: params.`C`, metrics.`cv_macro_f1`), their order, the sort."""
    params = [f"params.`{k}`" for k in ("feature_set", "classifier", "C")]
    metrics = [f"metrics.`{k}`" for k in ("cv_macro_f1", *(f"cv_f1_{lab}" for lab in labels), "eval_macro_f1")]
    columns = params + metrics
    return {
        "selectedColumns": columns,
        "columnOrder": ["attributes.`Run Name`", "attributes.`Created`", *columns],
        "orderByKey": "metrics.`cv_macro_f1`",
        "orderByAsc": False,
    }


def ensure_runs_view(experiment_id: str, labels: list[str]) -> str:
    """Create the saved view in the experiment unless it exists (a user's edits of it
    stay); return its key."""
    import time

    tag = _VIEW_TAG + RUNS_VIEW_KEY
    with quiet():
        client = mlflow.tracking.MlflowClient()
        if tag not in client.get_experiment(experiment_id).tags:
            now = int(time.time() * 1000)
            state = json.dumps(runs_view_state(labels), ensure_ascii=False)
            envelope = {"name": RUNS_VIEW_NAME, "createdAt": now, "updatedAt": now, "state": state}
            client.set_experiment_tag(experiment_id, tag, json.dumps(envelope, ensure_ascii=False))
    return RUNS_VIEW_KEY


def ui_base(uri: str | None = None, host: str = "127.0.0.1", port: int = 5000) -> str:
    """Where the UI of a store is: a tracking server serves its own; a local store's is
    `fazhi ui` (default address unless host/port given)."""
    uri = tracking_uri(uri)
    if urlparse(uri).scheme in ("http", "https"):
        return uri.rstrip("/")
    # Every interface: the address to open (and poll) is the loopback of the same family.
    # A server on :: listens on IPv6 only (asyncio sets IPV6_V6ONLY), so not 127.0.0.1.
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach an address to listen on (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def runs_url(base: str, experiment_id: str, view: str | None = None) -> str:
    """The experiment's Training runs table (an experiment's own page opens on the GenAI overview)."""
    return f"{base}/#/experiments/{experiment_id}/runs" + (f"?viewStateShareKey={view}" if view else "")


def compare_url(base: str, run_ids: list[str], experiment_id: str) -> str:
    """The UI's comparison of runs: parameters and metrics side by side, with plots."""
    from urllib.parse import quote

    return f"{base}/#/compare-runs?runs={quote(json.dumps(run_ids))}&experiments={quote(json.dumps([experiment_id]))}"
