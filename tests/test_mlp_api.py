"""BackpropClassifier through its public API: parity with MLPClassifier, and more."""

import inspect
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from skbackprop import BackpropClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits[:400] / 16
y_digits = y_digits[:400]
X_iris, y_iris = load_iris(return_X_y=True)
X_iris = StandardScaler().fit_transform(X_iris)
X_ml, Y_ml = make_multilabel_classification(n_samples=120, n_features=8, random_state=0)
X_bin, y_bin = X_iris[:100], np.where(y_iris[:100] == 0, "setosa", "versicolor")

ATTRS = ["loss_", "n_iter_", "t_", "n_layers_", "n_outputs_", "out_activation_"]


def fit_both(X, y, fit_kw=None, **params):
    ours = BackpropClassifier(**params).fit(X, y, **(fit_kw or {}))
    theirs = MLPClassifier(**params).fit(X, y, **(fit_kw or {}))
    return ours, theirs


def assert_same_model(ours, theirs, rtol=1e-9, X=None):
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-3)
    for attr in ATTRS:
        a, b = getattr(ours, attr), getattr(theirs, attr)
        if isinstance(a, float):
            assert a == pytest.approx(b, rel=rtol)
        else:
            assert a == b, attr
    for attr in ["loss_curve_", "validation_scores_"]:
        if hasattr(theirs, attr) and getattr(theirs, attr) is not None:
            np.testing.assert_allclose(
                getattr(ours, attr), getattr(theirs, attr), rtol=rtol
            )
    for attr in ["best_loss_", "best_validation_score_"]:
        if hasattr(theirs, attr):
            a, b = getattr(ours, attr), getattr(theirs, attr)
            assert (a is None and b is None) or a == pytest.approx(b, rel=rtol)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    if X is not None:
        np.testing.assert_allclose(
            ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-7, atol=1e-9
        )
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


# ---------------------------------------------------------------- the signature
def test_constructor_matches_mlpclassifier():
    ours = inspect.signature(BackpropClassifier).parameters
    theirs = inspect.signature(MLPClassifier).parameters
    names = list(theirs)
    assert list(ours)[: len(names)] == names
    for name in names:
        assert ours[name].default == theirs[name].default, name
        assert ours[name].kind == theirs[name].kind, name
    extra = list(ours)[len(names) :]
    assert extra == [
        "loss",
        "class_weight",
        "init",
        "dropout",
        "early_stopping_metric",
        "lr_decay",
        "lr_step_size",
    ]
    assert all(ours[name].kind is inspect.Parameter.KEYWORD_ONLY for name in extra)


# ---------------------------------------------------------- the same numbers
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("data", ["multiclass", "binary", "multilabel"])
def test_same_weights_as_mlpclassifier(solver, data):
    X, y = {
        "multiclass": (X_digits, y_digits),
        "binary": (X_bin, y_bin),
        "multilabel": (X_ml, Y_ml),
    }[data]
    ours, theirs = fit_both(
        X, y, hidden_layer_sizes=(20,), solver=solver, max_iter=8, random_state=0
    )
    assert_same_model(ours, theirs, X=X)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.1},
        {
            "solver": "sgd",
            "learning_rate": "adaptive",
            "tol": 1e-1,
            "n_iter_no_change": 2,
        },
        {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.5},
        {"solver": "sgd", "momentum": 0.0, "batch_size": 64, "shuffle": False},
        {"solver": "adam", "early_stopping": True, "validation_fraction": 0.2},
        {"solver": "adam", "activation": "tanh", "alpha": 1e-2, "beta_1": 0.8},
        {"solver": "adam", "activation": "logistic", "batch_size": 50},
        {
            "solver": "adam",
            "activation": "identity",
            "tol": 1e-1,
            "n_iter_no_change": 3,
        },
        {"solver": "lbfgs", "activation": "tanh", "hidden_layer_sizes": (10, 5)},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_same_training_for_each_option(params):
    kw = {"hidden_layer_sizes": (15,), "max_iter": 12, "random_state": 0, **params}
    ours, theirs = fit_both(X_digits, y_digits, **kw)
    assert_same_model(ours, theirs, X=X_digits)


