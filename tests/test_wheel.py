"""fazhi installed as users install it: the wheel, not editable, in a fresh virtual environment.

From an empty directory, `fazhi train` then `fazhi predict` on a bundled seed report work;
the model, the champion marker, mlflow.db, mlruns/ and the output land in that directory,
and nothing is written under site-packages.

Dependencies: by default the fresh environment sees this environment's site-packages
through a .pth line (a plain path: the .pth files there, among them the editable install's
finder of the checkout, are not run), so the test takes ~1 minute, not the ~2 minutes a
full install takes; fazhi itself comes only from the wheel (checked). FAZHI_WHEEL_DEPS=index
installs the wheel with its dependencies from the package index instead, which also checks
the wheel's dependency list (CI does: .ci/run).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from fazhi.config import PROJECT_ROOT

FROM_INDEX = os.environ.get("FAZHI_WHEEL_DEPS") == "index"


def _source_tree(dest: Path) -> Path:
    """The checkout's files as a fresh clone has them (building writes build/ and
    *.egg-info into its source: a copy keeps the checkout clean)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (PROJECT_ROOT / name).is_file():  # a file deleted but not yet committed is not listed as one
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python, bin directory, site-packages) of a fresh venv with the wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    source = _source_tree(root / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root / "dist"), str(source)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = (root / "dist").glob("fazhi-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    if FROM_INDEX:
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=1800)
    else:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=600)
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        (site / "zz_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(ours)), encoding="utf-8")
    return python, venv / "bin", site


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in directory.rglob("*") if p.is_file()}


def _env(bin_dir: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("FAZHI_HOME", "MLFLOW_TRACKING_URI", "PYTHONPATH", "VIRTUAL_ENV")}
    # No bytecode caches: any file that appears under site-packages is one fazhi wrote.
    return {**env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}", "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}


def test_the_wheel_holds_fazhi_its_features_package_and_the_bundled_data(installed):
    python, _, site = installed
    probe = ("import importlib.util, fazhi, fazhi_features, fazhi.config as c; "
             "print(fazhi.__file__); print(fazhi_features.__file__); print(importlib.util.find_spec('features')); "
             "print(c.PROJECT_ROOT); print(c.CORPUS_FILE.is_file(), c.SUPPLEMENT_FILE.is_file(), c.READINGS[1].is_file(), "
             "c.USER_DICT_FILE.is_file(), (c.DATA_DIR / 'GUIDELINES.md').is_file(), len(list(c.SEEDS_DIR.glob('*.txt'))), "
             "len(list((c.DATA_DIR / 'written' / 'reports').glob('*.txt'))))")
    out = subprocess.run([str(python), "-I", "-c", probe], capture_output=True, text=True, cwd=site.parent,
                         check=True).stdout.splitlines()
    assert out[0] == str(site / "fazhi" / "__init__.py") and out[1] == str(site / "fazhi_features" / "__init__.py")
    assert out[2] == "None"  # no generic top-level `features` installed
    assert out[3] == "None"  # not a checkout: the workspace is not the package's directory
    assert out[4].split() == ["True"] * 5 + ["5", str(len(list((PROJECT_ROOT / "data" / "written" / "reports").glob("*.txt"))))]


def test_train_and_predict_from_an_empty_directory_write_there_and_never_under_site_packages(installed, tmp_path):
    python, bin_dir, site = installed
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir(), home.mkdir()
    env = _env(bin_dir, home)
    before = _snapshot(site)
    fazhi = str(bin_dir / "fazhi")

    shown = subprocess.run([fazhi, "--help"], cwd=work, env={**env, "COLUMNS": "200"}, capture_output=True, text=True)
    assert shown.returncode == 0 and f"{work} (the working directory)" in shown.stdout, shown.stdout
    trained = subprocess.run([fazhi, "train"], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert trained.returncode == 0, trained.stderr[-3000:]
    seed = sorted((site / "fazhi" / "seeds").glob("*.txt"))[0]
    predicted = subprocess.run([fazhi, "predict", str(seed), "-o", "tagged.csv"], cwd=work, env=env,
                               capture_output=True, text=True, timeout=300)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    assert "training the default model" not in predicted.stderr  # train's model is used

    with open(work / "tagged.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 20 and {r["source"] for r in rows} == {str(seed)}
    champion = Path((work / "models" / "CHAMPION").read_text(encoding="utf-8").strip())
    assert champion.parent == work / "models" and (champion / "model.joblib").is_file()
    assert (work / "mlflow.db").is_file() and any((work / "mlruns").rglob("MLmodel"))
    assert _snapshot(site) == before
    for name in ("models", "mlflow.db", "mlruns"):
        assert not (site / name).exists() and not (site / "fazhi" / name).exists()


def test_evaluate_alone_scores_the_champion_on_the_bundled_corpus(installed, tmp_path):
    python, bin_dir, site = installed
    work = tmp_path / "work"
    (tmp_path / "home").mkdir()
    env = _env(bin_dir, tmp_path / "home")
    # No model in this workspace: predict trains one first, saying so in one line.
    first = subprocess.run([str(bin_dir / "fazhi"), "--home", str(work), "predict", "--text", "执法不规范的问题依然存在。"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stderr.startswith(f"no model in {work / 'models'} yet: training the default model")
    done = subprocess.run([str(bin_dir / "fazhi"), "--home", str(work), "evaluate", "--no-track"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trained on this very file" in done.stderr and "macro" in done.stdout.lower()
    assert not (tmp_path / "models").exists() and (work / "models" / "CHAMPION").is_file()
