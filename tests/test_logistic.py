"""Tests for LogisticRegressionGD, through its public API.

The optimum is checked against scikit-learn's LogisticRegression (L-BFGS with
a tight tolerance, SAGA for the L1 penalties) on the objective both minimise::

    C * sum_i s_i * log_loss_i + (1 - l1_ratio) / 2 * ||coef||^2
                               + l1_ratio * ||coef||_1
"""

import functools
import io
import pickle
import re
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.estimator_checks import parametrize_with_checks

import skbackprop._logistic as logistic_module
from skbackprop import LogisticRegressionGD

SOLVERS = ["gd", "sgd", "adam"]


# ------------------------------------------------------------------ helpers
@functools.cache
def dataset(name):
    """Standardised data sets, binary and multiclass, shipped or synthetic."""
    if name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
    elif name == "iris":
        X, y = load_iris(return_X_y=True)
    elif name == "wine":
        X, y = load_wine(return_X_y=True)
    elif name == "binary":
        X, y = make_classification(
            300, 8, n_informative=5, n_redundant=1, random_state=0
        )
    elif name == "multinomial":
        X, y = make_classification(
            300, 8, n_informative=5, n_classes=4, n_clusters_per_class=1,
            random_state=1,
        )  # fmt: skip
    elif name == "small_binary":
        X, y = make_classification(200, 5, n_informative=3, n_redundant=0,
                                   random_state=0)  # fmt: skip
    elif name == "small_multinomial":
        X, y = make_classification(200, 5, n_informative=3, n_redundant=0,
                                   n_classes=3, random_state=0)  # fmt: skip
    else:  # pragma: no cover
        raise ValueError(name)
    return StandardScaler().fit_transform(X), y


@functools.cache
def weights(name, kind):
    if kind is None:
        return None
    n = dataset(name)[0].shape[0]
    w = check_random_state(7).uniform(0.2, 3.0, size=n)
    if kind == "with_zeros":
        w[::7] = 0.0
    return w


def objective(coef, intercept, X, y, classes, C, l1_ratio=0.0, sample_weight=None):
    """LogisticRegression's objective, in float64."""
    coef = np.asarray(coef, dtype=np.float64)
    Z = X @ coef.T + np.asarray(intercept, dtype=np.float64)
    if coef.shape[0] == 1:
        Z = np.hstack([np.zeros_like(Z), Z])
    log_p = Z - logsumexp(Z, axis=1, keepdims=True)
    loss = -log_p[np.arange(len(y)), np.searchsorted(classes, y)]
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    return (
        C * float(s @ loss)
        + (1 - l1_ratio) / 2 * float((coef**2).sum())
        + l1_ratio * float(np.abs(coef).sum())
    )


def model_objective(model, X, y, C, l1_ratio=0.0, sample_weight=None):
    return objective(
        model.coef_, model.intercept_, X, y, model.classes_, C, l1_ratio, sample_weight
    )


@functools.cache
def newton_reference(name, C, sw_kind=None):
    """The optimum to machine precision (Newton's method converges fast)."""
    X, y = dataset(name)
    ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    return ref.fit(X, y, sample_weight=weights(name, sw_kind))


@functools.cache
def lbfgs_reference(name, C, sw_kind=None, fit_intercept=True):
    X, y = dataset(name)
    ref = LogisticRegression(
        C=C, tol=1e-10, max_iter=10000, fit_intercept=fit_intercept
    )
    return ref.fit(X, y, sample_weight=weights(name, sw_kind))


def relative_gap(model, ref, X, y, C, l1_ratio=0.0, sample_weight=None):
    f = model_objective(model, X, y, C, l1_ratio, sample_weight)
    f_ref = model_objective(ref, X, y, C, l1_ratio, sample_weight)
    return (f - f_ref) / f_ref


def assert_same_solution(model, ref, rtol):
    scale = np.abs(ref.coef_).max()
    assert_allclose(model.coef_, ref.coef_, rtol=0, atol=rtol * scale)
    if ref.coef_.shape[0] > 1:  # softmax intercepts: up to a shared constant
        a = model.intercept_ - model.intercept_.mean()
        b = ref.intercept_ - ref.intercept_.mean()
    else:
        a, b = model.intercept_, ref.intercept_
    assert_allclose(a, b, rtol=0, atol=rtol * max(scale, np.abs(b).max()))