def test_same_with_sample_weight_float32_and_sparse():
    sw = np.random.default_rng(0).uniform(0.1, 3, len(y_digits))
    kw = {"hidden_layer_sizes": (12,), "max_iter": 6, "random_state": 0}
    ours, theirs = fit_both(X_digits, y_digits, {"sample_weight": sw}, **kw)
    assert_same_model(ours, theirs, X=X_digits)
    X32 = X_digits.astype(np.float32)
    ours, theirs = fit_both(X32, y_digits, **kw)
    assert ours.coefs_[0].dtype == np.float32
    assert ours.predict_proba(X32).dtype == np.float32
    assert_same_model(ours, theirs, rtol=1e-4)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        ours_sp = BackpropClassifier(**kw).fit(fmt(X_digits), y_digits)
        dense = BackpropClassifier(**kw).fit(X_digits, y_digits)
        assert_same_model(ours_sp, dense, rtol=1e-9, X=X_digits)


def test_same_warm_start_and_partial_fit():
    kw = {"hidden_layer_sizes": (10,), "max_iter": 4, "random_state": 0}
    ours = BackpropClassifier(warm_start=True, **kw)
    theirs = MLPClassifier(warm_start=True, **kw)
    for _ in range(3):
        ours.fit(X_digits, y_digits)
        theirs.fit(X_digits, y_digits)
    assert_same_model(ours, theirs, X=X_digits)

    ours, theirs = BackpropClassifier(**kw), MLPClassifier(**kw)
    classes = np.unique(y_digits)
    for start in range(0, 400, 100):
        chunk = slice(start, start + 100)
        ours.partial_fit(X_digits[chunk], y_digits[chunk], classes=classes)
        theirs.partial_fit(X_digits[chunk], y_digits[chunk], classes=classes)
    assert_same_model(ours, theirs, X=X_digits)


def test_same_warnings_and_verbose_lines(capsys):
    kw = {"hidden_layer_sizes": (5,), "max_iter": 3, "random_state": 0, "verbose": True}
    for solver in ["adam", "lbfgs"]:
        messages = []
        for cls in (BackpropClassifier, MLPClassifier):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cls(solver=solver, **kw).fit(X_digits, y_digits)
            messages.append(
                [str(w.message) for w in caught if w.category is ConvergenceWarning]
            )
        assert messages[0] == messages[1] and len(messages[0]) == 1
    capsys.readouterr()
    BackpropClassifier(solver="sgd", **kw).fit(X_digits, y_digits)
    ours = capsys.readouterr().out
    MLPClassifier(solver="sgd", **kw).fit(X_digits, y_digits)
    assert ours == capsys.readouterr().out
    assert ours.count("Iteration") == 3
    # lbfgs: MLPClassifier prints nothing of its own, we print the iterations
    BackpropClassifier(solver="lbfgs", **kw).fit(X_digits, y_digits)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Iteration {k}, loss = {v}"
        for k, v in [
            (i + 1, re.search(r"loss = (\S+)", line)[1]) for i, line in enumerate(lines)
        ]
    ]
    assert len(lines) == 3


