"""fazhi.store.trusted: a model file never runs code when loaded, and every model fazhi saves
(and the model fazhi 0.1 saved) still loads and predicts the same."""

import json

import joblib
import numpy as np
import pytest

import hostile_files as hostile
from fazhi.store import persist
from fazhi.modeling.classifiers import CLASSIFIERS
from fazhi.errors import ModelError
from fazhi.formats.files import sha256_file
from fazhi.modeling.model import build_pipeline
from fazhi.store.trusted import TRUSTED_TYPES, legacy_modules, load_joblib

GOLDEN = persist.Path(__file__).parent / "golden" / "model-0.1.0"


def test_a_hostile_pickle_really_runs_a_command_under_plain_joblib(tmp_path):
    # What the tests below guard against: joblib.load obeys the file.
    marker = tmp_path / "ran"
    joblib.load(hostile.evil_pickle(tmp_path / "m.joblib", marker))
    assert marker.exists()


@pytest.mark.parametrize("inside_object_array", [False, True])
def test_a_pickle_that_runs_a_command_is_refused_before_it_runs(tmp_path, inside_object_array):
    marker = tmp_path / "ran"
    path = hostile.evil_pickle(tmp_path / "m.joblib", marker, inside_object_array)
    with pytest.raises(ModelError, match=r"refusing to load: it needs posix\.system, which no fazhi model holds"):
        load_joblib(path)
    assert not marker.exists()


def _card(path, **fields):
    path.write_text(json.dumps(fields), encoding="utf-8")


@pytest.mark.parametrize("how", ["no card", "card without hash", "hash recomputed", "a .joblib path", "LATEST"])
def test_no_way_of_reaching_a_hostile_model_runs_it(tmp_path, how):
    # The card's hash catches accidents, not attackers: whatever the card says, the
    # file is read with the restricted unpickler.
    marker = tmp_path / "ran"
    directory = tmp_path / "models" / "m"
    directory.mkdir(parents=True)
    model = hostile.evil_pickle(directory / "model.joblib", marker)
    if how == "card without hash":
        _card(directory / "model.json", labels=["其他"])
    elif how == "hash recomputed":
        _card(directory / "model.json", labels=["其他"], model_sha256=sha256_file(model))
    if how == "LATEST":
        (tmp_path / "models" / "LATEST").write_text(str(directory), encoding="utf-8")
        spec = None
    else:
        spec = model if how == "a .joblib path" else directory
    with pytest.raises(ModelError, match="refusing to load"):
        persist.load(spec, models_dir=tmp_path / "models")
    assert not marker.exists()


@pytest.fixture(scope="module")
def small_data(corpus_file):
    """Three whole reports (every label in each)."""
    from fazhi.corpus.dataset import read_labeled

    data = read_labeled(corpus_file)
    keep = np.isin(data.groups, sorted(set(data.groups))[:3])
    return data.X[keep], data.y[keep], data.groups[keep]


CONFIGS = (
    [{"classifier": c} for c in CLASSIFIERS]  # calibrated by report, the default
    + [{"classifier": c, "calibration": "none"} for c in CLASSIFIERS]
    + [{"classifier": "ridge", "calibration": "sigmoid", "section_dropout": 0.3, "cue_weight": 0.0},
       {"feature_set": "both", "classifier": "logreg", "user_dict": True, "section": False}]
)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_every_model_fazhi_builds_loads_and_predicts_the_same(tmp_path, small_data, config):
    from fazhi.modeling.model import fit

    X, y, groups = small_data
    model = fit(build_pipeline(**config), X, y, groups)
    saved = persist.save(model, tmp_path / "m", {})
    persist.mark_latest(saved)
    loaded = persist.load(saved).pipeline
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_the_model_fazhi_0_1_saved_loads_as_plain_joblib_would(small_data):
    X = small_data[0]
    trusted = persist.load(GOLDEN).pipeline
    # Our own file: safe to load plainly here. It names features.text.… (features/ was
    # installed as `features` then): plain unpickling needs those names, as fazhi_features.
    with legacy_modules():
        plain = joblib.load(GOLDEN / "model.joblib")
    np.testing.assert_array_equal(trusted.predict_proba(X), plain.predict_proba(X))


def _mlflow_model(path, obj, **kwargs):
    import mlflow.sklearn

    mlflow.sklearn.save_model(obj, str(path), **kwargs)
    return path.as_uri()


def test_an_mlflow_model_saved_with_pickle_is_refused_before_it_runs(tmp_path, small_data):
    import pickle

    X, y, _ = small_data
    pipeline = build_pipeline(feature_set="chars", classifier="complementnb", calibration="none").fit(X, y)
    uri = _mlflow_model(tmp_path / "mlmodel", pipeline, serialization_format="pickle")
    marker = tmp_path / "ran"  # the pickled model swapped for a hostile one
    (tmp_path / "mlmodel" / "model.pkl").write_bytes(pickle.dumps(hostile.RunsCommand(hostile.touch_command(marker))))
    with pytest.raises(ModelError, match="saved in pickle format, which runs code when loaded"):
        persist.load(uri, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert not marker.exists()


def test_an_mlflow_model_cannot_widen_the_trusted_types_itself(tmp_path, small_data):
    # The MLmodel file lists the types it wants trusted; fazhi ignores that list.
    X, y, _ = small_data
    pipeline = build_pipeline(feature_set="chars", classifier="complementnb", calibration="none", area=False).fit(X, y)
    pipeline.steps.append(("extra", hostile.RunsCommand("true")))  # a type no fazhi model holds
    uri = _mlflow_model(tmp_path / "mlmodel", pipeline, serialization_format="skops",
                        skops_trusted_types=[*TRUSTED_TYPES, "hostile_files.RunsCommand"])
    with pytest.raises(ModelError, match=r"refusing to load: it needs hostile_files\.RunsCommand"):
        persist.load(uri, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")


def test_an_mlflow_skops_model_saved_before_the_package_rename_loads(tmp_path, small_data):
    # Up to 0.2, features/ installed as `features`: a skops file of then names
    # features.text.CharVectorizer and so on. Such a file, made by renaming the modules
    # in a skops file of today (its schema.json), loads and predicts the same.
    import sys
    import zipfile

    X, y, _ = small_data  # the sklearn flavor predates the area model (area=False)
    pipeline = build_pipeline(feature_set="chars", classifier="complementnb", calibration="none", area=False).fit(X, y)
    uri = _mlflow_model(tmp_path / "mlmodel", pipeline, serialization_format="skops", skops_trusted_types=TRUSTED_TYPES)
    (model_file,) = (tmp_path / "mlmodel").glob("*.skops")
    with zipfile.ZipFile(model_file) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    assert b'"fazhi_features.text"' in members["schema.json"]
    members["schema.json"] = members["schema.json"].replace(b'"fazhi_features.', b'"features.')
    with zipfile.ZipFile(model_file, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    loaded = persist.load(uri, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    np.testing.assert_array_equal(loaded.pipeline.predict_proba(X), pipeline.predict_proba(X))
    assert "features" not in sys.modules  # the old names lived only while the file loaded


def test_every_class_of_the_features_package_is_trusted():
    # A model holds instances of features/ classes: one missing from TRUSTED_CLASSES
    # would make every model built with it unloadable.
    import importlib
    import inspect
    import pkgutil

    import fazhi_features
    from fazhi.store.trusted import trusted_object

    for info in pkgutil.iter_modules(fazhi_features.__path__):
        module = importlib.import_module(f"fazhi_features.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__:
                assert trusted_object(module.__name__, name) is obj, f"{module.__name__}.{name}"
