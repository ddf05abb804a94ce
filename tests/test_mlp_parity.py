"""BackpropClassifier against scikit-learn's MLPClassifier, through the public API.

Each test runs the same script with both classes (the import swapped, nothing
else changed) and asserts the same numbers, warnings, printed lines and errors.
"""

import contextlib
import copy
import inspect
import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.utils._param_validation import StrOptions

from _data import X_bin, X_digits, X_iris, y_bin, y_digits, y_iris
from skbackprop import BackpropClassifier

# Most fits here stop at a small max_iter on purpose, and small data sets meet
# the default batch_size=200 (clipped, with a warning). Where warnings are part
# of the parity, a test records them and compares both classes'.
pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore:Got `batch_size` less than 1 or larger than sample size:UserWarning",
)

X_ml, Y_ml = make_multilabel_classification(
    n_samples=100, n_features=8, n_classes=4, random_state=0
)
DATA = {
    "multiclass": (X_digits, y_digits),
    "binary": (X_bin, y_bin),
    "multilabel": (X_ml, Y_ml),
}

RTOL = 1e-10
SCALARS = ["n_iter_", "t_", "n_layers_", "n_outputs_", "out_activation_"]
FLOATS = ["loss_", "best_loss_", "best_validation_score_"]
CURVES = ["loss_curve_", "validation_scores_"]


def fit_both(X, y, fit_kw=None, **params):
    ours = BackpropClassifier(**params).fit(X, y, **(fit_kw or {}))
    theirs = MLPClassifier(**params).fit(X, y, **(fit_kw or {}))
    return ours, theirs


def assert_same_model(ours, theirs, X=None, rtol=RTOL, atol=1e-12):
    """Same weights, fitted attributes and predictions, up to rounding."""
    assert len(ours.coefs_) == len(theirs.coefs_)
    assert len(ours.intercepts_) == len(theirs.intercepts_)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    for name in SCALARS:
        assert getattr(ours, name) == getattr(theirs, name), name
    for name in FLOATS:
        if hasattr(theirs, name):
            a, b = getattr(ours, name), getattr(theirs, name)
            assert (a is None) == (b is None), name
            if a is not None:
                assert a == pytest.approx(b, rel=rtol, abs=atol), name
    for name in CURVES:
        if getattr(theirs, name, None) is not None:
            a, b = getattr(ours, name), getattr(theirs, name)
            assert len(a) == len(b), name
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=name)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.n_features_in_ == theirs.n_features_in_
    if hasattr(theirs, "feature_names_in_"):
        np.testing.assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    else:
        assert not hasattr(ours, "feature_names_in_")
    if X is not None:
        proba = ours.predict_proba(X)
        assert proba.dtype == theirs.predict_proba(X).dtype
        np.testing.assert_allclose(
            proba, theirs.predict_proba(X), rtol=max(rtol, 1e-9), atol=1e-9
        )
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        assert ours.score(X, theirs.predict(X)) == 1.0


def run(cls, params, action):
    """``action(cls(**params))`` with its warnings and printed lines recorded."""
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.redirect_stdout(out):
            model = action(cls(**params))
    messages = [(w.category, str(w.message)) for w in caught]
    return model, out.getvalue(), messages


