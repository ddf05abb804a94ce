"""The mini-batch training loop shared by the estimators: fit -> epoch -> step.

:func:`train` runs epochs of :func:`run_epoch` over a :class:`~skbackprop.core.Network`
with a stochastic optimizer from :mod:`skbackprop.core.optimizers`, and applies
the stopping rules of scikit-learn's ``MLPClassifier``: stop when the training
loss (or, with a validation set, the validation score) has not improved by
``tol`` for ``n_iter_no_change`` epochs, or lower the learning rate first when
the schedule says so. Everything it learns about the run goes into a
:class:`TrainingState`, which the estimators turn into fitted attributes.

This module knows nothing of labels or estimator parameters; it prints only the
progress lines ``MLPClassifier`` prints with ``verbose``.
"""

import dataclasses
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning


class TrainingDiverged(FloatingPointError):
    """The loss or the parameters became non-finite during training."""


@dataclass
class TrainingState:
    """What the loop knows about a run; carried over by warm starts and partial_fit.

    Attributes mirror ``MLPClassifier``'s fitted attributes of the same names.
    """

    n_iter: int = 0
    t: int = 0
    loss: float | None = None
    loss_curve: list = field(default_factory=list)
    best_loss: float | None = math.inf
    validation_scores: list | None = None
    validation_loss_curve: list | None = None
    best_validation_score: float | None = None
    best_validation_loss: float | None = None
    no_improvement_count: int = 0
    best_params: np.ndarray | None = None
    learning_rate: float | None = None
    # Epochs since the optimizer (and its schedule) started: a sequence of
    # partial_fit calls keeps counting, as one fit does.
    schedule_epoch: int = 0
    interrupted: bool = False

    def copy(self):
        """A copy to train on, so that a failed run leaves the original untouched.

        Training only appends to the curves and replaces ``best_params`` (it
        never writes into it), so new lists and a shared array suffice: much
        cheaper than a deep copy, which made every ``partial_fit`` call of a
        long stream slower than the one before.
        """
        new = dataclasses.replace(self)
        new.loss_curve = list(self.loss_curve)
        if self.validation_scores is not None:
            new.validation_scores = list(self.validation_scores)
        if self.validation_loss_curve is not None:
            new.validation_loss_curve = list(self.validation_loss_curve)
        return new


@dataclass
class Validation:
    """A held-out set scored after every epoch.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(network) -> (score, loss)``: the validation score (higher
        is better, e.g. accuracy) and the validation loss (lower is better).
    monitor : {"score", "loss"}
        Which of the two decides early stopping and the best weights.
    early_stopping : bool
        Whether the validation set decides when to stop (and which weights are
        the best); if False it is only scored, and the training loss decides.
    """

    evaluate: object
    monitor: str = "score"
    early_stopping: bool = True


class _BatchGatherer:
    """Gathers mini-batches of rows into buffers reused across batches."""

    def __init__(self, *arrays):
        self.arrays = arrays
        self._buffers = {}

    def __call__(self, idx):
        if isinstance(idx, slice):
            return tuple(None if a is None else a[idx] for a in self.arrays)
        n = len(idx)
        bufs = self._buffers.get(n)
        if bufs is None:
            bufs = tuple(
                None
                if a is None or sp.issparse(a)
                else np.empty((n, *a.shape[1:]), dtype=a.dtype)
                for a in self.arrays
            )
            self._buffers = {n: bufs, **dict(list(self._buffers.items())[:1])}
        out = []
        for a, buf in zip(self.arrays, bufs):
            if a is None:
                out.append(None)
            elif buf is None:  # sparse rows: scipy makes a new matrix
                out.append(a[idx])
            else:
                # mode="clip": the default mode="raise" makes take() gather
                # into a temporary and copy it to ``out``; the indices come
                # from a permutation of range(n), so there is nothing to clip.
                out.append(a.take(idx, axis=0, out=buf, mode="clip"))
        return tuple(out)


