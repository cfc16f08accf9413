"""modeling: a Dataset → a fitted pipeline and its figures (cross-validation, sweeps, tuning); no MLflow."""