def test_partial_fit_absent_for_lbfgs_and_errors_as_sklearn():
    assert not hasattr(BackpropClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(BackpropClassifier(solver="gd"), "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        BackpropClassifier(solver="lbfgs").partial_fit  # noqa: B018
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        BackpropClassifier().partial_fit(X_iris, y_iris)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        BackpropClassifier(early_stopping=True).partial_fit(
            X_iris, y_iris, classes=[0, 1, 2]
        )


# ----------------------------------------------------- semantics of the weights
def test_partial_fit_continues_from_weights_set_by_hand():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = BackpropClassifier(
        (3,),
        activation="logistic",
        solver="sgd",
        momentum=0.0,
        alpha=0.0,
        learning_rate_init=0.5,
        batch_size=30,
        shuffle=False,
        random_state=0,
    )
    clf.partial_fit(X, y, classes=[0, 1])
    W1, W2 = rng.normal(size=(4, 3)), rng.normal(size=(3, 1))
    b1, b2 = rng.normal(size=3), rng.normal(size=1)
    clf.coefs_ = [W1.copy(), W2.copy()]
    clf.intercepts_ = [b1.copy(), b2.copy()]
    # the gradient written out by hand: logistic hidden layer, logistic output
    H = 1 / (1 + np.exp(-(X @ W1 + b1)))
    P = 1 / (1 + np.exp(-(H @ W2 + b2)))
    d2 = (P - y[:, None]) / len(y)
    d1 = (d2 @ W2.T) * H * (1 - H)
    grads = [X.T @ d1, H.T @ d2, d1.sum(0), d2.sum(0)]
    clf.partial_fit(X, y)
    for new, old, g in zip(clf.coefs_ + clf.intercepts_, [W1, W2, b1, b2], grads):
        np.testing.assert_allclose(new, old - 0.5 * g, rtol=1e-12, atol=1e-14)


def _objective(clf, X, y, sw=None, alpha=1e-4):
    P = clf.predict_proba(X)
    idx = np.searchsorted(clf.classes_, y)
    sw = np.ones(len(y)) if sw is None else sw
    data = -(sw * np.log(P[np.arange(len(y)), idx])).sum()
    penalty = 0.5 * alpha * sum((W**2).sum() for W in clf.coefs_)
    return (data + penalty) / sw.sum()


def test_sample_weight_semantics():
    kw = {
        "hidden_layer_sizes": (6,),
        "solver": "lbfgs",
        "max_iter": 60,
        "random_state": 0,
    }
    sw = np.random.default_rng(1).integers(0, 4, len(y_iris))
    weighted = BackpropClassifier(**kw).fit(X_iris, y_iris, sample_weight=sw)
    repeated = BackpropClassifier(**kw).fit(
        np.repeat(X_iris, sw, axis=0), np.repeat(y_iris, sw)
    )
    assert weighted.n_iter_ == repeated.n_iter_ < 60  # converged, the same path
    np.testing.assert_allclose(
        weighted.predict_proba(X_iris), repeated.predict_proba(X_iris), atol=1e-6
    )
    # loss_ is the weighted mean loss plus alpha / (2 sum(s)) ||W||^2
    assert weighted.loss_ == pytest.approx(
        _objective(weighted, X_iris, y_iris, sw), rel=1e-6
    )
    plain = BackpropClassifier(**kw).fit(X_iris, y_iris)
    assert plain.loss_ == pytest.approx(_objective(plain, X_iris, y_iris), rel=1e-6)


def test_class_weight():
    kw = {
        "hidden_layer_sizes": (6,),
        "solver": "lbfgs",
        "max_iter": 40,
        "random_state": 0,
    }
    y = np.r_[y_iris[:100], y_iris[100:110]]
    X = np.r_[X_iris[:100], X_iris[100:110]]
    balanced = BackpropClassifier(class_weight="balanced", **kw).fit(X, y)
    manual = BackpropClassifier(**kw).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    np.testing.assert_array_equal(balanced.coefs_[0], manual.coefs_[0])
    cw = {0: 1.0, 1: 2.0, 2: 5.0}
    sw = np.random.default_rng(0).uniform(0.5, 2, len(y))
    by_dict = BackpropClassifier(class_weight=cw, **kw).fit(X, y, sample_weight=sw)
    by_hand = BackpropClassifier(**kw).fit(
        X, y, sample_weight=sw * np.vectorize(cw.get)(y)
    )
    np.testing.assert_allclose(by_dict.coefs_[0], by_hand.coefs_[0], rtol=1e-12)
    # heavier classes are predicted more often
    assert (balanced.predict(X) == 2).sum() >= (
        BackpropClassifier(**kw).fit(X, y).predict(X) == 2
    ).sum()
    with pytest.raises(ValueError, match="multilabel"):
        BackpropClassifier(class_weight="balanced").fit(X_ml, Y_ml)
    with pytest.raises(ValueError, match="partial_fit"):
        BackpropClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not in classes_"):
        BackpropClassifier(class_weight={7: 1.0}).fit(X, y)


# -------------------------------------------------------------- what is added
def test_decision_function_predict_and_probabilities_agree():
    for X, y in [(X_bin, y_bin), (X_iris, y_iris)]:
        clf = BackpropClassifier((8,), max_iter=50, random_state=0).fit(X, y)
        scores = clf.decision_function(X)
        proba = clf.predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1)
        np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X))
        if scores.ndim == 1:
            assert scores.shape == (len(y),)
            np.testing.assert_array_equal(
                clf.classes_[(scores > 0).astype(int)], clf.predict(X)
            )
        else:
            assert scores.shape == (len(y), 3)
            np.testing.assert_array_equal(
                clf.classes_[scores.argmax(1)], clf.predict(X)
            )
    ml = BackpropClassifier((8,), max_iter=50, random_state=0).fit(X_ml, Y_ml)
    assert ml.decision_function(X_ml).shape == Y_ml.shape
    np.testing.assert_array_equal(
        ml.predict(X_ml), (ml.decision_function(X_ml) > 0).astype(int)
    )


