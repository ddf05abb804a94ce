"""To and from scikit-learn: the fitted model as the other library's estimator.

:func:`to_sklearn` gives the scikit-learn estimator a fitted model of ours
is a configuration of (:class:`~sklearn.neural_network.MLPClassifier`,
:class:`~sklearn.neural_network.MLPRegressor`,
:class:`~sklearn.linear_model.LogisticRegression`), and :func:`from_sklearn`
the reverse. The weights, the fitted attributes and the parameters both have
are carried over, and so is what continues training: the optimizer's state
(momentum, Adam's moments and step count), the learning rate and the
stopping rule's count, so that ``partial_fit`` or a warm start goes on as the
original would. What the other library cannot represent is a clear
``ValueError`` naming it.
"""

import copy

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import check_two_classes
from ._training import TrainingState
from .core.optimizers import SGD, Adam

_OURS = ("BackpropClassifier", "BackpropRegressor", "LogisticRegressionGD")
# Parameters of the same name that mean something else in the other library.
_NOT_SHARED = {"LogisticRegressionGD": {"solver"}, "LogisticRegression": {"solver"}}
# Our extra parameters, at the values that mean "as scikit-learn does".
_SKLEARN_VALUES = {
    "init": ("glorot_uniform",),
    "dropout": (0.0,),
    "class_weight": (None,),
    "early_stopping_metric": ("accuracy", "r2"),
    "learning_rate": ("constant", "invscaling", "adaptive"),
    "solver": ("lbfgs", "sgd", "adam"),
}


def _sklearn_class(cls):
    """The scikit-learn class of which our class ``cls`` is a drop-in."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    return {
        "BackpropClassifier": MLPClassifier,
        "BackpropRegressor": MLPRegressor,
        "LogisticRegressionGD": LogisticRegression,
    }[_our_name(cls)]


def _our_name(cls):
    """The name of the public estimator ``cls`` is, or derives from."""
    for klass in cls.__mro__:
        if klass.__name__ in _OURS and klass.__module__.startswith("skbackprop."):
            return klass.__name__
    raise TypeError(f"{cls.__name__} is not an estimator of skbackprop.")


def _shared_params(source, target_cls):
    """``source``'s parameters that ``target_cls`` has too (same name and meaning)."""
    names = set(target_cls().get_params(deep=False))
    names -= _NOT_SHARED.get(type(source).__name__, set())
    names -= _NOT_SHARED.get(target_cls.__name__, set())
    return {k: v for k, v in source.get_params(deep=False).items() if k in names}


def _flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays])


def _split(vector, like):
    """``vector`` cut into arrays shaped as the arrays of ``like``."""
    out, start = [], 0
    for a in like:
        out.append(vector[start : start + a.size].reshape(a.shape).copy())
        start += a.size
    return out


# ------------------------------------------------------------------- to
def _unsupported_mlp(est):
    """What of ``est``'s configuration ``MLPClassifier``/``MLPRegressor`` lacks."""
    problems = []
    activation = est.activation
    if not isinstance(activation, str):
        names = set(activation)
        if len(names) > 1:
            problems.append(f"activation={list(activation)!r} (one per layer)")
        activation = names.pop() if names else "relu"
    if activation == "leaky_relu":
        problems.append("activation='leaky_relu'")
    regressor = _our_name(type(est)) == "BackpropRegressor"
    losses = ("squared_error", "poisson") if regressor else ("log_loss",)
    if est.loss not in losses:
        problems.append(f"loss={est.loss!r}")
    for name, values in _SKLEARN_VALUES.items():
        value = getattr(est, name, values[0])
        if value not in values:
            problems.append(f"{name}={value!r}")
    return problems, activation