def _batches(n, batch_size):
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def run_epoch(
    network,
    optimizer,
    X,
    Y,
    sample_weight=None,
    *,
    batch_size,
    alpha=0.0,
    shuffle=True,
    rng=None,
    dropout=0.0,
    dropout_rng=None,
    penalty_scale=None,
    after_step=None,
    gather=None,
    order=None,
):
    """One pass over the data in mini-batches; returns the epoch's mean loss.

    For each batch: forward pass, cost and backward pass
    (:meth:`Network.loss_and_gradient`), then ``optimizer.update(grad)``.
    The returned loss is the mean of the batch losses weighted by batch size,
    as ``MLPClassifier`` reports it.

    Parameters
    ----------
    network : Network
    optimizer : SGD or Adam
        Bound to ``network.params``.
    X, Y, sample_weight : arrays
        Training data, targets as the network expects, weights or None.
    batch_size : int
        Mini-batch size (clipped to the number of samples).
    alpha : float, default=0.0
        L2 penalty, divided per batch by the batch's weight sum.
    shuffle : bool, default=True
        Visit samples in a new random order every epoch.
    rng : numpy.random.RandomState or Generator
        Draws the order.
    dropout, dropout_rng :
        Dropout rate for hidden units and its random source.
    penalty_scale : float, default=None
        If given, the penalty of each batch is ``alpha * batch_weight_sum *
        penalty_scale`` instead of ``alpha``: with ``penalty_scale = 1 /
        total_weight_sum`` a sum of batch objectives is the full objective.
    after_step : callable, default=None
        Called as ``after_step(learning_rate)`` after every update (a proximal
        step, say).
    gather : callable, default=None
        Reusable batch gatherer made by a previous call (for speed).
    order : ndarray of int, default=None
        The previous epoch's visiting order, shuffled again in place; carrying
        it over epochs draws exactly the orders ``MLPClassifier`` draws.

    Returns
    -------
    loss : float
    """
    n = X.shape[0]
    batch_size = min(max(int(batch_size), 1), n)
    if shuffle:
        if order is None:
            order = np.arange(n)
        rng.shuffle(order)
    if gather is None:
        gather = _BatchGatherer(X, Y, sample_weight)
    accumulated = 0.0
    for batch in _batches(n, batch_size):
        idx = order[batch] if shuffle else batch
        X_b, Y_b, sw_b = gather(idx)
        n_b = batch.stop - batch.start
        a = alpha
        if penalty_scale is not None:
            a = alpha * (n_b if sw_b is None else float(sw_b.sum())) * penalty_scale
        batch_loss = network.loss_and_gradient(
            X_b, Y_b, sw_b, a, dropout=dropout, rng=dropout_rng
        )
        if not math.isfinite(batch_loss):
            raise TrainingDiverged("the training loss became non-finite")
        optimizer.update(network.grad)
        if after_step is not None:
            after_step(optimizer.learning_rate)
        accumulated += batch_loss * n_b
    return accumulated / n


def _update_no_improvement(state, tol, validation):
    """``MLPClassifier``'s rule: count epochs without a ``tol`` improvement.

    Returns True when the current weights are the best so far (to keep).
    """
    if validation is None:
        if state.loss_curve[-1] > state.best_loss - tol:
            state.no_improvement_count += 1
        else:
            state.no_improvement_count = 0
        if state.loss_curve[-1] < state.best_loss:
            state.best_loss = state.loss_curve[-1]
        return False
    if validation.monitor == "loss":
        current, best = -state.validation_loss_curve[-1], -state.best_validation_loss
    else:
        current, best = state.validation_scores[-1], state.best_validation_score
    if current < best + tol:
        state.no_improvement_count += 1
    else:
        state.no_improvement_count = 0
    if current > best:
        if validation.monitor == "loss":
            state.best_validation_loss = -current
        else:
            state.best_validation_score = current
        return True
    return False