# ---------------------------------------------------------------- constructor
def test_signature_matches_mlpclassifier():
    ours = inspect.signature(BackpropClassifier).parameters
    theirs = inspect.signature(MLPClassifier).parameters
    names = list(theirs)
    # the same names in the same order first, extra parameters appended
    assert list(ours)[: len(names)] == names
    assert names[:2] == ["hidden_layer_sizes", "activation"]
    for name in names:
        assert ours[name].kind == theirs[name].kind, name
        assert ours[name].default == theirs[name].default, name
        assert type(ours[name].default) is type(theirs[name].default), name
    extra = list(ours)[len(names) :]
    assert extra == [
        "loss",
        "class_weight",
        "init",
        "dropout",
        "early_stopping_metric",
        "lr_decay",
        "lr_step_size",
    ], "the additions are keyword parameters after MLPClassifier's"
    for name in extra:
        assert ours[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    # get_params sees every parameter with the same defaults
    ours_params = BackpropClassifier().get_params()
    for name, value in MLPClassifier().get_params().items():
        assert ours_params[name] == value, name


def _str_options(cls):
    for name, constraints in cls._parameter_constraints.items():
        for c in constraints:
            if isinstance(c, StrOptions):
                for option in sorted(c.options - c.deprecated):
                    yield name, option


@pytest.mark.parametrize("name, value", list(_str_options(MLPClassifier)))
def test_every_value_mlpclassifier_allows_is_allowed(name, value):
    params = {"hidden_layer_sizes": (3,), "max_iter": 2, "random_state": 0}
    params[name] = value
    ours, theirs = fit_both(X_iris, y_iris, **params)
    assert_same_model(ours, theirs, X_iris)


# ------------------------------------------------------------ same numbers
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("data", list(DATA))
def test_same_fit(solver, data):
    X, y = DATA[data]
    ours, theirs = fit_both(
        X, y, hidden_layer_sizes=(10,), solver=solver, max_iter=6, random_state=0
    )
    assert_same_model(ours, theirs, X)
    if data == "binary":
        assert ours.n_outputs_ == 1 and ours.out_activation_ == "logistic"
    elif data == "multiclass":
        assert ours.n_outputs_ == 10 and ours.out_activation_ == "softmax"
    else:
        assert ours.n_outputs_ == 4 and ours.out_activation_ == "logistic"
        assert ours.predict(X).shape == Y_ml.shape


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
@pytest.mark.parametrize("data", ["multiclass", "binary"])
def test_same_fit_without_a_hidden_layer(activation, data):
    """MLPClassifier initialises the only layer for ``activation``.

    (Binary: a logistic output, whose own Glorot bound differs from relu's
    and tanh's.)
    """
    X, y = DATA[data]
    ours, theirs = fit_both(
        X, y, hidden_layer_sizes=(), activation=activation, max_iter=3,
        random_state=0,
    )  # fmt: skip
    assert_same_model(ours, theirs, X)


OPTIONS = [
    {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.05},
    {"solver": "sgd", "learning_rate": "adaptive", "tol": 0.2, "n_iter_no_change": 1},
    {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.5},
    {"solver": "sgd", "momentum": 0.0, "shuffle": False, "batch_size": 64},
    {"solver": "sgd", "n_iter_no_change": np.inf, "tol": 10.0},
    {"solver": "adam", "early_stopping": True, "validation_fraction": 0.2},
    {"solver": "adam", "early_stopping": True, "n_iter_no_change": 2, "tol": 0.05},
    {"solver": "adam", "activation": "tanh", "alpha": 0.1, "beta_1": 0.8},
    {"solver": "adam", "activation": "logistic", "batch_size": 50, "beta_2": 0.9},
    {"solver": "adam", "activation": "identity", "epsilon": 1e-4, "shuffle": False},
    {"solver": "adam", "hidden_layer_sizes": [], "tol": 0.5, "n_iter_no_change": 1},
    {"solver": "adam", "hidden_layer_sizes": (7, 5, 4)},
    {"solver": "lbfgs", "activation": "tanh", "hidden_layer_sizes": (6, 5)},
    {"solver": "lbfgs", "max_fun": 7, "alpha": 1.0},
    {"solver": "lbfgs", "hidden_layer_sizes": 9, "tol": 1e-2},
]


@pytest.mark.parametrize(
    "params", OPTIONS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items())
)
def test_same_fit_for_each_option(params):
    kw = {"hidden_layer_sizes": (10,), "max_iter": 10, "random_state": 1, **params}
    ours, theirs = fit_both(X_digits, y_digits, **kw)
    assert_same_model(ours, theirs, X_digits)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("data", ["multiclass", "binary"])
