"""Hyper-parameter search on a real dask.distributed LocalCluster via joblib."""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate

from _data import X_digits, y_digits
from skbackprop import BackpropClassifier, BackpropRegressor, LogisticRegressionGD
from skbackprop.streaming import fit_stream

distributed = pytest.importorskip("distributed")

X, y = X_digits, y_digits
# 200 patients, the disease progression in units of 100: the regressor's data
X_reg, y_reg = load_diabetes(return_X_y=True)
X_reg, y_reg = X_reg[:200], y_reg[:200] / 100

# The classifier on the digits (scored by accuracy), the regressor on the
# diabetes data (scored by R^2).
MODELS = {
    "classifier": (BackpropClassifier, X, y),
    "regressor": (BackpropRegressor, X_reg, y_reg),
}


@pytest.fixture(scope="module")
def client():
    # Two worker processes, one thread each, on loopback, no dashboard.
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _quiet(fn):
    # the searches' candidates stop at a small max_iter to keep the tests
    # quick: what is compared is their scores, not their convergence
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn()


def _search(kind, n_jobs):
    model, X, y = MODELS[kind]
    grid = GridSearchCV(
        model(max_iter=15, random_state=0),
        {"hidden_layer_sizes": [(8,), (16,)], "alpha": [1e-4, 1e-2]},
        cv=3,
        n_jobs=n_jobs,
    )
    return _quiet(lambda: grid.fit(X, y))


def _executed(client):
    return client.run(lambda dask_worker: dask_worker.state.executed_count)


def assert_same_scores(a, b):
    assert a.best_params_ == b.best_params_
    assert a.cv_results_["params"] == b.cv_results_["params"]
    keys = [k for k in a.cv_results_ if k.endswith("test_score")]
    assert len(keys) == 3 + 3  # split0..2, mean, std, rank
    for key in keys:
        np.testing.assert_array_equal(a.cv_results_[key], b.cv_results_[key])


@pytest.mark.parametrize("kind", MODELS)
def test_grid_search_on_the_cluster_equals_one_process(client, kind):
    serial = _search(kind, 1)
    before = _executed(client)
    with joblib.parallel_config(backend="dask"):
        distributed_ = _search(kind, -1)
    after = _executed(client)
    assert_same_scores(distributed_, serial)
    # the fits ran on the workers, both of them (joblib may batch several
    # fits into one task, so count tasks, not fits)
    assert len(after) == 2 and all(after[w] > before[w] for w in after)


def test_randomized_search_and_cross_validate(client):
    def run(n_jobs):
        search = RandomizedSearchCV(
            LogisticRegressionGD(),
            {"C": [0.01, 0.1, 1.0, 10.0]},
            n_iter=3,
            cv=3,
            random_state=0,
            n_jobs=n_jobs,
        )
        cv = cross_validate(
            BackpropClassifier((8,), max_iter=10, random_state=0),
            X,
            y,
            cv=3,
            n_jobs=n_jobs,
        )
        cv_reg = cross_validate(
            BackpropRegressor(hidden_layer_sizes=(8,), max_iter=10, random_state=0),
            X_reg,
            y_reg,
            cv=3,
            n_jobs=n_jobs,
        )
        return _quiet(lambda: search.fit(X, y)), cv, cv_reg

    serial_search, serial_cv, serial_reg = _quiet(lambda: run(1))
    with joblib.parallel_config(backend="dask"):
        dist_search, dist_cv, dist_reg = _quiet(lambda: run(-1))
    assert_same_scores(dist_search, serial_search)
    np.testing.assert_array_equal(dist_cv["test_score"], serial_cv["test_score"])
    np.testing.assert_array_equal(dist_reg["test_score"], serial_reg["test_score"])


def test_blas_limited_to_one_thread_per_worker(client):
    def blas_threads():
        from threadpoolctl import threadpool_info

        return [p["num_threads"] for p in threadpool_info()]

    per_worker = client.run(blas_threads)
    assert len(per_worker) == 2
    for threads in per_worker.values():
        assert threads and all(t == 1 for t in threads), threads


@pytest.mark.parametrize("kind", MODELS)
def test_fit_stream_computes_dask_blocks_on_the_cluster(client, kind):
    da = pytest.importorskip("dask.array")
    model, X, y = MODELS[kind]
    Xd = da.from_array(X, chunks=(50, X.shape[1]))
    yd = da.from_array(y, chunks=50)
    # a regressor's first partial_fit takes no classes
    classes = {"classes": np.unique(y)} if kind == "classifier" else {}

    def run(data, **kwargs):
        est = model(hidden_layer_sizes=(8,), random_state=0)
        fit_stream(est, data, n_epochs=2, random_state=0, **classes, **kwargs)
        return est

    before = _executed(client)
    on_cluster = run((Xd, yd))
    assert sum(_executed(client).values()) > sum(before.values())
    in_memory = run((X, y), chunk_size=50)
    for a, b in zip(on_cluster.coefs_, in_memory.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
