"""The mini-batch training loop: fit -> epoch -> step. It knows no estimator.

:func:`train` runs epochs over :class:`MiniBatches` of the training data; each
step is the textbook one: forward pass, cost and backward pass
(:meth:`Network.loss_and_gradient <skbackprop.core.Network.loss_and_gradient>`),
then ``optimizer.update(network.grad)``. Between epochs it applies the stopping
rules of scikit-learn's ``MLPClassifier``: stop when the training loss (or,
with a monitor that decides, the monitored quantity) has not improved by
``tol`` for ``n_iter_no_change`` epochs, unless the schedule lowers the
learning rate instead. What the loop learns about a run goes into a
:class:`TrainingState`, which the estimators turn into fitted attributes. The
estimators call it through :class:`~skbackprop._base.BaseBackprop`, which
reports :class:`TrainingDiverged` as their clear ``ValueError``.

Whatever is particular to one model travels inside the objects the loop is
given: the network (its cost, dropout), the optimizer (a proximal step, say),
the schedule, and the monitor (:class:`Validation`, or any object with the
same methods). The loop prints only the progress lines ``MLPClassifier``
prints with ``verbose``.
"""

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning


class TrainingDiverged(FloatingPointError):
    """Training diverged: the loss blew up, or became non-finite."""


# Training diverged when an epoch's loss exceeds this many times the loss of
# the first epoch of the same call to train (or when the loss or the
# parameters become non-finite). Runs that blow up grow the loss
# geometrically (a few orders of magnitude per epoch) long before they
# overflow, while an ordinary run, even an unstable one whose loss goes up for
# a while, stays within a few times its first loss: six orders of magnitude
# separate the two. A loss that merely stalls is not divergence. The first
# epoch is the call's own, not an earlier call's: the data of a later
# partial_fit call may be on another scale, with a loss to match.
DIVERGENCE_FACTOR = 1e6


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
    # The fields that are curves (lists that training appends to).
    CURVES: ClassVar[tuple] = (
        "loss_curve",
        "validation_scores",
        "validation_loss_curve",
    )

    def copy(self):
        """A copy to train on: its own counts, the original's curves.

        Training sets the counts and replaces ``best_params`` (it never
        writes into it), and only appends to the curves: the copy shares
        them, so that a call costs the same however long the curves are. A
        caller that must undo a failed run cuts the curves back to their
        lengths (the estimators' fit guard does).
        """
        return dataclasses.replace(self)

    def curves(self):
        """The curves (lists) this state holds."""
        curves = (getattr(self, name) for name in self.CURVES)
        return [curve for curve in curves if curve is not None]


@dataclass(frozen=True)
class StoppingRule:
    """When the loop stops.

    Parameters
    ----------
    max_iter : int
        Most epochs to run.
    tol : float, default=1e-4
        An epoch is progress when the monitored quantity improves by more.
    n_iter_no_change : int or float, default=10
        Epochs without progress before the schedule lowers the learning rate
        or training stops.
    warn : bool, default=True
        Warn (``ConvergenceWarning``) when ``max_iter`` epochs ran without
        convergence; ``partial_fit`` runs one epoch and does not warn.
    stop_on_interrupt : bool, default=True
        Whether a :class:`KeyboardInterrupt` ends training, with a warning and
        the weights reached (``fit``), or propagates (``partial_fit``, whose
        caller owns the loop and must see it).
    """

    max_iter: int
    tol: float = 1e-4
    n_iter_no_change: int | float = 10
    warn: bool = True
    stop_on_interrupt: bool = True