def to_sklearn(est):
    """The fitted scikit-learn estimator ``est`` is a configuration of."""
    check_is_fitted(est)
    target = _sklearn_class(type(est))
    if hasattr(est, "coef_"):
        return _logistic_to_sklearn(est, target)
    problems, activation = _unsupported_mlp(est)
    if problems:
        raise ValueError(
            f"{type(est).__name__} has no {target.__name__} counterpart with "
            f"{', '.join(problems)}: scikit-learn has no such option."
        )
    params = _shared_params(est, target)
    params["activation"] = activation
    mlp = target(**params)
    _copy_attributes(est, mlp, *_MLP_FITTED, "best_loss_", "best_validation_score_")
    mlp.loss_curve_ = list(est.loss_curve_)
    if hasattr(est, "validation_scores_"):
        scores = est.validation_scores_
        mlp.validation_scores_ = None if scores is None else list(scores)
    if hasattr(est, "_label_binarizer"):
        mlp._label_binarizer = copy.deepcopy(est._label_binarizer)
    # what MLPClassifier's partial_fit and warm start read
    state = getattr(est, "_state", None) or TrainingState()
    mlp._no_improvement_count = state.no_improvement_count
    best = state.best_params
    if best is None:
        best = _flat([*est.coefs_, *est.intercepts_])
    n_coefs = sum(c.size for c in est.coefs_)
    mlp._best_coefs = _split(best[:n_coefs], est.coefs_)
    mlp._best_intercepts = _split(best[n_coefs:], est.intercepts_)
    optimizer = getattr(est, "_optimizer", None)
    if optimizer is not None and est.solver in ("sgd", "adam"):
        mlp._optimizer = _sklearn_optimizer(mlp, optimizer, state)
    return mlp


def _sklearn_optimizer(mlp, optimizer, state):
    from sklearn.neural_network._stochastic_optimizers import (
        AdamOptimizer,
        SGDOptimizer,
    )

    params = mlp.coefs_ + mlp.intercepts_
    if isinstance(optimizer, Adam):
        opt = AdamOptimizer(
            params, mlp.learning_rate_init, mlp.beta_1, mlp.beta_2, mlp.epsilon
        )
        opt.t = optimizer.t
        opt.ms = _split(optimizer.m, params)
        opt.vs = _split(optimizer.v, params)
        return opt
    opt = SGDOptimizer(
        params,
        mlp.learning_rate_init,
        mlp.learning_rate,
        mlp.momentum,
        mlp.nesterovs_momentum,
        mlp.power_t,
    )
    opt.velocities = _split(optimizer.velocity, params)
    if state.learning_rate is not None:
        opt.learning_rate = state.learning_rate
    return opt


def _logistic_to_sklearn(est, target):
    params = _shared_params(est, target)
    if est.l1_ratio > 0:
        params["solver"] = "saga"  # LogisticRegression's solver for L1 parts
    lr = target(**params)
    lr.coef_ = est.coef_.copy()
    lr.intercept_ = est.intercept_.copy()
    lr.n_iter_ = np.atleast_1d(np.max(est.n_iter_)).astype(np.int32)
    _copy_attributes(est, lr, "classes_", "n_features_in_", "feature_names_in_")
    return lr


# The fitted attributes an MLP of ours and one of scikit-learn's share.
_MLP_FITTED = (
    "coefs_",
    "intercepts_",
    "n_features_in_",
    "feature_names_in_",
    "classes_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "n_iter_",
    "t_",
    "loss_",
)


def _copied(value):
    if isinstance(value, list):  # coefs_, intercepts_: a copy of each array
        return [_copied(v) for v in value]
    return value.copy() if hasattr(value, "copy") else value


def _copy_attributes(source, target, *names):
    for name in names:
        if hasattr(source, name):
            setattr(target, name, _copied(getattr(source, name)))


