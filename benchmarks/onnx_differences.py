"""How far ONNX Runtime's outputs are from the model's, for every configuration.

For each configuration skbackprop can fit (every hidden activation and one
list of per-layer activations; binary, multiclass and multilabel targets; no
hidden layer; every regression loss with one and two outputs;
LogisticRegressionGD; a scaler in front), it fits a small model on iris,
exports it with ``skl2onnx.to_onnx`` after ``import skbackprop.onnx`` (with a
float32 and with a float64 sample), runs the graph with ONNX Runtime, and
prints whether the labels equal ``predict``'s and the largest absolute
difference from ``predict_proba`` (classifiers) or ``predict`` (regressors).
The models are fitted in float64, so the float32 rows compare a float32 graph
with predictions from float64 weights. Needs the ``onnx`` extra. Run from the
repository root::

    python benchmarks/onnx_differences.py
"""

import warnings

import numpy as np
import onnxruntime as ort
from skl2onnx import to_onnx
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skbackprop.onnx  # noqa: F401  (registers the converters)
from skbackprop import BackpropClassifier, BackpropRegressor, LogisticRegressionGD
from skbackprop.core.activations import HIDDEN_ACTIVATIONS

LOSSES = ["squared_error", "poisson", "absolute_error", "huber", "quantile"]


def data():
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    targets = {
        "binary": (X[:100], np.where(y[:100] == 0, "setosa", "versicolor")),
        "multiclass": (X, y),
        "multilabel": (X, (X[:, :3] > 0).astype(int)),
    }
    return X, targets


def run(model, X, options=None):
    onx = to_onnx(model, X[:1], options=options)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"X": X})


def classifier_rows(name, model, X):
    final = model[-1] if hasattr(model, "steps") else model
    for dtype in (np.float32, np.float64):
        Xd = X.astype(dtype)
        label, proba = run(model, Xd, {id(final): {"zipmap": False}})
        same = bool((label == model.predict(Xd)).all())
        diff = float(np.abs(proba - model.predict_proba(Xd)).max())
        yield name, dtype.__name__, same, diff


def regressor_rows(name, model, X):
    for dtype in (np.float32, np.float64):
        Xd = X.astype(dtype)
        (values,) = run(model, Xd)
        expected = model.predict(Xd).reshape(len(X), -1)
        yield name, dtype.__name__, "-", float(np.abs(values - expected).max())


def configurations(X, targets):
    for activation in [*HIDDEN_ACTIVATIONS, ["tanh", "leaky_relu"]]:
        for target, (Xt, y) in targets.items():
            model = BackpropClassifier(
                (4, 3),
                activation=activation,
                max_iter=30,
                learning_rate_init=0.05,
                random_state=0,
            ).fit(Xt, y)
            yield from classifier_rows(
                f"BackpropClassifier {activation} {target}", model, Xt
            )
    for target, (Xt, y) in targets.items():
        model = BackpropClassifier(
            (), loss="squared_error", max_iter=30, random_state=0
        ).fit(Xt, y)
        yield from classifier_rows(
            f"BackpropClassifier no hidden layer, squared_error {target}", model, Xt
        )
    for loss in LOSSES:
        for k in (1, 2):
            y = np.exp(0.5 * X[:, :k]) if loss == "poisson" else X[:, :k]
            y = y.ravel() if k == 1 else y
            model = BackpropRegressor(loss, (4, 3), max_iter=30, random_state=0)
            model.fit(X, y)
            yield from regressor_rows(
                f"BackpropRegressor {loss} ({model.out_activation_}), {k} output(s)",
                model,
                X,
            )
    for activation in HIDDEN_ACTIVATIONS:
        model = BackpropRegressor(
            hidden_layer_sizes=(4, 3), activation=activation, max_iter=30
        ).fit(X, X[:, 0])
        yield from regressor_rows(f"BackpropRegressor {activation}", model, X)
    for target in ("binary", "multiclass"):
        Xt, y = targets[target]
        model = LogisticRegressionGD(max_iter=30).fit(Xt, y)
        yield from classifier_rows(f"LogisticRegressionGD {target}", model, Xt)
    Xs = X * 3 + 5
    y = targets["multiclass"][1]
    scaled = make_pipeline(
        StandardScaler(), BackpropClassifier((5,), max_iter=30, random_state=0)
    ).fit(Xs, y)
    yield from classifier_rows(
        "Pipeline(StandardScaler, BackpropClassifier)", scaled, Xs
    )
    scaled = make_pipeline(
        StandardScaler(),
        BackpropRegressor(hidden_layer_sizes=(5,), max_iter=30, random_state=0),
    ).fit(Xs, X[:, :2])
    yield from regressor_rows(
        "Pipeline(StandardScaler, BackpropRegressor), 2 outputs", scaled, Xs
    )


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 30 epochs: small models
    rows = list(configurations(*data()))
    width = max(len(row[0]) for row in rows)
    print(f"| {'configuration':<{width}} | dtype | labels equal | max abs diff |")
    print(f"| {'-' * width} | --- | --- | --- |")
    for name, dtype, same, diff in rows:
        print(f"| {name:<{width}} | {dtype} | {same} | {diff:.2e} |")
    worst = {
        dtype: max(row[3] for row in rows if row[1] == dtype)
        for dtype in ("float32", "float64")
    }
    print(
        f"\nworst float32: {worst['float32']:.2e}; worst float64: "
        f"{worst['float64']:.2e}; all labels equal: "
        f"{all(row[2] in (True, '-') for row in rows)}"
    )


if __name__ == "__main__":
    main()