# ------------------------------------------------------- scikit-learn checks
# The checks fit tiny data sets with the default max_iter: stopping there
# without converging is expected, and what they check is the API.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [
        LogisticRegressionGD(),
        LogisticRegressionGD(solver="sgd"),
        LogisticRegressionGD(solver="adam"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# ---------------------------------------------------- the optimum, solver gd
DATASETS = ["breast_cancer", "iris", "wine", "binary", "multinomial"]


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("sw_kind", [None, "random", "with_zeros"])
def test_gd_reaches_lbfgs_optimum(name, C, sw_kind):
    X, y = dataset(name)
    sw = weights(name, sw_kind)
    ref = lbfgs_reference(name, C, sw_kind)
    # default settings: 1e-6 of the objective, as promised
    model = LogisticRegressionGD(C=C).fit(X, y, sample_weight=sw)
    gap = relative_gap(model, ref, X, y, C, sample_weight=sw)
    assert -1e-9 < gap < 1e-6
    assert model.coef_.shape == ref.coef_.shape
    assert model.intercept_.shape == ref.intercept_.shape
    # run to convergence: the same coefficients as Newton's method finds
    # (L-BFGS itself stops some 1e-5 away from them at C=100)
    tight = LogisticRegressionGD(C=C, tol=1e-10).fit(X, y, sample_weight=sw)
    assert -1e-9 < relative_gap(tight, ref, X, y, C, sample_weight=sw) < 1e-11
    exact = newton_reference(name, C, sw_kind)
    assert_same_solution(tight, exact, rtol=1e-7)
    assert_allclose(tight.predict_proba(X), exact.predict_proba(X), atol=1e-8)
    assert_array_equal(tight.classes_, ref.classes_)


# SAGA needs seconds for the multinomial elastic net at C=100 (the KKT test
# below covers that case)
SAGA_CASES = [
    (name, C, l1_ratio)
    for name in ("small_binary", "small_multinomial")
    for C in (0.01, 1.0, 100.0)
    for l1_ratio in (0.5, 1.0)
    if (name, C, l1_ratio) != ("small_multinomial", 100.0, 0.5)
]


@pytest.mark.parametrize("name, C, l1_ratio", SAGA_CASES)
def test_gd_reaches_saga_optimum_with_l1(name, C, l1_ratio):
    X, y = dataset(name)
    ref = LogisticRegression(
        C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=100000
    ).fit(X, y)
    model = LogisticRegressionGD(C=C, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    # never worse than SAGA (which stops with the intercepts short of their
    # optimum when every coefficient is zero), and the same coefficients
    assert relative_gap(model, ref, X, y, C, l1_ratio) < 1e-12
    assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-6)
    assert_array_equal(model.coef_ == 0, ref.coef_ == 0)


def kkt_residual(model, X, y, C, l1_ratio):
    """Largest violation of the optimality conditions of the objective."""
    P = model.predict_proba(X)
    Y = (y[:, None] == model.classes_).astype(float)
    R = P - Y  # d loss / d logits, per class
    if model.coef_.shape[0] == 1:
        R = R[:, 1:]
    grad_coef = C * (R.T @ X) + (1 - l1_ratio) * model.coef_
    grad_intercept = C * R.sum(axis=0)
    l1 = l1_ratio
    W = model.coef_
    residual = np.where(
        W != 0, np.abs(grad_coef + l1 * np.sign(W)), np.maximum(abs(grad_coef) - l1, 0)
    )
    return max(residual.max(), np.abs(grad_intercept).max())


@pytest.mark.parametrize(
    "name, C, l1_ratio",
    [
        (name, C, l1_ratio)
        for name in ("breast_cancer", "iris", "wine")
        for C in (0.01, 1.0)
        for l1_ratio in (0.5, 1.0)
    ]
    + [("small_multinomial", 100.0, 0.5), ("iris", 100.0, 0.5)],
)
def test_gd_l1_optimality_conditions(name, C, l1_ratio):
    X, y = dataset(name)
    model = LogisticRegressionGD(C=C, l1_ratio=l1_ratio, tol=1e-10, max_iter=5000)
    model.fit(X, y)
    f = model_objective(model, X, y, C, l1_ratio)
    assert kkt_residual(model, X, y, C, l1_ratio) < 1e-7 * f
    if l1_ratio == 1.0 and C < 100:
        assert (model.coef_ == 0).any()  # the L1 penalty makes exact zeros


def test_gd_l1_default_settings_within_1e_6():
    X, y = dataset("wine")
    tight = LogisticRegressionGD(C=1.0, l1_ratio=0.5, tol=1e-10).fit(X, y)
    model = LogisticRegressionGD(C=1.0, l1_ratio=0.5).fit(X, y)
    assert 0 <= relative_gap(model, tight, X, y, 1.0, 0.5) < 1e-6


# ------------------------------------------- the optimum, mini-batch solvers
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize(
    "name, C",
    [
        ("small_binary", 0.01),
        ("small_binary", 1.0),
        ("small_binary", 100.0),
        ("small_multinomial", 0.01),
        ("small_multinomial", 1.0),
        ("iris", 1.0),
    ],
)
def test_full_batch_solvers_reach_lbfgs_optimum(solver, name, C):
    X, y = dataset(name)
    ref = lbfgs_reference(name, C)
    model = LogisticRegressionGD(
        C=C, solver=solver, batch_size=len(y), tol=1e-12, max_iter=20000,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    assert abs(relative_gap(model, ref, X, y, C)) < 1e-6
    assert_same_solution(model, ref, rtol=2e-3 if solver == "adam" else 1e-4)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name", ["small_binary", "small_multinomial"])
def test_mini_batch_solvers_approach_lbfgs_optimum(solver, name):
    X, y = dataset(name)
    sw = weights(name, "random")
    ref = lbfgs_reference(name, 1.0, "random")
    model = LogisticRegressionGD(
        solver=solver, batch_size=32, tol=1e-10, random_state=0
    ).fit(X, y, sample_weight=sw)
    assert 0 <= relative_gap(model, ref, X, y, 1.0, sample_weight=sw) < 5e-3
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=0.05)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_mini_batch_l1_gives_sparse_solution_near_optimum(solver):
    X, y = dataset("small_binary")
    ref = LogisticRegressionGD(C=0.1, l1_ratio=1.0, tol=1e-10).fit(X, y)
    model = LogisticRegressionGD(
        C=0.1, l1_ratio=1.0, solver=solver, tol=1e-10, random_state=0
    ).fit(X, y)
    assert 0 <= relative_gap(model, ref, X, y, 0.1, 1.0) < 2e-2
    # proximal steps put exact zeros where the optimum has them
    assert ((model.coef_ == 0) >= (abs(ref.coef_) == 0)).mean() >= 0.8


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_mini_batch_keeps_best_objective(solver):
    X, y = dataset("binary")
    model = LogisticRegressionGD(solver=solver, batch_size=16, random_state=0)
    model.fit(X, y)
    # the loss curve is the exact objective after every epoch, and the
    # weights kept are those of its best epoch
    f = model_objective(model, X, y, 1.0) / len(y)
    assert f == pytest.approx(min(model.loss_curve_), rel=1e-10)
    assert len(model.loss_curve_) == model.n_iter_


# ------------------------------------------------------------ data handling
@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_preserved(solver):
    X, y = dataset("multinomial")
    X32 = X.astype(np.float32)
    model = LogisticRegressionGD(solver=solver, random_state=0).fit(X32, y)
    assert model.coef_.dtype == np.float32
    assert model.intercept_.dtype == np.float32
    assert model.decision_function(X32).dtype == np.float32
    assert model.predict_proba(X32).dtype == np.float32
    assert model.predict_log_proba(X32).dtype == np.float32
    model64 = LogisticRegressionGD(solver=solver, random_state=0).fit(X, y)
    scale = np.abs(model64.coef_).max()
    atol = 1e-4 if solver == "gd" else 5e-2
    assert_allclose(model.coef_, model64.coef_, rtol=0, atol=atol * scale)


def test_float32_gd_reaches_optimum():
    X, y = dataset("breast_cancer")
    ref = lbfgs_reference("breast_cancer", 1.0)
    model = LogisticRegressionGD().fit(X.astype(np.float32), y)
    assert abs(relative_gap(model, ref, X, y, 1.0)) < 1e-6


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
def test_sparse_input_equals_dense(solver, container):
    X, y = dataset("multinomial")
    X = np.where(np.abs(X) < 0.5, 0.0, X)  # sparse enough to matter
    params = dict(solver=solver, random_state=0, tol=1e-10, max_iter=300)
    with warnings.catch_warnings():
        # tol=1e-10 is beyond the mini-batch solvers' reach in 300 epochs;
        # dense and sparse are compared wherever they stop
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = LogisticRegressionGD(**params).fit(X, y)
        sparse = LogisticRegressionGD(**params).fit(container(X), y)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-6, atol=1e-8)
    assert_allclose(
        sparse.predict_proba(container(X)), dense.predict_proba(X), atol=1e-10
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_sample_weight_equals_repetition(solver):
    X, y = dataset("small_multinomial")
    sw = check_random_state(3).randint(0, 4, size=len(y))
    params = dict(solver=solver, batch_size=1000, random_state=0, tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # adam, max_iter
        weighted = LogisticRegressionGD(**params).fit(X, y, sample_weight=sw)
        repeated = LogisticRegressionGD(**params).fit(
            X.repeat(sw, axis=0), y.repeat(sw)
        )
    atol = 1e-7 if solver == "gd" else 1e-4
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=atol)


@pytest.mark.parametrize("solver", SOLVERS)
def test_class_weight_dict_equals_sample_weight(solver):
    X, y = dataset("iris")
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    sw = np.array([class_weight[c] for c in y])
    params = dict(solver=solver, random_state=0, tol=1e-10, max_iter=3000)
    a = LogisticRegressionGD(class_weight=class_weight, **params).fit(X, y)
    b = LogisticRegressionGD(**params).fit(X, y, sample_weight=sw)
    assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.0, 1: 0.5}])