# ----------------------------------------------------------------- from
def from_sklearn(cls, estimator):
    """The estimator of class ``cls`` equal to the fitted scikit-learn ``estimator``."""
    expected = _sklearn_class(cls)
    if not isinstance(estimator, expected):
        raise TypeError(
            f"{cls.__name__}.from_sklearn expects a fitted {expected.__name__}, "
            f"got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    binarizer = getattr(estimator, "_label_binarizer", None)
    if binarizer is not None and binarizer.y_type_ != "multilabel-indicator":
        # MLPClassifier fits a single class; the estimators here refuse it,
        # as LogisticRegression does
        check_two_classes(estimator.classes_)
    if hasattr(estimator, "coef_"):
        return _logistic_from_sklearn(cls, estimator)
    est = cls(**_shared_params(estimator, cls))
    _copy_attributes(estimator, est, *_MLP_FITTED)
    if hasattr(estimator, "_label_binarizer"):
        est._label_binarizer = copy.deepcopy(estimator._label_binarizer)
    loss_curve = list(getattr(estimator, "loss_curve_", []))
    est.loss_curve_ = loss_curve
    state = TrainingState(
        n_iter=est.n_iter_, t=est.t_, loss=est.loss_, loss_curve=loss_curve
    )
    if estimator.solver != "lbfgs":
        scores = getattr(estimator, "validation_scores_", None)
        est.validation_scores_ = None if scores is None else list(scores)
        est.best_loss_ = estimator.best_loss_
        est.best_validation_score_ = getattr(estimator, "best_validation_score_", None)
        state.validation_scores = est.validation_scores_
        if scores is not None:
            # scikit-learn does not record the validation loss: unknown
            est.validation_loss_curve_ = [np.nan] * len(scores)
            state.validation_loss_curve = est.validation_loss_curve_
        state.best_loss = est.best_loss_
        state.best_validation_score = est.best_validation_score_
        state.no_improvement_count = getattr(estimator, "_no_improvement_count", 0)
        state.schedule_epoch = est.n_iter_
        if estimator.early_stopping and hasattr(estimator, "_best_coefs"):
            # the weights kept so far: a warm start compares with them
            best = estimator._best_coefs + estimator._best_intercepts
            state.best_params = _flat(best)
        optimizer = getattr(estimator, "_optimizer", None)
        if optimizer is not None:
            est._optimizer, state.learning_rate = _our_optimizer(estimator, optimizer)
    est._state = state
    return est


def _our_optimizer(mlp, optimizer):
    """Our optimizer with ``MLPClassifier``'s state, and its learning rate."""
    params = _flat(mlp.coefs_ + mlp.intercepts_)
    if hasattr(optimizer, "ms"):
        ours = Adam(params, mlp.learning_rate_init, mlp.beta_1, mlp.beta_2, mlp.epsilon)
        ours.t = optimizer.t
        ours.m = _flat(optimizer.ms).astype(params.dtype)
        ours.v = _flat(optimizer.vs).astype(params.dtype)
        return ours, float(mlp.learning_rate_init)
    ours = SGD(params, optimizer.learning_rate, mlp.momentum, mlp.nesterovs_momentum)
    ours.velocity = _flat(optimizer.velocities).astype(params.dtype)
    return ours, float(optimizer.learning_rate)


def _logistic_from_sklearn(cls, lr):
    params = _shared_params(lr, cls)
    penalty = getattr(lr, "penalty", "deprecated")
    if penalty == "l1":
        params["l1_ratio"] = 1.0
    elif penalty == "l2":
        params["l1_ratio"] = 0.0
    elif penalty is None:
        params["C"] = np.inf
    if params.get("l1_ratio") is None:
        params["l1_ratio"] = 0.0
    est = cls(**params)
    if lr.coef_.shape[0] != (1 if len(lr.classes_) == 2 else len(lr.classes_)):
        raise ValueError(
            f"{cls.__name__}.from_sklearn needs a multinomial or binary "
            f"LogisticRegression; got coef_ of shape {lr.coef_.shape} for "
            f"{len(lr.classes_)} classes."
        )
    est.coef_ = lr.coef_.copy()
    est.intercept_ = np.broadcast_to(
        np.asarray(lr.intercept_, dtype=lr.coef_.dtype), lr.coef_.shape[:1]
    ).copy()
    _copy_attributes(lr, est, "classes_", "n_features_in_", "feature_names_in_")
    n_iter = int(np.max(lr.n_iter_))
    est.n_iter_ = np.array([n_iter], dtype=np.int32)
    est.loss_curve_ = []
    est.validation_loss_curve_ = est.validation_scores_ = None
    est._state = TrainingState(n_iter=n_iter, loss_curve=est.loss_curve_)
    return est
