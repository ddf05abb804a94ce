"""Reliability: bad input, injected faults, concurrency, leaks and determinism.

Every input here either fits with finite outputs or raises a ValueError or
TypeError naming the problem, and a failure never damages a fitted model:
classifiers, regressors and logistic regression alike.
"""

import copy
import gc
import sys
import threading
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import is_regressor
from sklearn.exceptions import ConvergenceWarning

from _data import X_iris, y_iris
from skbackprop import BackpropClassifier, BackpropRegressor, LogisticRegressionGD
from skbackprop.core.network import Network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng0 = np.random.default_rng(0)
X0 = rng0.normal(size=(40, 5))
y0 = (X0[:, 0] + X0[:, 1] > 0).astype(int) + (X0[:, 2] > 1)
# the regressors' targets: a smooth function of the same samples, with noise
yr0 = X0[:, 0] + 0.5 * X0[:, 1] ** 2 + rng0.normal(scale=0.1, size=40)


def small_models():
    return [
        BackpropClassifier((6,), max_iter=15, random_state=0),
        BackpropClassifier((6,), solver="lbfgs", max_iter=15, random_state=0),
        BackpropClassifier((6,), solver="sgd", max_iter=15, random_state=0),
        LogisticRegressionGD(max_iter=50),
        LogisticRegressionGD(solver="adam", max_iter=10, random_state=0),
        BackpropRegressor(hidden_layer_sizes=(6,), max_iter=15, random_state=0),
        BackpropRegressor(
            hidden_layer_sizes=(6,), solver="lbfgs", max_iter=15, random_state=0
        ),
        BackpropRegressor(
            "huber", (6,), solver="sgd", huber_delta=0.5, max_iter=15, random_state=0
        ),
    ]


MODEL_IDS = ["mlp-adam", "mlp-lbfgs", "mlp-sgd", "lr-gd", "lr-adam",
             "reg-adam", "reg-lbfgs", "reg-huber-sgd"]  # fmt: skip
ALL = range(len(MODEL_IDS))
CLASSIFIERS = range(5)


def targets(est):
    """The targets ``est`` learns from ``X0``: classes, or real values."""
    return yr0 if is_regressor(est) else y0


def first_call(est, y):
    """What the first ``partial_fit`` call takes besides the data."""
    return {} if is_regressor(est) else {"classes": np.unique(y)}


def fitted_state(est):
    """Deep copy of every attribute, to compare before and after a failure."""
    return copy.deepcopy({k: v for k, v in est.__dict__.items() if k.endswith("_")})


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        va, vb = a[key], b[key]
        if isinstance(va, list) and va and isinstance(va[0], np.ndarray):
            for x, z in zip(va, vb):
                np.testing.assert_array_equal(x, z)
        elif isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb)
        else:
            assert va == vb or (va != va and vb != vb), key  # NaN-safe


def assert_trains_on_alike(est, twin, X, y):
    """One more partial_fit takes ``est`` and ``twin`` to the same model.

    A failed call made to ``est`` alone must have left nothing behind: not in
    the fitted attributes, nor in the optimizer (its momentum, its rate) and
    the training state they continue from.
    """
    for model in (est, twin):
        model.partial_fit(X, y)
    assert est.loss_curve_ == twin.loss_curve_ and est.t_ == twin.t_
    for a, b in zip(est.coefs_ + est.intercepts_, twin.coefs_ + twin.intercepts_):
        np.testing.assert_array_equal(a, b)


