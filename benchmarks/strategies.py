"""Selection rules screened by benchmarks/label_strategies.py: each picks the next batch of a pool.

A rule is choose(model, texts, sections, exclude, batch, seed) -> positions in the pool
lists, where `model` is the current fitted model, `texts`/`sections` the pool sentences
not labeled yet and `exclude` the near_keys of what is labeled (never picked, nor two
near-duplicates of one batch). Every rule keeps fazhi.labeling.suggest's dedup; most keep its
per-label share.
"""

from __future__ import annotations

import math

import numpy as np

from fazhi.modeling.model import pipeline_of
from fazhi.labeling.suggest import Candidate, margins, near_key, ranked, select


def _candidates(labels, best, conf, score, texts, sections):
    return [Candidate("pool", i, "", sections[i], texts[i], labels[k], conf[i], score[i]) for i, k in enumerate(best)]


def _select(model, proba, texts, sections, exclude, batch, seed, score=None, cap=True):
    best, conf, margin = margins(proba)
    score = margin if score is None else list(score)
    found = _candidates([str(c) for c in model.classes_], best, conf, score, texts, sections)
    if cap:
        return [c.sentence for c in select(found, batch, exclude, seed)]
    return [c.sentence for c in select_nocap(found, batch, exclude, seed)]


def select_nocap(found, n, exclude, seed):
    return ranked(found, exclude, seed)[:n]  # suggest's order without its per-report and per-label shares


def _X(texts, sections):
    X = np.empty((len(texts), 2), dtype=object)
    X[:, 0], X[:, 1] = texts, sections
    return X


def _raw_proba(model, X):
    return pipeline_of(model).predict_proba(X)


def _tfidf(texts):
    """Rows of unit length: char 1–2 gram TF-IDF of the pool's texts (digits as 0)."""
    import re

    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [re.sub(r"\d+(?:\.\d+)?", "0", t) for t in texts]
    return TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, lowercase=False).fit_transform(docs)


def _density(texts):
    V = _tfidf(texts)
    sim = (V @ V.T).toarray()
    return sim.mean(axis=1)


def margin(model, texts, sections, exclude, batch, seed):
    return _select(model, model.predict_proba(_X(texts, sections)), texts, sections, exclude, batch, seed)


def margin_raw(model, texts, sections, exclude, batch, seed):
    return _select(model, _raw_proba(model, _X(texts, sections)), texts, sections, exclude, batch, seed)


def margin_nocap(model, texts, sections, exclude, batch, seed):
    return _select(model, model.predict_proba(_X(texts, sections)), texts, sections, exclude, batch, seed, cap=False)


def entropy(model, texts, sections, exclude, batch, seed):
    p = np.clip(model.predict_proba(_X(texts, sections)), 1e-12, 1)
    return _select(model, p, texts, sections, exclude, batch, seed, score=(p * np.log(p)).sum(axis=1))


def _density_rule(proba, model, texts, sections, exclude, batch, seed, beta=1.0):
    _, _, m = margins(proba)
    d = _density(texts)
    return _select(model, proba, texts, sections, exclude, batch, seed, score=-(1 - np.array(m)) * d ** beta)


def density(model, texts, sections, exclude, batch, seed):
    return _density_rule(model.predict_proba(_X(texts, sections)), model, texts, sections, exclude, batch, seed)


def density_raw(model, texts, sections, exclude, batch, seed):
    return _density_rule(_raw_proba(model, _X(texts, sections)), model, texts, sections, exclude, batch, seed)


def _kmeans_pick(V, idx, k, key, seed):
    """One per k-means cluster of rows idx: the one with the smallest key."""
    from sklearn.cluster import KMeans

    k = min(k, len(idx))
    if k == 0:
        return []
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(V[idx])
    out = []
    for c in range(k):
        members = [idx[j] for j in np.flatnonzero(km.labels_ == c)]
        if members:
            out.append(min(members, key=key))
    return out


def _dedup(texts, exclude, order):
    seen, out = set(exclude), []
    for i in order:
        k = near_key(texts[i])
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def cluster(model, texts, sections, exclude, batch, seed, factor=3):
    """k-means (batch clusters) over the factor × batch least sure; the least sure of each."""
    _, _, m = margins(model.predict_proba(_X(texts, sections)))
    order = _dedup(texts, exclude, sorted(range(len(texts)), key=m.__getitem__))
    top = order[: factor * batch]
    return _kmeans_pick(_tfidf(texts), top, batch, m.__getitem__, seed)


def represent(model, texts, sections, exclude, batch, seed):
    """No uncertainty: the sentence nearest each k-means centre of the pool."""
    order = _dedup(texts, exclude, range(len(texts)))
    V = _tfidf(texts)
    from sklearn.cluster import KMeans

    k = min(batch, len(order))
    if k == 0:
        return []
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(V[order])
    dist = km.transform(V[order])
    out = []
    for c in range(k):
        j = int(np.argmin(dist[:, c]))
        if order[j] not in out:
            out.append(order[j])
    return out


def mix(model, texts, sections, exclude, batch, seed):
    """Half least sure (with the shares), half representative of what is left."""
    first = margin(model, texts, sections, exclude, math.ceil(batch / 2), seed)
    taken = set(exclude) | {near_key(texts[i]) for i in first}
    rest = [i for i in range(len(texts)) if i not in set(first)]
    if not rest:
        return first
    sub = represent(model, [texts[i] for i in rest], [sections[i] for i in rest], taken, batch - len(first), seed)
    return first + [rest[j] for j in sub]