def test_same_fit_with_sample_weight(solver, early_stopping, data):
    if solver == "lbfgs" and early_stopping:
        return  # lbfgs has no early stopping
    X, y = DATA[data]
    sw = np.random.default_rng(0).uniform(0, 3, len(y))
    ours, theirs = fit_both(
        X,
        y,
        {"sample_weight": sw},
        hidden_layer_sizes=(8,),
        solver=solver,
        max_iter=8,
        early_stopping=early_stopping,
        random_state=0,
    )
    assert_same_model(ours, theirs, X)
    if early_stopping:
        assert ours.best_loss_ is None
        assert ours.best_validation_score_ == max(ours.validation_scores_)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_float32_is_preserved_as_mlpclassifier_does(solver):
    X32 = X_digits.astype(np.float32)
    kw = {"hidden_layer_sizes": (10,), "max_iter": 4, "random_state": 0}
    ours, theirs = fit_both(X32, y_digits, solver=solver, **kw)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.dtype == b.dtype == np.float32
    assert ours.predict_proba(X32).dtype == theirs.predict_proba(X32).dtype
    assert_same_model(ours, theirs, X32, rtol=1e-4, atol=1e-5)


def test_float32_is_preserved_by_lbfgs_too():
    # MLPClassifier's lbfgs returns float64 weights for float32 data; ours
    # keeps float32 and otherwise agrees.
    X32 = X_digits.astype(np.float32)
    kw = {"hidden_layer_sizes": (10,), "max_iter": 4, "random_state": 0}
    ours, theirs = fit_both(X32, y_digits, solver="lbfgs", **kw)
    assert all(c.dtype == np.float32 for c in ours.coefs_ + ours.intercepts_)
    assert ours.predict_proba(X32).dtype == np.float32
    for a, b in zip(ours.coefs_, theirs.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_same_fit_on_sparse_input(fmt, solver):
    X = fmt(np.where(X_digits > 0.5, X_digits, 0))
    kw = {"hidden_layer_sizes": (8,), "max_iter": 4, "random_state": 0}
    ours, theirs = fit_both(X, y_digits, solver=solver, **kw)
    assert_same_model(ours, theirs, X)
    dense = BackpropClassifier(solver=solver, **kw).fit(X.toarray(), y_digits)
    assert_same_model(ours, dense, X.toarray())


def test_same_fit_on_a_dataframe():
    columns = [f"pixel{i}" for i in range(X_digits.shape[1])]
    df = pd.DataFrame(X_digits, columns=columns)
    ours, theirs = fit_both(
        df, y_digits, hidden_layer_sizes=(8,), max_iter=3, random_state=0
    )
    np.testing.assert_array_equal(ours.feature_names_in_, columns)
    assert_same_model(ours, theirs, df)
    # the same feature-name warning (no names) and error (other names)
    for X in [X_digits, df[columns[::-1]]]:
        outcomes = []
        for model in (ours, theirs):
            name = type(model).__name__
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    model.predict(X)
                    outcome = "ok"
                except ValueError as e:
                    outcome = str(e)
            messages = [str(w.message).replace(name, "EST") for w in caught]
            outcomes.append((outcome, messages))
        assert outcomes[0] == outcomes[1]
        assert outcomes[0] != ("ok", [])


# ------------------------------------------------ warm start and partial_fit
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_same_warm_start(solver):
    kw = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0}
    ours = BackpropClassifier(solver=solver, warm_start=True, **kw)
    theirs = MLPClassifier(solver=solver, warm_start=True, **kw)
    for _ in range(3):
        ours.fit(X_digits, y_digits)
        theirs.fit(X_digits, y_digits)
        assert_same_model(ours, theirs, X_digits)
    if solver != "lbfgs":
        assert len(ours.loss_curve_) == 9 and ours.n_iter_ == 3
    # without warm_start a refit starts again
    cold = BackpropClassifier(solver=solver, **kw).fit(X_digits, y_digits)
    ours.set_params(warm_start=False).fit(X_digits, y_digits)
    assert_same_model(ours, cold, X_digits, rtol=0, atol=0)


