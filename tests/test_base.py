"""The input checks of a fitted model's calls: the same answers on every path.

Once fitted, ``partial_fit`` and the predict methods check a plain float
array and known labels directly, and leave every other input to
``validate_data`` and the label checks; each bad input here must get the
error (or warning) ``validate_data`` gives it, or for the labels the one
``MLPClassifier`` gives, and each good one the same model or output on both
paths.
"""

import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.validation import _check_sample_weight, validate_data

from skbackprop import BackpropClassifier, BackpropRegressor, LogisticRegressionGD

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
X = rng.normal(size=(30, 4))
y = np.arange(30) % 3
y_reg = X[:, 0] - X[:, 1]
COLUMNS = ["a", "b", "c", "d"]


def fitted(cls, **params):
    """A model after one partial_fit call, and its targets."""
    if cls is BackpropRegressor:
        return cls(hidden_layer_sizes=(5,), random_state=0, **params).partial_fit(
            X, y_reg
        ), y_reg
    if cls is LogisticRegressionGD:
        model = cls(solver="sgd", random_state=0, **params)
    else:
        model = cls(hidden_layer_sizes=(5,), random_state=0, **params)
    return model.partial_fit(X, y, classes=[0, 1, 2]), y


ESTIMATORS = [BackpropClassifier, BackpropRegressor, LogisticRegressionGD]


def predict(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)


def outcome(call, *args):
    """The exception (type and message) and the warnings of ``call(*args)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            call(*args)
            error = None
        except Exception as exc:
            error = (type(exc), str(exc))
    return error, [(w.category, str(w.message)) for w in caught]


def validated(model, X, y=None):
    """What the validation of a fitted model's input gives for ``(X, y)``."""
    params = dict(accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32))
    if y is None:
        return validate_data(model, X, reset=False, **params)
    if not isinstance(model, LogisticRegressionGD):
        params["multi_output"] = True
    if isinstance(model, BackpropRegressor):
        params["y_numeric"] = True
    return validate_data(model, X, y, reset=False, **params)


def weights_of(model):
    return model.coefs_ if hasattr(model, "coefs_") else [model.coef_]


def with_nan(X):
    X = X.copy()
    X[1, 2] = np.nan
    return X


def with_inf(X):
    X = X.copy()
    X[0, 0] = -np.inf
    return X


BAD_X = {
    "3 features": lambda X: X[:, :3],
    "5 features": lambda X: np.hstack([X, X[:, :1]]),
    "NaN": with_nan,
    "infinity": with_inf,
    "NaN in float32": lambda X: with_nan(X).astype(np.float32),
    "strings": lambda X: np.full(X.shape, "x"),
    "strings as objects": lambda X: np.full(X.shape, "x", dtype=object),
    "numbers as strings": lambda X: X.astype(str),
    "complex": lambda X: X + 1j,
    "1-d": lambda X: X[0],
    "3-d": lambda X: X[None],
    "no rows": lambda X: X[:0],
    "sparse NaN": lambda X: sp.csr_matrix(with_nan(X)),
    "sparse, 3 features": lambda X: sp.csc_matrix(X[:, :3]),
    "a matrix": lambda X: as_matrix(X),
}


