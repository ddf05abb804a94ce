"""What every estimator of the package shares around its fits.

:class:`BaseBackprop` holds the fit plumbing; an estimator built on it keeps
only what differs: how it encodes targets, its network (output activation and
loss), its solvers' specifics and its predict methods. Its ``_fit`` follows
one shape::

    X, y = ...validate and encode...
    network, state = ...
    return self._run_fit(X, y, sample_weight, network, solve, reconstruct)

where ``solve(callbacks) -> state`` trains (a stochastic solver through
:meth:`BaseBackprop._train`, which runs :func:`skbackprop._training.train`),
and the estimator's ``_commit(network, state)`` sets the fitted attributes once
training succeeded. The layers below know nothing of this: the training loop
knows no estimator, and :mod:`skbackprop.core` no training loop.
"""

import numbers
import warnings
import weakref
from functools import partial
from numbers import Number
from operator import itemgetter

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._callbacks import CallbackSupportMixin, EpochReporter, with_callbacks
from ._persistence import VersionedPickleMixin
from ._training import TrainingDiverged, TrainingState, Validation, train


def fit_or_restore(estimator, fit, *args, max_subtasks, bridged):
    """Run ``fit(*args)``; if it raises, put every attribute back as it was.

    A failed fit (bad input, divergence, an exception from a callback) must
    leave an already fitted model exactly as it was. The estimators train on
    new arrays and commit their attributes only on success; this restores the
    few attributes set before a failure (``validate_data`` sets
    ``n_features_in_`` early, for one).

    The callback context is made first (``max_subtasks`` epochs or
    iterations, plus the empty one a solver bridge ends on when ``bridged``),
    so that the callbacks are torn down after a failure too.
    """
    estimator._init_callback_context(max_subtasks=max_subtasks + bool(bridged))
    snapshot = dict(estimator.__dict__)
    # A continued training appends to the model's curves (TrainingState.copy)
    lengths = [(curve, len(curve)) for curve in _lists_in(snapshot.values())]
    try:
        return fit(*args)
    except BaseException:
        # Put the old values back in one update, then drop what the fit
        # added: a thread predicting meanwhile never finds the model missing.
        attributes = estimator.__dict__
        attributes.update(snapshot)
        for name in [name for name in list(attributes) if name not in snapshot]:
            attributes.pop(name, None)
        for curve, length in lengths:
            del curve[length:]
        raise


def _lists_in(values):
    """The lists among ``values``, and the curves of the training states."""
    for value in values:
        if type(value) is list:
            yield value
        elif isinstance(value, TrainingState):
            yield from value.curves()


def _check_weight_sum(sample_weight):
    """``sample_weight``, if its sum is finite; else an error that names it.

    The loss is a weighted mean: weights whose sum overflows would surface
    as a divergence or an overflowing curvature, pointing the wrong way.
    """
    if sample_weight is not None:
        with np.errstate(over="ignore"):
            total = sample_weight.sum()
        if not np.isfinite(total):
            raise ValueError(
                f"The sample weights are too large: their sum overflows "
                f"{sample_weight.dtype} (largest weight "
                f"{float(sample_weight.max()):.3g}). Use smaller sample weights."
            )
    return sample_weight


def check_class_labels(labels, name="y"):
    """Refuse class labels that cannot be told apart or sorted, by name.

    Labels must be all strings or all numbers: a mix (or a None) makes
    sorting them raise a bare ``TypeError`` deep inside NumPy.
    """
    if labels is None:  # validate_data says y is required
        return
    labels = np.asarray(labels)
    if labels.dtype != object:
        return
    types = set(map(type, labels.ravel().tolist()))  # in C: no Python loop
    if type(None) in types:
        raise ValueError(f"{name} contains None: every sample needs a class label.")
    kinds = {
        "string" if issubclass(t, str) else
        "number" if issubclass(t, Number) else t.__name__
        for t in types
    }  # fmt: skip
    if len(kinds) > 1:
        raise ValueError(
            f"{name} mixes class labels of different types "
            f"({', '.join(sorted(kinds))}): they must be all strings or all "
            "numbers."
        )