def check_outputs(est, X):
    """Finite outputs that agree with each other."""
    if is_regressor(est):
        pred = est.predict(X)
        assert pred.shape == (X.shape[0],) and np.isfinite(pred).all()
        return
    proba = est.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    pred = est.predict(X)
    if np.ndim(pred) == 1:
        # rows whose largest probability is not tied (to rounding) with another
        top2 = np.sort(proba, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 1e-6
        by_proba = est.classes_[proba.argmax(axis=1)]
        np.testing.assert_array_equal(pred[clear], by_proba[clear])
        scores = est.decision_function(X)
        if scores.ndim == 1:
            by_scores = est.classes_[(scores > 0).astype(int)]
        else:
            by_scores = est.classes_[scores.argmax(axis=1)]
        np.testing.assert_array_equal(pred[clear], by_scores[clear])


# ----------------------------------------------------------------- bad input
DTYPES = ["float16", "float32", "float64", "int32", "int64", "bool", "object"]
LABELS = {
    "str": np.array(["cat", "dog", "emu"]),
    "int": np.array([3, 7, 11]),
    "negative": np.array([-5, -1, 0]),
    "bool": np.array([False, True, True]),
    "float-int": np.array([1.0, 2.0, 3.0]),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 30),
    p=st.integers(1, 6),
    dtype=st.sampled_from(DTYPES),
    labels=st.sampled_from(sorted(LABELS)),
    weights=st.sampled_from(["none", "ones", "zeros-some", "huge", "tiny"]),
    sparse=st.booleans(),
    model=st.integers(0, 4),
    seed=st.integers(0, 2**16),
)
def test_random_inputs_fit_with_finite_outputs_or_raise_clearly(
    n, p, dtype, labels, weights, sparse, model, seed
):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * 3
    X = X.astype(dtype) if dtype != "object" else X.astype(object)
    y = LABELS[labels][rng.integers(0, 3, n)]
    sw = {
        "none": None,
        "ones": np.ones(n),
        "zeros-some": np.where(rng.random(n) < 0.3, 0.0, 1.0),
        "huge": np.full(n, 1e12),
        "tiny": np.full(n, 1e-12),
    }[weights]
    if sparse and dtype not in ("object", "bool", "float16"):
        X = sp.csr_matrix(X)
    est = small_models()[model]
    try:
        est.fit(X, y, sample_weight=sw)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        # the only refusals expected here: one class, all weights zero, and
        # divergence where weights of 1e-12 make the L2 penalty (alpha over
        # the sum of the weights) too stiff for the step size
        if weights == "tiny" and "Training diverged" in message:
            return
        assert "class" in message or "weight" in message, message
        return
    check_outputs(est, X)


@pytest.mark.parametrize("make", ALL, ids=MODEL_IDS)
@pytest.mark.parametrize(
    "where", ["fit-X", "fit-sample_weight", "predict-X", "partial_fit-X", "X_val"]
)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused_by_name(make, where, bad):
    est = small_models()[make]
    X, y, sw = X0.copy(), targets(est), np.ones(len(y0))
    if where == "predict-X":
        est.fit(X, y)
        before = fitted_state(est)
        X[3, 1] = bad
        with pytest.raises(ValueError, match=r"NaN|infinity"):
            est.predict(X)
        assert_same_state(before, fitted_state(est))
        return
    if where == "partial_fit-X":
        if not hasattr(est, "partial_fit"):
            return
        est.partial_fit(X, y, **first_call(est, y))
        before = fitted_state(est)
        X[0, 0] = bad
        with pytest.raises(ValueError, match=r"NaN|infinity"):
            est.partial_fit(X, y)
        assert_same_state(before, fitted_state(est))
        return
    # the refused fits below meet an already fitted model and leave it as it was
    if where == "X_val":
        if isinstance(est, LogisticRegressionGD):
            return
        est.fit(X, y)
        before = fitted_state(est)
        X_val = X.copy()
        X_val[2, 2] = bad
        message = "does not use a validation set" if est.solver == "lbfgs" else ""
        with pytest.raises(ValueError, match=message or r"NaN|infinity"):
            est.fit(X, y, X_val=X_val, y_val=y)
        assert_same_state(before, fitted_state(est))
        return
    est.fit(X, y)
    before = fitted_state(est)
    if where == "fit-X":
        X[5, 0] = bad
    else:
        sw[5] = bad
    with pytest.raises(ValueError, match=r"NaN|infinity|sample_weight"):
        est.fit(X, y, sample_weight=sw)
    assert_same_state(before, fitted_state(est))


