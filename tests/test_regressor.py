"""BackpropRegressor: MLPRegressor's model to the last bit, and what it adds."""

import inspect

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.neural_network import MLPRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import BackpropRegressor
from skbackprop.core.activations import HIDDEN_ACTIVATIONS

pytestmark = pytest.mark.filterwarnings(
    # short fits stop at max_iter on purpose: the models are compared there
    "ignore::sklearn.exceptions.ConvergenceWarning",
)

X_diab, y_diab = load_diabetes(return_X_y=True)
X_diab, y_diab = X_diab[:200], y_diab[:200] / 100
Y2_diab = np.column_stack([y_diab, np.sqrt(y_diab)])
for _a in (X_diab, y_diab, Y2_diab):
    _a.setflags(write=False)

RTOL = 1e-10
ATTRIBUTES = ["n_iter_", "t_", "n_layers_", "n_outputs_", "out_activation_"]
FLOATS = ["loss_", "best_loss_", "best_validation_score_"]
CURVES = ["loss_curve_", "validation_scores_"]


def fit_both(X, y, fit_kw=None, **params):
    ours = BackpropRegressor(**params).fit(X, y, **(fit_kw or {}))
    theirs = MLPRegressor(**params).fit(X, y, **(fit_kw or {}))
    return ours, theirs


def assert_same_model(ours, theirs, X, rtol=RTOL):
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)
    for name in ATTRIBUTES:
        assert getattr(ours, name) == getattr(theirs, name), name
    for name in FLOATS:
        if hasattr(theirs, name):
            a, b = getattr(ours, name), getattr(theirs, name)
            assert (a is None) == (b is None), name
            if a is not None:
                assert a == pytest.approx(b, rel=rtol, abs=1e-12), name
    for name in CURVES:
        if getattr(theirs, name, None) is not None:
            np.testing.assert_allclose(
                getattr(ours, name), getattr(theirs, name), rtol=rtol, atol=1e-12
            )
    pred = ours.predict(X)
    assert pred.shape == theirs.predict(X).shape
    np.testing.assert_allclose(pred, theirs.predict(X), rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------- signature
def test_signature_matches_mlpregressor():
    ours = inspect.signature(BackpropRegressor).parameters
    theirs = inspect.signature(MLPRegressor).parameters
    names = list(theirs)
    assert list(ours)[: len(names)] == names  # extras come after
    for name in names:
        assert ours[name].kind == theirs[name].kind, name
        assert ours[name].default == theirs[name].default, name


# ------------------------------------------------------------ same numbers
# lbfgs has no early stopping
SOLVERS = [("adam", False), ("adam", True), ("sgd", False), ("sgd", True),
           ("lbfgs", False)]  # fmt: skip


@pytest.mark.parametrize("solver, early_stopping", SOLVERS)
@pytest.mark.parametrize("outputs", [1, 2])
def test_same_fit(solver, outputs, early_stopping):
    y = y_diab if outputs == 1 else Y2_diab
    ours, theirs = fit_both(
        X_diab, y, hidden_layer_sizes=(10,), solver=solver, max_iter=15,
        learning_rate_init=0.01, early_stopping=early_stopping, random_state=0,
    )  # fmt: skip
    assert_same_model(ours, theirs, X_diab)
    assert ours.out_activation_ == "identity"


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_same_fit_with_poisson_loss(solver):
    y = np.round(np.exp(y_diab - 1.5))  # counts
    ours, theirs = fit_both(
        X_diab, y, loss="poisson", hidden_layer_sizes=(8,), solver=solver,
        max_iter=10, learning_rate_init=0.01, random_state=0,
    )  # fmt: skip
    assert_same_model(ours, theirs, X_diab)
    assert ours.out_activation_ == "exp"
    assert (ours.predict(X_diab) > 0).all()


@pytest.mark.parametrize("solver, early_stopping", SOLVERS)
def test_same_fit_with_sample_weight(solver, early_stopping):
    sw = np.random.default_rng(0).uniform(0, 3, len(y_diab))
    ours, theirs = fit_both(
        X_diab, y_diab, fit_kw={"sample_weight": sw}, hidden_layer_sizes=(10,),
        solver=solver, max_iter=10, early_stopping=early_stopping, random_state=0,
    )  # fmt: skip
    assert_same_model(ours, theirs, X_diab)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.01},
        {"solver": "sgd", "learning_rate": "adaptive", "tol": 0.5},
        {"solver": "adam", "activation": "tanh", "alpha": 0.1},
        {"solver": "adam", "hidden_layer_sizes": (), "activation": "logistic"},
        {"solver": "adam", "hidden_layer_sizes": (7, 5), "batch_size": 32},
        {"solver": "lbfgs", "activation": "logistic", "max_fun": 9},
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_same_fit_for_each_option(params):
    kw = {"hidden_layer_sizes": (10,), "max_iter": 10, "random_state": 1, **params}
    ours, theirs = fit_both(X_diab, Y2_diab, **kw)
    assert_same_model(ours, theirs, X_diab)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_same_partial_fit_sequence(solver):
    params = {"hidden_layer_sizes": (10,), "solver": solver, "random_state": 0}
    ours, theirs = BackpropRegressor(**params), MLPRegressor(**params)
    for start in range(0, 200, 50):
        batch = slice(start, start + 50)
        ours.partial_fit(X_diab[batch], y_diab[batch])
        theirs.partial_fit(X_diab[batch], y_diab[batch])
    assert_same_model(ours, theirs, X_diab)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_same_warm_start(solver):
    params = {"hidden_layer_sizes": (10,), "solver": solver, "max_iter": 5,
              "warm_start": True, "random_state": 0}  # fmt: skip
    ours, theirs = BackpropRegressor(**params), MLPRegressor(**params)
    for _ in range(3):
        ours.fit(X_diab, y_diab)
        theirs.fit(X_diab, y_diab)
    assert_same_model(ours, theirs, X_diab)


