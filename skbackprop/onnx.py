"""ONNX export through skl2onnx.

Importing this module registers a converter with skl2onnx for
:class:`~skbackprop.BackpropClassifier`, :class:`~skbackprop.BackpropRegressor`
and :class:`~skbackprop.LogisticRegressionGD`. After ``import
skbackprop.onnx``, ``skl2onnx.to_onnx(model, X_sample)`` converts them as it
converts scikit-learn's own estimators, alone or inside a pipeline, and ONNX
Runtime (or any ONNX backend) predicts with the resulting graph. The module
needs the ``onnx`` extra: ``pip install "skbackprop[onnx]"``.

Every fitted configuration converts: each hidden activation (``identity``,
``logistic``, ``tanh``, ``relu``, ``leaky_relu``), one name for all hidden
layers or one per layer, binary, multiclass and multilabel classification,
single- and multi-output regression, and each output activation (softmax,
logistic, identity, and the exp of the Poisson loss).

A classifier's graph has skl2onnx's two outputs: ``label``, what ``predict``
returns (for multilabel targets the 0/1 indicator matrix, as for
``MLPClassifier``), and ``probabilities``, what ``predict_proba`` returns
(binary classifiers give both columns). skl2onnx's classifier options apply:
``zipmap`` (``True``, the default, gives the probabilities as a list of
dictionaries; ``False`` as a tensor; ``"columns"`` one output per class) and
``nocl`` (class indices instead of class labels). A regressor's graph has
one output, ``variable``, of shape ``(n_samples, n_outputs)``.

The graph computes in the element type of its input: ``float32`` for a
float32 sample (or skl2onnx's ``FloatTensorType``),
``float64`` for a float64 one (``DoubleTensorType``); int64 inputs are cast to
float32. ONNX's ``ZipMap`` operator takes float32 probabilities only, so
a float64 classifier is converted with ``zipmap=False`` (or ``"columns"``).

Notes
-----
The labels are those of ``predict``: the class of the largest probability
(multiclass), of a probability above 1/2 (binary and multilabel networks) or
of a positive logit (binary :class:`~skbackprop.LogisticRegressionGD`).
Integer, boolean and float class labels (floats with integer values, as
the estimators accept them) are exported as int64 labels, as skl2onnx
exports scikit-learn's; string labels as strings.

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_iris
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> import skbackprop.onnx  # registers the converters
>>> from skbackprop import BackpropClassifier
>>> X, y = load_iris(return_X_y=True)
>>> X = X.astype(np.float32)
>>> model = make_pipeline(
...     StandardScaler(),
...     BackpropClassifier((8,), solver="lbfgs", max_iter=500, random_state=0),
... ).fit(X, y)
>>> onx = to_onnx(model, X[:1], options={BackpropClassifier: {"zipmap": False}})
>>> session = ort.InferenceSession(
...     onx.SerializeToString(), providers=["CPUExecutionProvider"])
>>> [output.name for output in session.get_outputs()]
['label', 'probabilities']
>>> label, proba = session.run(None, {"X": X})
>>> bool((label == model.predict(X)).all())
True
>>> bool(np.abs(proba - model.predict_proba(X)).max() < 1e-5)
True
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils import (
        check_input_and_output_numbers,
        check_input_and_output_types,
    )
except ImportError as exc:  # pragma: no cover - the test extra installs it
    raise ImportError(
        "skbackprop.onnx needs skl2onnx: install the onnx extra with "
        'pip install "skbackprop[onnx]".'
    ) from exc

from ._logistic import LogisticRegressionGD
from ._mlp import BackpropClassifier, BackpropRegressor, _check_activations
from .core.activations import LEAKY_RELU_SLOPE

__all__ = ["ONNX_ACTIVATIONS"]

#: The ONNX operator and attributes of each activation, hidden or output.
ONNX_ACTIVATIONS = {
    "identity": ("Identity", {}),
    "logistic": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("Relu", {}),
    # max(z, 0.01 z), as skbackprop computes it: ONNX Runtime has no float64
    # LeakyRelu
    "leaky_relu": ("Max", {}),
    # on a 2-d input every opset's Softmax normalises the rows
    "softmax": ("Softmax", {"axis": 1}),
    "exp": ("Exp", {}),
}

_GOOD_INPUT_TYPES = [FloatTensorType, DoubleTensorType, Int64TensorType]


# ----------------------------------------------------------------- shapes
def _float_type(operator):
    """The tensor type the graph computes in: double for a double input."""
    if isinstance(operator.inputs[0].type, DoubleTensorType):
        return DoubleTensorType
    return FloatTensorType


def _class_labels(model, nocl=False):
    """The class labels as ONNX stores them, and the label tensor type."""
    classes = np.asarray(model.classes_)
    if nocl:
        return np.arange(len(classes), dtype=np.int64), Int64TensorType
    if classes.dtype.kind in "biuf":
        # float labels have integer values: the estimators reject the others
        # as continuous targets
        return classes.astype(np.int64), Int64TensorType
    return np.array([str(c).encode("utf-8") for c in classes]), StringTensorType


def _is_multilabel(model):
    binarizer = getattr(model, "_label_binarizer", None)
    return binarizer is not None and binarizer.y_type_.startswith("multilabel")


def _classifier_shapes(operator):
    """Shapes and types of ``label`` and ``probabilities``."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    check_input_and_output_types(operator, good_input_types=_GOOD_INPUT_TYPES)
    model = operator.raw_operator
    check_is_fitted(model)
    options = operator.scope_inst.get_options(model, {"zipmap": True, "nocl": False})
    float_type = _float_type(operator)
    if options["zipmap"] is True and float_type is DoubleTensorType:
        raise ValueError(
            f"Cannot export {type(model).__name__} for float64 inputs with the "
            "option zipmap=True: ONNX's ZipMap takes float32 probabilities "
            "only. Pass options={... : {'zipmap': False}} or a float32 sample."
        )
    classes, label_type = _class_labels(model, options["nocl"])
    N = operator.inputs[0].get_first_dimension()
    n_classes = len(classes)
    if _is_multilabel(model):
        operator.outputs[0].type = Int64TensorType([N, n_classes])
    else:
        operator.outputs[0].type = label_type([N])
    operator.outputs[1].type = float_type([N, n_classes])