def check_two_classes(classes):
    """Refuse a single class, as ``LogisticRegression`` does, by name."""
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {classes[0]!r}."
        )


def fast_validate_data(
    estimator, X, y="no_validation", *, reset, dtype=(np.float64, np.float32), **check
):
    """``validate_data(estimator, X, y, reset=reset, dtype=dtype, **check)``, fast.

    A fitted estimator is mostly given what ``validate_data`` returns as it
    is: an ndarray of a float dtype it accepts, 2-d, finite, with the fitted
    number of features and no feature names to compare (and targets in a
    finite numeric, or string, array of as many rows). For such input, and
    ``reset=False``, the checks are made here, at a small part of their cost:
    ``validate_data`` looks for a DataFrame, reads the estimator's tags and
    passes over each array several times, which costs more than the
    arithmetic of a small batch. Any other input (a list, a DataFrame, a
    sparse matrix, another dtype, NaN or infinity, a wrong shape) goes to
    ``validate_data``, which converts it or raises its own error or warning;
    so the result is always what ``validate_data`` gives.

    Returns
    -------
    X or (X, y) :
        As ``validate_data`` returns them.
    """
    no_y = isinstance(y, str) and y == "no_validation"
    if (
        not reset
        and _is_valid_X(estimator, X, dtype)
        and (
            no_y
            or _is_valid_y(
                y,
                X.shape[0],
                check.get("multi_output", False),
                check.get("y_numeric", False),
            )
        )
    ):
        return X if no_y else (X, y)
    return validate_data(estimator, X, y, reset=reset, dtype=dtype, **check)


def _is_valid_X(estimator, X, dtype):
    """Whether ``validate_data(estimator, X, reset=False)`` returns X as it is."""
    dtypes = dtype if isinstance(dtype, tuple | list) else (dtype,)
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in dtypes
        and X.shape[0] > 0
        and X.shape[1] == getattr(estimator, "n_features_in_", None)
        and getattr(estimator, "feature_names_in_", None) is None
        and _all_finite(X)
    )


def _is_valid_y(y, n_samples, multi_output, y_numeric):
    """Whether ``validate_data`` returns the targets ``y`` as they are."""
    return (
        type(y) is np.ndarray
        and y.shape[:1] == (n_samples,)
        and (y.ndim == 1 or (multi_output and y.ndim == 2 and y.shape[1] > 0))
        and y.dtype.kind in ("biuf" if y_numeric else "biufU")
        and (y.dtype.kind != "f" or _all_finite(y))
    )


def _is_valid_weight(sample_weight, X):
    """Whether ``_check_sample_weight`` returns ``sample_weight`` as it is.

    (With ``dtype=X.dtype`` and ``ensure_non_negative=True``: finite,
    non-negative, not all zero, C-contiguous, one per sample, X's dtype.)
    """
    return (
        type(sample_weight) is np.ndarray
        and sample_weight.shape == (X.shape[0],)
        and sample_weight.dtype == X.dtype
        and sample_weight.flags.c_contiguous
        and _all_finite(sample_weight)
        and sample_weight.min() >= 0
        and sample_weight.max() > 0
    )


def _all_finite(X):
    # An element-wise test allocates a boolean array; sklearn's test of the
    # sum needs an errstate, which costs more for the small arrays of a call.
    return bool(np.isfinite(X).all()) if X.size <= 4096 else _finite_sum(X)


def _finite_sum(X):
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(X.sum()))


def known_label_index(classes, y):
    """The index of each label of ``y`` in the sorted ``classes``, or None.

    The encoding of a classifier's targets once its ``classes_`` are known
    (two or more): None where ``y`` has a label not in ``classes``, or is not
    a 1-d array of numbers or strings comparable with them, for the caller to
    check ``y`` the long way and raise its errors.
    """
    if not isinstance(y, np.ndarray) or y.ndim != 1 or len(classes) < 2:
        return None
    kinds = {y.dtype.kind, classes.dtype.kind}
    if not (kinds <= set("biuf") or kinds == {"U"}):
        return None
    n_classes = len(classes)
    index = np.searchsorted(classes, y)
    index[index == n_classes] = 0
    return index if (classes[index] == y).all() else None