def test_same_fit_on_sparse_input():
    X = sp.csr_matrix(np.where(np.abs(X_diab) > 0.03, X_diab, 0.0))
    ours, theirs = fit_both(X, y_diab, hidden_layer_sizes=(6,), max_iter=5,
                            random_state=0)  # fmt: skip
    assert_same_model(ours, theirs, X)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_in_float32_out(solver):
    X = X_diab.astype(np.float32)
    reg = BackpropRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=5,
                            random_state=0).fit(X, y_diab)  # fmt: skip
    assert all(c.dtype == np.float32 for c in reg.coefs_)
    assert reg.predict(X).dtype == np.float32


# --------------------------------------------------------- what it refuses
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_targets_are_refused(bad):
    y = y_diab.copy()
    y[3] = bad
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        BackpropRegressor(max_iter=2).fit(X_diab, y)


def test_negative_targets_are_refused_by_the_poisson_loss():
    with pytest.raises(ValueError, match="negative which is not allowed for loss='p"):
        BackpropRegressor(loss="poisson", max_iter=2).fit(X_diab, y_diab - 2)
    reg = BackpropRegressor(loss="poisson", max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="y_val are negative"):
        reg.fit(X_diab, y_diab, X_val=X_diab, y_val=-y_diab)


def test_a_failed_fit_leaves_the_model_as_it_was():
    reg = BackpropRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    reg.fit(X_diab, y_diab)
    before = [c.copy() for c in reg.coefs_], dict(vars(reg))
    with pytest.raises(ValueError, match="2 outputs, but the model was fitted with 1"):
        reg.partial_fit(X_diab, Y2_diab)
    for a, b in zip(reg.coefs_, before[0]):
        np.testing.assert_array_equal(a, b)
    assert vars(reg).keys() == before[1].keys()


def test_validation_set_of_a_wrong_width_is_refused():
    reg = BackpropRegressor(max_iter=2)
    with pytest.raises(ValueError, match="y_val has 2 outputs where y has 1"):
        reg.fit(X_diab, y_diab, X_val=X_diab, y_val=Y2_diab)


# ------------------------------------------------------ what it adds
def test_user_validation_set_and_early_stopping_on_the_loss():
    reg = BackpropRegressor(hidden_layer_sizes=(10,), learning_rate_init=0.01,
                            early_stopping=True, early_stopping_metric="loss",
                            max_iter=50, random_state=0)  # fmt: skip
    reg.fit(X_diab[:150], y_diab[:150], X_val=X_diab[150:], y_val=y_diab[150:])
    assert len(reg.validation_loss_curve_) == reg.n_iter_
    assert len(reg.validation_scores_) == reg.n_iter_
    # the validation loss is the network's loss on the validation set
    best = int(np.argmin(reg.validation_loss_curve_))
    assert reg.validation_loss_curve_[best] == min(reg.validation_loss_curve_)
    resid = reg.predict(X_diab[150:]) - y_diab[150:]
    assert 0.5 * np.mean(resid**2) == pytest.approx(
        reg.validation_loss_curve_[best], rel=1e-9
    )


