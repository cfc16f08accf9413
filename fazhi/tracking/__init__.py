"""tracking: the tracker (MLflow runs), the model registry, the scoring server, the UI."""