# The generator each estimator seeded with an int draws from, kept out of its
# state (pickles, copies): an estimator gets its own on first use.
_SEEDED_GENERATORS = weakref.WeakKeyDictionary()


def seeded_random_state(estimator):
    """``check_random_state(estimator.random_state)``, cheaply for an int seed.

    A new ``RandomState(seed)`` costs about 100 us (its bit generator first
    seeds itself from the operating system), more than the training step of
    a small batch; reseeding one generator kept for the estimator gives the
    same draws for a small part of that. The estimator's fits leave it at its
    seed again (:func:`reseed`), so that neither a fit's draws nor a failed
    fit leave a trace in the model's state.
    """
    seed = estimator.random_state
    if not isinstance(seed, numbers.Integral) or not _hashable(estimator):
        return check_random_state(seed)
    generator = _SEEDED_GENERATORS.get(estimator)
    if generator is None:
        generator = _SEEDED_GENERATORS[estimator] = np.random.RandomState(seed)
    else:
        generator.seed(seed)
    return generator


def _hashable(estimator):
    # a subclass defining __eq__ without __hash__ cannot be a dictionary key
    return type(estimator).__hash__ is not None


def reseed(estimator):
    """Put the generator of :func:`seeded_random_state` back at its seed."""
    seed = estimator.random_state
    if isinstance(seed, numbers.Integral) and _hashable(estimator):
        generator = _SEEDED_GENERATORS.get(estimator)
        if generator is not None:
            generator.seed(seed)


