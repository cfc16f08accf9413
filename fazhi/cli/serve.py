"""`fazhi serve`: MLflow's scoring server (REST) for the registered model, as a supervised child process."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from fazhi.cli.common import UriOpt, app, user_errors

SERVE_MODEL_HELP = (
    "The model: an MLflow URI (runs:/…, models:/…), a models/ directory or .joblib file, "
    "or a pyfunc model directory. Default: models:/fazhi-sentence@champion."
)


@app.command()
def serve(
    model: Annotated[Optional[str], typer.Option("--model", help=SERVE_MODEL_HELP, show_default=False)] = None,
    tracking_uri: UriOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 5001,
) -> None:
    """Serve the model over REST: POST sentences to http://HOST:PORT/invocations (Ctrl-C stops it).

    The body is JSON: {"dataframe_split": {"columns": ["text"], "data": [["……"]]}},
    {"dataframe_records": [{"text": "……", "section": "……"}]} or {"inputs": ["……", "……"]};
    the answer holds one {label, confidence, p_<label>…} per sentence. The server is
    MLflow's (mlflow models serve) in this environment.
    """
    from fazhi.cli.supervise import check_port, supervise
    from fazhi.tracking.serving import pyfunc_model, serve_command

    check_port(host, port)
    with user_errors(), pyfunc_model(model, tracking_uri) as uri:
        cmd, env = serve_command(uri, host, port, tracking_uri)
        typer.echo(f"Serving {model or uri} on http://{host}:{port}/invocations  (Ctrl-C stops it)", err=True)
        supervise(cmd, env, "the scoring server")