y_nan = yr0.copy()
y_nan[3] = np.nan
# What a fitted regressor is given, and the error that says what is wrong.
REFUSED = {
    "fit-NaN-y": (lambda r: r.fit(X0, y_nan), "y contains NaN"),
    "partial_fit-NaN-y": (lambda r: r.partial_fit(X0, y_nan), "y contains NaN"),
    "fit-two-outputs": (
        lambda r: r.fit(X0, np.c_[yr0, yr0]),
        "y has 2 outputs, but the model was fitted with 1",
    ),
    "partial_fit-two-outputs": (
        lambda r: r.partial_fit(X0, np.c_[yr0, yr0]),
        "y has 2 outputs, but the model was fitted with 1",
    ),
    "fit-four-features": (
        lambda r: r.fit(X0[:, :4], yr0),
        "X has 4 features, but BackpropRegressor is expecting 5",
    ),
    "partial_fit-four-features": (
        lambda r: r.partial_fit(X0[:, :4], yr0),
        "X has 4 features, but BackpropRegressor is expecting 5",
    ),
    "y_val-two-outputs": (
        lambda r: r.fit(X0, yr0, X_val=X0, y_val=np.c_[yr0, yr0]),
        "y_val has 2 outputs where y has 1",
    ),
    "X_val-four-features": (
        lambda r: r.fit(X0, yr0, X_val=X0[:, :4], y_val=yr0),
        "X has 4 features",
    ),
    "poisson-negative-y": (
        lambda r: r.set_params(loss="poisson").partial_fit(X0, yr0 - 10),
        "negative which is not allowed for loss='poisson'",
    ),
    "partial_fit-zero-weights": (
        lambda r: r.partial_fit(X0, yr0, sample_weight=np.zeros(len(X0))),
        "at least one non-zero",
    ),
    "string-targets": (
        lambda r: r.fit(X0, np.array(["a"] * len(X0))),
        "could not convert string to float",
    ),
    "changed-hidden-layers": (
        lambda r: r.set_params(hidden_layer_sizes=(7,)).fit(X0, yr0),
        "The network's shape changed since the last fit",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_input_leaves_a_fitted_regressor_as_it_was(case):
    call, message = REFUSED[case]

    def fitted():  # warm_start: a fit would continue from the fitted model
        reg = BackpropRegressor(hidden_layer_sizes=(6,), solver="sgd", max_iter=5,
                                warm_start=True, random_state=0)  # fmt: skip
        return reg.fit(X0, yr0)

    reg, twin = fitted(), fitted()
    params = reg.get_params()
    before = fitted_state(reg)
    with pytest.raises(ValueError, match=message):
        call(reg)
    assert_same_state(before, fitted_state(reg))
    # training goes on as if the call had not been made
    reg.set_params(**params)
    assert_trains_on_alike(reg, twin, X0, yr0)


@pytest.mark.parametrize("model", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_zero_weight_batches_train_as_without_those_samples(model, solver):
    # two samples of each class weigh something: most batches of 4 weigh nothing
    sw = np.zeros(len(X0))
    sw[[np.flatnonzero(y0 == k)[i] for k in range(3) for i in range(2)]] = 1.0
    keep = sw > 0
    kw = dict(hidden_layer_sizes=(6,), solver=solver, batch_size=4, max_iter=5,
              random_state=0)  # fmt: skip
    y = targets(model())
    est = model(**kw).fit(X0, y, sample_weight=sw)
    ref = model(**kw).fit(X0[keep], y[keep], sample_weight=sw[keep])
    for a, b in zip(_weights(est), _weights(ref)):
        np.testing.assert_array_equal(a, b)
    est.partial_fit(X0, y, sample_weight=sw)
    ref.partial_fit(X0[keep], y[keep], sample_weight=sw[keep])
    for a, b in zip(_weights(est), _weights(ref)):
        np.testing.assert_array_equal(a, b)
    check_outputs(est, X0)


@pytest.mark.parametrize("make", ALL, ids=MODEL_IDS)
def test_sample_weights_whose_sum_overflows_are_named(make):
    est = small_models()[make]
    y = targets(est)
    est.fit(X0, y)
    before = fitted_state(est)
    # each weight is finite; their sum is not (it was reported as divergence)
    with pytest.raises(ValueError, match="sample weights are too large: their sum"):
        est.fit(X0, y, sample_weight=np.full(len(X0), 1e308))
    assert_same_state(before, fitted_state(est))


MIXED = np.array([0, 1, "a", 2] * 10, dtype=object)
WITH_NONE = np.array([0, 1, None, 2] * 10, dtype=object)


@pytest.mark.parametrize("make", CLASSIFIERS, ids=MODEL_IDS[:5])
@pytest.mark.parametrize(
    "labels, message",
    [(MIXED, "y mixes class labels of different types \\(number, string\\)"),
     (WITH_NONE, "y contains None")],
    ids=["int-and-str", "None"],
)  # fmt: skip
def test_labels_of_mixed_types_are_refused_by_name(make, labels, message):
    est = small_models()[make]
    with pytest.raises(ValueError, match=message):
        est.fit(X0, labels)
    if hasattr(est, "partial_fit"):
        with pytest.raises(ValueError, match=message):
            est.partial_fit(X0, labels, classes=[0, 1, 2])
        with pytest.raises(ValueError, match=message.replace("y", "classes", 1)):
            est.partial_fit(X0, y0, classes=labels[:4])  # the four labels


def test_a_validation_split_too_small_names_validation_fraction():
    # 0.1 of 10 samples: one validation sample for two classes
    est = BackpropClassifier((4,), early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match=r"validation_fraction=0\.1 of 10 samples"):
        est.fit(X0[:10], y0[:10] > 0)


@pytest.mark.parametrize("make", ALL, ids=MODEL_IDS)
def test_edge_cases(make):
    rng = np.random.default_rng(1)
    cases = {
        "two samples": (rng.normal(size=(2, 3)), np.array([0, 1])),
        "n_features >> n_samples": (rng.normal(size=(6, 300)), np.arange(6) % 2),
        "constant features": (np.ones((20, 4)), np.arange(20) % 3),
        "duplicated rows": (
            np.repeat(rng.normal(size=(5, 3)), 4, axis=0),
            np.repeat(np.arange(5) % 2, 4),
        ),
        "tiny magnitudes": (rng.normal(size=(20, 3)) * 1e-300, np.arange(20) % 2),
        "huge magnitudes": (rng.normal(size=(20, 3)) * 1e300, np.arange(20) % 2),
    }
    for name, (X, y) in cases.items():
        est = small_models()[make]
        try:
            # no overflow or invalid operation leaks out as a warning
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                est.fit(X, y)
                check_outputs(est, X)
        except (ValueError, TypeError) as exc:
            # huge values may overflow: that must be said, not swallowed
            assert name == "huge magnitudes", (name, exc)
            assert "non-finite" in str(exc) or "too large" in str(exc), str(exc)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_overflowing_logits_raise_alike_in_both_classifiers(n_classes):
    keep = y0 < n_classes
    X, y = X0[keep], y0[keep]
    models = [
        LogisticRegressionGD(C=1e6).fit(X * 1e-3, y),
        # the same model as a network without a hidden layer
        BackpropClassifier((), solver="lbfgs", alpha=1e-6).fit(X * 1e-3, y),
    ]
    finite = np.clip(X[:5], -1.5, 1.5) * 1e300  # logits large, but finite
    overflowing = np.clip(X[:5], -1.5, 1.5) * 1e308
    for est in models:
        check_outputs(est, finite)
        for method in ("predict_proba", "predict", "decision_function"):
            with pytest.raises(ValueError, match=r"output overflowed.*Scale the input"):
                getattr(est, method)(overflowing)


@pytest.mark.parametrize("make", CLASSIFIERS, ids=MODEL_IDS[:5])
def test_one_sample_and_one_class(make):
    # as LogisticRegression (MLPClassifier fits, then gives predict_proba two
    # columns for its one class)
    est = small_models()[make]
    one_class = "at least 2 classes in the data, but the data contains only one class"
    with pytest.raises(ValueError, match=one_class):
        est.fit(X0[:1], y0[:1])
    with pytest.raises(ValueError, match=one_class):
        est.fit(X0, np.full(len(X0), "cat"))
    if hasattr(est, "partial_fit"):
        with pytest.raises(ValueError, match=one_class):
            est.partial_fit(X0, np.zeros(len(X0)), classes=[0])
    assert fitted_state(est) == {}


def test_thousand_classes():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 8))
    y = np.arange(2000) % 1000
    models = [BackpropClassifier((16,), max_iter=3, random_state=0)]
    models.append(LogisticRegressionGD(max_iter=5))
    for est in models:
        est.fit(X, y)
        assert est.predict_proba(X[:5]).shape == (5, 1000)
        check_outputs(est, X[:50])


def test_pandas_input_with_feature_names():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X0, columns=[f"f{i}" for i in range(5)])
    for est in small_models():
        est.fit(df, pd.Series(targets(est)))
        assert list(est.feature_names_in_) == list(df.columns)
        check_outputs(est, df)
        with pytest.warns(UserWarning, match="feature names"):
            est.predict(X0)


