"""The multilayer perceptrons: drop-ins for MLPClassifier and MLPRegressor.

:class:`BaseMultilayerPerceptron`, on :class:`~skbackprop._base.BaseBackprop`,
fits a network with hidden layers whatever its targets: it builds the
:class:`~skbackprop.core.Network` (drawn as ``MLPClassifier`` draws it),
runs L-BFGS (:func:`~skbackprop.core.optimizers.lbfgs`) or a stochastic
solver (:class:`~skbackprop.core.SGD` or :class:`~skbackprop.core.Adam` with
a schedule, dropout set on the network) through the training loop of
:mod:`skbackprop._training`, with a validation set of its own or the user's.
:class:`BackpropClassifier` adds only what a classifier needs: the encoding of
class labels, class weights, the validation accuracy and the predict methods;
:class:`BackpropRegressor` only what a regressor needs: numeric targets, its
losses (``MLPRegressor``'s two and the robust ones), R^2 and ``predict``.
"""

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    column_or_1d,
    validate_data,
)

from ._base import (
    BaseBackprop,
    check_class_labels,
    check_two_classes,
    fast_validate_data,
    known_label_index,
    seeded_random_state,
)
from ._callbacks import with_callbacks
from ._training import MiniBatches, StoppingRule, TrainingState
from .core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .core.initializers import INITIALIZERS
from .core.losses import IdentitySquaredError, get_loss
from .core.network import Network, logits
from .core.optimizers import SCHEDULES, SGD, Adam, lbfgs

# MLPClassifier ignores ``learning_rate`` for adam; so do we for its names.
_SGD_ONLY_SCHEDULES = ("invscaling", "adaptive")


def _check_hidden_layer_sizes(hidden_layer_sizes):
    if isinstance(hidden_layer_sizes, Integral):
        sizes = [hidden_layer_sizes]
    else:
        sizes = list(hidden_layer_sizes)
    if not all(
        isinstance(k, Integral | np.integer) and not isinstance(k, bool) for k in sizes
    ):
        raise ValueError(
            f"hidden_layer_sizes must contain integers, got {hidden_layer_sizes!r}."
        )
    if any(k <= 0 for k in sizes):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
    return [int(k) for k in sizes]


def _check_activations(activation, n_hidden):
    if isinstance(activation, str):
        return [activation] * n_hidden
    names = list(activation)
    if len(names) != n_hidden:
        raise ValueError(
            f"activation has {len(names)} names for {n_hidden} hidden layers; give "
            "one name for all layers or one per hidden layer."
        )
    for name in names:
        if name not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"Unknown activation {name!r} in activation; choose from "
                f"{sorted(HIDDEN_ACTIVATIONS)}."
            )
    return names


