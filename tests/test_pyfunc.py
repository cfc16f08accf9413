"""features.pyfunc: the registered model as an MLflow pyfunc — what it takes, what it returns, how it
is logged, and that it loads in a fresh virtual environment holding only its own requirements.

The fresh environment is built once (pip install -r the model's requirements.txt, about
two minutes) and kept in .cache/ of the checkout (git-ignored), keyed by the requirements.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException

from fazhi.modeling.model import DEFAULTS
from fazhi.config import LABELS, PROJECT_ROOT
from fazhi.store.persist import load
from fazhi.tracking.registry import requirements
from fazhi.segment import Sentence, iter_sentences, text_lines
from fazhi.tagging.tagger import Tagger

COLUMNS = ["label", "area", "confidence", *(f"p_{lab}" for lab in LABELS)]
REPORT = ("一、主要工作\n（一）普法宣传\n开展宪法宣传周活动，发放资料3000余份。\n二、存在的不足\n"
          "基层执法力量仍显薄弱。\n部分群众法治意识不强。\n人民调解组织化解矛盾纠纷120件。")
ENV_CACHE = PROJECT_ROOT / ".cache"


@pytest.fixture(scope="module")
def champion(registered):
    mlflow.set_tracking_uri(registered.uri)
    return mlflow.pyfunc.load_model(registered.model_uri)


@pytest.fixture(scope="module")
def sentences():
    return list(iter_sentences(text_lines(REPORT), "r"))


def predict_rows(registered, sentences):
    """What `fazhi predict --proba` writes for these sentences, with the saved model."""
    rows, _ = Tagger(load(registered.saved), proba=True).tag("r", sentences)
    return [{c: r[c] for c in COLUMNS} for r in rows]


def test_a_table_gets_label_confidence_and_probabilities_as_fazhi_predict_writes_them(champion, registered, sentences):
    frame = pd.DataFrame({"text": [s.text for s in sentences], "section": [s.section for s in sentences]})
    out = champion.predict(frame)
    assert list(out.columns) == COLUMNS and len(out) == len(sentences)
    assert out.to_dict("records") == predict_rows(registered, sentences)
    assert any(s.section for s in sentences) and out.to_dict("records") != champion.predict(frame[["text"]]).to_dict("records")


def test_a_list_of_strings_a_dict_a_series_and_a_heading_column_work_too(champion, registered):
    texts = ["深入开展宪法宣传周活动。", "基层执法力量仍显薄弱。", "优化法治化营商环境。"]
    text_only = champion.predict(pd.DataFrame({"text": texts}))
    plain = [Sentence("r", i, "", t, "") for i, t in enumerate(texts)]
    assert text_only.to_dict("records") == predict_rows(registered, plain)
    for same in (texts, np.array(texts), {"text": texts}, pd.Series(texts, name="sentence"), pd.DataFrame(texts)):
        pd.testing.assert_frame_equal(champion.predict(same), text_only)
    # Without a section, the nearest heading stands in (as training reads files).
    by_heading = champion.predict(pd.DataFrame({"text": texts, "heading": ["二、存在的不足"] * 3}))
    by_section = champion.predict(pd.DataFrame({"text": texts, "section": ["二、存在的不足"] * 3}))
    pd.testing.assert_frame_equal(by_heading, by_section)
    empty = champion.predict(pd.DataFrame({"text": pd.Series([], dtype=str)}))
    assert list(empty.columns) == COLUMNS and len(empty) == 0


@pytest.mark.parametrize("bad, message", [
    (pd.DataFrame({"a": ["x"], "b": ["y"]}), "no 'text' column among \\['a', 'b'\\]"),
    (pd.DataFrame({"sentence": ["x"]}), "no 'text' column among \\['sentence'\\]"),
    ("一句话。", "single string"),
    ([1, 2], "not a string"),
    (np.zeros((2, 3)), "shape \\(2, 3\\)"),
    ({"text": ["a", "b"], "section": ["c"]}, "different lengths"),
])
def test_malformed_input_is_a_clear_invalid_parameter_error(champion, bad, message):
    with pytest.raises(MlflowException, match=message) as caught:
        champion.predict(bad)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"  # the scoring server answers 400


def test_the_logged_model_is_code_plus_a_classifier_with_pinned_requirements(registered, tmp_path):
    mlflow.set_tracking_uri(registered.uri)
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=registered.model_uri, dst_path=str(tmp_path)))
    assert not (local / "python_model.pkl").exists()  # models from code: no pickled wrapper
    assert (local / "code" / "fazhi_features" / "pyfunc.py").is_file() and (local / "artifacts" / "classifier.joblib").is_file()
    reqs = (local / "requirements.txt").read_text("utf-8").split()
    names = [r.split("==")[0] for r in reqs]
    assert all("==" in r for r in reqs) and {"mlflow", "scikit-learn", "numpy", "scipy", "joblib", "pandas"} <= set(names)
    assert "fazhi" not in names
    assert ("jieba" in names) == (DEFAULTS.feature_set != "chars")  # installed only for a model that reads words
    info = mlflow.models.get_model_info(registered.model_uri)
    assert [c["name"] for c in info.signature.outputs.to_dict()] == COLUMNS
    from fazhi.modeling.model import build_pipeline

    assert any(r.startswith("jieba==") for r in requirements(build_pipeline(feature_set="both")))


def model_env(requirements_txt: Path) -> Path:
    """A virtual environment with only `requirements_txt` installed, built once per its content."""
    key = hashlib.sha256(requirements_txt.read_bytes() + sys.version.encode()).hexdigest()[:16]
    env = ENV_CACHE / f"model-env-{key}"
    python = env / "bin" / "python"
    if not (env / "READY").is_file():
        shutil.rmtree(env, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(env)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements_txt)], check=True, timeout=1800)
        (env / "READY").write_text("ok\n")
    return python


PROBE = """
import json, os, sys
import mlflow.pyfunc
import pandas as pd
model = mlflow.pyfunc.load_model(os.environ["MODEL_URI"])
texts = json.loads(os.environ["TEXTS"])
out = {"frame": model.predict(pd.DataFrame({"text": texts, "section": ["二、存在的不足"] * len(texts)})).to_dict("records"),
       "list": model.predict(texts).to_dict("records"),
       "fazhi": "fazhi" in sys.modules,
       # Modules read from the checkout, but for the environment itself (it lives in .cache/ there).
       "from_checkout": sorted(m for m, mod in list(sys.modules.items())
                               if (getattr(mod, "__file__", None) or "").startswith(os.environ["CHECKOUT"])
                               and not mod.__file__.startswith(sys.prefix)),
       "features_from": sys.modules["fazhi_features.pyfunc"].__file__}
print(json.dumps(out, ensure_ascii=False))
"""


def test_the_registered_model_loads_in_a_fresh_venv_with_nothing_from_the_checkout(champion, registered, tmp_path):
    mlflow.set_tracking_uri(registered.uri)
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=registered.model_uri, dst_path=str(tmp_path / "m")))
    python = model_env(local / "requirements.txt")
    texts = ["深入开展宪法宣传周活动。", "基层执法力量仍显薄弱。", "人民调解组织化解矛盾纠纷。"]
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MLFLOW_TRACKING_URI": registered.uri,
           "MODEL_URI": registered.model_uri, "TEXTS": json.dumps(texts), "CHECKOUT": str(PROJECT_ROOT)}
    # -I: no PYTHONPATH, no user site, not even the script's directory on sys.path.
    done = subprocess.run([str(python), "-I", str(tmp_path / "probe.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert not out["fazhi"] and out["from_checkout"] == [] and not out["features_from"].startswith(str(PROJECT_ROOT))
    frame = pd.DataFrame({"text": texts, "section": ["二、存在的不足"] * 3})
    assert out["frame"] == champion.predict(frame).to_dict("records")
    assert out["list"] == champion.predict(texts).to_dict("records")