def as_matrix(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(X)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("bad", BAD_X)
def test_bad_samples_get_the_errors_of_validate_data(cls, bad):
    model, targets = fitted(cls)
    X_bad = BAD_X[bad](X[:10])
    expected = outcome(validated, model, X_bad)
    assert outcome(predict, model, X_bad) == expected
    n = X_bad.shape[0] if X_bad.ndim > 1 else 1
    y_bad = targets[:n] if n else targets[:0]
    weights = [w.copy() for w in weights_of(model)]
    expected = outcome(validated, model, X_bad, y_bad)
    assert outcome(model.partial_fit, X_bad, y_bad) == expected
    if expected[0] is not None:  # refused: the model is as it was
        assert all(map(np.array_equal, weights_of(model), weights))


GOOD_X = {
    "list": lambda X: X.tolist(),
    "int": lambda X: np.round(X * 10).astype(np.int64),
    "float16": lambda X: X.astype(np.float16),
    "Fortran order": np.asfortranarray,
    "a column view": lambda X: np.hstack([X, X])[:, ::2],
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
    "coo": sp.coo_matrix,
    "csr array": sp.csr_array,
    "read-only": lambda X: np.lib.stride_tricks.as_strided(X, writeable=False),
}


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("good", GOOD_X)
def test_other_valid_samples_give_what_their_validated_array_gives(cls, good):
    X_good = GOOD_X[good](X[:10])
    X_valid = validated(fitted(cls)[0], X_good)
    model, targets = fitted(cls)
    twin, _ = fitted(cls)
    np.testing.assert_array_equal(predict(model, X_good), predict(twin, X_valid))
    model.partial_fit(X_good, targets[:10])
    twin.partial_fit(X_valid, targets[:10])
    np.testing.assert_array_equal(predict(model, X), predict(twin, X))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_feature_names_are_checked_as_validate_data_checks_them(cls):
    frame = pd.DataFrame(X, columns=COLUMNS)
    unnamed, targets = fitted(cls)
    model = cls(**unnamed.get_params())
    if cls is BackpropRegressor:
        model.partial_fit(frame, targets)
    else:
        model.partial_fit(frame, targets, classes=[0, 1, 2])
    renamed = pd.DataFrame(X[:5], columns=["a", "b", "x", "d"])
    reordered = frame[["b", "a", "c", "d"]].iloc[:5]
    cases = [
        (model, renamed),  # other names: an error
        (model, reordered),  # other order: an error
        (model, X[:5]),  # no names: a warning
        (unnamed, frame.iloc[:5]),  # names where none were: a warning
    ]
    for fitted_model, X_other in cases:
        expected = outcome(validated, fitted_model, X_other)
        assert expected[0] is not None or expected[1]
        assert outcome(predict, fitted_model, X_other) == expected
        assert outcome(fitted_model.partial_fit, X_other, targets[:5]) == outcome(
            validated, fitted_model, X_other, targets[:5]
        )


def classifier_error(cls, y_batch, *, classes=(0, 1, 2), y_first=y, **params):
    """The outcome of a second partial_fit call on ``y_batch``."""
    model = cls(random_state=0, **params).partial_fit(X, y_first, classes=classes)
    error, caught = outcome(model.partial_fit, X[: len(y_batch)], y_batch)
    if error is not None:
        error = (error[0], error[1].replace(cls.__name__, "<model>"))
    return error, [(c, m.replace(cls.__name__, "<model>")) for c, m in caught]


BAD_LABELS = {
    "an unseen label": np.array([0, 1, 7, 2]),
    "unseen labels only": np.array([5, 5]),
    "strings for numbers": np.array(["0", "1"]),
    "a fraction": np.array([0.0, 0.5, 1.0]),
    "NaN": np.array([0.0, np.nan]),
    "infinity": np.array([0.0, np.inf]),
    "objects": np.array([0, 1], dtype=object),
    "complex": np.array([0, 1 + 0j]),
    "too few": np.array([0]),  # for the batch of two rows below
    "an indicator matrix": np.eye(3, dtype=int),
    "a column": np.array([[0], [1], [2]]),
}


@pytest.mark.parametrize("bad", BAD_LABELS)
def test_labels_get_the_answers_mlpclassifier_gives(bad):
    y_bad = BAD_LABELS[bad]
    batch = 2 if bad == "too few" else None
    ours = BackpropClassifier(hidden_layer_sizes=(5,), random_state=0)
    theirs = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    results = []
    for model in (ours, theirs):
        model.partial_fit(X, y, classes=[0, 1, 2])
        X_batch = X[: batch or len(y_bad)]
        error, caught = outcome(model.partial_fit, X_batch, y_bad)
        name = type(model).__name__
        if error is not None:
            error = (error[0], error[1].replace(name, "<model>"))
        results.append((error, [(c, m.replace(name, "<model>")) for c, m in caught]))
    assert results[0] == results[1]


@pytest.mark.parametrize("classes", [["a", "b", "c"], [0.0, 1.0, 2.0], [-3, 5, 9]])
def test_labels_of_every_kind_give_the_model_the_general_path_gives(classes):
    labels = np.asarray(classes)[y]
    for make in (BackpropClassifier, partial(LogisticRegressionGD, solver="sgd")):
        fast = make(random_state=0).partial_fit(X, labels, classes=classes)
        general = make(random_state=0).partial_fit(X, labels, classes=classes)
        fast.partial_fit(X[:10], labels[:10])  # a plain array of known labels
        general.partial_fit(X[:10], labels[:10].tolist())  # a list: the checks
        np.testing.assert_array_equal(fast.predict_proba(X), general.predict_proba(X))
        assert fast.classes_.tolist() == general.classes_.tolist()


def test_binary_and_multilabel_targets_are_encoded_as_labelbinarizer_does():
    Y = np.column_stack([y == 0, y == 1, y > 0]).astype(int)
    for targets, classes in [(y % 2, [0, 1]), (Y, [0, 1, 2])]:
        fast = BackpropClassifier(hidden_layer_sizes=(5,), random_state=0)
        general = BackpropClassifier(hidden_layer_sizes=(5,), random_state=0)
        for model in (fast, general):
            model.partial_fit(X, targets, classes=classes)
        fast.partial_fit(X[:10], targets[:10])
        general.partial_fit(X[:10], targets[:10].tolist())
        np.testing.assert_array_equal(fast.predict_proba(X), general.predict_proba(X))
        theirs = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
        theirs.partial_fit(X, targets, classes=classes)
        theirs.partial_fit(X[:10], targets[:10])
        np.testing.assert_allclose(fast.predict_proba(X), theirs.predict_proba(X))


@pytest.mark.parametrize(
    "y_bad",
    [
        np.array([[0, 1, 2], [1, 0, 0]]),  # not 0/1
        np.array([[0, 1], [1, 0]]),  # two columns for three labels
        np.array([0, 1]),  # labels
    ],
)
def test_multilabel_targets_get_the_answers_mlpclassifier_gives(y_bad):
    Y = np.column_stack([y == 0, y == 1, y > 0]).astype(int)
    results = []
    for cls in (BackpropClassifier, MLPClassifier):
        model = cls(hidden_layer_sizes=(5,), random_state=0)
        model.partial_fit(X, Y, classes=[0, 1, 2])
        error, caught = outcome(model.partial_fit, X[: len(y_bad)], y_bad)
        results.append((error, caught))
    assert results[0] == results[1]


def test_warm_start_batches_need_every_class_as_in_mlpclassifier():
    results = []
    for cls in (BackpropClassifier, MLPClassifier):
        model = cls(hidden_layer_sizes=(5,), warm_start=True, random_state=0)
        model.partial_fit(X, y, classes=[0, 1, 2])
        error, _ = outcome(model.partial_fit, X[:4], np.array([0, 1, 0, 1]))
        results.append(error)
        model.partial_fit(X[:3], y[:3])  # every class: fine
    assert results[0] == results[1]
    assert results[0] is not None


@pytest.mark.parametrize(
    "y_bad, match",
    [
        (np.array([0, 1, 7]), r"y has classes \[7\] that are not in classes_"),
        (np.array([0.5, 1.0, 2.0]), "Unknown label type"),
        (np.array(["a", "b", "c"]), "not in classes_"),
    ],
)
def test_logistic_regression_refuses_unknown_labels(y_bad, match):
    model = LogisticRegressionGD(solver="sgd", random_state=0)
    model.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=match):
        model.partial_fit(X[:3], y_bad)


