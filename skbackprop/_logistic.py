"""LogisticRegressionGD: logistic regression as a network with no hidden layer.

What only this estimator needs lives here, on the shared
:class:`~skbackprop._base.BaseBackprop`: the network with no hidden layer and
its elastic-net cost (:class:`_LinearNetwork`), the full-batch solver
(:func:`~skbackprop.core.proximal.spectral_gradient`, with the step sizes and
metric of :mod:`skbackprop._curvature`), and for the stochastic solvers the
training loop of :mod:`skbackprop._training` given an L1 proximal step
(:class:`~skbackprop.core.proximal.ProximalL1`) and a monitor of the exact
training objective (:class:`_ObjectiveMonitor`).
"""

import warnings
from functools import partial
from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
)
from sklearn.utils.validation import check_is_fitted

from ._base import (
    BaseBackprop,
    check_class_labels,
    check_two_classes,
    fast_validate_data,
    known_label_index,
    seeded_random_state,
)
from ._callbacks import with_callbacks
from ._curvature import LOG_LOSS_CURVATURE, LayerPreconditioner, gram_eigenvalue
from ._training import MiniBatches, StoppingRule, TrainingState
from .core.activations import ACTIVATIONS
from .core.network import Network, logits
from .core.optimizers import SCHEDULES, SGD, Adam
from .core.proximal import ProximalL1, l1_norm, spectral_gradient

# Precondition 'gd' by the Hessian bound when its (p + 1)^2 Gram matrix costs
# at most about as much as this many gradient evaluations.
_PRECONDITION_MAX_COST = 20
_ADAM_LEARNING_RATE = 0.01
# Nesterov momentum of 'sgd', and where its learning-rate decay stops.
_MOMENTUM = 0.9
_MIN_LEARNING_RATE = 1e-4
_NOT_FITTED = "Estimator, %(name)s, must be fitted before {what}."


class _LinearNetwork(Network):
    """The network with no hidden layer, with the rest of the elastic-net cost.

    Its cost adds ``l1 * ||W||_1`` (which the solvers handle by proximal
    steps, so the gradient leaves it out), and without an intercept the bias
    gradient is zero: the biases stay where they are (at zero). With a
    ``penalty_scale``, a batch's L2 strength is ``alpha * batch_weight *
    penalty_scale``: with ``1 / total_weight``, the sum of the batch
    objectives is the objective of the whole data.
    """

    def __init__(self, n_features, n_outputs, dtype, fit_intercept, l1=0.0):
        out_activation = "logistic" if n_outputs == 1 else "softmax"
        super().__init__(
            [n_features, n_outputs], "identity", "log_loss", out_activation, dtype
        )
        self.fit_intercept = fit_intercept
        self.l1 = l1
        self.penalty_scale = None

    def loss_and_gradient(
        self, X, Y, sample_weight=None, alpha=0.0, dropout=None, rng=None
    ):
        if self.penalty_scale is not None:
            weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
            alpha = alpha * weight * self.penalty_scale
        loss = super().loss_and_gradient(X, Y, sample_weight, alpha, dropout, rng)
        if not self.fit_intercept:
            self.grad[self.n_coefs :] = 0.0
        if self.l1:
            loss += self.l1 * l1_norm(self.params, slice(0, self.n_coefs))
        return loss


