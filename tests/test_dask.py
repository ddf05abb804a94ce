"""Hyper-parameter search on a real dask.distributed LocalCluster via joblib."""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate

from skbackprop import BackpropClassifier, LogisticRegressionGD

distributed = pytest.importorskip("distributed")

X, y = load_digits(return_X_y=True)
X, y = X[:300] / 16, y[:300]


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn()


def _search(n_jobs):
    grid = GridSearchCV(
        BackpropClassifier(max_iter=15, random_state=0),
        {"hidden_layer_sizes": [(8,), (16,)], "alpha": [1e-4, 1e-2]},
        cv=3,
        n_jobs=n_jobs,
    )
    return _quiet(lambda: grid.fit(X, y))


def _executed(client):
    return client.run(lambda dask_worker: dask_worker.state.executed_count)


def test_grid_search_on_the_cluster_equals_one_process(client):
    serial = _search(1)
    before = _executed(client)
    with joblib.parallel_config(backend="dask"):
        distributed_ = _search(-1)
    after = _executed(client)
    assert distributed_.best_params_ == serial.best_params_
    for key in ["mean_test_score", "std_test_score", "split0_test_score"]:
        np.testing.assert_array_equal(
            distributed_.cv_results_[key], serial.cv_results_[key]
        )
    # the 12 fits ran on the workers, both of them
    assert all(after[w] > before[w] for w in after)
    assert sum(after.values()) - sum(before.values()) >= 12


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
        return _quiet(lambda: search.fit(X, y)), cv

    serial_search, serial_cv = _quiet(lambda: run(1))
    with joblib.parallel_config(backend="dask"):
        dist_search, dist_cv = _quiet(lambda: run(-1))
    np.testing.assert_array_equal(
        dist_search.cv_results_["mean_test_score"],
        serial_search.cv_results_["mean_test_score"],
    )
    np.testing.assert_array_equal(dist_cv["test_score"], serial_cv["test_score"])


def test_blas_limited_to_one_thread_per_worker(client):
    def blas_threads():
        from threadpoolctl import threadpool_info

        return [p["num_threads"] for p in threadpool_info()]

    per_worker = client.run(blas_threads)
    assert len(per_worker) == 2
    for threads in per_worker.values():
        assert threads and all(t == 1 for t in threads), threads