# --------------------------------------------------------------------- faults
@pytest.mark.parametrize("model", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("solver", ["sgd", "adam", "gd"])
def test_divergence_raises_and_keeps_the_fitted_model(model, solver):
    # steps of 1e200 on inputs of 1e200 overflow to inf in the first update
    X = X0 * 1e200
    est = model(hidden_layer_sizes=(6,), solver=solver, max_iter=20, random_state=0)
    y = targets(est)
    est.fit(X0, y)
    before = fitted_state(est)
    est.set_params(learning_rate_init=1e200, warm_start=True)
    with pytest.raises(ValueError, match="learning_rate_init"):
        est.fit(X, y)
    assert_same_state(before, fitted_state(est))
    if solver != "gd":
        # partial_fit keeps its optimizer (and its learning rate), as in
        # MLPClassifier: start one with a huge rate, though not one that
        # sends its outputs beyond the floating-point range (1e200 would)
        inc = model(
            hidden_layer_sizes=(6,),
            solver=solver,
            learning_rate_init=1e100,
            random_state=0,
        )
        inc.partial_fit(X0, y, **first_call(inc, y))
        before_inc = fitted_state(inc)
        with pytest.raises(ValueError, match="learning_rate_init"):
            inc.partial_fit(X, y)
        assert_same_state(before_inc, fitted_state(inc))
    # and training goes on correctly afterwards
    est.set_params(learning_rate_init=1e-3)
    est.fit(X0, y)
    check_outputs(est, X0)


rng_blow = np.random.default_rng(0)
X_blow = rng_blow.normal(size=(60, 4))
y_blow = (X_blow[:, 0] > 0).astype(int)


def test_a_loss_blowing_up_while_finite_is_divergence():
    """Six orders of magnitude above the first epoch's loss: training diverged."""
    diverged = r"Training diverged: the training loss grew .* more than 1e\+06 times"
    mlp = BackpropClassifier((5,), solver="sgd", max_iter=50, random_state=0,
                             warm_start=True).fit(X_blow, y_blow)  # fmt: skip
    lr = LogisticRegressionGD(solver="sgd", random_state=0).fit(X_blow, y_blow)
    # loss 0.87 -> 1e59 at 1e3, with finite weights; objective 5e9 -> 5e164
    for est, params in [
        (mlp, {"learning_rate_init": 1e3}),
        (lr, {"learning_rate": 1e6}),
    ]:
        before = fitted_state(est)
        est.set_params(**params)
        with pytest.raises(ValueError, match=diverged + ".*Lower the learning rate"):
            est.fit(X_blow, y_blow)
        assert_same_state(before, fitted_state(est))


def test_a_loss_that_goes_up_for_a_while_is_not_divergence():
    # at a rate of 10 the loss climbs from 0.87 to 15.6 (a log-loss clipped
    # as MLPClassifier's is, at -log(eps) = 36 a sample), then comes back
    est = BackpropClassifier(
        (5,), solver="sgd", learning_rate_init=10, max_iter=50, random_state=0
    ).fit(X_blow, y_blow)
    assert max(est.loss_curve_) > 10 * est.loss_curve_[0]
    assert est.loss_curve_[-1] > est.loss_curve_[0]  # and ends no better
    check_outputs(est, X_blow)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_single_huge_step_of_partial_fit_is_divergence(solver):
    # one step of 1e300 leaves finite weights of 1e300, and a loss measured
    # before the step: the network's output on the data tells
    est = BackpropClassifier(solver=solver, learning_rate_init=1e300, random_state=0)
    with pytest.raises(ValueError, match="Training diverged: the network's output"):
        est.partial_fit(X_iris, y_iris, classes=[0, 1, 2])
    assert fitted_state(est) == {}  # not fitted, as before the call
    est.set_params(learning_rate_init=1e-3)
    check_outputs(est.partial_fit(X_iris, y_iris, classes=[0, 1, 2]), X_iris)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_diverging_on_unscaled_data_keeps_the_fitted_model(loss):
    # features and targets in the thousands, not scaled: plain SGD at a rate
    # of 1e10 overflows within a few epochs
    X, y = X0 * 1000, np.abs(yr0) * 1000
    diverged = "Training diverged.*Lower the learning rate.*left as it was"

    def fitted():
        est = BackpropRegressor(loss, (6,), solver="sgd", max_iter=20, random_state=0)
        return est.fit(X0, np.abs(yr0))

    est, twin = fitted(), fitted()
    before = fitted_state(est)
    est.set_params(learning_rate_init=1e10, warm_start=True)
    with pytest.raises(ValueError, match=diverged):
        est.fit(X, y)
    assert_same_state(before, fitted_state(est))
    # it goes on with its own optimizer, at its own rate, as its twin does
    assert_trains_on_alike(est, twin, X0, np.abs(yr0))

    # partial_fit keeps its optimizer and its rate: start one at 1e10 with a
    # single step, then give it four steps on the unscaled data
    def started():
        inc = BackpropRegressor(loss, (6,), solver="sgd", batch_size=10,
                                learning_rate_init=1e10, random_state=0)  # fmt: skip
        return inc.partial_fit(X0[:10], np.abs(yr0[:10]))

    inc, twin = started(), started()
    before = fitted_state(inc)
    with pytest.raises(ValueError, match=diverged):
        inc.partial_fit(X, y)
    assert_same_state(before, fitted_state(inc))
    assert_trains_on_alike(inc, twin, X0[:10], np.abs(yr0[:10]))


class Boom(Exception):
    pass


class RaisingCallback:
    def __init__(self, at):
        self.at, self.calls = at, 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            raise Boom("callback failure")
        return False


@pytest.mark.parametrize("model", [BackpropClassifier, BackpropRegressor])
def test_failed_partial_fit_leaves_the_training_state_as_it_was(model):
    """Training after a failed call goes on exactly as if it had not happened."""
    pytest.importorskip("sklearn.callback")

    def fitted():
        est = model(hidden_layer_sizes=(6,), random_state=0, batch_size=10)
        y = targets(est)
        for _ in range(3):
            est.partial_fit(X0, y, **first_call(est, y))
        return est

    clean, failed = fitted(), fitted()
    y = targets(clean)
    failed.set_callbacks(RaisingCallback(at=1))
    with pytest.raises(Boom):
        failed.partial_fit(X0[::-1], y[::-1])
    failed.set_callbacks()
    for est in (clean, failed):
        est.partial_fit(X0, y)
    assert failed.loss_curve_ == clean.loss_curve_ and len(clean.loss_curve_) == 4
    assert failed.t_ == clean.t_ and failed.n_iter_ == clean.n_iter_
    for a, b in zip(
        failed.coefs_ + failed.intercepts_, clean.coefs_ + clean.intercepts_
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", ALL, ids=MODEL_IDS)
def test_exception_from_a_callback_propagates_and_keeps_the_model(make):
    pytest.importorskip("sklearn.callback")
    est = small_models()[make]
    y = targets(est)
    est.fit(X0, y)
    before = fitted_state(est)
    est.set_callbacks(RaisingCallback(at=2))
    with pytest.raises(Boom):
        est.fit(X0[::-1], y[::-1])
    assert_same_state(before, fitted_state(est))
    est.set_callbacks()  # without it, fitting works again
    est.fit(X0, y)
    check_outputs(est, X0)


@pytest.mark.parametrize("make", ALL, ids=MODEL_IDS)
def test_keyboard_interrupt_mid_epoch_warns_and_keeps_a_usable_model(make, monkeypatch):
    est = small_models()[make]
    calls = {"n": 0}
    original = Network.loss_and_gradient

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_and_gradient", interrupted)
    with pytest.warns(UserWarning, match="interrupted"):
        est.fit(X0, targets(est))
    monkeypatch.undo()
    check_outputs(est, X0)
    assert all(np.isfinite(c).all() for c in _weights(est))


@pytest.mark.parametrize(
    "make", [0, 2, 4, 5, 7], ids=[MODEL_IDS[i] for i in [0, 2, 4, 5, 7]]
)
def test_keyboard_interrupt_in_partial_fit_reaches_the_caller(make, monkeypatch):
    """The caller owns the loop of partial_fit calls: Ctrl-C must stop it."""

    def started():
        est = small_models()[make].set_params(batch_size=10)
        y = targets(est)
        return est.partial_fit(X0, y, **first_call(est, y))

    est, twin = started(), started()
    y = targets(est)
    before = fitted_state(est)
    calls = {"n": 0}
    original = Network.loss_and_gradient

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # mid-epoch: the third of four batches
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_and_gradient", interrupted)
    with pytest.raises(KeyboardInterrupt):  # and no "interrupted" warning
        est.partial_fit(X0, y)
    monkeypatch.undo()
    assert_same_state(before, fitted_state(est))  # the model before the call
    for model in (est, twin):
        model.partial_fit(X0, y)
    for a, b in zip(_weights(est), _weights(twin)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "make", [0, 2, 4, 5, 7], ids=[MODEL_IDS[i] for i in [0, 2, 4, 5, 7]]
)
@pytest.mark.parametrize(
    "first, then", [("float64", "float32"), ("float32", "float64")]
)
def test_partial_fit_keeps_the_dtype_the_model_was_first_fitted_with(make, first, then):
    est, ref = small_models()[make], small_models()[make]
    y = targets(est)
    for model in (est, ref):
        model.partial_fit(X0.astype(first), y, **first_call(model, y))
    X = X0[::-1].astype(then)
    est.partial_fit(X, y[::-1])
    ref.partial_fit(X.astype(first), y[::-1])  # the batch cast to the model's dtype
    for a, b in zip(_weights(est), _weights(ref)):
        assert a.dtype == np.dtype(first)
        np.testing.assert_array_equal(a, b)


class InterruptAtTheStart(RaisingCallback):
    """Ctrl-C after the data are validated, before the first epoch."""

    def on_fit_task_begin(self, estimator, context, **kwargs):
        if context.task_name == "fit":
            raise KeyboardInterrupt


@pytest.mark.parametrize("make", ALL, ids=MODEL_IDS)
def test_keyboard_interrupt_before_training_keeps_the_fitted_model(make):
    pytest.importorskip("sklearn.callback")
    est = small_models()[make]
    y = targets(est)
    est.fit(X0, y)
    before = fitted_state(est)
    est.set_callbacks(InterruptAtTheStart(at=None))
    # no epoch has run, so there is nothing to keep: the interrupt propagates,
    # and the new data's three features (already validated) are forgotten
    with pytest.raises(KeyboardInterrupt):
        est.fit(X0[:, :3], y)
    assert_same_state(before, fitted_state(est))
    assert est.n_features_in_ == 5
    check_outputs(est, X0)


def _weights(est):
    if hasattr(est, "coefs_"):  # the multilayer perceptrons
        return est.coefs_ + est.intercepts_
    return [est.coef_, est.intercept_]


@pytest.mark.parametrize("model", [BackpropClassifier, BackpropRegressor])
def test_keyboard_interrupt_restores_the_best_validation_weights(model, monkeypatch):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 5))
    if model is BackpropClassifier:
        y = (X[:, 0] > 0).astype(int)
    else:
        y = X[:, 0] + rng.normal(scale=0.5, size=200)
    # a large step: the validation score (accuracy or R^2) peaks within the
    # first ten epochs and then falls, so the best weights are not the last ones
    kw = dict(hidden_layer_sizes=(8,), early_stopping=True, random_state=0,
              n_iter_no_change=1000, max_iter=30, learning_rate_init=0.1)  # fmt: skip
    full = model(**kw).fit(X, y)
    best_epoch = int(np.argmax(full.validation_scores_[:10]))
    assert best_epoch < 9  # not the tenth, the last one before the interrupt
    # the weights of the best epoch, from a fit that ends there
    best = model(**{**kw, "max_iter": best_epoch + 1}).fit(X, y)
    calls = {"n": 0}
    last = []  # the weights after the tenth epoch, when it is interrupted
    original = Network.loss_and_gradient
    n_batches = 1  # 180 training samples: one batch of 180 per epoch

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 10 * n_batches:
            last.extend(w.copy() for w in self.coefs + self.intercepts)
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_and_gradient", interrupted)
    with pytest.warns(UserWarning, match="interrupted"):
        est = model(**kw).fit(X, y)
    monkeypatch.undo()
    assert est.n_iter_ == 10
    assert est.best_validation_score_ == max(full.validation_scores_[:10])
    assert len(last) == len(_weights(est))
    # the model holds the best epoch's weights, which differ from the last's
    for w, w_best in zip(_weights(est), _weights(best)):
        np.testing.assert_array_equal(w, w_best)
    assert not all(np.array_equal(w, w_last) for w, w_last in zip(_weights(est), last))