def test_class_weight_matches_logistic_regression(class_weight):
    X, y = dataset("breast_cancer")
    ref = LogisticRegression(tol=1e-10, max_iter=10000, class_weight=class_weight)
    sw = weights("breast_cancer", "random")
    ref.fit(X, y, sample_weight=sw)
    model = LogisticRegressionGD(class_weight=class_weight, tol=1e-10)
    model.fit(X, y, sample_weight=sw)
    assert_same_solution(model, ref, rtol=1e-5)


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_fit_intercept_false_matches_logistic_regression(name):
    X, y = dataset(name)
    ref = lbfgs_reference(name, 1.0, fit_intercept=False)
    for solver in SOLVERS:
        model = LogisticRegressionGD(
            fit_intercept=False, solver=solver, batch_size=len(y), tol=1e-12,
            max_iter=20000, random_state=0,
        ).fit(X, y)  # fmt: skip
        assert_array_equal(model.intercept_, 0.0)
        assert abs(relative_gap(model, ref, X, y, 1.0)) < 1e-6


def test_string_labels_and_label_order():
    X, y = dataset("iris")
    labels = np.array(["virginica", "setosa", "versicolor"])[y]
    model = LogisticRegressionGD().fit(X, labels)
    assert_array_equal(model.classes_, ["setosa", "versicolor", "virginica"])
    ref = LogisticRegression(tol=1e-10, max_iter=10000).fit(X, labels)
    assert_array_equal(model.predict(X), ref.predict(X))
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-5)