class Validation:
    """A monitor: a held-out set scored after every epoch.

    A monitor is what the loop asks, after every epoch, whether training made
    progress. Its methods are :meth:`start`, :meth:`record`,
    :meth:`progress` and :meth:`set_best`, and its attributes ``decides`` and
    ``what``; another monitor (the training objective, say) has the same.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(network) -> (score, loss)``: the validation score (higher
        is better, e.g. accuracy) and the validation loss (lower is better).
    metric : {"score", "loss"}, default="score"
        Which of the two decides early stopping and the best weights.
    early_stopping : bool, default=True
        Whether the validation set decides when to stop (and which weights
        are the best, restored at the end); if False it is only scored, and
        the training loss decides.
    """

    def __init__(self, evaluate, metric="score", early_stopping=True):
        self.evaluate = evaluate
        self.metric = metric
        self.decides = bool(early_stopping)
        self.what = "Validation loss" if metric == "loss" else "Validation score"

    def start(self, state, network):
        """Make room for the curves; the best so far is the starting point."""
        if state.validation_scores is None:
            state.validation_scores = []
            state.validation_loss_curve = []
        if self.decides and state.best_params is None:
            if self.metric == "loss":
                state.best_validation_loss = np.inf
            else:
                state.best_validation_score = -np.inf
            state.best_params = network.params.copy()

    def record(self, network, state, verbose):
        """Score the network after an epoch and keep the figures."""
        score, loss = self.evaluate(network)
        state.validation_scores.append(score)
        state.validation_loss_curve.append(loss)
        if verbose:
            print(f"Validation score: {score:f}")

    def progress(self, state):
        """``(current, best)``, both higher-is-better."""
        if self.metric == "loss":
            return -state.validation_loss_curve[-1], -state.best_validation_loss
        return state.validation_scores[-1], state.best_validation_score

    def set_best(self, state, value):
        """Remember ``value`` (from :meth:`progress`) as the best so far."""
        if self.metric == "loss":
            state.best_validation_loss = -value
        else:
            state.best_validation_score = value


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


class MiniBatches:
    """The training data, visited in mini-batches, one pass per epoch.

    Iterating gives ``(X_batch, Y_batch, sample_weight_batch)`` for every
    batch of one epoch; with ``shuffle`` the rows are visited in a new random
    order each epoch. The order is shuffled again in place from one epoch to
    the next, which draws exactly the orders ``MLPClassifier`` draws. Rows are
    gathered into buffers reused from batch to batch.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Targets as the network expects them.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
    batch_size : int, default=200
        Rows per batch, clipped to ``[1, n_samples]``; the last batch may be
        smaller.
    shuffle : bool, default=True
    rng : numpy.random.RandomState or Generator, default=None
        Draws the orders; needed with ``shuffle``.
    """

    def __init__(
        self, X, Y, sample_weight=None, *, batch_size=200, shuffle=True, rng=None
    ):
        self.n_samples = X.shape[0]
        self.batch_size = min(max(int(batch_size), 1), self.n_samples)
        self.shuffle = shuffle
        self.rng = rng
        self._gather = _BatchGatherer(X, Y, sample_weight)
        self._order = np.arange(self.n_samples)

    def __iter__(self):
        n, size = self.n_samples, self.batch_size
        if self.shuffle:
            self.rng.shuffle(self._order)
        for start in range(0, n, size):
            batch = slice(start, min(start + size, n))
            yield self._gather(self._order[batch] if self.shuffle else batch)


def run_epoch(network, optimizer, batches, alpha=0.0):
    """One pass over ``batches``; returns the epoch's mean loss.

    For each batch: forward pass, cost and backward pass, then a step of the
    optimizer. The returned loss is the mean of the batch losses weighted by
    batch size, as ``MLPClassifier`` reports it.

    Raises
    ------
    TrainingDiverged
        When a batch's loss is not finite.
    """
    accumulated = 0.0
    for X_b, Y_b, sw_b in batches:
        batch_loss = network.loss_and_gradient(X_b, Y_b, sw_b, alpha)
        if not math.isfinite(batch_loss):
            raise TrainingDiverged("the training loss became non-finite")
        optimizer.update(network.grad)
        accumulated += batch_loss * X_b.shape[0]
    return accumulated / batches.n_samples


def _count_no_improvement(state, tol, monitor):
    """``MLPClassifier``'s rule: count epochs without a ``tol`` improvement.

    ``monitor`` is the one that decides, or None for the training loss.
    Returns True when the current weights are the best so far (to keep).
    """
    if monitor is None:
        if state.loss_curve[-1] > state.best_loss - tol:
            state.no_improvement_count += 1
        else:
            state.no_improvement_count = 0
        if state.loss_curve[-1] < state.best_loss:
            state.best_loss = state.loss_curve[-1]
        return False
    current, best = monitor.progress(state)
    if current < best + tol:
        state.no_improvement_count += 1
    else:
        state.no_improvement_count = 0
    if current > best:
        monitor.set_best(state, current)
        return True
    return False