# ------------------------------------------------------- load and concurrency
@pytest.mark.parametrize("make", [0, 3, 5], ids=["mlp", "lr", "reg"])
def test_predict_from_many_threads_at_once(make):
    est = small_models()[make]
    est.fit(X0, targets(est))
    predict = est.predict if is_regressor(est) else est.predict_proba
    X = np.random.default_rng(4).normal(size=(500, 5))
    expected = predict(X)
    results, barrier = [None] * 8, threading.Barrier(8)

    def work(i):
        barrier.wait()
        for _ in range(20):
            results[i] = predict(X)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


@pytest.mark.parametrize("make", [2, 4, 7], ids=["mlp-sgd", "lr-adam", "reg-sgd"])
def test_predict_while_another_thread_trains_sees_one_committed_model(make):
    """Old model or new one, never a mix of the two and never an error."""
    est = small_models()[make]
    y = targets(est)
    est.partial_fit(X0, y, **first_call(est, y))
    predict = est.predict if is_regressor(est) else est.predict_proba
    X = X0[:10]
    committed = [predict(X)]
    results, errors, done = [], [], threading.Event()

    def read():
        while not done.is_set():
            try:
                results.append(predict(X))
            except Exception as exc:  # any error fails the test
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: races show within 60 fits
    try:
        for t in readers:
            t.start()
        for _ in range(60):
            est.partial_fit(X0, y)
            committed.append(predict(X))
    finally:
        done.set()
        for t in readers:
            t.join()
        sys.setswitchinterval(interval)
    assert not errors, errors[:3]
    models = {r.tobytes() for r in committed}
    assert len(models) == len(committed)  # every fit changed the model
    assert results and all(r.tobytes() in models for r in results)