def test_same_early_stopping_first_warm_fit():
    kw = {
        "hidden_layer_sizes": (8,),
        "max_iter": 6,
        "random_state": 0,
        "early_stopping": True,
        "warm_start": True,
    }
    ours, theirs = fit_both(X_digits, y_digits, **kw)
    assert_same_model(ours, theirs, X_digits)
    # (MLPClassifier's later warm fits keep training the restored weights in
    # place, overwriting its saved best ones; ours keep the best weights: see
    # test_mlp.py::test_warm_start_with_early_stopping_keeps_the_best_weights.)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam"},
        {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.05},
        {"solver": "sgd", "learning_rate": "adaptive", "tol": 0.5},
        {"solver": "sgd", "nesterovs_momentum": False, "batch_size": 30},
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
@pytest.mark.parametrize("data", ["multiclass", "multilabel"])
def test_same_partial_fit_sequence(params, data):
    X, y = DATA[data]
    kw = {"hidden_layer_sizes": (8,), "random_state": 0, "n_iter_no_change": 1}
    ours, theirs = BackpropClassifier(**kw, **params), MLPClassifier(**kw, **params)
    classes = np.unique(y_digits) if data == "multiclass" else np.arange(4)
    sw = np.random.default_rng(0).uniform(0.5, 2, len(X))
    for i, start in enumerate(range(0, 100, 25)):
        rows = slice(start, start + 25)
        fit_kw = {"classes": classes} if i == 0 else {}
        if i % 2:
            fit_kw["sample_weight"] = sw[rows]
        ours.partial_fit(X[rows], y[rows], **fit_kw)
        theirs.partial_fit(X[rows], y[rows], **fit_kw)
    assert_same_model(ours, theirs, X)
    assert ours.n_iter_ == 1 and len(ours.loss_curve_) == 4 and ours.t_ == 100


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_same_partial_fit_after_fit(solver):
    kw = {"hidden_layer_sizes": (8,), "random_state": 0, "max_iter": 4}
    ours, theirs = fit_both(X_digits, y_digits, solver=solver, **kw)
    for _ in range(3):
        ours.partial_fit(X_digits[:50], y_digits[:50])
        theirs.partial_fit(X_digits[:50], y_digits[:50])
    assert_same_model(ours, theirs, X_digits)


def test_same_training_from_weights_set_by_hand():
    rng = np.random.default_rng(0)
    kw = {"hidden_layer_sizes": (6,), "random_state": 0, "max_iter": 3}
    shapes = [(64, 6), (6, 10)]
    coefs = [rng.normal(0, 0.3, s) for s in shapes]
    intercepts = [rng.normal(0, 0.3, s[1]) for s in shapes]
    # partial_fit (adam keeps its moments) and a warm-started fit (sgd)
    for solver, warm in [("adam", False), ("sgd", True)]:
        models = [
            cls(solver=solver, warm_start=warm, **kw)
            for cls in (BackpropClassifier, MLPClassifier)
        ]
        for model in models:
            model.fit(X_digits, y_digits)
            model.coefs_ = [c.copy() for c in coefs]
            model.intercepts_ = [b.copy() for b in intercepts]
            if warm:
                model.fit(X_digits, y_digits)
            else:
                model.partial_fit(X_digits, y_digits)
                model.partial_fit(X_digits, y_digits)
        assert_same_model(*models, X_digits)


# ---------------------------------------------- warnings, printing, errors
@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam", "max_iter": 3},
        {"solver": "sgd", "max_iter": 2, "early_stopping": True},
        {"solver": "lbfgs", "max_iter": 3},
        {"solver": "lbfgs", "max_iter": 50, "max_fun": 5},
        {"solver": "adam", "max_iter": 2, "batch_size": 1000},
        {"solver": "sgd", "max_iter": 30, "tol": 0.5, "n_iter_no_change": 1},
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_same_warnings(params):
    params = {"hidden_layer_sizes": (5,), "random_state": 0, **params}
    ours, _, ours_warnings = run(
        BackpropClassifier, params, lambda m: m.fit(X_digits, y_digits)
    )
    theirs, _, their_warnings = run(
        MLPClassifier, params, lambda m: m.fit(X_digits, y_digits)
    )
    assert ours_warnings == their_warnings
    expect_convergence = params["max_iter"] <= 3 or "max_fun" in params
    n_convergence = sum(c is ConvergenceWarning for c, _ in ours_warnings)
    assert n_convergence == int(expect_convergence)
    assert ours.n_iter_ == theirs.n_iter_


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "sgd", "max_iter": 4},
        {
            "solver": "sgd",
            "learning_rate": "adaptive",
            "tol": 0.5,
            "n_iter_no_change": 1,
        },
        {"solver": "sgd", "tol": 0.5, "n_iter_no_change": 2},
        {"solver": "adam", "early_stopping": True, "n_iter_no_change": 2},
        {"solver": "adam", "max_iter": 3, "warm_start": True},
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_same_verbose_lines(params, capsys):
    params = {"hidden_layer_sizes": (5,), "random_state": 0, "verbose": True, **params}
    params.setdefault("max_iter", 40)
    outputs = []
    for cls in (BackpropClassifier, MLPClassifier):
        model = cls(**params).fit(X_digits, y_digits)
        if params.get("warm_start"):
            model.fit(X_digits, y_digits)
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith("Iteration 1, loss = ")