def rare(model, texts, sections, exclude, batch, seed):
    """Least sure first, with shares per predicted label in inverse proportion to how
    often the model predicts it on the pool (rare labels, 不足 mostly, get more)."""
    proba = model.predict_proba(_X(texts, sections))
    best, _, m = margins(proba)
    classes = [str(c) for c in model.classes_]
    counts = np.bincount(best, minlength=len(classes)) + 1
    weight = 1 / counts
    quota = np.ceil(batch * weight / weight.sum()).astype(int)
    order = _dedup(texts, exclude, sorted(range(len(texts)), key=m.__getitem__))
    out, used = [], np.zeros(len(classes), int)
    for i in order:
        if len(out) == batch:
            break
        if used[best[i]] < quota[best[i]]:
            out.append(i)
            used[best[i]] += 1
    for i in order:  # fill up with the least sure if the quotas left room
        if len(out) == batch:
            break
        if i not in out:
            out.append(i)
    return out


RULES = {f.__name__: f for f in (margin, margin_raw, margin_nocap, entropy, density, density_raw, cluster,
                                  represent, mix, rare)}


def _cluster_variant(factor, raw=False):
    def rule(model, texts, sections, exclude, batch, seed):
        X = _X(texts, sections)
        _, _, m = margins(_raw_proba(model, X) if raw else model.predict_proba(X))
        order = _dedup(texts, exclude, sorted(range(len(texts)), key=m.__getitem__))
        return _kmeans_pick(_tfidf(texts), order[: factor * batch], batch, m.__getitem__, seed)
    return rule


def kcenter(model, texts, sections, exclude, batch, seed, factor=3):
    """Greedy k-center over the factor × batch least sure: start from the least sure, then
    always the candidate farthest (cosine) from those picked and from the labeled pool's
    ... (only the batch: the labeled sentences are not in `texts`)."""
    _, _, m = margins(model.predict_proba(_X(texts, sections)))
    order = _dedup(texts, exclude, sorted(range(len(texts)), key=m.__getitem__))
    top = order[: factor * batch]
    if not top:
        return []
    V = _tfidf(texts)[top]
    sim = (V @ V.T).toarray()
    picked = [0]
    nearest = sim[0].copy()
    while len(picked) < min(batch, len(top)):
        j = int(np.argmin(nearest + np.where(np.isin(np.arange(len(top)), picked), 9, 0)))
        picked.append(j)
        nearest = np.maximum(nearest, sim[j])
    return [top[j] for j in picked]


for _f in (2, 4, 6):
    RULES[f"cluster{_f}"] = _cluster_variant(_f)
RULES["cluster_raw"] = _cluster_variant(3, raw=True)
RULES["kcenter"] = kcenter
RULES["cluster_all"] = _cluster_variant(1000)


def committee(model, texts, sections, exclude, batch, seed, train=None):
    """Query by committee: one model per left-out training report (the calibration's inner
    folds); the most disagreement (vote entropy, then mean KL to the consensus) first."""
    from sklearn.base import clone

    from fazhi.modeling.model import DEFAULTS, build_pipeline

    X, y, groups = train
    P = _X(texts, sections)
    votes, probas = [], []
    for g in sorted(set(groups)):
        keep = groups != g
        m = clone(build_pipeline(DEFAULTS, calibration="none")).fit(X[keep], y[keep])
        p = np.zeros((len(texts), len(model.classes_)))
        cols = [list(model.classes_).index(c) for c in m.classes_]
        p[:, cols] = m.predict_proba(P)
        probas.append(p)
        votes.append(p.argmax(axis=1))
    votes = np.array(votes)
    vote_entropy = np.array([-sum((c / len(votes)) * np.log(c / len(votes)) for c in np.bincount(col) if c)
                             for col in votes.T])
    mean = np.mean(probas, axis=0)
    kl = np.mean([(p * np.log(np.clip(p, 1e-12, 1) / np.clip(mean, 1e-12, 1))).sum(axis=1) for p in probas], axis=0)
    proba = model.predict_proba(P)
    return _select(model, proba, texts, sections, exclude, batch, seed, score=-(vote_entropy + kl))


committee.needs_train = True


def novelty(model, texts, sections, exclude, batch, seed, train=None):
    """Uncertainty × novelty: (1 − margin) × (1 − the largest cosine similarity to a
    labeled sentence): unsure sentences unlike anything the model was trained on."""
    import re

    from sklearn.feature_extraction.text import TfidfVectorizer

    X, _, _ = train
    docs = [re.sub(r"\d+(?:\.\d+)?", "0", t) for t in list(texts) + list(X[:, 0])]
    V = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, lowercase=False).fit_transform(docs)
    sim = (V[: len(texts)] @ V[len(texts):].T).max(axis=1).toarray().ravel()
    proba = model.predict_proba(_X(texts, sections))
    _, _, m = margins(proba)
    return _select(model, proba, texts, sections, exclude, batch, seed, score=-(1 - np.array(m)) * (1 - sim))


novelty.needs_train = True
RULES["committee"] = committee
RULES["novelty"] = novelty
