"""Pickle and joblib round trips, and the version check on loading."""

import pickle

import joblib
import numpy as np
import pytest

from _data import X_iris, y_iris
from skbackprop import BackpropClassifier, LogisticRegressionGD, __version__
from skbackprop._persistence import InconsistentVersionWarning

X, y = X_iris, y_iris

ESTIMATORS = [
    BackpropClassifier((8,), max_iter=30, random_state=0),
    BackpropClassifier((8,), solver="lbfgs", max_iter=30, random_state=0),
    LogisticRegressionGD(),
    LogisticRegressionGD(solver="sgd", max_iter=5, random_state=0),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_round_trips_predict_identically(estimator, tmp_path):
    est = estimator.fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path)
    for other in (restored, loaded):
        np.testing.assert_array_equal(other.predict_proba(X), est.predict_proba(X))
        np.testing.assert_array_equal(other.predict(X), est.predict(X))
        assert other.get_params() == est.get_params()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_training_continues_after_a_round_trip():
    est = BackpropClassifier((8,), solver="sgd", random_state=0)
    for _ in range(2):
        est.partial_fit(X, y, classes=np.unique(y))
    twin = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y)
    twin.partial_fit(X, y)
    for a, b in zip(est.coefs_, twin.coefs_):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("estimator", ESTIMATORS[::2], ids=repr)
def test_loading_another_version_warns(estimator, recwarn):
    est = estimator.fit(X, y)
    state = est.__getstate__()
    assert state["_skbackprop_version"] == __version__
    pickle.loads(pickle.dumps(est))  # the same version: no warning
    assert not [w for w in recwarn if w.category is InconsistentVersionWarning]

    state["_skbackprop_version"] = "0.0.1"
    new = object.__new__(type(est))
    with pytest.warns(
        InconsistentVersionWarning, match="from skbackprop version 0.0.1"
    ):
        new.__setstate__(state)
    np.testing.assert_array_equal(new.predict(X), est.predict(X))
    assert "_skbackprop_version" not in new.__dict__
