"""to_sklearn and from_sklearn: the same model in the other library, trainable."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor

from _data import X_bin, X_iris, y_bin, y_iris
from skbackprop import BackpropClassifier, BackpropRegressor, LogisticRegressionGD

pytestmark = pytest.mark.filterwarnings(
    # short fits on purpose: the conversions, not the optima, are tested
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

X, y = X_iris, y_iris
Y_multilabel = np.column_stack([y_iris == 0, y_iris == 1, X_iris[:, 0] > 0]).astype(int)
X_reg = X_iris[:, :2]
Y_reg = X_iris[:, 2:]  # two outputs

CLASSIFIER_DATA = {
    "binary": (X_bin, y_bin),
    "multiclass": (X, y),
    "multilabel": (X, Y_multilabel),
}


def same_outputs(a, b, X, atol=1e-12):
    """The predictions (and probabilities, logits) of ``a`` and ``b`` agree."""
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    for method in ("predict_proba", "decision_function"):
        if hasattr(a, method) and hasattr(b, method):
            np.testing.assert_allclose(
                getattr(a, method)(X), getattr(b, method)(X), rtol=0, atol=atol
            )


# ------------------------------------------------------------ to_sklearn
@pytest.mark.parametrize("target", list(CLASSIFIER_DATA))
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_classifier_to_sklearn_predicts_the_same(target, solver):
    X, y = CLASSIFIER_DATA[target]
    clf = BackpropClassifier((6,), solver=solver, max_iter=20, random_state=0)
    mlp = clf.fit(X, y).to_sklearn()
    assert type(mlp) is MLPClassifier
    same_outputs(clf, mlp, X)
    assert mlp.get_params()["hidden_layer_sizes"] == (6,)
    assert mlp.n_iter_ == clf.n_iter_ and mlp.loss_curve_ == clf.loss_curve_
    np.testing.assert_array_equal(mlp.classes_, clf.classes_)
    assert mlp.score(X, y) == clf.score(X, y)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_to_sklearn_predicts_the_same_multi_output(loss):
    Y = np.abs(Y_reg) if loss == "poisson" else Y_reg
    reg = BackpropRegressor(loss, (6,), activation="tanh", max_iter=20, random_state=0)
    mlp = reg.fit(X_reg, Y).to_sklearn()
    assert type(mlp) is MLPRegressor and mlp.loss == loss
    same_outputs(reg, mlp, X_reg)
    assert mlp.predict(X_reg).shape == (len(X_reg), 2)


@pytest.mark.parametrize("data", ["binary", "multiclass"])
@pytest.mark.parametrize(
    "params", [{}, {"C": 0.1, "l1_ratio": 0.5}, {"fit_intercept": False}]
)
def test_logistic_to_sklearn_predicts_the_same(data, params):
    X, y = CLASSIFIER_DATA[data]
    clf = LogisticRegressionGD(**params).fit(X, y)
    lr = clf.to_sklearn()
    assert type(lr) is LogisticRegression
    same_outputs(clf, lr, X)
    assert lr.get_params()["C"] == clf.C and lr.l1_ratio == clf.l1_ratio
    assert lr.n_iter_.shape == (1,)


def test_to_sklearn_warm_starts_and_continues_in_sklearn():
    clf = BackpropClassifier((6,), solver="sgd", max_iter=5, random_state=0)
    mlp = clf.fit(X, y).to_sklearn()
    # scikit-learn continues our optimizer (momentum): as we continue ourselves
    clf.partial_fit(X, y)
    mlp.partial_fit(X, y)
    for ours, theirs in zip(clf.coefs_, mlp.coefs_, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    lr = LogisticRegressionGD(C=0.5).fit(X, y).to_sklearn()
    lr.set_params(warm_start=True, max_iter=1000).fit(X, y)
    assert lr.n_iter_[0] < 20  # it started at the optimum


@pytest.mark.parametrize(
    "estimator, named",
    [
        (BackpropClassifier((4, 3), activation=["tanh", "relu"]), "activation=['tanh'"),
        (BackpropClassifier((4,), activation="leaky_relu"), "leaky_relu"),
        (BackpropClassifier((4,), loss="squared_error"), "loss='squared_error'"),
        (BackpropClassifier((4,), class_weight="balanced"), "class_weight"),
        (BackpropClassifier((4,), dropout=0.1), "dropout=0.1"),
        (BackpropClassifier((4,), solver="gd"), "solver='gd'"),
        (BackpropClassifier((4,), learning_rate="cosine"), "learning_rate='cosine'"),
        (BackpropClassifier((4,), init="he_normal"), "init='he_normal'"),
        (BackpropRegressor("huber", (4,)), "loss='huber'"),
        (BackpropRegressor("quantile", (4,)), "loss='quantile'"),
        (BackpropRegressor("absolute_error", (4,)), "loss='absolute_error'"),
        (
            BackpropRegressor(
                hidden_layer_sizes=(4,),
                early_stopping=True,
                early_stopping_metric="loss",
            ),
            "early_stopping_metric='loss'",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_to_sklearn_names_what_sklearn_lacks(estimator, named):
    X_fit, y_fit = (
        (X_reg, Y_reg[:, 0]) if isinstance(estimator, BackpropRegressor) else (X, y)
    )
    estimator.set_params(max_iter=3, random_state=0).fit(X_fit, y_fit)
    with pytest.raises(
        ValueError, match="no MLP.* counterpart with .*" + re.escape(named)
    ):
        estimator.to_sklearn()


def test_a_list_of_one_activation_converts():
    clf = BackpropClassifier(
        (4, 3), activation=["tanh", "tanh"], max_iter=5, random_state=0
    )
    mlp = clf.fit(X, y).to_sklearn()
    assert mlp.activation == "tanh"
    same_outputs(clf, mlp, X)


@pytest.mark.parametrize(
    "make", [BackpropClassifier, BackpropRegressor, LogisticRegressionGD]
)
def test_to_sklearn_needs_a_fitted_model(make):
    with pytest.raises(NotFittedError):
        make().to_sklearn()


# ---------------------------------------------------------- from_sklearn
@pytest.mark.parametrize("target", list(CLASSIFIER_DATA))
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_classifier_from_sklearn_predicts_the_same(target, solver):
    X, y = CLASSIFIER_DATA[target]
    mlp = MLPClassifier((6,), solver=solver, max_iter=20, random_state=0).fit(X, y)
    clf = BackpropClassifier.from_sklearn(mlp)
    assert type(clf) is BackpropClassifier
    same_outputs(clf, mlp, X)
    assert clf.get_params()["solver"] == solver and clf.n_iter_ == mlp.n_iter_
    for name in ("n_features_in_", "n_outputs_", "n_layers_", "out_activation_", "t_"):
        assert getattr(clf, name) == getattr(mlp, name), name
    # back again: the same model
    same_outputs(clf.to_sklearn(), mlp, X, atol=0)


def test_regressor_from_sklearn_predicts_the_same_multi_output():
    mlp = MLPRegressor(hidden_layer_sizes=(6,), max_iter=20, random_state=0).fit(
        X_reg, Y_reg
    )
    reg = BackpropRegressor.from_sklearn(mlp)
    same_outputs(reg, mlp, X_reg)
    assert reg.score(X_reg, Y_reg) == pytest.approx(mlp.score(X_reg, Y_reg), abs=1e-12)


def test_feature_names_are_carried_both_ways():
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    mlp = MLPClassifier((4,), max_iter=5, random_state=0).fit(frame, y)
    clf = BackpropClassifier.from_sklearn(mlp)
    assert clf.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    same_outputs(clf, mlp, frame)
    lr = LogisticRegressionGD().fit(frame, y).to_sklearn()
    assert lr.feature_names_in_.tolist() == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    "solver, first_call", [("adam", {}), ("sgd", {}), ("adam", {"classes": [0, 1, 2]})]
)
def test_partial_fit_continues_after_from_sklearn_as_sklearn_does(solver, first_call):
    mlp = MLPClassifier((6,), solver=solver, random_state=0)
    if first_call:
        mlp.partial_fit(X, y, **first_call)
    else:
        mlp.set_params(max_iter=5).fit(X, y)
    clf = BackpropClassifier.from_sklearn(mlp)
    for _ in range(2):
        mlp.partial_fit(X, y)
        clf.partial_fit(X, y)
    # the optimizer's state came along: the same steps
    for ours, theirs in zip(clf.coefs_ + clf.intercepts_, mlp.coefs_ + mlp.intercepts_):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert clf.t_ == mlp.t_


def test_warm_start_continues_after_from_sklearn():
    mlp = MLPRegressor(
        hidden_layer_sizes=(6,), solver="lbfgs", max_iter=10, random_state=0
    ).fit(X_reg, Y_reg)
    reg = BackpropRegressor.from_sklearn(mlp).set_params(warm_start=True, max_iter=5)
    before = reg.score(X_reg, Y_reg)
    reg.fit(X_reg, Y_reg)
    assert reg.score(X_reg, Y_reg) > before
    assert len(reg.loss_curve_) == reg.n_iter_  # MLPRegressor's L-BFGS keeps none


@pytest.mark.parametrize("data", ["binary", "multiclass"])
def test_logistic_from_sklearn_predicts_and_warm_starts(data):
    X, y = CLASSIFIER_DATA[data]
    lr = LogisticRegression(C=0.5, max_iter=1000, tol=1e-10).fit(X, y)
    clf = LogisticRegressionGD.from_sklearn(lr)
    same_outputs(clf, lr, X)
    assert clf.C == 0.5 and clf.l1_ratio == 0.0
    cold = LogisticRegressionGD(C=0.5).fit(X, y)
    clf.set_params(warm_start=True).fit(X, y)  # starts at the optimum
    assert clf.n_iter_ < cold.n_iter_
    sgd = LogisticRegressionGD.from_sklearn(lr).set_params(solver="sgd", random_state=0)
    sgd.partial_fit(X, y)  # continues from the coefficients
    np.testing.assert_allclose(sgd.coef_, lr.coef_, atol=0.1)


@pytest.mark.parametrize(
    "cls, other",
    [
        (BackpropClassifier, MLPRegressor()),
        (BackpropRegressor, MLPClassifier()),
        (LogisticRegressionGD, MLPClassifier()),
        (BackpropClassifier, LogisticRegressionGD()),
    ],
)
def test_from_sklearn_rejects_another_class(cls, other):
    with pytest.raises(
        TypeError, match=f"{cls.__name__}.from_sklearn expects a fitted"
    ):
        cls.from_sklearn(other)


@pytest.mark.parametrize(
    "cls, unfitted",
    [
        (BackpropClassifier, MLPClassifier()),
        (BackpropRegressor, MLPRegressor()),
        (LogisticRegressionGD, LogisticRegression()),
    ],
)
def test_from_sklearn_needs_a_fitted_model(cls, unfitted):
    with pytest.raises(NotFittedError):
        cls.from_sklearn(unfitted)


def test_from_sklearn_refuses_a_single_class_as_fit_does():
    # MLPClassifier fits one class (and predicts two columns of probabilities);
    # BackpropClassifier refuses it in fit, as LogisticRegression does
    with pytest.warns(ConvergenceWarning):
        mlp = MLPClassifier((3,), max_iter=2, random_state=0)
        mlp.fit(X_iris, np.zeros(len(X_iris), dtype=int))
    with pytest.raises(ValueError, match="at least 2 classes"):
        BackpropClassifier.from_sklearn(mlp)


def test_early_stopping_warm_start_after_from_sklearn_as_after_our_own_fit():
    params = dict(solver="sgd", early_stopping=True, n_iter_no_change=3)
    mlp = MLPClassifier((6,), max_iter=8, random_state=0, **params).fit(X, y)
    native = BackpropClassifier((6,), max_iter=8, random_state=0, **params).fit(X, y)
    clf = BackpropClassifier.from_sklearn(mlp)
    for est in (native, clf):
        est.set_params(warm_start=True, max_iter=4).fit(X, y)
    # the best score so far and the weights kept came along
    assert clf.validation_scores_ == pytest.approx(native.validation_scores_, abs=1e-12)
    assert clf.best_validation_score_ == native.best_validation_score_
    for ours, theirs in zip(clf.coefs_, native.coefs_, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
