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
