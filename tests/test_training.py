"""fazhi.modeling.training: every training keeps its own model directory, even two started in the same second."""

import threading

from fazhi.store import persist
from fazhi.corpus.dataset import read_labeled
from fazhi.modeling.model import DEFAULTS, pipeline_of
from fazhi.modeling.training import fit, new_directory, save


def _at_once(n, work):
    """Run work(i) in n threads released together; their results in order."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_new_directory_gives_each_caller_its_own_directory(tmp_path):
    made = _at_once(8, lambda i: new_directory(tmp_path / "models", "chars-complementnb-20261124-072026"))
    assert len(set(made)) == 8 and all(d.is_dir() for d in made)
    assert sorted(d.name for d in made)[:2] == ["chars-complementnb-20261124-072026", "chars-complementnb-20261124-072026-2"]


def test_two_trainings_saved_under_the_same_name_in_the_same_second_both_survive(tmp_path, small_corpus):
    # `fazhi train` names a model <features>-<classifier>-<second>: two trainings in
    # one second with the same --output-dir ask for the same name.
    data = read_labeled(small_corpus, require_groups=True)
    results = [fit(DEFAULTS.with_(C=c), data) for c in (1.0, 20.0)]
    name = "chars-complementnb-20261124-072026"
    saved = _at_once(2, lambda i: save(results[i], tmp_path, name))
    assert saved[0] != saved[1]
    alphas = sorted(pipeline_of(persist.load(d).pipeline).named_steps["clf"].alpha for d in saved)
    assert alphas == [1 / 20.0, 1 / 1.0]
    assert persist.load(models_dir=tmp_path).source in {str(d.resolve() / "model.joblib") for d in saved}