@pytest.mark.parametrize(
    "y_bad", [np.array(["a", "b"], dtype=object), np.array([1.0, np.nan])]
)
def test_regression_targets_get_the_answers_mlpregressor_gives(y_bad):
    results = []
    for cls in (BackpropRegressor, MLPRegressor):
        model = cls(hidden_layer_sizes=(5,), random_state=0).partial_fit(X, y_reg)
        error, _ = outcome(model.partial_fit, X[:2], y_bad)
        results.append((error[0], error[1].replace(cls.__name__, "<model>")))
    assert results[0] == results[1]


def test_a_stream_of_partial_fit_calls_draws_as_mlpclassifier_draws():
    ours = BackpropClassifier(hidden_layer_sizes=(5,), batch_size=4, random_state=3)
    theirs = MLPClassifier(hidden_layer_sizes=(5,), batch_size=4, random_state=3)
    for model in (ours, theirs):
        model.partial_fit(X, y, classes=[0, 1, 2])
        for start in range(0, 30, 10):
            model.partial_fit(X[start : start + 10], y[start : start + 10])
    for a, b in zip(ours.coefs_, theirs.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "targets",
    [
        y % 2,  # binary
        np.array(["no", "yes"])[y % 2],
        np.array(["a", "b", "c"])[y],  # multiclass
        np.column_stack([y == 0, y == 1, y > 0]).astype(int),  # multilabel
        # (one class is refused, as LogisticRegression refuses it:
        # tests/test_reliability.py)
    ],
)
def test_predict_gives_the_labels_mlpclassifier_gives(targets):
    ours = BackpropClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    theirs = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    predicted = [model.fit(X, targets).predict(X) for model in (ours, theirs)]
    np.testing.assert_array_equal(predicted[0], predicted[1])
    assert predicted[0].dtype == predicted[1].dtype