def test_lbfgs_verbose_prints_iteration_lines(capsys):
    # MLPClassifier's lbfgs prints nothing of its own (scipy's Fortran/C output
    # aside); ours prints one line per iteration in the stochastic format.
    clf = BackpropClassifier((5,), solver="lbfgs", max_iter=4, random_state=0)
    clf.set_params(verbose=True).fit(X_digits, y_digits)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Iteration {i + 1}, loss = {loss:.8f}"
        for i, loss in enumerate(clf.loss_curve_)
    ]
    assert len(lines) == clf.n_iter_ == 4
    clf.set_params(verbose=False).fit(X_digits, y_digits)
    assert capsys.readouterr().out == ""


def test_partial_fit_is_absent_for_lbfgs_as_in_sklearn():
    for solver in ["adam", "sgd", "gd"]:
        assert hasattr(BackpropClassifier(solver=solver), "partial_fit")
    messages = []
    for cls in (BackpropClassifier, MLPClassifier):
        model = cls(solver="lbfgs")
        assert not hasattr(model, "partial_fit")
        with pytest.raises(AttributeError) as info:
            model.partial_fit  # noqa: B018
        error = info.value
        messages.append(
            [str(e).replace(cls.__name__, "EST") for e in (error, error.__cause__)]
        )
    assert messages[0] == messages[1]
    assert "has no attribute 'partial_fit'" in messages[0][0]
    assert "partial_fit is only available for stochastic" in messages[0][1]


X_nan = X_iris.copy()
X_nan[3, 2] = np.nan
X_inf = X_iris.copy()
X_inf[5, 1] = np.inf
BAD = {
    "nan in X": lambda m: m.fit(X_nan, y_iris),
    "inf in X": lambda m: m.fit(X_inf, y_iris),
    "nan in y": lambda m: m.fit(X_iris, np.r_[np.nan, y_iris[1:]]),
    "continuous y": lambda m: m.fit(X_iris, X_iris[:, 0]),
    "inconsistent lengths": lambda m: m.fit(X_iris, y_iris[:-1]),
    "no samples": lambda m: m.fit(X_iris[:0], y_iris[:0]),
    "3-d X": lambda m: m.fit(X_iris[:, :, None], y_iris),
    "sample_weight length": lambda m: m.fit(X_iris, y_iris, sample_weight=[1, 2]),
    "predict before fit": lambda m: m.predict(X_iris),
    "predict_proba before fit": lambda m: m.predict_proba(X_iris),
    "predict with nan": lambda m: m.fit(X_iris, y_iris).predict(X_nan),
    "predict n_features": lambda m: m.fit(X_iris, y_iris).predict(X_iris[:, :3]),
    "partial_fit without classes": lambda m: m.partial_fit(X_iris, y_iris),
    "partial_fit unknown label": lambda m: m.partial_fit(
        X_iris, y_iris, classes=[0, 1, 2]
    ).partial_fit(X_iris, y_iris + 1),
    "partial_fit other classes": lambda m: m.partial_fit(
        X_iris, y_iris, classes=[0, 1, 2]
    ).partial_fit(X_iris, y_iris, classes=[0, 1]),
    "partial_fit n_features": lambda m: m.partial_fit(
        X_iris, y_iris, classes=[0, 1, 2]
    ).partial_fit(X_iris[:, :3], y_iris),
    "partial_fit early_stopping": lambda m: m.set_params(
        early_stopping=True
    ).partial_fit(X_iris, y_iris, classes=[0, 1, 2]),
    "warm_start other classes": lambda m: (
        m.set_params(warm_start=True)
        .fit(X_iris, y_iris)
        .fit(X_iris[:100], y_iris[:100])
    ),
    "warm_start n_features": lambda m: (
        m.set_params(warm_start=True).fit(X_iris, y_iris).fit(X_iris[:, :3], y_iris)
    ),
    "validation set too small": lambda m: m.set_params(early_stopping=True).fit(
        X_iris[:8], y_iris[:8]
    ),
    "hidden_layer_sizes=0": lambda m: m.set_params(hidden_layer_sizes=0).fit(
        X_iris, y_iris
    ),
    "hidden_layer_sizes negative": lambda m: m.set_params(
        hidden_layer_sizes=[4, -1]
    ).fit(X_iris, y_iris),
    "hidden_layer_sizes None": lambda m: m.set_params(hidden_layer_sizes=None).fit(
        X_iris, y_iris
    ),
    "alpha": lambda m: m.set_params(alpha=-1.0).fit(X_iris, y_iris),
    "momentum": lambda m: m.set_params(momentum=1.5).fit(X_iris, y_iris),
    "learning_rate_init": lambda m: m.set_params(learning_rate_init=0).fit(
        X_iris, y_iris
    ),
    "n_iter_no_change": lambda m: m.set_params(n_iter_no_change=0).fit(X_iris, y_iris),
    "validation_fraction": lambda m: m.set_params(validation_fraction=1.0).fit(
        X_iris, y_iris
    ),
    "batch_size": lambda m: m.set_params(batch_size=0).fit(X_iris, y_iris),
    "max_iter": lambda m: m.set_params(max_iter=0).fit(X_iris, y_iris),
}