def _regressor_shapes(operator):
    """Shape and type of ``variable``: ``(n_samples, n_outputs)``."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    check_input_and_output_types(operator, good_input_types=_GOOD_INPUT_TYPES)
    model = operator.raw_operator
    check_is_fitted(model)
    N = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _float_type(operator)([N, model.n_outputs_])


# ------------------------------------------------------------------ graph
class _Graph:
    """Adds nodes and constants to a converter's graph under unique names.

    Every tensor is computed in one float type: float64 for a double input,
    float32 otherwise (an int64 input is cast to it).
    """

    def __init__(self, scope, operator, container):
        self.scope = scope
        self.container = container
        if _float_type(operator) is DoubleTensorType:
            self.dtype, self.proto = np.float64, TensorProto.DOUBLE
        else:
            self.dtype, self.proto = np.float32, TensorProto.FLOAT
        self.X = operator.inputs[0].full_name
        if not isinstance(operator.inputs[0].type, FloatTensorType | DoubleTensorType):
            self.X = self.node("Cast", [self.X], to=self.proto)

    def constant(self, value, hint="constant"):
        """A float tensor, a tensor of int64 or of byte strings, in the graph."""
        value = np.asarray(value)
        if value.dtype.kind == "S":
            proto, content = TensorProto.STRING, value.ravel().tolist()
        elif value.dtype == np.int64:
            proto, content = TensorProto.INT64, value.ravel()
        else:
            proto, content = self.proto, value.astype(self.dtype).ravel()
        name = self.scope.get_unique_variable_name(hint)
        self.container.add_initializer(name, proto, list(value.shape), content)
        return name

    def node(self, op_type, inputs, output=None, op_domain="", **attrs):
        """Add one node; return the name of its output."""
        if output is None:
            output = self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            inputs,
            output,
            name=self.scope.get_unique_operator_name(op_type),
            op_domain=op_domain,
            **attrs,
        )
        return output

    def activation(self, name, Z, output=None):
        """The activation ``name`` applied to ``Z``."""
        op_type, attrs = ONNX_ACTIVATIONS[name]
        if name == "leaky_relu":
            slope = self.constant(LEAKY_RELU_SLOPE, "slope")
            return self.node(op_type, [Z, self.node("Mul", [Z, slope])], output)
        return self.node(op_type, [Z], output, **attrs)

    def logits(self, coefs, intercepts, activations):
        """The output layer's pre-activation: the forward pass up to it."""
        A = self.X
        for W, b, name in zip(coefs, intercepts, [*activations, None]):
            Z = self.node("MatMul", [A, self.constant(W, "coefficient")])
            Z = self.node("Add", [Z, self.constant(b.reshape(1, -1), "intercept")])
            A = Z if name is None else self.activation(name, Z)
        return A

    def labels(self, model, index, output):
        """``classes_[index]`` (or ``index`` with ``nocl``) for an int64 index."""
        nocl = self.container.get_options(model, {"nocl": False})["nocl"]
        classes, _ = _class_labels(model, nocl)
        self.node("Gather", [self.constant(classes, "classes"), index], output)

    def above(self, T, threshold):
        """``T > threshold`` as int64: the index of the positive class."""
        positive = self.node("Greater", [T, self.constant(threshold, "threshold")])
        return self.node("Cast", [positive], to=TensorProto.INT64)

    def flat(self, T):
        """``T`` reshaped to one dimension."""
        shape = self.constant(np.array([-1], dtype=np.int64), "shape")
        return self.node("Reshape", [T, shape])