def test_concurrent_lbfgs_fits_leave_the_blas_thread_counts_as_they_were():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def thread_counts():
        return {
            (info["filepath"], info["num_threads"])
            for info in threadpoolctl.threadpool_info()
        }

    X = np.random.default_rng(5).normal(size=(600, 20))
    y = (X[:, 0] > 0).astype(int)

    def fit(seed):
        est = BackpropClassifier(
            (20,), solver="lbfgs", max_iter=60, tol=0, random_state=seed
        )
        return est.fit(X, y)

    fit(0)  # SciPy's BLAS is loaded, and L-BFGS in the main thread restores it
    before = thread_counts()
    for _ in range(3):
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(fit, range(4)))
        assert thread_counts() == before
    # the main thread fitting too, while the pool's fits run
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(fit, seed) for seed in range(4)]
        fit(9)
        for future in futures:
            future.result()
    assert thread_counts() == before


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_fitting_inside_joblib_workers(backend):
    def fit_one(seed):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = BackpropClassifier((6,), max_iter=10, random_state=seed)
            return est.fit(X0, y0).coefs_[0]

    parallel = joblib.Parallel(n_jobs=2, backend=backend)
    results = parallel(joblib.delayed(fit_one)(s) for s in [0, 1, 0])
    np.testing.assert_array_equal(results[0], results[2])
    assert not np.array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], fit_one(0))