def test_binary_outputs_are_consistent():
    X, y = dataset("breast_cancer")
    model = LogisticRegressionGD().fit(X, y)
    scores = model.decision_function(X)
    assert scores.shape == (len(y),)
    assert_array_equal(model.predict(X), model.classes_[(scores > 0).astype(int)])
    proba = model.predict_proba(X)
    assert proba.shape == (len(y), 2)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-12)
    # log-probabilities stay finite where the probability rounds to 0 or 1
    far = 1e3 * np.sign(model.coef_) * np.ones((1, X.shape[1]))
    assert np.isfinite(model.predict_log_proba(far)).all()


def test_multiclass_outputs_are_consistent():
    X, y = dataset("wine")
    model = LogisticRegressionGD().fit(X, y)
    scores = model.decision_function(X)
    assert scores.shape == (len(y), 3)
    assert_array_equal(model.predict(X), model.classes_[scores.argmax(axis=1)])
    assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    assert_allclose(
        model.predict_log_proba(X), np.log(model.predict_proba(X)), atol=1e-12
    )


def test_pickle_round_trip():
    X, y = dataset("wine")
    model = LogisticRegressionGD(solver="sgd", random_state=0).fit(X, y)
    clone_ = pickle.loads(pickle.dumps(model))
    assert_array_equal(clone_.predict_proba(X), model.predict_proba(X))
    clone_.partial_fit(X, y)  # the optimizer state survives the round trip


# ------------------------------------------------- warm start, partial_fit
@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_continues_from_previous_solution(solver):
    X, y = dataset("wine")
    params = dict(solver=solver, random_state=0, batch_size=len(y))
    cold = LogisticRegressionGD(**params).fit(X, y)
    warm = LogisticRegressionGD(warm_start=True, **params).fit(X, y)
    first = warm.coef_.copy()
    warm.set_params(C=0.5).fit(X, y)  # a new problem, started at the old optimum
    assert warm.n_iter_ < cold.n_iter_
    ref = LogisticRegressionGD(C=0.5, **params).fit(X, y)
    f_warm = model_objective(warm, X, y, 0.5)
    rtol = 1e-2 if solver == "adam" else 1e-4
    assert abs(f_warm - model_objective(ref, X, y, 0.5)) < rtol * f_warm
    assert not np.allclose(first, warm.coef_)


