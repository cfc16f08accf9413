"""The registered model's code (MLflow "models from code"): MLflow runs this file to build the model."""

from mlflow.models import set_model

from fazhi_features.pyfunc import SentenceModel

set_model(SentenceModel())