class LogisticRegressionGD(ClassifierMixin, BaseBackprop):
    """Logistic regression trained by gradient descent on the backprop core.

    The network of :mod:`skbackprop.core` with no hidden layer: a logistic
    output for two classes, a softmax output (the multinomial model) for three
    or more. It minimises exactly the objective of scikit-learn's
    :class:`~sklearn.linear_model.LogisticRegression`::

        C * sum_i s_i * log_loss_i + (1 - l1_ratio) / 2 * ||coef||^2
                                   + l1_ratio * ||coef||_1

    with sample weights ``s_i`` (times the class weights) and the intercept
    not penalised, so the fitted models are interchangeable. The solvers work
    on that objective divided by ``C * sum_i s_i``, the network's cost (a
    weighted mean log-loss plus the penalty per unit of sample weight); it has
    the same minimiser.

    Parameters
    ----------
    C : float, default=1.0
        Inverse of the regularisation strength, > 0; ``np.inf`` for none.

    l1_ratio : float, default=0.0
        Elastic-net mixing, in [0, 1]: 0 is the L2 penalty, 1 the L1 penalty.

    fit_intercept : bool, default=True
        Whether to learn an intercept. If False, the network's biases stay at
        zero (their gradient is set to zero).

    class_weight : dict, "balanced" or None, default=None
        Weights ``{class_label: weight}`` multiplied into the sample weights;
        ``"balanced"`` uses ``n_samples / (n_classes * np.bincount(y))``, with
        sample weights counted, as ``LogisticRegression`` does.

    solver : {"gd", "sgd", "adam"}, default="gd"
        ``"gd"``: full-batch proximal gradient descent with Barzilai-Borwein
        steps and a nonmonotone backtracking line search
        (:func:`~skbackprop.core.proximal.spectral_gradient`). Without an L1
        part, and when the features' Gram matrix is cheap (``n_features + 1
        <= 80 * n_outputs``), its steps are taken in the metric of the
        Hessian's upper bound (the features' weighted Gram matrix times the
        log-loss's largest curvature), which takes the correlations of the
        features out of the problem. It runs to the precision ``tol`` asks for.
        ``"sgd"``: mini-batch stochastic gradient descent with Nesterov
        momentum 0.9; ``"adam"``: mini-batch Adam. After every epoch they
        evaluate the exact objective, forget the momentum when it went up
        (adaptive restart), lower the learning rate when it stalls, and keep
        the best weights. The L1 part is handled by a proximal
        (soft-thresholding) step after every update, for all solvers.

    learning_rate : "auto" or float, default="auto"
        Step size. ``"auto"``: for ``"gd"``, the step its metric or the
        Lipschitz bound of the gradient (largest eigenvalue of the features'
        Gram matrix times 1/4, or 1/2 for the softmax) guarantees, adapted by
        the Barzilai-Borwein rule; for ``"sgd"``, ``1 / L_b`` with ``L_b`` the
        expected smoothness of a mini-batch (Gower et al., 2019), between the
        full-batch Lipschitz bound and the largest per-sample one; for
        ``"adam"``, 0.01. A float is the first step of ``"gd"`` (in the
        Euclidean metric) or the initial learning rate of ``"sgd"`` and
        ``"adam"``. The mini-batch solvers divide it by 5 whenever the
        objective stalls for ``n_iter_no_change`` epochs, and stop below
        ``1e-4`` times the initial rate (with early stopping they keep it and
        stop when the validation loss stalls).

    batch_size : int or "auto", default="auto"
        Mini-batch size of ``"sgd"`` and ``"adam"``; ``"auto"`` is
        ``min(200, n_samples)``. Ignored by ``"gd"``.

    max_iter : int, default=1000
        Maximum number of iterations (``"gd"``) or epochs. ``0`` returns the
        initial model (zero coefficients, or the previous ones with
        ``warm_start``) with a :class:`~sklearn.exceptions.ConvergenceWarning`.

    tol : float, default=3e-6
        ``"gd"`` stops when the largest entry of the objective's (minimum-norm
        sub)gradient is at most ``tol`` times the objective (both per unit of
        sample weight): a first-order optimality test that does not depend on
        the scale of the sample weights; the test's floor is ``tol**2 *
        log(n_classes)`` (``log(n_classes)`` is the objective of the zero
        model), for separable data with little penalty, whose objective goes
        to 0 without a minimiser. The objective's error shrinks like
        ``tol**2``. Measured on 21 standardised cases
        (``benchmarks/bench_logistic_optimum.py``), the default comes within
        ``2e-8`` of the optimal objective (relative) and its coefficients
        within ``7e-4`` of the largest one (``1e-5`` to ``1e-4`` in most
        cases); ``tol=1e-8`` brings them within ``3e-6`` for 1.1 to 1.6 times
        the iterations. At least ``1e-6`` is used for float32 data, whose
        gradients are not more precise. The
        mini-batch solvers count an epoch as progress when the objective (or
        the validation loss) improves by more than ``tol``.

    early_stopping : bool, default=False
        ``"sgd"`` and ``"adam"`` only: hold out ``validation_fraction`` of the
        training data (stratified), stop when its log-loss has not improved by
        ``tol`` for ``n_iter_no_change`` epochs, and restore the weights of
        the best epoch.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping, in (0, 1).

    n_iter_no_change : int, default=5
        Epochs without progress before the mini-batch solvers lower the
        learning rate (or, with early stopping, stop).

    warm_start : bool, default=False
        Start ``fit`` from the previous solution (when the classes and
        features are the same).

    random_state : int, RandomState instance or None, default=None
        Shuffles the mini-batches and draws the validation split.

    verbose : int, default=0
        Print the objective after every iteration or epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row for two classes (of ``classes_[1]``).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts (zeros when ``fit_intercept=False``).
    n_iter_ : ndarray of shape (1,), dtype int32
        Iterations (``"gd"``) or epochs run by the last fit, in an array as
        ``LogisticRegression`` gives it (``n_iter_[0]``).
    loss_curve_ : list of float
        The objective divided by ``C * sum(sample_weight)``, after every
        iteration (``"gd"``) or epoch; with early stopping or ``partial_fit``,
        the mean of the mini-batch objectives over each epoch.
    validation_loss_curve_ : list of float or None
        Validation log-loss after every epoch, with early stopping.
    validation_scores_ : list of float or None
        Validation accuracy after every epoch, with early stopping.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (when X has string column names).

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model by L-BFGS,
        Newton or coordinate methods.
    sklearn.linear_model.SGDClassifier : Linear models by plain SGD.
    BackpropClassifier : The network with hidden layers.

    Notes
    -----
    Samples of zero weight play no part in the objective and are dropped.
    ``partial_fit`` takes one epoch of steps on the objective of the data it
    is given (its penalty divided by that data's weight), continuing the
    optimizer and its learning rate.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import LogisticRegressionGD
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegressionGD(C=1.0).fit(X, y)
    >>> clf.coef_.shape, clf.score(X, y)
    ((1, 30), 0.98...)

    The same optimum as scikit-learn's ``LogisticRegression``:

    >>> ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X, y)
    >>> bool(abs(clf.coef_ - ref.coef_).max() < 1e-4 * abs(ref.coef_).max())
    True
    >>> clf.predict_proba(X[:2]).round(3)
    array([[1., 0.],
           [1., 0.]])

    The L1 penalty zeroes coefficients; the mini-batch solvers can stop early
    on a held-out part of the data and keep the best epoch's weights:

    >>> lasso = LogisticRegressionGD(C=0.05, l1_ratio=1.0).fit(X, y)
    >>> int((lasso.coef_ != 0).sum())
    5
    >>> clf = LogisticRegressionGD(solver="sgd", early_stopping=True,
    ...                            random_state=0).fit(X, y)
    >>> bool(len(clf.validation_loss_curve_) == clf.n_iter_[0])
    True
    """

    _full_batch_solver = "gd"
    _partial_fit_unavailable = (
        "partial_fit is only available for the mini-batch solvers 'sgd' and "
        "'adam', not for solver={solver!r}."
    )
    _balanced_counts_sample_weight = True  # as LogisticRegression
    _diverging = "the objective or the coefficients"

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "solver": [StrOptions({"gd", "sgd", "adam"})],
        "learning_rate": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        C=1.0,
        l1_ratio=0.0,
        fit_intercept=True,
        class_weight=None,
        solver="gd",
        learning_rate="auto",
        batch_size="auto",
        max_iter=1000,
        tol=3e-6,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to the training data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is trained (and predicted) in float32.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (multiplied by the class weights).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._guarded_fit(X, y, sample_weight, None, incremental=False)

    def _fit(self, X, y, sample_weight, classes, *, incremental):
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        continuing = incremental and hasattr(self, "classes_")
        X, y = fast_validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=not continuing,
        )
        if continuing and hasattr(self, "coef_"):
            # partial_fit keeps the model's dtype: the batch is cast to it
            X = X.astype(self.coef_.dtype, copy=False)
        # labels all in classes_ need no check of their type
        known = continuing and known_label_index(self.classes_, y) is not None
        if not known:
            check_class_labels(y)
            if classes is not None:
                check_class_labels(classes, "classes")
            check_classification_targets(y)
        self._set_classes(y, incremental, classes, known)
        classes_ = self.classes_
        check_two_classes(classes_)
        sample_weight = self._sample_weight(sample_weight, X, y, incremental)
        sample_weight, X, y = self._drop_zero_weights(sample_weight, X, y)

        n_outputs = 1 if len(classes_) == 2 else len(classes_)
        encoded = np.searchsorted(classes_, y)
        if n_outputs == 1:
            Y = encoded.astype(X.dtype)[:, None]
        else:
            Y = np.zeros((len(y), n_outputs), dtype=X.dtype)
            Y[np.arange(len(y)), encoded] = 1
        network = _LinearNetwork(X.shape[1], n_outputs, X.dtype, self.fit_intercept)
        # partial_fit continues from the current coefficients; a warm start
        # starts from them when the classes and features are the same
        resume = (
            hasattr(self, "coef_")
            and (incremental or (self.warm_start and self._same_classes))
            and self.coef_.shape == (n_outputs, X.shape[1])
        )
        if resume:
            network.set_weights([_dense(self.coef_).T], [self.intercept_])
            if not self.fit_intercept:
                network.intercepts[0][:] = 0

        curve = []  # the solver's loss curve, for the callbacks' fitted models
        # (a stochastic solver points it at its own curve after every epoch)
        source = [curve]

        def reconstruct():
            return {
                "coef_": network.coefs[0].T.copy(),
                "intercept_": network.intercepts[0].copy(),
                "loss_curve_": list(source[0]),
            }

        if self.solver == "gd":
            solve = partial(self._fit_gd, network, X, Y, sample_weight, curve=curve)
        else:
            solve = partial(
                self._fit_stochastic,
                network,
                X,
                Y,
                encoded,
                sample_weight,
                incremental,
                resume,
                curve_source=source,
            )
        return self._run_fit(X, y, sample_weight, network, solve, reconstruct)

    def _commit(self, network, state):
        self._commit_attributes(
            {
                "_state": state,
                "coef_": network.coefs[0].T.copy(),
                "intercept_": network.intercepts[0].copy(),
                "n_iter_": np.array([state.n_iter], dtype=np.int32),
                "loss_curve_": state.loss_curve,
                "validation_loss_curve_": state.validation_loss_curve,
                "validation_scores_": state.validation_scores,
            }
        )

    def _set_classes(self, y, incremental, classes, known=False):
        old = getattr(self, "classes_", None)
        if incremental:
            if _check_partial_fit_first_call(self, classes):
                self._same_classes = False
            if known:
                return
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if len(unseen):
                raise ValueError(
                    f"y has classes {unseen.tolist()} that are not in classes_ "
                    f"{self.classes_.tolist()}; pass every class to the first "
                    "call to partial_fit."
                )
            return
        self.classes_ = np.unique(y)
        self._same_classes = old is not None and np.array_equal(old, self.classes_)

    def _penalties(self, total_weight):
        """Network L2 strength ``alpha`` and L1 strength per unit of weight."""
        alpha = (1.0 - self.l1_ratio) / self.C
        l1 = self.l1_ratio / (self.C * total_weight)
        return alpha, l1

    # ------------------------------------------------------------ solvers
    def _fit_gd(self, network, X, Y, sample_weight, reporter, *, curve):
        total = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        alpha, l1 = self._penalties(total)
        n_coefs = network.n_coefs
        kind = network.out_activation
        precondition, step = None, None
        if self.learning_rate == "auto":
            if not l1 and self._cheap_gram(X, network.layer_sizes[1]):
                try:
                    precondition = LayerPreconditioner(
                        X,
                        sample_weight,
                        n_outputs=network.layer_sizes[1],
                        curvature=LOG_LOSS_CURVATURE[kind],
                        ridge=alpha / total,
                        fit_intercept=self.fit_intercept,
                    )
                    step = 1.0
                except (np.linalg.LinAlgError, ValueError):
                    precondition = None  # singular, or overflowed to inf
            if precondition is None:
                lipschitz = (
                    LOG_LOSS_CURVATURE[kind]
                    * gram_eigenvalue(X, sample_weight, self.fit_intercept)
                    + alpha / total
                )
                if not np.isfinite(lipschitz):
                    raise ValueError(
                        "The data's scale overflows the curvature of the loss "
                        "(X^T X is not finite in floating point): the values "
                        "are too large. Scale the data, e.g. with StandardScaler."
                    )
                step = 1.0 / max(lipschitz, np.finfo(X.dtype).tiny)
        else:
            step = float(self.learning_rate)

        state = TrainingState(loss_curve=curve)

        def fun_and_grad(x):
            return network.fun_and_grad(x, X, Y, sample_weight, alpha)

        def record(result):
            curve.append(float(result.fun))
            if self.verbose:
                print(
                    f"Iteration {result.nit}, objective = {result.fun:.10g}, "
                    f"optimality = {result.optimality:.3e}"
                )
            np.copyto(network.params, result.x)  # what the callbacks see
            stop = reporter.end()
            reporter.begin()
            if stop:
                raise StopIteration  # a callback asked to stop

        x = network.params.copy()
        reporter.begin()
        # float32 gradients carry rounding errors of about 1e-6 of the
        # objective: a tighter test would only wander in that noise
        tol = self.tol if X.dtype == np.float64 else max(self.tol, 1e-6)
        # A floor for the test: on separable data without much of a penalty
        # the objective goes to 0 with no minimiser, and its gradient with it
        # (in proportion), so that tol * objective is never met. Below
        # tol * log(n_classes), the objective of the zero model, the
        # gradient's target stays at tol**2 * log(n_classes).
        atol = tol * tol * np.log(len(self.classes_))
        try:
            result = spectral_gradient(
                fun_and_grad,
                x,
                l1=l1,
                l1_part=slice(0, n_coefs),
                precondition=precondition,
                step=step,
                max_iter=self.max_iter,
                tol=tol,
                atol=atol,
                callback=record,
            )
        except KeyboardInterrupt:
            self._interrupted(state)
            result = None
        except FloatingPointError:
            raise ValueError(self._divergence_message()) from None
        finally:
            reporter.close()
        np.copyto(network.params, x)  # the last accepted iterate
        state.n_iter = len(curve)
        if result is not None and result.status == 1:
            warnings.warn(
                f"LogisticRegressionGD (solver='gd') did not converge in "
                f"max_iter={self.max_iter} iterations: the optimality measure "
                f"{result.optimality:.2e} is above tol * objective = "
                f"{max(tol * abs(result.fun), atol):.2e}. Increase max_iter or scale "
                "the data.",
                ConvergenceWarning,
            )
        return state

    @staticmethod
    def _cheap_gram(X, n_outputs):
        """Whether the metric of the Hessian bound is worth computing.

        Its Gram matrix costs about ``n p^2`` operations against ``4 n p k``
        for a gradient: at most ``_PRECONDITION_MAX_COST`` gradients. (The
        rule leaves ``n`` out on purpose: weighting samples and repeating them
        must choose the same method.)
        """
        return X.shape[1] + 1 <= _PRECONDITION_MAX_COST * 4 * n_outputs

    def _fit_stochastic(
        self,
        network,
        X,
        Y,
        encoded,
        sample_weight,
        incremental,
        resume,
        callbacks,
        *,
        curve_source,
    ):
        # partial_fit continues the optimizer, its schedule and the stopping
        # state; a warm-started fit only starts from the previous weights.
        resume = incremental and resume
        rng = seeded_random_state(self)
        state = self._state.copy() if resume else TrainingState()
        monitor = None
        if self.early_stopping:
            (X, Y, sample_weight), (X_v, Y_v, sw_v) = self._split_validation(
                X,
                Y,
                sample_weight,
                fraction=self.validation_fraction,
                stratify=encoded,
                rng=rng,
                strict=False,  # a class too small to stratify: split at random
            )
            truth = Y_v.argmax(axis=1) if Y_v.shape[1] > 1 else Y_v[:, 0]
            monitor = self._validation(
                X_v, Y_v, sw_v, truth, metric="loss", early_stopping=True
            )
        n = X.shape[0]
        total = n if sample_weight is None else float(sample_weight.sum())
        alpha, l1 = self._penalties(total)
        network.l1 = l1
        # a sum of batch objectives is the full objective
        network.penalty_scale = 1.0 / total
        if incremental:
            # one epoch at a time: the mean mini-batch cost decides (as in
            # MLPClassifier), also after a fit that monitored the objective
            state.validation_scores = state.validation_loss_curve = None
        batch_size = min(200 if self.batch_size == "auto" else self.batch_size, n)

        optimizer = self._reusable_optimizer(network, resume)
        if optimizer is not None:
            schedule = self._schedule
        else:
            lr = self._initial_learning_rate(
                X, sample_weight, network, alpha / total, batch_size
            )
            if self.solver == "adam":
                optimizer = Adam(network.params, lr)
            else:
                optimizer = SGD(network.params, lr, momentum=_MOMENTUM, nesterov=True)
            if self.early_stopping:
                schedule = SCHEDULES["constant"](lr)
            else:
                schedule = SCHEDULES["adaptive"](lr, 5.0, _MIN_LEARNING_RATE * lr)
            state.learning_rate = None
        if not self.early_stopping and not incremental:
            # Judge progress by the exact objective after every epoch, not by
            # the mean of the mini-batch costs while the weights moved: the
            # learning rate then drops when the objective itself stalls, and
            # the best weights are the ones kept.
            objective = _ObjectiveMonitor(X, Y, sample_weight, alpha, total, optimizer)
            monitor = objective
        else:
            objective = None
        step = optimizer
        if l1:  # the L1 part by a proximal step after every update
            step = ProximalL1(optimizer, l1, slice(0, network.n_coefs))

        def epoch_end(state):
            curve = state.loss_curve if objective is None else objective.curve
            curve_source[0] = curve
            if objective is not None and self.verbose:
                print(
                    f"Epoch {state.n_iter}, objective = {curve[-1]:.10g}, "
                    f"learning rate = {state.learning_rate:.4g}"
                )
            return callbacks.end()

        self._train(
            network,
            step,
            MiniBatches(X, Y, sample_weight, batch_size=batch_size, rng=rng),
            state,
            schedule=schedule,
            stopping=StoppingRule(
                1 if incremental else self.max_iter,
                self.tol,
                self.n_iter_no_change,
                warn=not incremental,
                stop_on_interrupt=not incremental,
            ),
            alpha=alpha,
            monitor=monitor,
            callbacks=SimpleNamespace(begin=callbacks.begin, end=epoch_end),
            # the objective's own line replaces the loss line
            verbose=self.verbose and objective is None,
        )
        if objective is not None:
            state.loss_curve = objective.curve  # the training objective
        if not incremental and self.max_iter == 0:
            # the loop ran no epoch, so it did not reach the warning of its last
            warnings.warn(
                f"LogisticRegressionGD (solver={self.solver!r}) did not converge "
                "in max_iter=0 epochs: the model is the initial one.",
                ConvergenceWarning,
            )
        self._optimizer = optimizer
        self._schedule = schedule
        return state

    def _validation_score(self, truth, output, sample_weight):
        """Accuracy of the network's output on the encoded labels ``truth``."""
        pred = output.argmax(axis=1) if output.shape[1] > 1 else output[:, 0] > 0.5
        return float(np.average(pred == truth, weights=sample_weight))

    def _initial_learning_rate(self, X, sample_weight, network, ridge, batch_size):
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        if self.solver == "adam":
            return _ADAM_LEARNING_RATE
        # Expected smoothness of b-sample mini-batches without replacement
        # (Gower et al., 2019): between the full-batch Lipschitz constant and
        # the largest per-sample one.
        n = X.shape[0]
        curvature = LOG_LOSS_CURVATURE[network.out_activation]
        full = curvature * gram_eigenvalue(X, sample_weight, self.fit_intercept)
        squares = X.multiply(X).sum(axis=1) if sp.issparse(X) else (X * X).sum(axis=1)
        largest = curvature * (float(np.max(squares)) + self.fit_intercept)
        b = batch_size
        if n > 1:
            smooth = (n * (b - 1) * full + (n - b) * largest) / (b * (n - 1))
        else:
            smooth = largest
        return 1.0 / max(smooth + ridge, np.finfo(X.dtype).tiny)

    # -------------------------------------------------------------- predict
    def decision_function(self, X):
        """Logits of the samples: one column per class, one value for two.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, positive scores mean ``classes_[1]``.
        """
        X = self._validate_X(X)
        coef, intercept = self._fitted("coef_", "intercept_")
        coef = _dense(coef)
        with np.errstate(over="ignore", invalid="ignore"):
            Z = logits(X, [coef.T], [intercept], [])
            Z = self._check_logits(Z.astype(coef.dtype, copy=False))
        return Z.ravel() if Z.shape[1] == 1 else Z

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        Z = self.decision_function(X)
        index = (Z > 0).astype(int) if Z.ndim == 1 else Z.argmax(axis=1)
        return self.classes_[index]

    def predict_proba(self, X):
        """Class probabilities: the logistic or softmax output of the network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in the order of ``classes_``.
        """
        Z = self.decision_function(X)
        if Z.ndim == 1:
            # sigmoid(-z) rather than 1 - sigmoid(z): exact for tiny values too
            return ACTIVATIONS["logistic"](np.column_stack([-Z, Z]))
        return ACTIVATIONS["softmax"](Z)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, computed from the logits so that they stay
            finite where a probability rounds to 0.
        """
        Z = self.decision_function(X)
        if Z.ndim == 1:
            Z = np.column_stack([np.zeros_like(Z), Z])
        shift = Z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(Z - shift).sum(axis=1, keepdims=True)) + shift
        return Z - lse

    # ---------------------------------------------------- sparse coef_
    def sparsify(self):
        """Convert ``coef_`` to a scipy.sparse CSR matrix.

        As ``LogisticRegression.sparsify``: an L1-penalised model with many
        zero coefficients takes less memory (at least half of ``coef_``
        should be zeros for it to pay). ``intercept_`` stays dense; the
        predictions do not change, and fitting again (a warm start or
        ``partial_fit``) works from the sparse coefficients too. The sparse
        class follows scikit-learn's ``sparse_interface`` setting.

        Returns
        -------
        self : object
            The fitted estimator, with a sparse ``coef_``.

        Examples
        --------
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skbackprop import LogisticRegressionGD
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = StandardScaler().fit_transform(X)
        >>> clf = LogisticRegressionGD(C=0.05, l1_ratio=1.0).fit(X, y)
        >>> clf.sparsify().coef_.nnz
        5
        >>> clf.score(X, y)
        0.966...
        """
        check_is_fitted(self, msg=_NOT_FITTED.format(what="sparsifying"))
        interface = get_config().get("sparse_interface", "spmatrix")
        csr = sp.csr_array if interface == "sparray" else sp.csr_matrix
        self.coef_ = csr(self.coef_)
        return self

    def densify(self):
        """Convert ``coef_`` back to a dense ndarray (after :meth:`sparsify`).

        A no-op when ``coef_`` is dense already.

        Returns
        -------
        self : object
            The fitted estimator, with a dense ``coef_``.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skbackprop import LogisticRegressionGD
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = LogisticRegressionGD().fit(X, y).sparsify()
        >>> type(clf.densify().coef_).__name__
        'ndarray'
        """
        check_is_fitted(self, msg=_NOT_FITTED.format(what="densifying"))
        self.coef_ = _dense(self.coef_)
        return self

    def _divergence_hint(self):
        if self.solver == "gd":
            return "Scale the input data (e.g. StandardScaler) or lower C."
        return (
            f"Lower the learning rate (learning_rate={self.learning_rate!r}) "
            "or scale the input data."
        )

    # ---------------------------------------------------------- conversion
    def to_sklearn(self):
        """The fitted model as scikit-learn's ``LogisticRegression``.

        The coefficients, the classes, the features and the parameters both
        estimators have (``C``, ``l1_ratio``, ``fit_intercept``,
        ``class_weight``, ...); with an L1 part its solver is ``"saga"``,
        LogisticRegression's solver for it. The result predicts what this
        model predicts and warm-starts from its coefficients.

        Returns
        -------
        estimator : sklearn.linear_model.LogisticRegression
            A fitted scikit-learn estimator.

        See Also
        --------
        from_sklearn : The reverse conversion.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skbackprop import LogisticRegressionGD
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = LogisticRegressionGD(C=0.5).fit(X, y)
        >>> lr = clf.to_sklearn()
        >>> lr.C, bool(abs(lr.predict_proba(X) - clf.predict_proba(X)).max() < 1e-12)
        (0.5, True)
        """
        from ._convert import to_sklearn

        return to_sklearn(self)

    @classmethod
    def from_sklearn(cls, estimator):
        """A model from a fitted scikit-learn ``LogisticRegression``.

        The coefficients, the classes, the features and the parameters both
        estimators have are carried over: the model predicts what
        ``estimator`` predicts, and a warm start or ``partial_fit`` trains on
        from its coefficients.

        Parameters
        ----------
        estimator : sklearn.linear_model.LogisticRegression
            A fitted binary or multinomial logistic regression.

        Returns
        -------
        model : LogisticRegressionGD
            A fitted model.

        Raises
        ------
        TypeError
            When ``estimator`` is not a ``LogisticRegression``.
        sklearn.exceptions.NotFittedError
            When ``estimator`` is not fitted.

        See Also
        --------
        to_sklearn : The reverse conversion.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skbackprop import LogisticRegressionGD
        >>> X, y = load_iris(return_X_y=True)
        >>> lr = LogisticRegression(max_iter=1000).fit(X, y)
        >>> clf = LogisticRegressionGD.from_sklearn(lr)
        >>> bool((clf.predict(X) == lr.predict(X)).all())
        True
        """
        from ._convert import from_sklearn

        return from_sklearn(cls, estimator)


def _dense(coef):
    """``coef_`` as an ndarray, after :meth:`LogisticRegressionGD.sparsify` too."""
    return coef.toarray() if sp.issparse(coef) else coef


class _ObjectiveMonitor:
    """Monitor: the exact training objective, after every epoch.

    Not the mean of the mini-batch costs while the weights moved: the
    objective of the weights reached. It decides: the learning rate drops
    when it stalls, and the best weights are kept. When it goes up it forgets
    the optimizer's momentum (adaptive restart, O'Donoghue and Candes, 2015):
    with a fixed momentum the iterates of a strongly convex problem overshoot
    and circle the optimum; dropping the velocity (Adam's first moment) damps
    that, and keeps the learning rate from being lowered for what is only
    momentum.
    """

    decides = True
    what = "Training objective"

    def __init__(self, X, Y, sample_weight, alpha, total, optimizer):
        self.data = X, Y, sample_weight
        self.alpha, self.total = alpha, total
        self.optimizer = optimizer
        self.curve = []
        self._best = None

    def start(self, state, network):
        self._best = -np.inf
        state.best_params = network.params.copy()

    def record(self, network, state, verbose):
        X, Y, sample_weight = self.data
        Z = network.logits(X)
        A = network.loss.activate(Z.copy())
        per_sample = network.loss.value(Y, Z, A)
        data = per_sample.sum() if sample_weight is None else per_sample @ sample_weight
        W = network.params[: network.n_coefs]
        objective = float(data + 0.5 * self.alpha * (W @ W)) / self.total
        if network.l1:
            objective += network.l1 * l1_norm(W)
        self.curve.append(objective)
        if len(self.curve) >= 2 and self.curve[-1] > self.curve[-2]:
            self.optimizer.reset_momentum()

    def progress(self, state):
        return -self.curve[-1], self._best

    def set_best(self, state, value):
        self._best = value