def test_warm_start_gd_at_optimum_stops_at_once():
    X, y = dataset("breast_cancer")
    model = LogisticRegressionGD(warm_start=True).fit(X, y)
    before = model.coef_.copy()
    model.fit(X, y)
    assert model.n_iter_ <= 1
    assert_allclose(model.coef_, before, rtol=1e-6)


def test_warm_start_with_new_classes_starts_again():
    X, y = dataset("iris")
    model = LogisticRegressionGD(warm_start=True).fit(X, y)
    binary = y > 0
    model.fit(X[binary], y[binary])
    assert model.coef_.shape == (1, 4)
    assert_array_equal(model.classes_, [1, 2])


def test_partial_fit_only_for_mini_batch_solvers():
    assert not hasattr(LogisticRegressionGD(), "partial_fit")
    assert hasattr(LogisticRegressionGD(solver="sgd"), "partial_fit")
    assert hasattr(LogisticRegressionGD(solver="adam"), "partial_fit")


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_converges(solver):
    X, y = dataset("small_multinomial")
    ref = lbfgs_reference("small_multinomial", 1.0)
    model = LogisticRegressionGD(solver=solver, random_state=0, batch_size=50)
    for _ in range(150):
        model.partial_fit(X, y, classes=np.unique(y))
    assert model.n_iter_ == 1
    assert relative_gap(model, ref, X, y, 1.0) < 5e-3
    assert model.score(X, y) == pytest.approx(ref.score(X, y), abs=0.02)


def test_partial_fit_needs_classes_and_rejects_unknown_ones():
    X, y = dataset("iris")
    model = LogisticRegressionGD(solver="sgd")
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert model.coef_.shape == (3, 4)
    with pytest.raises(ValueError, match="not in classes_"):
        model.partial_fit(X, y + 1)


def test_partial_fit_rejects_balanced_class_weight_and_early_stopping():
    X, y = dataset("iris")
    with pytest.raises(ValueError, match="balanced"):
        LogisticRegressionGD(solver="sgd", class_weight="balanced").partial_fit(
            X, y, classes=[0, 1, 2]
        )
    with pytest.raises(ValueError, match="early_stopping"):
        LogisticRegressionGD(solver="sgd", early_stopping=True).partial_fit(
            X, y, classes=[0, 1, 2]
        )


def test_partial_fit_after_fit_continues():
    X, y = dataset("wine")
    model = LogisticRegressionGD(solver="sgd", random_state=0).fit(X, y)
    before = model_objective(model, X, y, 1.0)
    model.partial_fit(X, y)
    assert model_objective(model, X, y, 1.0) <= before * (1 + 1e-3)


# ------------------------------------------------------------ early stopping
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_early_stopping_restores_best_weights(solver):
    X, y = dataset("binary")
    # a large step makes the validation loss wander: the best epoch is not
    # the last one
    model = LogisticRegressionGD(
        solver=solver, early_stopping=True, learning_rate=0.5, batch_size=8,
        n_iter_no_change=3, random_state=0, C=100.0,
    ).fit(X, y)  # fmt: skip
    curve = model.validation_loss_curve_
    assert len(curve) == model.n_iter_ == len(model.validation_scores_)
    assert curve[-1] != min(curve)
    # the same split as the estimator's: the first draw of its random state
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=0.1, random_state=check_random_state(0), stratify=y
    )
    P = model.predict_proba(X_val)[np.arange(len(y_val)), y_val]
    assert np.mean(-np.log(P)) == pytest.approx(min(curve), rel=1e-6)


def test_early_stopping_ignored_by_gd_and_validation_fraction_used():
    X, y = dataset("binary")
    gd = LogisticRegressionGD(early_stopping=True).fit(X, y)
    assert gd.validation_loss_curve_ is None
    model = LogisticRegressionGD(
        solver="sgd", early_stopping=True, validation_fraction=0.5, random_state=0
    ).fit(X, y)
    assert model.validation_loss_curve_ is not None
    with pytest.raises(ValueError, match="validation set is too small"):
        LogisticRegressionGD(
            solver="sgd", early_stopping=True, validation_fraction=0.01
        ).fit(X[:50], y[:50])