def train(
    network,
    optimizer,
    batches,
    state,
    *,
    schedule,
    stopping,
    alpha=0.0,
    monitor=None,
    callbacks=None,
    verbose=False,
):
    """Train for up to ``stopping.max_iter`` epochs with ``MLPClassifier``'s rules.

    Parameters
    ----------
    network : Network
        Trained in place.
    optimizer : object
        ``update(grad)`` steps ``network.params``; ``learning_rate`` is read
        and set between epochs.
    batches : MiniBatches
        The training data.
    state : TrainingState
        Updated in place (epoch count, samples seen, curves, best loss or
        score, the best parameters); a warm start or ``partial_fit`` passes
        the previous run's.
    schedule : schedule
        ``epoch_end(lr, epoch, t)`` gives the next learning rate,
        ``on_plateau(lr)`` a lower one or None to stop.
    stopping : StoppingRule
    alpha : float, default=0.0
        L2 penalty strength passed to the network's cost.
    monitor : Validation or None, default=None
        Recorded after every epoch; if it ``decides``, it replaces the
        training loss in the stopping rule, and its best weights are
        restored at the end.
    callbacks : object or None, default=None
        ``begin()`` before every epoch and ``end(state)`` after it; ``end``
        returning True stops training.
    verbose : bool, default=False
        Print ``MLPClassifier``'s progress lines.

    Returns
    -------
    state : TrainingState

    Raises
    ------
    TrainingDiverged
        When the loss or the parameters become non-finite, or the loss grows
        more than ``DIVERGENCE_FACTOR`` times its first epoch's.

    Notes
    -----
    A :class:`KeyboardInterrupt` ends training with a warning, keeping the
    weights reached (the best ones, with a monitor that decides), unless
    ``stopping.stop_on_interrupt`` is False: then it propagates.
    """
    deciding = monitor if monitor is not None and monitor.decides else None
    if monitor is not None:
        monitor.start(state, network)
    if deciding is not None:
        state.best_loss = None
    elif state.best_loss is None:
        state.best_loss = np.inf
    if state.learning_rate is None:  # a new optimizer: its schedule starts
        state.learning_rate = optimizer.learning_rate
        state.schedule_epoch = 0
    optimizer.learning_rate = state.learning_rate
    tol, max_iter = stopping.tol, stopping.max_iter
    state.n_iter = 0
    try:
        for _ in range(max_iter):
            if callbacks is not None:
                callbacks.begin()
            state.loss = run_epoch(network, optimizer, batches, alpha)
            state.n_iter += 1
            state.t += batches.n_samples
            state.loss_curve.append(state.loss)
            first = state.loss_curve[-state.n_iter]  # this call's first epoch
            if state.loss > DIVERGENCE_FACTOR * first > 0:
                raise TrainingDiverged(
                    f"the training loss grew from {first:.3g} to {state.loss:.3g}, "
                    f"more than {DIVERGENCE_FACTOR:g} times its first value"
                )
            if verbose:
                print(f"Iteration {state.n_iter}, loss = {state.loss:.8f}")
            if monitor is not None:
                monitor.record(network, state, verbose)
            if _count_no_improvement(state, tol, deciding):
                state.best_params = network.params.copy()

            state.schedule_epoch += 1
            optimizer.learning_rate = schedule.epoch_end(
                optimizer.learning_rate, state.schedule_epoch, state.t
            )
            stop = False
            if state.no_improvement_count > stopping.n_iter_no_change:
                what = "Training loss" if deciding is None else deciding.what
                msg = (
                    f"{what} did not improve more than tol={tol:f} for "
                    f"{stopping.n_iter_no_change} consecutive epochs."
                )
                new_lr = schedule.on_plateau(optimizer.learning_rate)
                if new_lr is None:
                    if verbose:
                        print(msg + schedule.stop_reason + " Stopping.")
                    stop = True
                else:
                    optimizer.learning_rate = new_lr
                    state.no_improvement_count = 0
                    if verbose:
                        print(msg + f" Setting learning rate to {new_lr:f}")
            state.learning_rate = optimizer.learning_rate
            if callbacks is not None and callbacks.end(state):
                stop = True
            if stop:
                break
            if state.n_iter == max_iter and stopping.warn:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({max_iter}) reached "
                    "and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        if not stopping.stop_on_interrupt:
            raise
        state.interrupted = True
        warnings.warn("Training interrupted by user.")
    if not np.isfinite(network.params).all():
        raise TrainingDiverged("the parameters became non-finite")
    if deciding is not None:
        np.copyto(network.params, state.best_params)  # restore the best weights
    return state