def test_squared_error_loss_and_activation_lists_and_leaky_relu():
    clf = BackpropClassifier(
        (16,),
        loss="squared_error",
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
    ).fit(X_iris, y_iris)
    assert clf.score(X_iris, y_iris) > 0.9
    # the loss is 1/2 ||p - y||^2 averaged: it is bounded by 1, unlike log-loss
    assert 0 < clf.loss_curve_[0] < 1
    clf = BackpropClassifier(
        (8, 6),
        activation=["tanh", "leaky_relu"],
        max_iter=200,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X_iris, y_iris)
    assert clf.score(X_iris, y_iris) > 0.9
    with pytest.raises(ValueError, match="2 hidden layers"):
        BackpropClassifier((8, 6), activation=["tanh"]).fit(X_iris, y_iris)
    with pytest.raises(ValueError, match="Unknown activation 'bogus'"):
        BackpropClassifier((8, 6), activation=["tanh", "bogus"]).fit(X_iris, y_iris)


def test_init_schemes():
    stds = {}
    for init in ["glorot_uniform", "he_normal", "normal"]:
        clf = BackpropClassifier(
            (400,), init=init, learning_rate_init=1e-12, max_iter=1, random_state=0
        ).fit(X_digits, y_digits)
        stds[init] = clf.coefs_[0].std()
    assert stds["glorot_uniform"] == pytest.approx(
        np.sqrt(6 / 464) / np.sqrt(3), rel=0.02
    )
    assert stds["he_normal"] == pytest.approx(np.sqrt(2 / 64), rel=0.02)
    assert stds["normal"] == pytest.approx(0.01, rel=0.02)


def test_dropout():
    kw = {"hidden_layer_sizes": (32,), "max_iter": 30, "random_state": 0}
    kw["learning_rate_init"] = 0.01
    plain = BackpropClassifier(**kw).fit(X_digits, y_digits)
    dropped = BackpropClassifier(dropout=0.3, **kw).fit(X_digits, y_digits)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    np.testing.assert_array_equal(
        dropped.predict_proba(X_digits), dropped.predict_proba(X_digits)
    )
    again = BackpropClassifier(dropout=0.3, **kw).fit(X_digits, y_digits)
    np.testing.assert_array_equal(dropped.coefs_[0], again.coefs_[0])
    assert dropped.score(X_digits, y_digits) > 0.8
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        BackpropClassifier(dropout=0.3, solver="lbfgs").fit(X_iris, y_iris)


def test_gd_is_full_batch_sgd():
    kw = {
        "hidden_layer_sizes": (8,),
        "max_iter": 30,
        "random_state": 0,
        "learning_rate_init": 0.1,
        "momentum": 0.0,
    }
    gd = BackpropClassifier(solver="gd", **kw).fit(X_iris, y_iris)
    sgd = BackpropClassifier(solver="sgd", batch_size=150, shuffle=False, **kw).fit(
        X_iris, y_iris
    )
    assert_same_model(gd, sgd, rtol=1e-12)
    assert all(b < a for a, b in zip(gd.loss_curve_, gd.loss_curve_[1:]))