# --------------------------------------------------- errors, failed fits
@pytest.mark.parametrize(
    "X, y, sample_weight, match",
    [
        (np.array([[np.nan, 1.0], [0.0, 1.0]]), [0, 1], None, "NaN"),
        (np.array([[np.inf, 1.0], [0.0, 1.0]]), [0, 1], None, "infinity"),
        (np.ones((3, 2)), [1, 1, 1], None, "only one class"),
        (np.ones((3, 2)), [0.5, 1.5, 2.5], None, "Unknown label type"),
        (np.ones((3, 2)), [0, 1], None, "inconsistent numbers of samples"),
        (np.ones((3, 2)), [0, 1, 0], [1.0, -1.0, 1.0], "Negative values"),
        (np.ones((3, 2)), [0, 1, 0], [1.0, 1.0], "sample_weight.shape"),
        (np.ones((3, 2)), [0, 1, 0], [0.0, 0.0, 0.0], "at least one non-zero"),
        (np.ones((0, 2)), [], None, "0 sample"),
    ],
)
def test_bad_input_raises_clear_errors(X, y, sample_weight, match):
    with pytest.raises(ValueError, match=match):
        LogisticRegressionGD().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize(
    "params",
    [
        {"C": 0.0},
        {"C": -1.0},
        {"l1_ratio": 1.5},
        {"solver": "lbfgs"},
        {"learning_rate": 0.0},
        {"learning_rate": "optimal"},
        {"batch_size": 0},
        {"max_iter": -1},
        {"tol": -1.0},
        {"validation_fraction": 1.0},
        {"n_iter_no_change": 0},
        {"class_weight": "auto"},
    ],
)
def test_invalid_parameters_raise(params):
    X, y = dataset("iris")
    with pytest.raises(ValueError, match=next(iter(params))):
        LogisticRegressionGD(**params).fit(X, y)


def test_predict_before_fit_and_wrong_features():
    X, y = dataset("iris")
    with pytest.raises(NotFittedError):
        LogisticRegressionGD().predict(X)
    model = LogisticRegressionGD().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])


def snapshot(model):
    return pickle.dumps(model.__dict__)


@pytest.mark.parametrize("solver", SOLVERS)
def test_failed_fit_leaves_fitted_model_unchanged(solver):
    X, y = dataset("wine")
    model = LogisticRegressionGD(solver=solver, random_state=0).fit(X, y)
    before = snapshot(model)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        model.fit(bad, y)
    with pytest.raises(ValueError):
        model.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="only one class"):
        model.fit(X, np.zeros(len(y)))
    if solver != "gd":
        with pytest.raises(ValueError):
            model.partial_fit(X, y + 5)
    assert snapshot(model) == before


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_raises_and_leaves_model_unchanged(solver):
    X, y = dataset("wine")
    model = LogisticRegressionGD(solver=solver, random_state=0).fit(X, y)
    before = snapshot(model)
    model.set_params(learning_rate=1e300)
    with pytest.raises(ValueError, match=r"diverged.*learning_rate=1e\+300"):
        model.fit(X * 1e10, y)
    model.set_params(learning_rate="auto")
    assert snapshot(model) == before


