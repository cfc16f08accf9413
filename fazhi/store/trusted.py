"""Loading model files without letting them run code: only the types a fazhi pipeline holds.

A pickle (joblib) names any function to call while it loads, so `joblib.load` of a
hostile file runs whatever it says. fazhi reads its model.joblib files with a
restricted unpickler that resolves only the classes fazhi pipelines are built from
(TRUSTED_CLASSES) and refuses anything else before calling it. MLflow models are read
only in skops format, with fazhi's own list of trusted types, never the list the
model's MLmodel file carries (a hostile model would simply list what it needs), or, for
fazhi's pyfunc model (fazhi_features.pyfunc), by unpickling its classifier artifact as above;
the model's own code is never run.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fazhi.errors import ModelError

# Public module → the names a fitted fazhi pipeline pickles from it (every classifier of
# fazhi.modeling.classifiers, every calibration of fazhi.modeling.model, every class of features/, and
# what numpy and joblib need to rebuild arrays). A pickle may name a private submodule (sklearn.svm._classes); the
# object it resolves to must be the very object the public module exports.
TRUSTED_CLASSES: dict[str, tuple[str, ...]] = {
    "sklearn.pipeline": ("Pipeline",),
    "sklearn.compose": ("ColumnTransformer",),
    "sklearn.feature_extraction.text": ("TfidfVectorizer", "TfidfTransformer"),
    "sklearn.naive_bayes": ("ComplementNB",),
    "sklearn.linear_model": ("LogisticRegression", "RidgeClassifier", "SGDClassifier"),
    "sklearn.linear_model._sgd_fast": ("ModifiedHuber",),  # SGDClassifier's loss object
    "sklearn.svm": ("LinearSVC",),
    "sklearn.calibration": ("CalibratedClassifierCV", "_CalibratedClassifier", "_SigmoidCalibration"),
    "sklearn.isotonic": ("IsotonicRegression",),
    "sklearn.model_selection": ("StratifiedKFold",),  # ReportCalibrated's folds without report ids
    "sklearn.preprocessing": ("LabelBinarizer",),
    "fazhi_features.text": ("SentenceInput", "CharVectorizer", "SectionVectorizer", "HeadingVectorizer"),
    "fazhi_features.tokenize": ("JiebaTokenizer",),
    "fazhi_features.cues": ("CueFeatures",),
    "fazhi_features.dropout": ("SectionDropout",),
    "fazhi_features.calibration": ("ReportCalibrated",),
    "fazhi_features.area": ("WithArea",),
    "fazhi_features.pipeline": ("WeightedPipeline",),
    # Never in a model file (caches and the pyfunc wrapper), listed so that every class of
    # features/ is known here (tests/test_trusted.py): restoring them calls nothing.
    "fazhi_features.ngrams": ("GramIndex", "KeyTable"),
    "fazhi_features.pyfunc": ("SentenceModel",),
    "joblib.numpy_pickle": ("NumpyArrayWrapper",),
    "numpy": ("ndarray", "dtype"),
    "numpy._core.multiarray": ("_reconstruct", "scalar"),
    "numpy.core.multiarray": ("_reconstruct", "scalar"),  # pickles made with numpy 1.x
    "builtins": ("slice",),
}
# Classes of ours inside a fitted pipeline, for skops (MLflow's serialiser): skops
# trusts scikit-learn's public estimators and numpy by itself.
TRUSTED_TYPES: list[str] = [
    "fazhi_features.tokenize.JiebaTokenizer",
    "fazhi_features.text.SentenceInput",
    "fazhi_features.text.CharVectorizer",
    "fazhi_features.text.SectionVectorizer",
    "fazhi_features.cues.CueFeatures",
    "fazhi_features.dropout.SectionDropout",
    "fazhi_features.calibration.ReportCalibrated",
    "fazhi_features.pipeline.WeightedPipeline",
    # scikit-learn's private helpers inside CalibratedClassifierCV (linearsvc, ridge).
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
]
_RISK = "a model file can run code when loaded; fazhi loads only the types its own models hold"


# features/ installs as fazhi_features (a top-level `features` would clash with other
# projects'); models saved before that name its classes features.text.… and so on.
LEGACY_PACKAGE, FEATURES_PACKAGE = "features", "fazhi_features"


def current_name(module: str) -> str:
    """The module a pickle's name means today: features.x → fazhi_features.x, others unchanged."""
    if module == LEGACY_PACKAGE or module.startswith(LEGACY_PACKAGE + "."):
        return FEATURES_PACKAGE + module[len(LEGACY_PACKAGE):]
    return module


class Refused(Exception):
    """A pickle names something outside TRUSTED_CLASSES."""


def trusted_object(module: str, name: str) -> Any:
    """The object `module.name` if a fazhi model may hold it; Refused otherwise (nothing called)."""
    module = current_name(module)
    for public, names in TRUSTED_CLASSES.items():
        if name in names and (module == public or module.startswith(public + ".")):
            obj = getattr(importlib.import_module(module), name, None)
            if obj is not None and obj is getattr(importlib.import_module(public), name, None):
                return obj
    if module == "numpy" and name.isidentifier():  # numpy scalar types: np.float64, np.int64 …
        import numpy

        obj = getattr(numpy, name, None)
        if isinstance(obj, type) and issubclass(obj, numpy.generic):
            return obj
    raise Refused(f"{module}.{name}")