def test_no_memory_growth_over_repeated_fits():
    def run(k):
        for _ in range(k):
            BackpropClassifier((16,), max_iter=3, random_state=0).fit(X0, y0)
            LogisticRegressionGD(max_iter=5).fit(X0, y0)
        gc.collect()

    run(10)  # warm caches (imports, scipy/sklearn internals)
    tracemalloc.start()
    run(50)
    mid, _ = tracemalloc.get_traced_memory()
    run(50)
    end, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert end - mid < 200_000, f"{end - mid} bytes retained over 50 more fits"


@pytest.mark.parametrize("make", ALL, ids=MODEL_IDS)
def test_same_random_state_gives_bit_identical_weights(make):
    a = small_models()[make]
    b = small_models()[make]
    a.fit(X0, targets(a))
    b.fit(X0, targets(b))
    for wa, wb in zip(_weights(a), _weights(b)):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize(
    "make",
    [
        lambda: BackpropClassifier((5,), solver="sgd", random_state=0),
        lambda: BackpropRegressor(hidden_layer_sizes=(5,), random_state=0),
        lambda: LogisticRegressionGD(solver="sgd", random_state=0),
    ],
    ids=["classifier", "regressor", "logistic"],
)
def test_a_failed_partial_fit_leaves_the_training_curves_as_they_were(make):
    # a call trains on the curves it shares with the model (so that it costs
    # the same however long they are); a failure cuts them back
    est = make()
    y = targets(est)
    for _ in range(4):
        est.partial_fit(X0, y, **first_call(est, y))
    before = fitted_state(est)
    curves = copy.deepcopy(vars(est._state))
    est.set_callbacks(RaisingCallback(at=1))
    with pytest.raises(Boom):
        est.partial_fit(X0, y)
    assert_same_state(before, fitted_state(est))
    for key, value in curves.items():
        if isinstance(value, list):
            assert getattr(est._state, key) == value, key