def test_user_validation_set_and_early_stopping_metric():
    X_tr, y_tr, X_va, y_va = (
        X_digits[:300],
        y_digits[:300],
        X_digits[300:],
        y_digits[300:],
    )
    kw = {"hidden_layer_sizes": (16,), "max_iter": 40, "random_state": 0}
    clf = BackpropClassifier(**kw).fit(X_tr, y_tr, X_val=X_va, y_val=y_va)
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == clf.n_iter_
    assert clf.validation_scores_[-1] == pytest.approx(clf.score(X_va, y_va))
    assert clf.best_validation_score_ is None  # not early stopping
    by_loss = BackpropClassifier(
        early_stopping=True, early_stopping_metric="loss", n_iter_no_change=3, **kw
    )
    by_loss.fit(X_tr, y_tr, X_val=X_va, y_val=y_va)
    proba = by_loss.predict_proba(X_va)
    val_loss = -np.log(proba[np.arange(len(y_va)), y_va]).mean()
    assert val_loss == pytest.approx(min(by_loss.validation_loss_curve_), rel=1e-6)
    by_acc = BackpropClassifier(early_stopping=True, n_iter_no_change=3, **kw)
    by_acc.fit(X_tr, y_tr, X_val=X_va, y_val=y_va)
    assert (
        by_acc.score(X_va, y_va)
        == by_acc.best_validation_score_
        == max(by_acc.validation_scores_)
    )
    with pytest.raises(ValueError, match="need X_val"):
        BackpropClassifier().fit(X_tr, y_tr, y_val=y_va)
    with pytest.raises(ValueError, match="not in y"):
        BackpropClassifier().fit(X_tr, y_tr, X_val=X_va, y_val=y_va + 20)
    with pytest.raises(ValueError, match="features"):
        BackpropClassifier().fit(X_tr, y_tr, X_val=X_va[:, :5], y_val=y_va)


@pytest.mark.parametrize("schedule", ["step", "cosine", "plateau"])
def test_schedules_with_adam(schedule, capsys):
    kw = {"hidden_layer_sizes": (16,), "max_iter": 15, "random_state": 0}
    constant = BackpropClassifier(**kw).fit(X_digits, y_digits)
    scheduled = BackpropClassifier(
        learning_rate=schedule, lr_step_size=3, tol=10.0, n_iter_no_change=1, **kw
    ).fit(X_digits, y_digits)
    assert not np.allclose(constant.coefs_[0], scheduled.coefs_[0])
    # a step schedule whose first step comes after training is constant
    late = BackpropClassifier(learning_rate="step", lr_step_size=100, **kw)
    assert_same_model(late.fit(X_digits, y_digits), constant)
    # invscaling / adaptive are MLPClassifier's sgd-only names: ignored for adam
    for name in ["invscaling", "adaptive"]:
        ignored = BackpropClassifier(learning_rate=name, **kw).fit(X_digits, y_digits)
        assert_same_model(ignored, constant)


def test_lbfgs_loss_curve():
    clf = BackpropClassifier((10,), solver="lbfgs", max_iter=25, random_state=0).fit(
        X_digits, y_digits
    )
    assert len(clf.loss_curve_) == clf.n_iter_ == 25
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.loss_curve_[-1] == pytest.approx(clf.loss_)


# ----------------------------------------------------------------- bad input
def test_bad_input_and_parameters():
    with pytest.raises(NotFittedError):
        BackpropClassifier().predict(X_iris)
    clf = BackpropClassifier((5,), max_iter=5).fit(X_iris, y_iris)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X_iris[:, :3])
    with pytest.raises(ValueError, match="features"):
        clf.set_params(warm_start=True).fit(X_iris[:, :3], y_iris)
    for bad in [0, [5, 0], [-1], [2.5]]:
        with pytest.raises(ValueError, match="hidden_layer_sizes"):
            BackpropClassifier(hidden_layer_sizes=bad).fit(X_iris, y_iris)
    for name, value in [
        ("activation", "bogus"),
        ("solver", "bogus"),
        ("alpha", -1),
        ("dropout", 1.0),
        ("loss", "hinge"),
        ("init", "zeros"),
    ]:
        with pytest.raises(ValueError, match=name):
            BackpropClassifier(**{name: value}).fit(X_iris, y_iris)


def test_pipeline_and_grid_search():
    clf = BackpropClassifier(max_iter=100, learning_rate_init=0.01, random_state=0)
    pipe = make_pipeline(StandardScaler(), clf)
    grid = GridSearchCV(
        pipe,
        {
            "backpropclassifier__hidden_layer_sizes": [(8,), (16,)],
            "backpropclassifier__alpha": [1e-4, 1e-1],
        },
        cv=2,
    ).fit(X_iris, y_iris)
    assert grid.best_score_ > 0.8
    assert len(grid.cv_results_["params"]) == 4