def load_joblib(path: Path) -> Any:
    """The object in a joblib file, unpickled with only trusted classes; ModelError otherwise."""
    from joblib.numpy_pickle import NumpyUnpickler
    from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

    class TrustedUnpickler(NumpyUnpickler):
        # joblib (≥ 1.6) reads arrays of Python objects with a nested unpickler that
        # routes find_class through this one, so they are restricted too.
        def find_class(self, module: str, name: str) -> Any:
            return trusted_object(module, name)

    try:
        with open(path, "rb") as fh, _validate_fileobject_and_memmap(fh, str(path)) as (stream, _):
            if isinstance(stream, str):  # joblib < 0.10's format: companion files, plain pickle
                raise ModelError(f"{path}: a joblib file of a format fazhi never wrote; retrain with `fazhi train`")
            return TrustedUnpickler(str(path), stream, True).load()
    except Refused as exc:
        raise ModelError(f"{path}: refusing to load: it needs {exc}, which no fazhi model holds ({_RISK})") from None
    except ModelError:
        raise
    except Exception as exc:  # a corrupt or foreign file: any unpickling error
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}: {exc})".splitlines()[0]) from None


def load_mlflow(uri: str, store: str | None) -> Any:
    """The scikit-learn model at an MLflow URI, if it is in skops format; read with fazhi's
    trusted types (the MLmodel file's own list and code paths are ignored)."""
    import tempfile

    try:
        from fazhi.config import tracking_uri
        from fazhi.mlflowlib import mlflow, store as mlflow_store

        # models:/ URIs resolve through MLflow's process-wide registry, whatever URI the call
        # is given: pointed at the store for this download only, and back after it.
        with tempfile.TemporaryDirectory(prefix="fazhi-model-") as tmp, mlflow_store(tracking_uri(store)):
            local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=tmp))
            flavors = mlflow.models.Model.load(str(local)).flavors
            flavor = flavors.get("sklearn")
            if not flavor:
                return _load_pyfunc_classifier(uri, local, flavors.get("python_function") or {})
            fmt = flavor.get("serialization_format", "pickle")
            if fmt != "skops":
                raise ModelError(f"{uri}: saved in {fmt} format, which runs code when loaded; "
                                 "fazhi loads MLflow models in skops format only (as `fazhi train` logs them)")
            file = (local / flavor["pickled_model"]).resolve()
            if not file.is_relative_to(local.resolve()):
                raise ModelError(f"{uri}: its MLmodel points outside the model directory")
            return _load_skops(uri, file)
    except ModelError:
        raise
    except Exception as exc:  # MLflow raises many types for a bad URI or store
        raise ModelError(f"{uri}: cannot load model ({type(exc).__name__}: {exc})".splitlines()[0]) from None


def _load_pyfunc_classifier(uri: str, local: Path, flavor: dict) -> Any:
    """The classifier inside fazhi's pyfunc model (fazhi_features.pyfunc), read as any model.joblib
    is: with the trusted unpickler. The model's own code is never run here."""
    from fazhi_features.pyfunc import CLASSIFIER_ARTIFACT

    artifact = (flavor.get("artifacts") or {}).get(CLASSIFIER_ARTIFACT, {}).get("path")
    if not artifact:
        raise ModelError(f"{uri}: not a fazhi model (neither an sklearn flavor nor a {CLASSIFIER_ARTIFACT!r} artifact)")
    file = (local / artifact).resolve()
    if not file.is_relative_to(local.resolve()):
        raise ModelError(f"{uri}: its MLmodel points outside the model directory")
    return load_joblib(file)


def _load_skops(uri: str, file: Path) -> Any:
    import skops.io

    types = skops.io.get_untrusted_types(file=file)
    untrusted = [t for t in types if current_name(t) not in TRUSTED_TYPES]
    if untrusted:
        raise ModelError(f"{uri}: refusing to load: it needs {', '.join(untrusted)}, which no fazhi model holds ({_RISK})")
    with legacy_modules():
        return skops.io.load(file, trusted=types)  # each checked above, under its current name


@contextlib.contextmanager
def legacy_modules() -> Iterator[None]:
    """While a skops file loads, features.x is fazhi_features.x: skops imports the modules
    a file names, and one saved before the rename names the old package."""
    names = [m for m in TRUSTED_CLASSES if m.startswith(FEATURES_PACKAGE + ".") and m != f"{FEATURES_PACKAGE}.pyfunc"]
    aliases = {LEGACY_PACKAGE + m[len(FEATURES_PACKAGE):]: importlib.import_module(m) for m in [FEATURES_PACKAGE, *names]}
    saved = {name: sys.modules.get(name) for name in aliases}
    sys.modules.update(aliases)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
