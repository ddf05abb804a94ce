"""Pickle and joblib round trips, and the version check on loading."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import is_regressor

from _data import X_iris, y_iris
from skbackprop import (
    BackpropClassifier,
    BackpropRegressor,
    LogisticRegressionGD,
    __version__,
)
from skbackprop._persistence import InconsistentVersionWarning

X, y = X_iris, y_iris
# The regressors predict the last (standardised) iris measurement from the others.
X_reg, y_reg = X_iris[:, :3], X_iris[:, 3]

ESTIMATORS = [
    BackpropClassifier((8,), max_iter=30, random_state=0),
    BackpropClassifier((8,), solver="lbfgs", max_iter=30, random_state=0),
    LogisticRegressionGD(),
    LogisticRegressionGD(solver="sgd", max_iter=5, random_state=0),
    BackpropRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
    BackpropRegressor(
        "huber", (8,), solver="lbfgs", huber_delta=0.5, max_iter=30, random_state=0
    ),
]


def data(estimator):
    return (X_reg, y_reg) if is_regressor(estimator) else (X, y)


def outputs(estimator, X):
    """What the estimator predicts: probabilities too for a classifier."""
    if is_regressor(estimator):
        return [estimator.predict(X)]
    return [estimator.predict_proba(X), estimator.predict(X)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_round_trips_predict_identically(estimator, tmp_path):
    X, y = data(estimator)
    est = estimator.fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path)
    for other in (restored, loaded):
        for a, b in zip(outputs(other, X), outputs(est, X), strict=True):
            np.testing.assert_array_equal(a, b)
        assert other.get_params() == est.get_params()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "estimator, first_call",
    [
        (
            BackpropClassifier((8,), solver="sgd", random_state=0),
            {"classes": [0, 1, 2]},
        ),
        (BackpropRegressor(hidden_layer_sizes=(8,), solver="sgd", random_state=0), {}),
        (BackpropRegressor(hidden_layer_sizes=(8,), random_state=0), {}),
    ],
    ids=["classifier-sgd", "regressor-sgd", "regressor-adam"],
)
def test_training_continues_after_a_round_trip(estimator, first_call):
    X, y = data(estimator)
    est = estimator.partial_fit(X, y, **first_call)
    est.partial_fit(X, y)
    twin = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y)
    twin.partial_fit(X, y)
    # the optimizer (momentum, Adam's moments and step count) came along
    assert twin.loss_curve_ == est.loss_curve_ and twin.t_ == est.t_
    for a, b in zip(est.coefs_ + est.intercepts_, twin.coefs_ + twin.intercepts_):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("estimator", ESTIMATORS[::2], ids=repr)
def test_loading_another_version_warns(estimator, recwarn):
    X, y = data(estimator)
    est = estimator.fit(X, y)
    state = est.__getstate__()
    assert state["_skbackprop_version"] == __version__
    pickle.loads(pickle.dumps(est))  # the same version: no warning
    assert not [w for w in recwarn if w.category is InconsistentVersionWarning]

    state["_skbackprop_version"] = "0.0.1"
    new = object.__new__(type(est))
    with pytest.warns(
        InconsistentVersionWarning, match="from skbackprop version 0.0.1"
    ) as record:
        new.__setstate__(state)
    assert record[0].message.estimator_name == type(est).__name__
    np.testing.assert_array_equal(new.predict(X), est.predict(X))
    assert "_skbackprop_version" not in new.__dict__
