"""The one door through which fazhi imports MLflow: its environment defaults, its warnings, `quiet()`.

Importing this module costs what importing MLflow costs (~1.5 s), so only the paths that
track, register, serve or load an MLflow model import it; tagging with a saved model
never does. `from fazhi.mlflowlib import mlflow` is the only way fazhi reaches MLflow
(tests/test_architecture.py checks it), so the settings below are always read first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator

# MLflow as a command-line user wants it: no INFO clutter, no minutes of retries of an
# unreachable server. Read when mlflow is imported; the user's own settings win.
for _name, _value in (
    ("MLFLOW_LOGGING_LEVEL", "WARNING"),
    ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2"),
    ("MLFLOW_HTTP_REQUEST_TIMEOUT", "20"),
):
    os.environ.setdefault(_name, _value)

with warnings.catch_warnings():  # dependencies' import-time warnings (pydantic, starlette …)
    if os.environ["MLFLOW_LOGGING_LEVEL"].upper() not in ("DEBUG", "INFO"):
        warnings.simplefilter("ignore")
    import mlflow  # noqa: E402
    import mlflow.models  # noqa: E402,F401
    import mlflow.pyfunc  # noqa: E402,F401
    import mlflow.types  # noqa: E402,F401
    from mlflow.tracking import MlflowClient  # noqa: E402,F401
    from mlflow.utils.autologging_utils import MlflowEventsAndWarningsBehaviorGlobally  # noqa: E402

logging.getLogger("mlflow").setLevel(os.environ["MLFLOW_LOGGING_LEVEL"])  # if imported before us


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """MLflow's event messages ("Successfully registered model …", "Created version …")
    and the warnings raised while logging stay off the terminal: library functions print
    nothing. With MLflow's logger at INFO (`--verbose`) they are shown."""
    if logging.getLogger("mlflow").isEnabledFor(logging.INFO):
        yield
        return
    # MLflow's own switch for its event stream (eprint() and its log handler), counted:
    # the same switch used inside log_model cannot turn the stream back on before we do.
    events = MlflowEventsAndWarningsBehaviorGlobally(disable_event_logs=True, disable_warnings=True, reroute_warnings=False)
    with warnings.catch_warnings(), events:
        warnings.simplefilter("ignore")
        yield


def point_at(uri: str) -> None:
    """MLflow's process-wide store is `uri` (its registry follows it). MLflow also exports it
    as MLFLOW_TRACKING_URI "so that subprocesses inherit it"; that is undone: fazhi hands
    its own children their store itself, and the variable must keep meaning what the user
    set (it is --tracking-uri's default). Called by fazhi.tracking.log.Tracker and `store`."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


@contextlib.contextmanager
def store(uri: str) -> Iterator[None]:
    """MLflow pointed at `uri` inside the block only (MLflow's model URIs resolve through
    its process-wide registry, whatever URI a call is given), and back after it."""
    import mlflow.tracking._tracking_service.utils as tracking

    before = tracking._tracking_uri  # None: not set (MLflow then reads the environment)
    point_at(uri)
    try:
        yield
    finally:
        tracking._tracking_uri = before  # not set_tracking_uri: it would export it again