def interrupt_after(monkeypatch, n_calls):
    """Make the network's training pass raise KeyboardInterrupt after n calls."""
    original = logistic_module._LinearNetwork.loss_and_gradient
    calls = {"n": 0}

    def loss_and_gradient(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > n_calls:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(
        logistic_module._LinearNetwork, "loss_and_gradient", loss_and_gradient
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_keyboard_interrupt_keeps_last_accepted_weights(solver, monkeypatch):
    X, y = dataset("wine")
    interrupt_after(monkeypatch, 5)
    model = LogisticRegressionGD(solver=solver, batch_size=len(y), random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(X, y)
    assert np.isfinite(model.coef_).all()
    assert 0 < model.n_iter_ <= 5
    # the weights kept are an iterate whose objective was recorded
    f = model_objective(model, X, y, 1.0) / len(y)
    assert min(model.loss_curve_) == pytest.approx(f, rel=1e-10)


# ------------------------------------------------- behaviour per parameter
def test_C_controls_the_norm():
    X, y = dataset("breast_cancer")
    norms = [
        np.linalg.norm(LogisticRegressionGD(C=C).fit(X, y).coef_)
        for C in (0.01, 1.0, 100.0)
    ]
    assert norms[0] < norms[1] < norms[2]


def test_infinite_C_is_unpenalised():
    X, y = dataset("small_binary")
    ref = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12)
    ref.fit(X, y)
    model = LogisticRegressionGD(C=np.inf, tol=1e-10, max_iter=5000).fit(X, y)
    assert_same_solution(model, ref, rtol=1e-4)


def test_l1_ratio_controls_sparsity():
    X, y = dataset("breast_cancer")
    nonzero = [
        (LogisticRegressionGD(C=0.1, l1_ratio=r).fit(X, y).coef_ != 0).sum()
        for r in (0.0, 0.5, 1.0)
    ]
    assert nonzero[0] == X.shape[1]
    assert nonzero[0] > nonzero[1] > nonzero[2] > 0


def test_float_learning_rate_for_gd_reaches_same_optimum():
    X, y = dataset("iris")
    auto = LogisticRegressionGD(tol=1e-10).fit(X, y)
    for lr in (1e-3, 1.0, 1e3):  # any first step: the line search adapts it
        model = LogisticRegressionGD(learning_rate=lr, tol=1e-10).fit(X, y)
        assert_allclose(model.coef_, auto.coef_, rtol=1e-6, atol=1e-8)


def test_learning_rate_scales_mini_batch_steps():
    X, y = dataset("binary")
    params = dict(solver="sgd", max_iter=1, random_state=0)
    with warnings.catch_warnings():
        # one epoch on purpose: the first steps show the learning rate
        warnings.simplefilter("ignore", ConvergenceWarning)
        small = LogisticRegressionGD(learning_rate=1e-4, **params).fit(X, y)
        large = LogisticRegressionGD(learning_rate=1e-2, **params).fit(X, y)
    assert np.abs(small.coef_).max() < np.abs(large.coef_).max()


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_batch_size_sets_steps_per_epoch(solver, monkeypatch):
    X, y = dataset("binary")
    calls = {"n": 0}
    original = logistic_module._LinearNetwork.loss_and_gradient

    def counting(self, *args, **kwargs):
        calls["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(logistic_module._LinearNetwork, "loss_and_gradient", counting)
    with warnings.catch_warnings():
        # two epochs on purpose: the test counts their steps
        warnings.simplefilter("ignore", ConvergenceWarning)
        LogisticRegressionGD(solver=solver, batch_size=64, max_iter=2).fit(X, y)
    assert calls["n"] == 2 * int(np.ceil(len(y) / 64))


@pytest.mark.parametrize("solver", SOLVERS)
def test_max_iter_warns_when_reached(solver):
    X, y = dataset("breast_cancer")
    with pytest.warns(ConvergenceWarning):
        model = LogisticRegressionGD(solver=solver, max_iter=3, C=100.0).fit(X, y)
    assert model.n_iter_ == 3
    assert len(model.loss_curve_) == 3


def test_tol_trades_accuracy_for_iterations():
    X, y = dataset("wine")
    ref = lbfgs_reference("wine", 1.0)
    loose = LogisticRegressionGD(tol=1e-3).fit(X, y)
    tight = LogisticRegressionGD(tol=1e-9).fit(X, y)
    assert loose.n_iter_ < tight.n_iter_
    assert relative_gap(loose, ref, X, y, 1.0) > relative_gap(tight, ref, X, y, 1.0)


def test_loss_curve_of_gd_is_the_objective():
    X, y = dataset("iris")
    model = LogisticRegressionGD().fit(X, y)
    assert len(model.loss_curve_) == model.n_iter_
    assert model.loss_curve_[-1] == pytest.approx(
        model_objective(model, X, y, 1.0) / len(y), rel=1e-12
    )
    assert model.loss_curve_[-1] <= model.loss_curve_[0]


def test_n_iter_no_change_delays_learning_rate_decay():
    X, y = dataset("binary")
    params = dict(solver="sgd", batch_size=16, random_state=0, max_iter=2000)
    quick = LogisticRegressionGD(n_iter_no_change=1, **params).fit(X, y)
    patient = LogisticRegressionGD(n_iter_no_change=10, **params).fit(X, y)
    assert quick.n_iter_ < patient.n_iter_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_random_state_makes_mini_batch_runs_reproducible(solver):
    X, y = dataset("binary")
    a = LogisticRegressionGD(solver=solver, batch_size=16, random_state=3).fit(X, y)
    b = LogisticRegressionGD(solver=solver, batch_size=16, random_state=3).fit(X, y)
    c = LogisticRegressionGD(solver=solver, batch_size=16, random_state=4).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)
    assert not np.array_equal(a.coef_, c.coef_)


@pytest.mark.parametrize("solver", SOLVERS)
def test_verbose_prints_progress(solver):
    X, y = dataset("iris")
    out = io.StringIO()
    with redirect_stdout(out):
        model = LogisticRegressionGD(
            solver=solver, verbose=1, random_state=0, max_iter=50
        )
        with warnings.catch_warnings():
            # max_iter=50 keeps the output short; converging is not the point
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
    lines = out.getvalue().splitlines()
    assert len(lines) >= model.n_iter_
    assert re.search(r"objective = [0-9.]+", lines[-1])
    silent = io.StringIO()
    with redirect_stdout(silent), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # as above
        clone(model).set_params(verbose=0).fit(X, y)
    assert silent.getvalue() == ""


# ------------------------------------------- LogisticRegression's interface
@pytest.mark.parametrize("solver", SOLVERS)
def test_n_iter_is_an_int32_array_as_in_logistic_regression(solver):
    X, y = dataset("iris")
    model = LogisticRegressionGD(solver=solver, max_iter=3)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    ref = LogisticRegression(max_iter=200).fit(X, y)
    assert model.n_iter_.shape == ref.n_iter_.shape == (1,)
    assert model.n_iter_.dtype == ref.n_iter_.dtype == np.int32
    assert model.n_iter_[0] == 3


@pytest.mark.parametrize("solver", SOLVERS)
def test_max_iter_zero_returns_the_initial_model_with_a_warning(solver):
    # LogisticRegression accepts max_iter=0 too, with a ConvergenceWarning
    X, y = dataset("wine")
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        model = LogisticRegressionGD(solver=solver, max_iter=0).fit(X, y)
    assert_array_equal(model.n_iter_, [0])
    assert_array_equal(model.coef_, np.zeros((3, X.shape[1])))
    assert_array_equal(model.intercept_, np.zeros(3))
    assert_allclose(model.predict_proba(X[:2]), np.full((2, 3), 1 / 3))


def test_max_iter_zero_keeps_a_warm_start():
    X, y = dataset("breast_cancer")
    model = LogisticRegressionGD(warm_start=True).fit(X, y)
    coef = model.coef_.copy()
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        model.set_params(max_iter=0).fit(X, y)
    assert_array_equal(model.coef_, coef)


@pytest.mark.parametrize("interface", ["spmatrix", "sparray"])
def test_sparsify_and_densify_keep_the_predictions(interface):
    import sklearn

    X, y = dataset("breast_cancer")
    model = LogisticRegressionGD(C=0.05, l1_ratio=1.0).fit(X, y)
    dense = model.coef_.copy()
    proba = model.predict_proba(X)
    with sklearn.config_context(sparse_interface=interface):
        assert model.sparsify() is model
    assert sp.issparse(model.coef_) and model.coef_.format == "csr"
    assert sp.isspmatrix(model.coef_) == (interface == "spmatrix")
    assert model.coef_.nnz == np.count_nonzero(dense)
    assert_array_equal(model.predict_proba(X), proba)
    assert_array_equal(model.decision_function(X), model.densify().decision_function(X))
    assert isinstance(model.coef_, np.ndarray)
    assert_array_equal(model.coef_, dense)
    assert model.densify() is model  # a no-op when dense


def test_a_sparsified_model_fits_again_from_its_coefficients():
    X, y = dataset("breast_cancer")
    model = LogisticRegressionGD(warm_start=True).fit(X, y).sparsify()
    model.fit(X, y)
    assert isinstance(model.coef_, np.ndarray)
    assert model.n_iter_[0] <= 1  # already at the optimum
    online = LogisticRegressionGD(solver="sgd", random_state=0)
    online.partial_fit(X, y, classes=[0, 1]).sparsify().partial_fit(X, y)
    assert isinstance(online.coef_, np.ndarray)


@pytest.mark.parametrize("method", ["sparsify", "densify"])
def test_sparsify_and_densify_need_a_fitted_model(method):
    with pytest.raises(NotFittedError, match="must be fitted"):
        getattr(LogisticRegressionGD(), method)()


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gd_stops_on_separable_data_with_next_to_no_penalty(n_classes):
    # More features than samples: separable. With C = 1e30 the objective has
    # no minimiser and goes to 0, its gradient with it; the fit must still
    # stop, without a warning, as LogisticRegression does (11 iterations).
    rng = np.random.RandomState(0)
    X = rng.normal(size=(5 * n_classes, 20))
    y = np.arange(len(X)) % n_classes
    model = LogisticRegressionGD(C=1e30).fit(X, y)
    assert model.n_iter_[0] < 100
    assert model.loss_curve_[-1] < 1e-6
    ref = LogisticRegression(C=1e30).fit(X, y)
    assert_array_equal(model.predict(X), y)
    assert_array_equal(ref.predict(X), y)