def test_a_subclass_that_cannot_be_hashed_trains_as_its_base():
    class Compared(BackpropClassifier):
        def __eq__(self, other):
            return self is other

    models = [
        cls(hidden_layer_sizes=(5,), batch_size=4, random_state=0)
        for cls in (Compared, BackpropClassifier)
    ]
    for model in models:
        model.partial_fit(X, y, classes=[0, 1, 2])
        model.partial_fit(X[:10], y[:10])
    for a, b in zip(models[0].coefs_, models[1].coefs_):
        np.testing.assert_array_equal(a, b)


BAD_WEIGHTS = {
    "negative": lambda n: -np.ones(n),
    "one negative": lambda n: np.r_[-1.0, np.ones(n - 1)],
    "NaN": lambda n: np.r_[np.nan, np.ones(n - 1)],
    "infinity": lambda n: np.r_[np.inf, np.ones(n - 1)],
    "too few": lambda n: np.ones(n - 1),
    "2-d": lambda n: np.ones((n, 1)),
    "strings": lambda n: np.full(n, "x"),
    "complex": lambda n: np.ones(n) + 1j,
}


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("bad", BAD_WEIGHTS)
def test_bad_sample_weights_get_the_errors_of_check_sample_weight(cls, bad):
    model, targets = fitted(cls)
    sample_weight = BAD_WEIGHTS[bad](10)
    X_batch = X[:10]
    expected = outcome(
        lambda: _check_sample_weight(
            sample_weight, X_batch, dtype=X_batch.dtype, ensure_non_negative=True
        )
    )
    assert expected[0] is not None
    called = outcome(model.partial_fit, X_batch, targets[:10], sample_weight)
    assert called == expected


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "convert",
    [list, lambda w: w.astype(np.float32), lambda w: w.astype(int), lambda w: w[::-1]],
)
def test_other_valid_sample_weights_give_the_same_model(cls, convert):
    weights = np.arange(10.0)[::-1].copy()
    model, targets = fitted(cls)
    twin, _ = fitted(cls)
    model.partial_fit(X[:10], targets[:10], convert(weights))
    twin.partial_fit(X[:10], targets[:10], np.array(convert(weights), dtype=float))
    np.testing.assert_array_equal(predict(model, X), predict(twin, X))