def train(
    network,
    optimizer,
    schedule,
    state,
    X,
    Y,
    sample_weight=None,
    *,
    max_iter,
    batch_size,
    alpha=0.0,
    shuffle=True,
    rng=None,
    tol=1e-4,
    n_iter_no_change=10,
    validation=None,
    incremental=False,
    verbose=False,
    dropout=0.0,
    dropout_rng=None,
    penalty_scale=None,
    after_step=None,
    epoch_begin=None,
    epoch_end=None,
):
    """Train for up to ``max_iter`` epochs with ``MLPClassifier``'s stopping rules.

    ``state`` (a :class:`TrainingState`) is updated in place: epoch count,
    samples seen, loss curve, validation curves, best loss/score and, with a
    validation set, a copy of the best parameters. With ``incremental=True``
    exactly one epoch is run (``partial_fit``). A :class:`KeyboardInterrupt`
    ends training with a warning, keeping the weights reached (the caller
    restores the best ones when it monitors a validation set).

    ``epoch_begin()`` and ``epoch_end(state)`` are called around every epoch
    (e.g. for scikit-learn callbacks); ``epoch_end`` returning True stops
    training after that epoch.

    Returns
    -------
    state : TrainingState
    """
    if state.learning_rate is None:  # a new optimizer: its schedule starts
        state.learning_rate = optimizer.learning_rate
        state.schedule_epoch = 0
    optimizer.learning_rate = state.learning_rate
    gather = _BatchGatherer(X, Y, sample_weight)
    n_samples = X.shape[0]
    order = np.arange(n_samples)
    state.n_iter = 0
    try:
        for _ in range(max_iter):
            if epoch_begin is not None:
                epoch_begin()
            state.loss = run_epoch(
                network,
                optimizer,
                X,
                Y,
                sample_weight,
                batch_size=batch_size,
                alpha=alpha,
                shuffle=shuffle,
                rng=rng,
                dropout=dropout,
                dropout_rng=dropout_rng,
                penalty_scale=penalty_scale,
                after_step=after_step,
                gather=gather,
                order=order,
            )
            state.n_iter += 1
            state.t += n_samples
            state.loss_curve.append(state.loss)
            if verbose:
                print(f"Iteration {state.n_iter}, loss = {state.loss:.8f}")

            if validation is not None:
                score, val_loss = validation.evaluate(network)
                state.validation_scores.append(score)
                state.validation_loss_curve.append(val_loss)
                if verbose:
                    print(f"Validation score: {score:f}")
            stopping_set = (
                validation if validation and validation.early_stopping else None
            )
            if _update_no_improvement(state, tol, stopping_set):
                state.best_params = network.params.copy()

            state.schedule_epoch += 1
            optimizer.learning_rate = schedule.epoch_end(
                optimizer.learning_rate, state.schedule_epoch, state.t
            )
            stop = False
            if state.no_improvement_count > n_iter_no_change:
                what = "Validation score" if stopping_set else "Training loss"
                if stopping_set and stopping_set.monitor == "loss":
                    what = "Validation loss"
                msg = (
                    f"{what} did not improve more than tol={tol:f} for "
                    f"{n_iter_no_change} consecutive epochs."
                )
                new_lr = schedule.on_plateau(optimizer.learning_rate)
                if new_lr is None:
                    if verbose:
                        extra = (
                            " Learning rate too small."
                            if hasattr(schedule, "min_learning_rate")
                            else ""
                        )
                        print(msg + extra + " Stopping.")
                    stop = True
                else:
                    optimizer.learning_rate = new_lr
                    state.no_improvement_count = 0
                    if verbose:
                        print(msg + f" Setting learning rate to {new_lr:f}")
            state.learning_rate = optimizer.learning_rate
            if epoch_end is not None and epoch_end(state):
                stop = True
            if stop or incremental:
                break
            if state.n_iter == max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({max_iter}) reached "
                    "and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        state.interrupted = True
        warnings.warn("Training interrupted by user.")
    if not np.isfinite(network.params).all():
        raise TrainingDiverged("the parameters became non-finite")
    return state
