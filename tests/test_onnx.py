"""ONNX export: ONNX Runtime predicts what the estimators predict."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _data import X_bin, X_iris, y_bin, y_iris
from skbackprop import BackpropClassifier, BackpropRegressor, LogisticRegressionGD
from skbackprop.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
skbackprop_onnx = pytest.importorskip("skbackprop.onnx")

# The models are fitted with a few iterations only: what is tested is that the
# graph computes what the fitted weights compute, not how good they are.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOL = 1e-5
Y_MULTILABEL = (X_iris[:, :3] > 0).astype(int)  # three labels
TARGETS = {"binary": y_bin, "multiclass": y_iris, "multilabel": Y_MULTILABEL}
X_OF = {"binary": X_bin, "multiclass": X_iris, "multilabel": X_iris}


def _run(model, X, options=None):
    """Convert ``model`` for samples like ``X``; run it on ``X``; the outputs."""
    onx = skl2onnx.to_onnx(model, X[:1], options=options)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"X": X})


def _classifier(target, **params):
    params = {"hidden_layer_sizes": (4, 3), "max_iter": 30, **params}
    model = BackpropClassifier(random_state=0, learning_rate_init=0.05, **params)
    return model.fit(X_OF[target], TARGETS[target])


def _check_classifier(model, X):
    """Labels equal and probabilities within TOL, for float32 and float64."""
    for dtype in (np.float32, np.float64):
        Xt = X.astype(dtype)
        label, proba = _run(model, Xt, options={id(model): {"zipmap": False}})
        np.testing.assert_array_equal(label, model.predict(Xt))
        assert proba.dtype == dtype
        np.testing.assert_allclose(proba, model.predict_proba(Xt), rtol=0, atol=TOL)


def _check_regressor(model, X):
    for dtype in (np.float32, np.float64):
        Xt = X.astype(dtype)
        (value,) = _run(model, Xt)
        assert value.dtype == dtype
        expected = model.predict(Xt).reshape(len(X), -1)
        np.testing.assert_allclose(value, expected, rtol=0, atol=TOL)


def test_every_activation_has_an_onnx_operator():
    assert set(ACTIVATIONS) <= set(skbackprop_onnx.ONNX_ACTIVATIONS)


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize(
    "activation", [*HIDDEN_ACTIVATIONS, ["tanh", "leaky_relu"], ["relu", "logistic"]]
)
def test_classifier(activation, target):
    _check_classifier(_classifier(target, activation=activation), X_OF[target])


@pytest.mark.parametrize("target", list(TARGETS))
def test_classifier_quadratic_loss_no_hidden_layer(target):
    model = _classifier(target, hidden_layer_sizes=(), loss="squared_error")
    _check_classifier(model, X_OF[target])


@pytest.mark.parametrize("target", ["binary", "multiclass"])
def test_classifier_fitted_in_float32(target):
    model = _classifier(target, solver="sgd")
    model.fit(X_OF[target].astype(np.float32), TARGETS[target])
    assert model.coefs_[0].dtype == np.float32
    _check_classifier(model, X_OF[target])


@pytest.mark.parametrize(
    "loss", ["squared_error", "absolute_error", "huber", "quantile"]
)
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_regressor(loss, n_outputs):
    y = X_iris[:, 0] if n_outputs == 1 else X_iris[:, :2] @ [[1, 0.5], [-1, 2]]
    model = BackpropRegressor(loss, (4, 3), max_iter=30, random_state=0)
    _check_regressor(model.fit(X_iris, y), X_iris)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_poisson_regressor_exp_output(n_outputs):
    y = np.exp(0.5 * X_iris[:, :n_outputs])  # positive rates
    y = y.ravel() if n_outputs == 1 else y
    model = BackpropRegressor("poisson", (4,), max_iter=30, random_state=0)
    model.fit(X_iris, y)
    assert model.out_activation_ == "exp"
    _check_regressor(model, X_iris)


@pytest.mark.parametrize(
    "activation", [*HIDDEN_ACTIVATIONS, ["leaky_relu", "tanh"], ["logistic", "relu"]]
)
def test_regressor_activations(activation):
    model = BackpropRegressor(
        hidden_layer_sizes=(4, 3), activation=activation, max_iter=30, random_state=0
    )
    _check_regressor(model.fit(X_iris, X_iris[:, 0]), X_iris)


@pytest.mark.parametrize("target", ["binary", "multiclass"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_logistic_regression(target, fit_intercept):
    model = LogisticRegressionGD(fit_intercept=fit_intercept, max_iter=30)
    model.fit(X_OF[target], TARGETS[target])
    _check_classifier(model, X_OF[target])


def test_integer_input_and_boolean_labels():
    X = np.round(2 * X_iris).astype(np.int64)
    model = LogisticRegressionGD(max_iter=30).fit(X, y_iris == 1)
    label, proba = _run(model, X, options={LogisticRegressionGD: {"zipmap": False}})
    np.testing.assert_array_equal(label, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=TOL)


@pytest.mark.parametrize(
    "model",
    [
        BackpropClassifier((5,), max_iter=30, random_state=0),
        LogisticRegressionGD(max_iter=30),
    ],
    ids=["BackpropClassifier", "LogisticRegressionGD"],
)
def test_pipeline(model):
    X = (X_iris * 3 + 5).astype(np.float32)  # unscaled: the scaler matters
    pipe = make_pipeline(StandardScaler(), model).fit(X, y_iris)
    label, proba = _run(pipe, X, options={id(model): {"zipmap": False}})
    np.testing.assert_array_equal(label, pipe.predict(X))
    np.testing.assert_allclose(proba, pipe.predict_proba(X), rtol=0, atol=TOL)


def test_regressor_pipeline():
    X = (X_iris * 3 + 5).astype(np.float32)
    model = BackpropRegressor(hidden_layer_sizes=(5,), max_iter=30, random_state=0)
    pipe = make_pipeline(StandardScaler(), model).fit(X, X_iris[:, :2])
    (value,) = _run(pipe, X)
    np.testing.assert_allclose(value, pipe.predict(X), rtol=0, atol=TOL)


@pytest.mark.parametrize("target", list(TARGETS))
def test_zipmap(target):
    model = _classifier(target)
    X = X_OF[target].astype(np.float32)
    label, maps = _run(model, X)  # zipmap=True: the default
    np.testing.assert_array_equal(label, model.predict(X))
    keys = list(maps[0])
    assert keys == list(model.classes_)
    proba = np.array([[row[key] for key in keys] for row in maps])
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=TOL)


def test_zipmap_columns():
    model = _classifier("multiclass")
    X = X_iris.astype(np.float32)
    label, *columns = _run(
        model, X, options={BackpropClassifier: {"zipmap": "columns"}}
    )
    np.testing.assert_array_equal(label, model.predict(X))
    proba = np.column_stack(columns)
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=TOL)


def test_nocl_gives_class_indices():
    model = _classifier("binary")
    X = X_bin.astype(np.float32)
    label, _ = _run(model, X, options={id(model): {"zipmap": False, "nocl": True}})
    expected = np.searchsorted(model.classes_, model.predict(X))
    np.testing.assert_array_equal(label, expected)


def test_float64_with_zipmap_is_refused():
    model = _classifier("multiclass")
    with pytest.raises(ValueError, match="float64 inputs with the option zipmap"):
        skl2onnx.to_onnx(model, X_iris[:1])


@pytest.mark.parametrize(
    "model", [BackpropClassifier, BackpropRegressor, LogisticRegressionGD]
)
def test_an_unfitted_model_is_refused_as_not_fitted(model):
    with pytest.raises(NotFittedError, match=f"This {model.__name__} instance"):
        skl2onnx.to_onnx(model(), X_iris[:1].astype(np.float32))


def test_missing_skl2onnx_names_the_extra():
    code = (
        "import sys\n"
        "sys.modules['skl2onnx'] = None  # as if it were not installed\n"
        "import skbackprop.onnx\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert 'pip install "skbackprop[onnx]"' in done.stderr