def test_score_is_r2_on_the_validation_set():
    reg = BackpropRegressor(hidden_layer_sizes=(10,), learning_rate_init=0.01,
                            max_iter=5, random_state=0)  # fmt: skip
    reg.fit(X_diab[:150], y_diab[:150], X_val=X_diab[150:], y_val=y_diab[150:])
    assert reg.validation_scores_[-1] == pytest.approx(
        reg.score(X_diab[150:], y_diab[150:]), rel=1e-12
    )


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_extras_train(solver):
    reg = BackpropRegressor(hidden_layer_sizes=(16, 8),
                            activation=["tanh", "leaky_relu"], dropout=0.1,
                            init="he_normal", solver=solver,
                            learning_rate="cosine", learning_rate_init=0.01,
                            max_iter=30, random_state=0)  # fmt: skip
    reg.fit(X_diab, y_diab)
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


def test_clone_and_get_params_roundtrip():
    reg = BackpropRegressor("huber", (4,), huber_delta=0.5, quantile=0.2)
    assert clone(reg).get_params() == reg.get_params()


# --------------------------------------------------- scikit-learn's checks
ESTIMATORS = [
    BackpropRegressor(),
    BackpropRegressor(solver="sgd"),
    BackpropRegressor(solver="lbfgs"),
    BackpropRegressor(solver="gd"),
    # The exp link learns slowly from its first output (about 1) at Adam's
    # default step: on the checks' targets (1 to 7.5) MLPRegressor, and so this
    # model, reach R^2 0.38 in the default 200 epochs (0.87 in 1000), below
    # the 0.5 check_regressors_train asks for; a step of 0.01 reaches 0.98.
    BackpropRegressor(loss="poisson", learning_rate_init=0.01),
    BackpropRegressor(loss="poisson", solver="lbfgs"),
    *(BackpropRegressor(loss=name) for name in ("absolute_error", "huber", "quantile")),
    # every hidden activation (relu is the default, above)
    *(
        BackpropRegressor(activation=name)
        for name in HIDDEN_ACTIVATIONS
        if name != "relu"
    ),
    BackpropRegressor(activation=["tanh", "relu"], hidden_layer_sizes=(20, 10)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# ----------------------------------------------------------- robust losses
def _noisy_signal(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    clean = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    return X, clean, clean + rng.normal(scale=0.3, size=n), rng


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
def test_a_quantile_fit_covers_its_quantile_of_the_targets(quantile):
    X, _, y, _ = _noisy_signal()
    reg = BackpropRegressor("quantile", (16,), quantile=quantile,
                            learning_rate_init=0.01, max_iter=300,
                            random_state=0).fit(X, y)  # fmt: skip
    assert np.mean(y <= reg.predict(X)) == pytest.approx(quantile, abs=0.05)


def test_robust_losses_stay_near_the_signal_that_outliers_pull_squares_from():
    X, clean, y, rng = _noisy_signal()
    outliers = rng.choice(len(y), 40, replace=False)
    y[outliers] += rng.choice([-1.0, 1.0], 40) * 20
    error = {}
    for loss in ("squared_error", "huber", "absolute_error"):
        reg = BackpropRegressor(loss, (16,), learning_rate_init=0.01,
                                max_iter=300, random_state=0).fit(X, y)  # fmt: skip
        error[loss] = np.mean(np.abs(reg.predict(X) - clean))
    assert error["squared_error"] > 0.5  # pulled by the outliers
    assert error["huber"] < 0.15 and error["absolute_error"] < 0.15


def test_huber_with_a_threshold_above_every_residual_is_the_squared_error():
    X, _, y, _ = _noisy_signal(60)
    params = {"hidden_layer_sizes": (4,), "max_iter": 5, "random_state": 0}
    huber = BackpropRegressor("huber", huber_delta=1e6, **params).fit(X, y)
    squares = BackpropRegressor("squared_error", **params).fit(X, y)
    for a, b in zip(huber.coefs_, squares.coefs_):
        np.testing.assert_array_equal(a, b)  # the same gradients, step by step
    tight = BackpropRegressor("huber", huber_delta=0.01, **params).fit(X, y)
    assert not np.allclose(tight.coefs_[0], squares.coefs_[0])