@pytest.mark.parametrize("case", list(BAD))
def test_same_errors_for_bad_input(case):
    outcomes = []
    for cls in (BackpropClassifier, MLPClassifier):
        model = cls(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
        with pytest.raises(Exception) as info:
            BAD[case](model)
        message = str(info.value).replace(cls.__name__, "EST")
        outcomes.append((info.type, message))
    assert outcomes[0] == outcomes[1]
    assert issubclass(outcomes[0][0], ValueError | AttributeError)


@pytest.mark.parametrize(
    "name, value",
    [("activation", "bogus"), ("solver", "bogus"), ("learning_rate", "bogus")],
)
def test_invalid_string_parameters_are_refused_by_name(name, value):
    # The same error type as MLPClassifier; our message lists our extra names.
    pattern = re.escape(f"The '{name}' parameter of BackpropClassifier must be")
    with pytest.raises(ValueError, match=pattern):
        BackpropClassifier(**{name: value}).fit(X_iris, y_iris)


def test_same_probabilities_log_probabilities_and_score():
    for X, y in [(X_bin, y_bin), (X_iris, y_iris), (X_ml, Y_ml)]:
        ours, theirs = fit_both(
            X, y, hidden_layer_sizes=(6,), max_iter=20, random_state=0
        )
        ours_models = copy.deepcopy(ours)  # predicting leaves the model alone
        # (ours keeps logistic probabilities within [eps, 1 - eps], so their
        # logs can differ where MLPClassifier's round to below eps)
        ours_log, their_log = ours.predict_log_proba(X), theirs.predict_log_proba(X)
        np.testing.assert_allclose(np.exp(ours_log), np.exp(their_log), atol=1e-15)
        usual = their_log > np.log(1e-12)
        assert usual.mean() > 0.8
        np.testing.assert_allclose(ours_log[usual], their_log[usual], rtol=1e-9)
        sw = np.linspace(0.1, 1, len(X))
        assert ours.score(X, y, sample_weight=sw) == theirs.score(
            X, y, sample_weight=sw
        )
        assert_same_model(ours, ours_models, rtol=0, atol=0)


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
@pytest.mark.parametrize("data", list(DATA))
def test_same_fit_where_the_probabilities_saturate(solver, data):
    # Inputs 1000 times too large: from the first weights, probabilities round
    # to 0 or 1, and MLPClassifier's log-loss clips them to [eps, 1 - eps]. The
    # loss values it reports and decides by (L-BFGS's line search, the
    # stopping rule) are those clipped ones.
    X, y = DATA[data]
    params = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=30, random_state=0)
    ours, theirs = fit_both(X * 1000, y, **params)
    assert_same_model(ours, theirs, X * 1000)