class BaseBackprop(VersionedPickleMixin, CallbackSupportMixin, BaseEstimator):
    """Base of the estimators: guarded fits, weights, validation, training.

    Subclasses set ``_full_batch_solver`` (the solver that runs whole-data
    iterations and has no ``partial_fit``) and ``_partial_fit_unavailable``
    (the message when it is asked for), and define ``_fit``, ``_commit``,
    ``_validation_score`` and ``_divergence_hint``.
    """

    _full_batch_solver = None
    _partial_fit_unavailable = "partial_fit is not available for solver={solver!r}."
    # Whether "balanced" class weights count the sample weights
    # (LogisticRegression does; MLPClassifier has no class weights).
    _balanced_counts_sample_weight = False
    # What becomes non-finite when training diverges, in the model's words.
    _diverging = "the loss or the weights"

    # ---------------------------------------------------------- fit guard
    def _check_partial_fit(self):
        """``available_if`` check: partial_fit needs a stochastic solver."""
        if self.solver == self._full_batch_solver:
            raise AttributeError(
                self._partial_fit_unavailable.format(solver=self.solver)
            )
        return True

    @available_if(_check_partial_fit)
    @with_callbacks
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        One pass of mini-batch steps (one full-batch step with
        ``solver="gd"``), continuing the optimizer and its learning rate.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values: class labels (or, where the estimator takes
            them, a label indicator matrix).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every class across the calls to partial_fit; required on the
            first call (e.g. ``np.unique(y_all)``).

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._guarded_fit(X, y, sample_weight, classes, incremental=True)

    def _guarded_fit(self, *args, incremental):
        """``self._fit(*args, incremental=...)``, undone if it fails."""
        try:
            return fit_or_restore(
                self,
                partial(self._fit, incremental=incremental),
                *args,
                max_subtasks=1 if incremental else self.max_iter,
                bridged=self.solver == self._full_batch_solver,  # its callback bridge
            )
        finally:
            reseed(self)

    def _run_fit(self, X, y, sample_weight, network, solve, reconstruct, **commit):
        """Train with callbacks, check for divergence, then commit the results.

        ``solve(callbacks) -> state`` trains ``network``;
        ``self._commit(network, state, **commit)`` sets the fitted attributes,
        all at once, only when training succeeded; ``reconstruct() -> dict``
        describes the model during training, for the callbacks.
        """
        ctx = self._callback_fit_ctx
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        ctx.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        full_batch = self.solver == self._full_batch_solver
        task = "iteration" if full_batch or self.solver == "gd" else "epoch"
        reporter = EpochReporter(ctx, self, X, y, metadata, reconstruct, task)
        # A diverging run overflows on its way to the clear error raised below.
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            state = solve(reporter)
            reason = self._diverged(network, state, X)
        if reason is not None:
            raise ValueError(self._divergence_message(reason))
        self._commit(network, state, **commit)
        ctx.call_on_fit_task_end(
            estimator=self, X=X, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    # Rows of the training data on which a fit's network must give finite
    # logits, checked once per fit: a few, as a forward pass of a whole
    # mini-batch would cost a partial_fit of one batch about a sixth more.
    _n_rows_checked = 16

    def _diverged(self, network, state, X):
        """Why training diverged, or None.

        Non-finite weights or loss, or finite weights so large that the
        network's output overflows on the training data: a last step can
        send the weights there without the loss of its epoch (measured
        before the step) showing it, as a single step of a huge learning
        rate does.
        """
        if not np.isfinite(network.params).all() or (
            state.loss is not None and not np.isfinite(state.loss)
        ):
            return self._non_finite
        if not np.isfinite(network.logits(X[: self._n_rows_checked])).all():
            return "the network's output on the training data became non-finite"
        return None

    @property
    def _non_finite(self):
        return f"{self._diverging} became non-finite"

    def _divergence_message(self, reason=None):
        reason = self._non_finite if reason is None else reason
        return (
            f"Training diverged: {reason} (solver={self.solver!r}). "
            f"{self._divergence_hint()} The model was left as it was."
        )

    # ------------------------------------------------------------ weights
    def _sample_weight(self, sample_weight, X, y, incremental):
        """Validated sample weights times class weights, or None for all ones."""
        if sample_weight is not None and not _is_valid_weight(sample_weight, X):
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        class_weight = getattr(self, "class_weight", None)  # classifiers only
        if class_weight is None:
            return _check_weight_sum(sample_weight)
        if incremental and class_weight == "balanced":
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit: the "
                "class frequencies of the whole data are unknown. Compute the "
                "weights with sklearn.utils.compute_class_weight and pass a dict."
            )
        counted = sample_weight if self._balanced_counts_sample_weight else None
        weights = compute_class_weight(
            class_weight, classes=self.classes_, y=y, sample_weight=counted
        ).astype(X.dtype)
        per_sample = weights[np.searchsorted(self.classes_, y)]
        with np.errstate(over="ignore"):  # reported by _check_weight_sum
            weighted = (
                per_sample if sample_weight is None else per_sample * sample_weight
            )
        return _check_weight_sum(weighted)

    @staticmethod
    def _drop_zero_weights(sample_weight, *arrays):
        """``sample_weight, *arrays`` without the samples of zero weight.

        They take no part in the loss, and a mini-batch of them alone would
        have no weight to average over. Their removal changes nothing else:
        without zero weights everything is returned as it was (the same
        batches, the same model as ``MLPClassifier``'s).
        """
        if sample_weight is None:
            return sample_weight, *arrays
        keep = sample_weight > 0
        if keep.all():
            return sample_weight, *arrays
        if not keep.any():
            raise ValueError("All sample weights are zero: nothing to fit.")
        return sample_weight[keep], *(None if a is None else a[keep] for a in arrays)

    # --------------------------------------------------------- validation
    @staticmethod
    def _split_validation(X, Y, sample_weight, *, fraction, stratify, rng, strict=True):
        """Hold out ``fraction`` of the data: ``(X, Y, sw), (X_val, Y_val, sw_val)``.

        Stratified by ``stratify`` (None for a random split); when a class is
        too small to stratify, ``strict`` raises scikit-learn's error, else
        the split is made at random.
        """
        arrays = [X, Y] if sample_weight is None else [X, Y, sample_weight]
        try:
            try:
                split = train_test_split(
                    *arrays, test_size=fraction, random_state=rng, stratify=stratify
                )
            except ValueError:
                if strict or stratify is None:
                    raise
                split = train_test_split(*arrays, test_size=fraction, random_state=rng)
        except ValueError as exc:
            # scikit-learn speaks of its test_size: say what the user set
            if "test_size" not in str(exc) and "train_size" not in str(exc):
                raise
            stratified = (
                " The split is stratified: it needs a sample of each class."
                if stratify is not None
                else ""
            )
            raise ValueError(
                f"The validation set is too small: validation_fraction={fraction} "
                f"of {X.shape[0]} samples.{stratified} Increase "
                "'validation_fraction' or the size of your dataset."
            ) from None
        X, X_val, Y, Y_val = split[:4]
        sw, sw_val = split[4:] if len(split) > 4 else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return (X, Y, sw), (X_val, Y_val, sw_val)

    def _validation(self, X_val, Y_val, sw_val, truth, *, metric, early_stopping):
        """A :class:`Validation` monitor scoring the network on a held-out set.

        Its loss is the network's mean (weighted) loss on ``(X_val, Y_val)``,
        its score ``self._validation_score(truth, output, sw_val)``.
        """

        def evaluate(network):
            Z = network.logits(X_val)
            A = network.loss.activate(Z.copy())
            loss = float(np.average(network.loss.value(Y_val, Z, A), weights=sw_val))
            return self._validation_score(truth, A, sw_val), loss

        return Validation(evaluate, metric, early_stopping)

    # ----------------------------------------------------------- training
    def _reusable_optimizer(self, network, resume):
        """The previous fit's optimizer, rebound to ``network``, or None.

        ``partial_fit`` continues the optimizer (its moments, its step count
        and its learning rate) as long as the network has the same size.
        """
        previous = getattr(self, "_optimizer", None)
        if resume and previous is not None and previous.params.size == network.n_params:
            return previous.rebind(network.params)
        return None

    def _train(self, network, optimizer, batches, state, **kwargs):
        """:func:`~skbackprop._training.train`, with divergence as a clear error."""
        try:
            return train(network, optimizer, batches, state, **kwargs)
        except TrainingDiverged as diverged:
            raise ValueError(self._divergence_message(str(diverged))) from None

    @staticmethod
    def _interrupted(state):
        warnings.warn("Training interrupted by user.")
        state.interrupted = True

    # ------------------------------------------------------------ predict
    @staticmethod
    def _check_logits(Z):
        """``Z``, the output layer's logits, if they are finite; else a clear error.

        Finite logits give finite probabilities (the softmax and the logistic
        are computed stably); an overflowed one is not a probability at all.
        """
        if not np.isfinite(Z).all():
            raise ValueError(
                "The network's output overflowed: the input values are too large "
                "for the weights. Scale the input data as it was for training."
            )
        return Z

    def __sklearn_is_fitted__(self):
        """Whether a fit committed a model: any attribute ending in ``_``.

        What ``check_is_fitted`` looks for, without iterating over the
        attributes while another thread's fit adds or removes one (its
        callback context): ``list`` copies the names in one step.
        """
        return any(
            name.endswith("_") and not name.startswith("__")
            for name in list(vars(self))
        )

    def _fitted(self, *names):
        """The fitted attributes ``names``, all from the same fit.

        A fit commits its attributes in one ``dict.update``
        (:meth:`_commit_attributes`); one ``operator.itemgetter`` call reads
        them without running Python code in between, so a thread predicting
        while another fits sees the old model or the new one, never a mix.
        """
        return itemgetter(*names)(vars(self))

    def _commit_attributes(self, attributes, drop=()):
        """Set a fit's fitted attributes at once (see :meth:`_fitted`).

        ``drop`` names attributes of an earlier fit that this one does not
        have; they go after the new model is in place.
        """
        vars(self).update(attributes)
        for name in drop:
            vars(self).pop(name, None)

    def _validate_X(self, X):
        """The samples to predict, checked against the fitted model."""
        check_is_fitted(self)
        return fast_validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
