"""The pyfunc model `fazhi serve` and `fazhi spark-tag` run, and the scoring server's command line.

A model is named as for `fazhi predict --model`: an MLflow URI (the default is the
registered champion, models:/fazhi-sentence@champion), a models/ directory or .joblib
file `fazhi train` saved (then written as a pyfunc model to a temporary directory for
as long as it is used), or a pyfunc model directory (one holding an MLmodel file).
Imports MLflow: only the serve and spark-tag commands come here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from fazhi.config import CHAMPION_ALIAS, REGISTERED_MODEL, tracking_uri
from fazhi.errors import ModelError
from fazhi.store.persist import MLFLOW_SCHEMES

DEFAULT_MODEL = f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}"
# The input example of a model saved on the fly: [text, section] rows.
EXAMPLE = np.array([["深入开展宪法宣传周活动。", "一、主要工作 › （一）普法宣传"],
                    ["基层执法力量仍显薄弱。", "二、存在的不足"]], dtype=object)


@contextlib.contextmanager
def pyfunc_model(spec: str | None, store: str | None = None) -> Iterator[str]:
    """A URI or path MLflow loads as the pyfunc model `spec` names, valid inside the block.

    ModelError (one line) if there is no such model. MLflow URIs are looked up in
    `store` (default: config.tracking_uri()), which MLflow's loaders in this process then
    read (Tracker.point: the one place that sets it).
    """
    from fazhi.mlflowlib import mlflow
    from fazhi.tracking.log import Tracker

    spec = spec or DEFAULT_MODEL
    Tracker(store).point()
    if spec.startswith(MLFLOW_SCHEMES) or (Path(spec) / "MLmodel").is_file():
        try:
            mlflow.models.get_model_info(spec)
        except Exception as exc:  # a missing model, alias or store: many exception types
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            hint = " (train one with `fazhi train`)" if spec == DEFAULT_MODEL else ""
            raise ModelError(f"{spec}: cannot load model ({why}){hint}") from None
        yield spec
        return
    from fazhi.store.persist import load
    from fazhi.tracking.registry import save_pyfunc

    loaded = load(spec)
    with tempfile.TemporaryDirectory(prefix="fazhi-pyfunc-") as tmp:
        yield str(save_pyfunc(loaded.pipeline, Path(tmp) / "model", EXAMPLE))


def serve_command(model: str, host: str, port: int, store: str | None = None) -> tuple[list[str], dict[str, str]]:
    """`mlflow models serve` for `model` in this environment (no new one is built), and its environment."""
    exe, env = mlflow_program()
    cmd = [exe, "models", "serve", "--model-uri", model, "--env-manager", "local",
           "--host", host, "--port", str(port), "--workers", "1"]
    return cmd, dict(env, MLFLOW_TRACKING_URI=tracking_uri(store))


def mlflow_program() -> tuple[str, dict[str, str]]:
    """The `mlflow` program of this environment (even when it is not activated), else the
    one on PATH; and the environment to run it in, this environment's bin first on PATH:
    MLflow starts `uvicorn` and others by name."""
    bin_dir = str(Path(sys.executable).parent)
    exe = shutil.which("mlflow", path=bin_dir) or shutil.which("mlflow") or "mlflow"
    return exe, dict(os.environ, PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