def _hidden_activations(model):
    """The fitted network's hidden activations, checked to be exportable."""
    names = _check_activations(model.activation, len(model.coefs_) - 1)
    for name in [*names, model.out_activation_]:
        if name not in ONNX_ACTIVATIONS:
            raise ValueError(
                f"Cannot export {type(model).__name__} with the activation "
                f"{name!r}: exportable activations are {sorted(ONNX_ACTIVATIONS)}."
            )
    return names


# ------------------------------------------------------------- converters
def _convert_mlp_classifier(scope, operator, container):
    """Graph of ``BackpropClassifier``: ``predict`` and ``predict_proba``."""
    model = operator.raw_operator
    label, proba = (output.full_name for output in operator.outputs)
    g = _Graph(scope, operator, container)
    Z = g.logits(model.coefs_, model.intercepts_, _hidden_activations(model))
    if _is_multilabel(model):
        P = g.activation(model.out_activation_, Z, proba)
        g.node("Identity", [g.above(P, 0.5)], label)
    elif model.n_outputs_ == 1:  # binary: P is the probability of classes_[1]
        P = g.activation(model.out_activation_, Z)
        Q = g.node("Sub", [g.constant(1.0, "one"), P])
        g.node("Concat", [Q, P], proba, axis=1)
        g.labels(model, g.flat(g.above(P, 0.5)), label)
    else:
        P = g.activation(model.out_activation_, Z, proba)
        g.labels(model, g.node("ArgMax", [P], axis=1, keepdims=0), label)


def _convert_regressor(scope, operator, container):
    """Graph of ``BackpropRegressor``: ``predict`` as ``(n_samples, n_outputs)``."""
    model = operator.raw_operator
    g = _Graph(scope, operator, container)
    Z = g.logits(model.coefs_, model.intercepts_, _hidden_activations(model))
    g.activation(model.out_activation_, Z, operator.outputs[0].full_name)


def _convert_logistic(scope, operator, container):
    """Graph of ``LogisticRegressionGD``, as ``LogisticRegression``'s."""
    model = operator.raw_operator
    label, proba = (output.full_name for output in operator.outputs)
    g = _Graph(scope, operator, container)
    Z = g.logits([model.coef_.T], [model.intercept_], [])
    if model.coef_.shape[0] == 1:
        # sigmoid(-z) and sigmoid(z), as predict_proba computes them
        both = g.node("Concat", [g.node("Neg", [Z]), Z], axis=1)
        g.activation("logistic", both, proba)
        g.labels(model, g.flat(g.above(Z, 0.0)), label)
    else:
        g.activation("softmax", Z, proba)
        g.labels(model, g.node("ArgMax", [Z], axis=1, keepdims=0), label)


# ----------------------------------------------------------- registration
_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True]}


def _parse_fitted_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser, for a fitted model only.

    The parser reads ``classes_`` first: an unfitted model would fail there
    with skl2onnx's "No known ways to retrieve the number of classes".
    """
    check_is_fitted(model)
    # the parser skl2onnx itself registers for a classifier with "zipmap"
    from skl2onnx._parse import _parse_sklearn_classifier

    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers)


for _model, _shapes, _convert, _options in [
    (BackpropClassifier, _classifier_shapes, _convert_mlp_classifier, True),
    (BackpropRegressor, _regressor_shapes, _convert_regressor, False),
    (LogisticRegressionGD, _classifier_shapes, _convert_logistic, True),
]:
    # A classifier's "zipmap" option makes skl2onnx parse it as its own
    # classifiers: label and probabilities, then the ZipMap the option asks for.
    update_registered_converter(
        _model,
        f"Skbackprop{_model.__name__}",
        _shapes,
        _convert,
        options=_CLASSIFIER_OPTIONS if _options else None,
        parser=_parse_fitted_classifier if _options else None,
    )
del _model, _shapes, _convert, _options
