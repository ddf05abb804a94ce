"""Pickle and joblib round trips, and the version check on loading."""

import pickle
from collections import Counter
from functools import partial

import joblib
import numpy as np
import pytest
import skops.io as sio
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

# The models train for a few iterations only: these tests check what a file
# keeps, not convergence, so the ConvergenceWarning is expected.
few_iterations = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

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


@few_iterations
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


@few_iterations
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


# Epochs seen by the EpochCounter of each name, its unpickled copies included.
EPOCHS = Counter()


class EpochCounter:
    """A callback (sklearn.callback protocol) that counts epochs in ``EPOCHS``."""

    def __init__(self, name="epochs"):
        self.name = name

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        EPOCHS[self.name] += 1
        return False


def _fitted(make, fit):
    """``make()`` trained by ``fit``: "fit", "partial_fit", "X_val" or "callback"."""
    est = make()
    X, y = data(est)
    first_call = {} if is_regressor(est) else {"classes": np.unique(y)}
    if fit == "partial_fit":
        est.partial_fit(X, y, **first_call)
        est.partial_fit(X, y)
    elif fit == "X_val":
        est.fit(X[::2], y[::2], X_val=X[1::2], y_val=y[1::2])
    else:
        if fit == "callback":
            pytest.importorskip("sklearn.callback")
            est.set_callbacks(EpochCounter())
        est.fit(X, y)
    return est


def _continue(est):
    """Train on: one more partial_fit call, else a warm-started fit of 3 epochs."""
    X, y = data(est)
    if hasattr(est, "partial_fit") and not est.early_stopping:
        return est.partial_fit(X, y)
    return est.set_params(warm_start=True, max_iter=3).fit(X, y)


def _assert_same_model(a, b):
    if hasattr(a, "coefs_"):
        weights = [
            (x, z)
            for n in ("coefs_", "intercepts_")
            for x, z in zip(getattr(a, n), getattr(b, n), strict=True)
        ]
    else:
        weights = [(a.coef_, b.coef_), (a.intercept_, b.intercept_)]
    for x, z in weights:
        np.testing.assert_array_equal(x, z)
    for name in ("loss_curve_", "validation_scores_", "validation_loss_curve_"):
        assert getattr(a, name, None) == getattr(b, name, None), name
    assert a.n_iter_ == b.n_iter_ and getattr(a, "t_", 0) == getattr(b, "t_", 0)


SKOPS_CASES = [
    (partial(BackpropClassifier, (8,), max_iter=5, random_state=0), "fit"),
    (partial(BackpropClassifier, (8,), solver="sgd", random_state=0), "partial_fit"),
    (partial(BackpropClassifier, (8,), solver="lbfgs", max_iter=5), "fit"),
    (partial(BackpropClassifier, (8,), solver="gd", max_iter=5), "callback"),
    (
        partial(
            BackpropClassifier,
            (8,),
            solver="sgd",
            early_stopping=True,
            n_iter_no_change=2,
            random_state=0,
        ),
        "fit",
    ),
    (partial(BackpropClassifier, (8,), max_iter=5, random_state=0), "X_val"),
    (
        partial(BackpropRegressor, hidden_layer_sizes=(8,), random_state=0),
        "partial_fit",
    ),
    (
        partial(BackpropRegressor, "huber", (8,), solver="lbfgs", max_iter=5),
        "callback",
    ),
    (
        partial(
            BackpropRegressor,
            hidden_layer_sizes=(8,),
            early_stopping=True,
            early_stopping_metric="loss",
            random_state=0,
        ),
        "fit",
    ),
    (
        partial(
            BackpropRegressor, hidden_layer_sizes=(8,), solver="sgd", random_state=0
        ),
        "X_val",
    ),
    (
        partial(BackpropRegressor, hidden_layer_sizes=(8,), solver="gd", max_iter=5),
        "fit",
    ),
    (partial(LogisticRegressionGD, max_iter=5), "fit"),
    (partial(LogisticRegressionGD, solver="sgd", max_iter=5, random_state=0), "fit"),
    (partial(LogisticRegressionGD, solver="adam", random_state=0), "partial_fit"),
    (
        partial(
            LogisticRegressionGD,
            solver="sgd",
            l1_ratio=0.5,
            early_stopping=True,
            random_state=0,
        ),
        "callback",
    ),
]


@few_iterations
@pytest.mark.parametrize(
    "make, fit", SKOPS_CASES, ids=lambda c: c if isinstance(c, str) else repr(c())
)
def test_skops_file_trusts_only_the_estimator_and_training_continues(
    make, fit, tmp_path
):
    est = _fitted(make, fit)
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    cls = type(est)
    assert sio.get_untrusted_types(file=path) == [f"{cls.__module__}.{cls.__name__}"]
    loaded = sio.load(path, trusted=[cls])
    X, _ = data(est)
    for a, b in zip(outputs(loaded, X), outputs(est, X), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.get_params().keys() == est.get_params().keys()
    _assert_same_model(loaded, est)
    # training goes on exactly as the original's (optimizer, schedule, stopping)
    _assert_same_model(_continue(loaded), _continue(est))


@few_iterations
def test_a_fitted_model_is_saved_without_its_callbacks():
    pytest.importorskip("sklearn.callback")
    counter = EpochCounter("saved without callbacks")
    est = BackpropClassifier((8,), max_iter=3, random_state=0)
    est.set_callbacks(counter).fit(X, y)
    calls = EPOCHS[counter.name]
    assert calls > 0
    loaded = pickle.loads(pickle.dumps(est))
    loaded.fit(X, y)  # trains without calling the callback
    assert EPOCHS[counter.name] == calls
    # an unfitted estimator keeps them: parallel searches send it to workers
    unfitted = BackpropClassifier((8,), max_iter=3, random_state=0)
    pickle.loads(pickle.dumps(unfitted.set_callbacks(counter))).fit(X, y)
    assert EPOCHS[counter.name] == 2 * calls