class BaseMultilayerPerceptron(BaseBackprop):
    """What the multilayer perceptrons share: network, solvers, training.

    The fit of a network with hidden layers, whatever its targets: the
    network (with ``MLPClassifier``'s initialisation), L-BFGS, the stochastic
    solvers with their schedules and validation set, and the output-layer
    logits. A subclass says how it encodes targets (``_encode``,
    ``_encode_validation``, ``_decode``), which output activation it uses
    (``_out_activation``), how it scores a validation set
    (``_validation_score``), and what it predicts.
    """

    _full_batch_solver = "lbfgs"
    _partial_fit_unavailable = (
        "partial_fit is only available for stochastic optimizers. "
        "{solver} is not stochastic."
    )

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"lbfgs", "sgd", "adam", "gd"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions(set(SCHEDULES) | {"plateau"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions(set(INITIALIZERS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "lr_decay": [Interval(Real, 0, 1, closed="neither")],
        "lr_step_size": [Interval(Integral, 1, None, closed="left")],
    }

    def _fit(
        self, X, y, sample_weight, classes, validation=(None,) * 3, *, incremental
    ):
        hidden = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        activations = _check_activations(self.activation, len(hidden))
        self._check_fit_arguments(validation, incremental)
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, y, Y, stratify = self._encode(X, y, classes, incremental, first_pass)
        sample_weight = self._sample_weight(sample_weight, X, y, incremental)
        sample_weight, X, y, Y, stratify = self._drop_zero_weights(
            sample_weight, X, y, Y, stratify
        )
        n_outputs = Y.shape[1]
        layer_units = [X.shape[1], *hidden, n_outputs]
        self._random_state = seeded_random_state(self)
        out_activation = self._out_activation()
        network = self._make_network(
            layer_units, activations, out_activation, X.dtype, first_pass
        )
        if first_pass:
            state = TrainingState()
        else:
            state = getattr(self, "_state", None)
            state = TrainingState() if state is None else state.copy()
        fitted = {
            "n_outputs_": n_outputs,
            "n_layers_": len(layer_units),
            "out_activation_": out_activation,
        }

        def reconstruct():
            return {
                "coefs_": [c.copy() for c in network.coefs],
                "intercepts_": [b.copy() for b in network.intercepts],
                "loss_curve_": list(state.loss_curve),
                **fitted,
            }

        if self.solver == "lbfgs":
            solve = partial(self._fit_lbfgs, network, X, Y, sample_weight, state)
        else:
            solve = partial(
                self._fit_stochastic,
                network,
                X,
                Y,
                stratify,
                sample_weight,
                state,
                incremental,
                validation,
            )
        return self._run_fit(
            X, y, sample_weight, network, solve, reconstruct, fitted=fitted
        )

    def _commit(self, network, state, fitted):
        attributes = {
            "_network": network,
            "_state": state,
            "coefs_": network.coefs,
            "intercepts_": network.intercepts,
            **fitted,
            "n_iter_": state.n_iter,
            "t_": state.t,
            "loss_": state.loss,
            "loss_curve_": state.loss_curve,
        }
        if self.solver != "lbfgs":
            attributes["best_loss_"] = state.best_loss
            attributes["validation_scores_"] = state.validation_scores
            attributes["best_validation_score_"] = state.best_validation_score
            if state.validation_loss_curve is not None:
                attributes["validation_loss_curve_"] = state.validation_loss_curve
        # No validation set in this fit: drop an earlier fit's curve.
        drop = (
            () if "validation_loss_curve_" in attributes else ["validation_loss_curve_"]
        )
        self._commit_attributes(attributes, drop)

    def _check_fit_arguments(self, validation, incremental):
        X_val, y_val, sw_val = validation
        if self.dropout > 0 and self.solver == "lbfgs":
            raise ValueError("dropout needs a stochastic solver, not 'lbfgs'.")
        if X_val is None and (y_val is not None or sw_val is not None):
            raise ValueError("y_val and sample_weight_val need X_val.")
        if X_val is not None and y_val is None:
            raise ValueError("X_val needs y_val.")
        if X_val is not None and self.solver == "lbfgs":
            raise ValueError(
                "solver='lbfgs' does not use a validation set: pass X_val only "
                "with the stochastic solvers ('adam', 'sgd', 'gd')."
            )
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")

    def _in_model_dtype(self, X, first_pass):
        """``X`` in the dtype the model was first fitted with, when it continues.

        As ``MLPClassifier``'s, a model keeps its dtype: a float32 batch given
        to a float64 model is cast to float64, and the other way round.
        """
        return X if first_pass else X.astype(self.coefs_[0].dtype, copy=False)

    def _check_trainable(self):
        """Refuse targets no solver can learn, once the data are checked.

        Called as training starts, after the validation split (whose errors
        come first, as in ``MLPClassifier``).
        """

    def _make_loss(self, out_activation):
        """The network's loss (an object of :mod:`skbackprop.core.losses`)."""
        if self.loss == "log_loss":
            # MLPClassifier clips its probabilities to [eps, 1 - eps] in the
            # loss: the same values, so that saturated fits (L-BFGS's line
            # searches, the stopping rules) run as its fits do
            return get_loss(self.loss, out_activation, clip=True)
        return get_loss(self.loss, out_activation)

    def _make_network(
        self, layer_units, activations, out_activation, dtype, first_pass
    ):
        """The network to train: a new one, or a copy of the fitted one to continue."""
        old = getattr(self, "_network", None)
        loss = self._make_loss(out_activation)
        if (
            not first_pass
            and old is not None
            and old.layer_sizes == layer_units
            and old.dtype == dtype
            and old.activations == activations
            and type(old.loss) is type(loss)
            and vars(old.loss) == vars(loss)
        ):
            network = old.copy()  # shares scratch buffers with the old one
        else:
            network = Network(layer_units, activations, loss, out_activation, dtype)
        network.set_dropout(0.0, None)  # a stochastic fit with dropout sets its own
        if first_pass:
            # MLPClassifier initialises the output layer for the hidden
            # activation, not for the output one: draw its weights.
            if activations:
                last = activations[-1]
            elif isinstance(self.activation, str):
                last = self.activation
            else:
                last = out_activation
            network.initialize(
                self._random_state, self.init, activations=[*activations, last]
            )
        else:
            if [c.shape for c in self.coefs_] != network.shapes:
                raise ValueError(
                    "The network's shape changed since the last fit: "
                    f"{[c.shape for c in self.coefs_]} vs {network.shapes}. Use "
                    "warm_start=False to train a new network."
                )
            network.set_weights(self.coefs_, self.intercepts_)
        return network

    def _divergence_hint(self):
        if self.solver == "lbfgs":
            return "Scale the input data (e.g. StandardScaler) or increase alpha."
        return (
            f"Lower the learning rate (learning_rate_init="
            f"{self.learning_rate_init!r}) or scale the input data."
        )

    def _fit_lbfgs(self, network, X, Y, sample_weight, state, reporter):
        self._check_trainable()
        state.loss_curve = list(state.loss_curve)
        n_before = len(state.loss_curve)  # a warm start continues the curve
        alpha = self.alpha

        def fun_and_grad(x):
            return network.fun_and_grad(x, X, Y, sample_weight, alpha)

        # Until L-BFGS accepts a step, the best weights are the starting ones.
        best, stopped = {"x": network.params.copy()}, []

        def record(intermediate_result):
            best["x"] = intermediate_result.x.copy()  # the last accepted iterate
            state.loss_curve.append(float(intermediate_result.fun))
            if self.verbose:
                print(
                    f"Iteration {len(state.loss_curve)}, "
                    f"loss = {intermediate_result.fun:.8f}"
                )
            stop = reporter.end()
            reporter.begin()
            if stop:
                stopped.append(True)
                raise StopIteration  # a callback asked to stop

        reporter.begin()
        try:
            result = lbfgs(
                fun_and_grad,
                network.params,
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
                callback=record,
            )
        except KeyboardInterrupt:
            # The parameters may hold a line-search trial point: go back to
            # the last iterate L-BFGS accepted (or to the start).
            np.copyto(network.params, best["x"], casting="same_kind")
            self._interrupted(state)
            state.n_iter = len(state.loss_curve) - n_before
            state.loss = state.loss_curve[-1] if state.loss_curve else None
            return state
        finally:
            reporter.close()
        if stopped:  # a callback stopped it: not a convergence failure
            state.n_iter = int(result.nit)
        else:
            state.n_iter = _lbfgs_n_iter(result, self.max_iter)
        state.loss = float(result.fun)
        return state

    def _make_optimizer(self, network):
        if self.solver == "adam":
            return Adam(
                network.params,
                self.learning_rate_init,
                self.beta_1,
                self.beta_2,
                self.epsilon,
            )
        return SGD(
            network.params,
            self.learning_rate_init,
            self.momentum,
            self.nesterovs_momentum,
        )

    def _make_schedule(self):
        name, lr = self.learning_rate, self.learning_rate_init
        if self.solver == "adam" and name in _SGD_ONLY_SCHEDULES:
            name = "constant"
        if name == "invscaling":
            return SCHEDULES[name](lr, self.power_t)
        if name == "adaptive":
            return SCHEDULES[name](lr)
        if name == "plateau":
            return SCHEDULES["adaptive"](lr, factor=1.0 / self.lr_decay)
        if name == "step":
            return SCHEDULES[name](lr, self.lr_step_size, self.lr_decay)
        if name == "cosine":
            return SCHEDULES[name](lr, self.max_iter)
        return SCHEDULES["constant"](lr)

    def _batches(self, X, Y, sample_weight):
        n = X.shape[0]
        if self.solver == "gd":
            batch_size, shuffle = n, False
        elif self.batch_size == "auto":
            batch_size, shuffle = min(200, n), self.shuffle
        else:
            if self.batch_size > n:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than "
                    "sample size. It is going to be clipped"
                )
            batch_size, shuffle = int(np.clip(self.batch_size, 1, n)), self.shuffle
        return MiniBatches(
            X,
            Y,
            sample_weight,
            batch_size=batch_size,
            shuffle=shuffle,
            rng=self._random_state,
        )

    def _fit_stochastic(
        self,
        network,
        X,
        Y,
        stratify,
        sample_weight,
        state,
        incremental,
        validation,
        callbacks,
    ):
        optimizer = self._reusable_optimizer(network, incremental)
        if optimizer is None:
            optimizer = self._make_optimizer(network)
            state.learning_rate = None  # a new optimizer starts at the initial rate
        X_val, y_val, sw_val = validation
        metric = "loss" if self.early_stopping_metric == "loss" else "score"
        monitor = None
        if X_val is not None:
            monitor = self._user_validation(
                X_val, y_val, sw_val, X.dtype, metric, n_outputs=Y.shape[1]
            )
        elif self.early_stopping:
            (X, Y, sample_weight), (X_v, Y_v, sw_v) = self._split_validation(
                X,
                Y,
                sample_weight,
                fraction=self.validation_fraction,
                stratify=stratify,
                rng=self._random_state,
            )
            monitor = self._validation(
                X_v, Y_v, sw_v, self._decode(Y_v), metric=metric, early_stopping=True
            )
        self._check_trainable()
        if self.dropout > 0:
            rng = np.random.default_rng(self._random_state.randint(2**31))
            network.set_dropout(self.dropout, rng)
        self._train(
            network,
            optimizer,
            self._batches(X, Y, sample_weight),
            state,
            schedule=self._make_schedule(),
            stopping=StoppingRule(
                1 if incremental else self.max_iter,
                self.tol,
                self.n_iter_no_change,
                warn=not incremental,
                stop_on_interrupt=not incremental,
            ),
            alpha=self.alpha,
            monitor=monitor,
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self._optimizer = optimizer
        return state

    def _user_validation(self, X_val, y_val, sw_val, dtype, metric, n_outputs):
        X_val, y_val = validate_data(
            self,
            X_val,
            y_val,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=dtype,
            reset=False,
        )
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        Y_val = self._encode_validation(y_val, dtype, n_outputs)
        if sw_val is not None:
            sw_val = _check_sample_weight(
                sw_val, X_val, dtype=dtype, ensure_non_negative=True
            )
        return self._validation(
            X_val,
            Y_val,
            sw_val,
            y_val,
            metric=metric,
            early_stopping=self.early_stopping,
        )

    # -------------------------------------------------------------- predict
    def _logits(self, X):
        X = self._validate_X(X)
        coefs, intercepts = self._fitted("coefs_", "intercepts_")
        activations = _check_activations(self.activation, len(coefs) - 1)
        with np.errstate(over="ignore", invalid="ignore"):
            Z = logits(X, coefs, intercepts, activations)
        return self._check_logits(Z)

    # ---------------------------------------------------------- conversion
    def to_sklearn(self):
        """The fitted model as scikit-learn's ``MLPClassifier`` or ``MLPRegressor``.

        The weights, the fitted attributes, the parameters both estimators
        have, and what continues training (the optimizer's state, the
        learning rate, the stopping rule's count): the result predicts what
        this model predicts and trains on with ``partial_fit`` or a warm
        start. Where scikit-learn has no such configuration, it raises.

        Returns
        -------
        estimator : MLPClassifier or MLPRegressor
            A fitted scikit-learn estimator.

        Raises
        ------
        ValueError
            Naming what scikit-learn has no option for: one activation per
            layer, ``leaky_relu``, a loss of ours, class weights, dropout,
            ``solver="gd"``, a schedule or an initialisation of ours, early
            stopping on the loss.

        See Also
        --------
        from_sklearn : The reverse conversion.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skbackprop import BackpropClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = BackpropClassifier((8,), solver="lbfgs", random_state=0)
        >>> mlp = clf.fit(X, y).to_sklearn()
        >>> type(mlp).__name__
        'MLPClassifier'
        >>> bool((mlp.predict_proba(X) == clf.predict_proba(X)).all())
        True
        """
        from ._convert import to_sklearn

        return to_sklearn(self)

    @classmethod
    def from_sklearn(cls, estimator):
        """A model of this class from a fitted ``MLPClassifier`` or ``MLPRegressor``.

        The weights, fitted attributes and parameters are carried over, and
        with a stochastic solver the optimizer's state, so that
        ``partial_fit`` and warm starts continue where scikit-learn stopped.

        Parameters
        ----------
        estimator : MLPClassifier or MLPRegressor
            A fitted scikit-learn estimator: ``MLPClassifier`` for
            :class:`BackpropClassifier`, ``MLPRegressor`` for
            :class:`BackpropRegressor`.

        Returns
        -------
        model : BackpropClassifier or BackpropRegressor
            A fitted model of this class.

        Raises
        ------
        TypeError
            When ``estimator`` is of another class.
        sklearn.exceptions.NotFittedError
            When ``estimator`` is not fitted.

        See Also
        --------
        to_sklearn : The reverse conversion.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.neural_network import MLPClassifier
        >>> from skbackprop import BackpropClassifier
        >>> from sklearn.preprocessing import scale
        >>> X, y = load_iris(return_X_y=True)
        >>> X = scale(X)
        >>> mlp = MLPClassifier((8,), solver="lbfgs", max_iter=1000,
        ...                     random_state=0).fit(X, y)
        >>> clf = BackpropClassifier.from_sklearn(mlp)
        >>> bool((clf.predict(X) == mlp.predict(X)).all())
        True
        """
        from ._convert import from_sklearn

        return from_sklearn(cls, estimator)


class BackpropClassifier(ClassifierMixin, BaseMultilayerPerceptron):
    """Multi-layer perceptron classifier trained by backpropagation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, defaults, fitted attributes, methods and warnings,
    on a faster NumPy core (:mod:`skbackprop.core`). It adds class weights, a
    decision function, the quadratic loss, per-layer activations and
    ``leaky_relu``, a choice of weight initialisation, dropout, full-batch
    gradient descent (``solver="gd"``), a user-supplied validation set,
    learning-rate schedules for every stochastic solver, and a loss curve for
    L-BFGS.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : str or list of str, default="relu"
        Activation of the hidden layers: ``"identity"``, ``"logistic"``,
        ``"tanh"``, ``"relu"`` or ``"leaky_relu"`` (slope 0.01), for every
        hidden layer, or a list with one name per hidden layer.

    solver : {"lbfgs", "sgd", "adam", "gd"}, default="adam"
        Weight optimizer: ``"lbfgs"`` (full-batch quasi-Newton), ``"sgd"``
        (mini-batch stochastic gradient descent with momentum), ``"adam"``
        (Kingma and Ba's stochastic optimizer), or ``"gd"``: full-batch
        gradient descent, the textbook loop (``"sgd"`` with one batch of all
        samples and no shuffling; set ``momentum=0`` for the plain update).

    alpha : float, default=0.0001
        Strength of the L2 penalty, divided by the sum of sample weights.

    batch_size : int or "auto", default="auto"
        Mini-batch size for the stochastic solvers; ``"auto"`` is
        ``min(200, n_samples)``. Ignored by ``"lbfgs"`` and ``"gd"``.

    learning_rate : {"constant", "invscaling", "adaptive", "step", "cosine", \
"plateau"}, default="constant"
        Learning-rate schedule. ``"constant"``, ``"invscaling"``
        (``learning_rate_init / t**power_t``) and ``"adaptive"`` (divide by 5
        when progress stalls) act as in ``MLPClassifier``: the last two for
        ``"sgd"`` and ``"gd"`` only. ``"step"`` multiplies the rate by
        ``lr_decay`` every ``lr_step_size`` epochs, ``"cosine"`` anneals it to 0
        over ``max_iter`` epochs, and ``"plateau"`` multiplies it by
        ``lr_decay`` when progress stalls (stopping below 1e-6); these three
        apply to ``"adam"`` too.

    learning_rate_init : float, default=0.001
        The initial learning rate of the stochastic solvers.

    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (L-BFGS).

    shuffle : bool, default=True
        Whether to shuffle samples in each epoch (``"sgd"``, ``"adam"``).

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the validation split, the shuffling
        and dropout. An int gives the same weights as ``MLPClassifier`` draws.

    tol : float, default=1e-4
        Tolerance: training stops (or the rate drops) when the loss or
        validation score does not improve by ``tol`` for ``n_iter_no_change``
        consecutive epochs; L-BFGS stops when the gradient's largest entry is
        below ``tol``.

    verbose : bool, default=False
        Print progress messages (also for L-BFGS, unlike ``MLPClassifier``).

    warm_start : bool, default=False
        Reuse the previous solution as initialisation of the next ``fit``.
        With ``early_stopping``, a warm fit whose validation score never beats
        ``best_validation_score_`` keeps the best weights, so that the model
        always scores ``best_validation_score_``; scikit-learn's MLPs end such
        a fit on the last weights they trained (they train their restored
        best weights in place), the one place where the models differ.

    momentum : float, default=0.9
        Momentum for ``"sgd"`` and ``"gd"``, in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum (``"sgd"``, ``"gd"``, momentum > 0).

    early_stopping : bool, default=False
        Stop when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs and restore the best weights. The
        validation set is ``X_val, y_val`` if given to :meth:`fit`, otherwise a
        stratified ``validation_fraction`` of the training data.

    validation_fraction : float, default=0.1
        Fraction of training data set aside for early stopping, in [0, 1).

    beta_1 : float, default=0.9
        Decay rate of Adam's first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of Adam's second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Numerical-stability constant of Adam.

    n_iter_no_change : int or np.inf, default=10
        Number of epochs without a ``tol`` improvement before stopping.

    max_fun : int, default=15000
        Maximum number of loss evaluations of L-BFGS.

    loss : {"log_loss", "squared_error"}, default="log_loss"
        The cost: cross-entropy, or the textbook's quadratic cost
        ``1/2 ||p - y||^2`` on the output probabilities.

    class_weight : dict, "balanced" or None, default=None
        Weights ``{class_label: weight}`` multiplied into ``sample_weight``;
        ``"balanced"`` uses ``n_samples / (n_classes * np.bincount(y))``. Not
        for multilabel targets.

    init : {"glorot_uniform", "he_normal", "normal"}, default="glorot_uniform"
        Weight initialisation: ``MLPClassifier``'s Glorot uniform scheme, He's
        normal scheme for ReLU networks, or small normal weights (std 0.01).

    dropout : float, default=0.0
        Probability of dropping each hidden unit during training (inverted
        dropout); prediction is deterministic. Needs a stochastic solver.

    early_stopping_metric : {"accuracy", "loss"}, default="accuracy"
        What early stopping (and the choice of the best weights) monitors on
        the validation set: accuracy (``MLPClassifier``'s choice) or loss.

    lr_decay : float, default=0.5
        Factor of the ``"step"`` and ``"plateau"`` schedules, in (0, 1).

    lr_step_size : int, default=10
        Epochs between two decays of the ``"step"`` schedule.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels.
    loss_ : float
        The loss at the end of training (penalty included).
    best_loss_ : float or None
        The minimum training loss reached (stochastic solvers); None with
        early stopping.
    loss_curve_ : list of float
        The loss after each epoch (stochastic solvers) or iteration (L-BFGS).
    validation_scores_ : list of float or None
        Validation accuracy after each epoch, with early stopping or a
        validation set; else None.
    validation_loss_curve_ : list of float
        Validation loss after each epoch; only with a validation set.
    best_validation_score_ : float or None
        Best validation accuracy, with early stopping on accuracy (the
        default ``early_stopping_metric``); else None.
    t_ : int
        Number of training samples seen by the solver.
    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix of layer ``i``,
        shape ``(n_units_i, n_units_{i+1})``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer ``i + 1``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (when X has string column names).
    n_iter_ : int
        Number of iterations (epochs) the solver ran in the last fit.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        Output activation: ``"softmax"`` (multiclass) or ``"logistic"``.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The scikit-learn original.
    LogisticRegressionGD : The network with no hidden layer.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import BackpropClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, stratify=y, random_state=0)
    >>> scaler = StandardScaler().fit(X_train)
    >>> X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    >>> clf = BackpropClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                          max_iter=300, random_state=0).fit(X_train, y_train)
    >>> clf.predict(X_test[:5])
    array([0, 0, 0, 0, 1])
    >>> clf.predict_proba(X_test[:1]).round(2)
    array([[1., 0., 0.]])
    >>> clf.score(X_test, y_test)
    1.0

    What ``MLPClassifier`` does not have: class weights, the quadratic cost,
    one activation per layer, dropout, logits, and early stopping on the
    validation loss of a validation set of your own:

    >>> clf = BackpropClassifier((16, 8), activation=["tanh", "leaky_relu"],
    ...                          loss="squared_error", class_weight="balanced",
    ...                          dropout=0.1, learning_rate_init=0.01,
    ...                          early_stopping=True, early_stopping_metric="loss",
    ...                          random_state=0)
    >>> clf = clf.fit(X_train, y_train, X_val=X_test, y_val=y_test)
    >>> len(clf.validation_loss_curve_) == clf.n_iter_
    True
    >>> clf.decision_function(X_test[:2]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [StrOptions({"log_loss", "squared_error"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "early_stopping_metric": [StrOptions({"accuracy", "loss"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        class_weight=None,
        init="glorot_uniform",
        dropout=0.0,
        early_stopping_metric="accuracy",
        lr_decay=0.5,
        lr_step_size=10,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.class_weight = class_weight
        self.init = init
        self.dropout = dropout
        self.early_stopping_metric = early_stopping_metric
        self.lr_decay = lr_decay
        self.lr_step_size = lr_step_size

    # ------------------------------------------------------------------ fit
    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values: class labels, or a label indicator matrix for
            multilabel classification.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights: the loss is their weighted mean and the L2 penalty
            is divided by their sum.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set of your own, scored after every epoch (stochastic
            solvers); with ``early_stopping=True`` it replaces the
            ``validation_fraction`` split.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of the validation set.
        sample_weight_val : array-like of shape (n_val,), default=None
            Sample weights of the validation set.

        Returns
        -------
        self : object
            Trained classifier.
        """
        validation = (X_val, y_val, sample_weight_val)
        return self._guarded_fit(
            X, y, sample_weight, None, validation, incremental=False
        )

    def _encode(self, X, y, classes, incremental, first_pass):
        """Validate the data; return ``X, y``, the indicator targets and strata."""
        check_class_labels(y)
        if classes is not None:
            check_class_labels(classes, "classes")
        if incremental and _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        X, y, Y_bool = self._validate_input(X, y, incremental, reset=first_pass)
        if Y_bool is None:
            Y_bool = self._label_binarizer.transform(y).astype(bool)
        stratify = Y_bool if Y_bool.shape[1] == 1 else None
        return X, y, Y_bool.astype(X.dtype), stratify

    def _check_trainable(self):
        # as LogisticRegression: one class is no classification problem
        if not self._label_binarizer.y_type_.startswith("multilabel"):
            check_two_classes(self.classes_)

    def _out_activation(self):
        multiclass = self._label_binarizer.y_type_ == "multiclass"
        return "softmax" if multiclass else "logistic"

    def _encode_validation(self, y_val, dtype, n_outputs):
        """The indicator targets of a user's validation labels, checked."""
        if self._label_binarizer.y_type_.startswith("multilabel"):
            if y_val.ndim != 2 or y_val.shape[1] != n_outputs:
                raise ValueError(
                    f"y_val must be a label indicator matrix with "
                    f"{n_outputs} columns, like y."
                )
        else:
            unknown = np.setdiff1d(unique_labels(y_val), self.classes_)
            if len(unknown):
                raise ValueError(
                    f"y_val has labels {unknown.tolist()} that are not in y "
                    f"(classes_ {self.classes_.tolist()})."
                )
        return self._label_binarizer.transform(y_val).astype(dtype)

    def _decode(self, Y):
        """The labels of indicator targets or probabilities.

        Those ``LabelBinarizer.inverse_transform`` gives (the most probable
        class; for two, ``classes_[1]`` above 0.5), without its checks of the
        array, which cost more than predicting a few samples.
        """
        binarizer = self._label_binarizer
        classes = binarizer.classes_
        if binarizer.y_type_ == "multiclass":
            return classes[Y.argmax(axis=1)]
        if binarizer.y_type_ == "binary" and len(classes) == 2:
            return classes[(Y.ravel() > 0.5).astype(np.intp)]
        if Y.shape[1] == 1:
            Y = Y.ravel()
        return binarizer.inverse_transform(Y)

    def _validate_input(self, X, y, incremental, reset):
        """Validate the data: ``X, y`` and the indicator targets if already made."""
        X, y = fast_validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        X = self._in_model_dtype(X, reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)  # set when fitted
            self.classes_ = self._label_binarizer.classes_
            return X, y, None
        if incremental:
            Y_bool = self._known_indicator(y)
            if Y_bool is not None:
                return X, y, Y_bool
        classes = unique_labels(y)
        if self.warm_start:
            if set(classes) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same "
                    "classes as in the previous call to fit. Previously "
                    f"got {self.classes_}, `y` has {classes}"
                )
        elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
            raise ValueError(
                "`y` has classes not in `self.classes_`. "
                f"`self.classes_` has {self.classes_}. 'y' has {classes}."
            )
        return X, y, None

    def _known_indicator(self, y):
        """The indicator targets of ``y``, or None where it needs the checks above.

        In a stream of ``partial_fit`` calls the labels are those of
        ``classes_``: they are encoded here against the sorted ``classes_``
        directly, as ``LabelBinarizer.transform`` encodes them, without
        deriving the type of the targets again (three times per call). Any
        other ``y`` (an unknown label, another kind of labels, a batch
        without every class under ``warm_start``) returns None, and the
        checks above raise their errors.
        """
        classes = self.classes_
        n_classes = len(classes)
        if not isinstance(y, np.ndarray):
            return None  # a sparse label indicator matrix
        if self._label_binarizer.y_type_.startswith("multilabel"):
            if (
                y.ndim == 2
                and y.shape[1] == n_classes > 1
                and y.dtype.kind in "biuf"
                and ((y == 0) | (y == 1)).all()
            ):
                return y.astype(bool)
            return None
        index = known_label_index(classes, y)
        if index is None:
            return None
        if self.warm_start and np.bincount(index, minlength=n_classes).min() == 0:
            return None  # the batch must have every class
        if n_classes == 2:
            return (index == 1)[:, None]
        Y = np.zeros((len(y), n_classes), dtype=bool)
        Y[np.arange(len(y)), index] = True
        return Y

    def _sample_weight(self, sample_weight, X, y, incremental):
        """Validated sample weights times class weights, or None for all ones."""
        if self.class_weight is not None:
            if self._label_binarizer.y_type_.startswith("multilabel"):
                raise ValueError(
                    "class_weight is not supported for multilabel targets."
                )
            if isinstance(self.class_weight, dict):
                unknown = set(self.class_weight) - set(self.classes_.tolist())
                if unknown:
                    raise ValueError(
                        f"class_weight has labels {sorted(unknown, key=str)} that "
                        f"are not in classes_ {self.classes_.tolist()}."
                    )
        return super()._sample_weight(sample_weight, X, y, incremental)

    def _validation_score(self, y_true, output, sample_weight):
        """Accuracy of the network's output (probabilities) on ``y_true``."""
        P = output.ravel() if output.shape[1] == 1 else output
        y_pred = self._label_binarizer.inverse_transform(P)
        return float(accuracy_score(y_true, y_pred, sample_weight=sample_weight))

    # -------------------------------------------------------------- predict
    def _proba(self, X):
        Z = self._logits(X)
        # finite logits give finite probabilities, however large they are
        with np.errstate(over="ignore"):
            return ACTIVATIONS[self.out_activation_](Z)  # softmax or logistic

    def decision_function(self, X):
        """Output-layer pre-activations (logits) for the samples in X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For binary targets a 1-d array whose sign gives the class
            (positive means ``classes_[1]``); otherwise one column per class
            or label.
        """
        Z = self._logits(X)
        return Z.ravel() if self.n_outputs_ == 1 else Z

    def predict(self, X):
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        return self._decode(self._proba(X))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The predicted probability of the sample for each class in the
            model, where classes are ordered as they are in ``self.classes_``.
        """
        P = self._proba(X)
        if self.out_activation_ == "logistic":
            # Keep logistic probabilities strictly inside (0, 1), as
            # probabilities of a class should be, where expit rounds to 0 or 1.
            eps = np.finfo(P.dtype).eps
            np.clip(P, eps, 1 - eps, out=P)
        if self.n_outputs_ == 1:
            P = P.ravel()
            return np.vstack([1 - P, P]).T
        return P

    def predict_log_proba(self, X):
        """Return the log of probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            The predicted log-probability of the sample for each class
            in the model, where classes are ordered as they are in
            ``self.classes_``. Equivalent to ``log(predict_proba(X))``
            (``-inf`` where a probability underflows to 0).
        """
        y_prob = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _as_columns(y, dtype):
    """Regression targets as a 2-d array of ``dtype``: one column per output."""
    return np.asarray(y.reshape(-1, 1) if y.ndim == 1 else y, dtype=dtype)


class _AveragedSquaredError(IdentitySquaredError):
    """``MLPRegressor``'s squared error: averaged over outputs, stepped as a sum.

    ``MLPRegressor`` reports half the squared error averaged over the samples
    and over the outputs, but steps along the gradient of its sum over the
    outputs (its output delta is ``Z - Y`` whatever their number). The same
    pairing here gives the same model, L-BFGS's line searches included; with
    one output the two agree.
    """

    def value(self, Y, Z, A):
        return super().value(Y, Z, A) / Y.shape[1]


class BackpropRegressor(RegressorMixin, BaseMultilayerPerceptron):
    """Multi-layer perceptron regressor trained by backpropagation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`:
    the same parameters, defaults, fitted attributes, methods and warnings,
    and for the same ``random_state`` the same model, on the core of
    :mod:`skbackprop.core`. It adds the robust losses ``MLPRegressor`` does
    not have (absolute error, Huber, quantile), per-layer activations and
    ``leaky_relu``, a choice of weight initialisation, dropout, full-batch
    gradient descent (``solver="gd"``), a validation set of your own,
    early stopping on the validation loss, learning-rate schedules for every
    stochastic solver, and a loss curve for L-BFGS.

    Parameters
    ----------
    loss : {"squared_error", "poisson", "absolute_error", "huber", \
"quantile"}, default="squared_error"
        The cost: half the squared error (averaged over the outputs, as
        ``MLPRegressor`` reports it), half the Poisson deviance with a log
        link (the output is ``exp`` of the last layer; targets must be
        non-negative), the absolute error, the Huber loss with threshold
        ``huber_delta``, or the pinball loss of the ``quantile``.

    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : str or list of str, default="relu"
        Activation of the hidden layers: ``"identity"``, ``"logistic"``,
        ``"tanh"``, ``"relu"`` or ``"leaky_relu"`` (slope 0.01), for every
        hidden layer, or a list with one name per hidden layer.

    solver : {"lbfgs", "sgd", "adam", "gd"}, default="adam"
        Weight optimizer, as in :class:`BackpropClassifier`.

    alpha : float, default=0.0001
        Strength of the L2 penalty, divided by the sum of sample weights.

    batch_size : int or "auto", default="auto"
        Mini-batch size for the stochastic solvers; ``"auto"`` is
        ``min(200, n_samples)``.

    learning_rate : {"constant", "invscaling", "adaptive", "step", "cosine", \
"plateau"}, default="constant"
        Learning-rate schedule, as in :class:`BackpropClassifier`.

    learning_rate_init : float, default=0.001
        The initial learning rate of the stochastic solvers.

    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (L-BFGS).

    shuffle : bool, default=True
        Whether to shuffle samples in each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the validation split, the shuffling
        and dropout. An int gives the same weights as ``MLPRegressor`` draws.

    tol : float, default=1e-4
        Tolerance of the stopping rules, as in ``MLPRegressor``.

    verbose : bool, default=False
        Print progress messages (also for L-BFGS).

    warm_start : bool, default=False
        Reuse the previous solution as initialisation of the next ``fit``.
        With ``early_stopping``, a warm fit whose validation score never beats
        ``best_validation_score_`` keeps the best weights, so that the model
        always scores ``best_validation_score_``; scikit-learn's MLPs end such
        a fit on the last weights they trained (they train their restored
        best weights in place), the one place where the models differ.

    momentum : float, default=0.9
        Momentum for ``"sgd"`` and ``"gd"``, in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum.

    early_stopping : bool, default=False
        Stop when the validation score (R^2, or the loss with
        ``early_stopping_metric="loss"``) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and restore the best weights. The
        validation set is ``X_val, y_val`` if given to :meth:`fit`,
        otherwise ``validation_fraction`` of the training data.

    validation_fraction : float, default=0.1
        Fraction of training data set aside for early stopping, in [0, 1).

    beta_1 : float, default=0.9
        Decay rate of Adam's first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of Adam's second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Numerical-stability constant of Adam.

    n_iter_no_change : int or np.inf, default=10
        Number of epochs without a ``tol`` improvement before stopping.

    max_fun : int, default=15000
        Maximum number of loss evaluations of L-BFGS.

    huber_delta : float, default=1.0
        Threshold of the Huber loss: quadratic for residuals up to it, linear
        beyond (PyTorch's ``HuberLoss(delta)``).

    quantile : float, default=0.5
        The quantile the ``"quantile"`` loss estimates, in (0, 1).

    init : {"glorot_uniform", "he_normal", "normal"}, default="glorot_uniform"
        Weight initialisation, as in :class:`BackpropClassifier`.

    dropout : float, default=0.0
        Probability of dropping each hidden unit during training (inverted
        dropout); prediction is deterministic. Needs a stochastic solver.

    early_stopping_metric : {"r2", "loss"}, default="r2"
        What early stopping (and the choice of the best weights) monitors on
        the validation set: R^2 (``MLPRegressor``'s choice) or the loss.

    lr_decay : float, default=0.5
        Factor of the ``"step"`` and ``"plateau"`` schedules, in (0, 1).

    lr_step_size : int, default=10
        Epochs between two decays of the ``"step"`` schedule.

    Attributes
    ----------
    loss_ : float
        The loss at the end of training (penalty included).
    best_loss_ : float or None
        The minimum training loss reached (stochastic solvers); None with
        early stopping.
    loss_curve_ : list of float
        The loss after each epoch (stochastic solvers) or iteration (L-BFGS).
    validation_scores_ : list of float or None
        Validation R^2 after each epoch, with early stopping or a validation
        set; else None.
    validation_loss_curve_ : list of float
        Validation loss after each epoch; only with a validation set.
    best_validation_score_ : float or None
        Best validation R^2, with early stopping on R^2; else None.
    t_ : int
        Number of training samples seen by the solver.
    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix of layer ``i``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer ``i + 1``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (when X has string column names).
    n_iter_ : int
        Number of iterations (epochs) the solver ran in the last fit.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Output activation: ``"exp"`` with ``loss="poisson"``, else
        ``"identity"``.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The scikit-learn original.
    BackpropClassifier : The same network for classification.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.model_selection import train_test_split
    >>> from skbackprop import BackpropRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0,
    ...                        random_state=0)
    >>> y = y / 100
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> reg = BackpropRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01,
    ...                         max_iter=1000, random_state=0).fit(X_train, y_train)
    >>> reg.predict(X_test[:2]).shape
    (2,)
    >>> bool(reg.score(X_test, y_test) > 0.99)
    True

    A robust loss is not pulled by outliers as the squared error is:

    >>> y_dirty = y_train.copy()
    >>> y_dirty[:10] += 10
    >>> params = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01,
    ...               max_iter=1000, random_state=0)
    >>> huber = BackpropRegressor("huber", **params).fit(X_train, y_dirty)
    >>> squares = BackpropRegressor(**params).fit(X_train, y_dirty)
    >>> bool(huber.score(X_test, y_test) > 0.95 > squares.score(X_test, y_test))
    True
    """

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [
            StrOptions(
                {"squared_error", "poisson", "absolute_error", "huber", "quantile"}
            )
        ],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "early_stopping_metric": [StrOptions({"r2", "loss"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        huber_delta=1.0,
        quantile=0.5,
        init="glorot_uniform",
        dropout=0.0,
        early_stopping_metric="r2",
        lr_decay=0.5,
        lr_step_size=10,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.init = init
        self.dropout = dropout
        self.early_stopping_metric = early_stopping_metric
        self.lr_decay = lr_decay
        self.lr_step_size = lr_step_size

    # ------------------------------------------------------------------ fit
    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights: the loss is their weighted mean and the L2 penalty
            is divided by their sum.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set of your own, scored after every epoch (stochastic
            solvers); with ``early_stopping=True`` it replaces the
            ``validation_fraction`` split.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of the validation set.
        sample_weight_val : array-like of shape (n_val,), default=None
            Sample weights of the validation set.

        Returns
        -------
        self : object
            Trained regressor.
        """
        validation = (X_val, y_val, sample_weight_val)
        return self._guarded_fit(
            X, y, sample_weight, None, validation, incremental=False
        )

    @available_if(BaseBackprop._check_partial_fit)
    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Trained regressor.
        """
        return self._guarded_fit(X, y, sample_weight, None, incremental=True)

    def _encode(self, X, y, classes, incremental, first_pass):
        """Validate the data; return ``X, y`` and the targets as a 2-d array."""
        X, y = fast_validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=first_pass,
        )
        X = self._in_model_dtype(X, first_pass)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._check_targets(y, "y")
        if not first_pass and self.n_outputs_ != (1 if y.ndim == 1 else y.shape[1]):
            raise ValueError(
                f"y has {1 if y.ndim == 1 else y.shape[1]} outputs, but the model "
                f"was fitted with {self.n_outputs_}."
            )
        return X, y, _as_columns(y, X.dtype), None

    def _check_targets(self, y, name):
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                f"Some value(s) of {name} are negative which is not allowed for "
                "loss='poisson' (the Poisson deviance needs counts or rates)."
            )

    def _encode_validation(self, y_val, dtype, n_outputs):
        """A user's validation targets as a 2-d array, checked against y's."""
        self._check_targets(y_val, "y_val")
        Y_val = _as_columns(y_val, dtype)
        if Y_val.shape[1] != n_outputs:
            raise ValueError(
                f"y_val has {Y_val.shape[1]} outputs where y has {n_outputs}."
            )
        return Y_val

    def _decode(self, Y):
        return Y

    def _out_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _make_loss(self, out_activation):
        if self.loss == "squared_error":
            return _AveragedSquaredError()
        if self.loss == "huber":
            return get_loss("huber", out_activation, delta=self.huber_delta)
        if self.loss == "quantile":
            return get_loss("quantile", out_activation, quantile=self.quantile)
        return get_loss(self.loss, out_activation)

    def _validation_score(self, truth, output, sample_weight):
        """R^2 of the network's output, NaN where it is not finite (as sklearn)."""
        pred = output.ravel() if output.shape[1] == 1 else output
        if not np.isfinite(pred).all():
            return np.nan
        return float(r2_score(truth, pred, sample_weight=sample_weight))

    # -------------------------------------------------------------- predict
    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        Z = self._logits(X)
        with np.errstate(over="ignore"):
            Y = ACTIVATIONS[self.out_activation_](Z)  # identity or exp
        if not np.isfinite(Y).all():
            raise ValueError(
                "The network's output overflowed: the input values are too large "
                "for the weights. Scale the input data as it was for training."
            )
        return Y.ravel() if self.n_outputs_ == 1 else Y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags


def _lbfgs_n_iter(result, max_iter):
    """Iterations run by L-BFGS, warning as scikit-learn does if it did not converge."""
    try:
        from sklearn.utils.optimize import _check_optimize_result
    except ImportError:  # pragma: no cover - private helper moved
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {result.nit} iteration(s) "
                f"(status={result.status}): {result.message}",
                ConvergenceWarning,
            )
        return min(result.nit, max_iter)
    return _check_optimize_result("lbfgs", result, max_iter)
