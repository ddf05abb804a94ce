"""The training loop's own rules, on scripted networks: batches, stopping, monitors.

The loop knows no estimator, so it is tested here with stand-ins whose loss
follows a script: the rules (MLPClassifier's no-improvement counter, the
schedule's say on a plateau, the best weights of a monitor that decides, the
callbacks, divergence and interruption) are checked one by one.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from skbackprop._training import (
    MiniBatches,
    StoppingRule,
    TrainingDiverged,
    TrainingState,
    Validation,
    run_epoch,
    train,
)
from skbackprop.core.optimizers import SCHEDULES


class ScriptedNetwork:
    """One parameter; each call of loss_and_gradient returns the next loss."""

    def __init__(self, losses):
        self.losses = list(losses)
        self.calls = 0
        self.params = np.zeros(1)
        self.grad = np.zeros(1)
        self.seen = []

    def loss_and_gradient(self, X, Y, sample_weight=None, alpha=0.0):
        self.seen.append((X, Y, sample_weight, alpha))
        loss = self.losses[min(self.calls, len(self.losses) - 1)]
        self.calls += 1
        return loss


class CountingOptimizer:
    """Adds 1 to the parameter at every step: params[0] counts the steps."""

    def __init__(self, params, learning_rate=0.1):
        self.params = params
        self.learning_rate = learning_rate

    def update(self, grad):
        self.params += 1.0


def run(losses, *, stopping=None, schedule="constant", monitor=None, n=4, **kw):
    """Train a scripted network on one batch per epoch (a call = an epoch)."""
    net = ScriptedNetwork(losses)
    opt = CountingOptimizer(net.params)
    batches = MiniBatches(
        np.zeros((n, 1)), np.zeros((n, 1)), batch_size=n, shuffle=False
    )
    stopping = stopping or StoppingRule(
        max_iter=len(losses), tol=1e-3, n_iter_no_change=2
    )
    schedule = SCHEDULES[schedule](opt.learning_rate)
    state = train(
        net,
        opt,
        batches,
        TrainingState(),
        schedule=schedule,
        stopping=stopping,
        monitor=monitor,
        **kw,
    )
    return state, net


# ------------------------------------------------------------- MiniBatches
def test_minibatches_visit_every_row_once_per_epoch_in_batches():
    X = np.arange(10.0)[:, None]
    batches = MiniBatches(
        X, X * 2, np.ones(10), batch_size=4, rng=np.random.RandomState(0)
    )
    for _ in range(3):
        sizes, rows = [], []
        for X_b, Y_b, sw_b in batches:
            sizes.append(len(X_b))
            rows.extend(X_b[:, 0].tolist())
            np.testing.assert_array_equal(Y_b, X_b * 2)  # rows stay together
            assert sw_b.shape == (len(X_b),)
        assert sizes == [4, 4, 2]
        assert sorted(rows) == list(range(10))


def test_minibatches_draw_mlpclassifier_orders():
    """The order is shuffled again in place from one epoch to the next."""
    X = np.arange(7.0)[:, None]
    batches = MiniBatches(X, X, batch_size=7, rng=np.random.RandomState(3))
    reference, order = np.random.RandomState(3), np.arange(7)
    for _ in range(4):
        reference.shuffle(order)
        (X_b, _, sw_b) = next(iter(batches))
        np.testing.assert_array_equal(X_b[:, 0], order)
        assert sw_b is None


def test_minibatches_without_shuffling_keep_the_order_and_need_no_rng():
    X = np.arange(5.0)[:, None]
    batches = MiniBatches(X, X, batch_size=2, shuffle=False)
    first = [X_b[:, 0].tolist() for X_b, _, _ in batches]
    assert first == [[0, 1], [2, 3], [4]]
    assert [X_b[:, 0].tolist() for X_b, _, _ in batches] == first


def test_minibatches_clip_the_batch_size():
    X = np.zeros((3, 2))
    assert MiniBatches(X, X, batch_size=10, shuffle=False).batch_size == 3
    assert MiniBatches(X, X, batch_size=0, shuffle=False).batch_size == 1


def test_minibatches_reuse_their_buffers_and_gather_sparse_rows():
    X = np.arange(12.0).reshape(6, 2)
    batches = MiniBatches(X, X, batch_size=3, rng=np.random.RandomState(0))
    (a, _, _), (b, _, _) = list(batches)
    assert a is b  # one buffer per batch size, refilled
    S = sp.csr_matrix(X)
    rows = [
        X_b
        for X_b, _, _ in MiniBatches(S, X, batch_size=4, rng=np.random.RandomState(0))
    ]
    assert all(sp.issparse(r) for r in rows)
    assert sorted(np.vstack([r.toarray() for r in rows])[:, 0]) == list(X[:, 0])


# --------------------------------------------------------------- run_epoch
def test_run_epoch_averages_batch_losses_by_batch_size():
    net = ScriptedNetwork([1.0, 4.0])
    batches = MiniBatches(
        np.zeros((3, 1)), np.zeros((3, 1)), batch_size=2, shuffle=False
    )
    loss = run_epoch(net, CountingOptimizer(net.params), batches, alpha=0.5)
    assert loss == pytest.approx((1.0 * 2 + 4.0 * 1) / 3)
    assert net.params[0] == 2  # one step per batch
    assert [seen[3] for seen in net.seen] == [0.5, 0.5]


def test_run_epoch_raises_on_a_non_finite_loss():
    net = ScriptedNetwork([np.nan])
    batches = MiniBatches(np.zeros((2, 1)), np.zeros((2, 1)), shuffle=False)
    with pytest.raises(TrainingDiverged, match="loss became non-finite"):
        run_epoch(net, CountingOptimizer(net.params), batches)


# ---------------------------------------------------------------- stopping
def test_stops_after_n_iter_no_change_epochs_without_progress():
    # improvement until epoch 3, then flat: the counter passes 2 at epoch 6
    losses = [5.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    state, _ = run(losses)
    assert state.n_iter == 6
    assert state.loss_curve == losses[:6]
    assert state.best_loss == 3.0
    assert state.no_improvement_count == 3


def test_an_improvement_resets_the_counter():
    losses = [5.0, 5.0, 5.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    state, _ = run(losses)
    assert state.n_iter == 7  # counted 2 at epoch 3, reset at 4, 3 at 7


def test_tol_sets_what_counts_as_progress():
    losses = [5.0, 4.95, 4.9, 4.85, 4.8, 4.75]
    rule = StoppingRule(max_iter=6, tol=0.1, n_iter_no_change=2)
    state, _ = run(losses, stopping=rule)
    assert state.n_iter == 4  # every step of 0.05 is less than tol
    rule = StoppingRule(max_iter=6, tol=0.01, n_iter_no_change=2)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(6\)"):
        state, _ = run(losses, stopping=rule)
    assert state.n_iter == 6


def test_max_iter_warns_unless_told_not_to():
    losses = [5.0, 4.0, 3.0]
    with pytest.warns(ConvergenceWarning, match="hasn't converged yet"):
        run(losses, stopping=StoppingRule(max_iter=3, n_iter_no_change=10))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state, _ = run(
            losses, stopping=StoppingRule(1, n_iter_no_change=10, warn=False)
        )
    assert state.n_iter == 1


def test_a_plateau_lowers_the_learning_rate_before_stopping(capsys):
    # adaptive: divide by 5 (0.1 -> 0.02 -> 0.004 ...) until below 1e-6
    losses = [5.0] * 40
    state, _ = run(
        losses,
        schedule="adaptive",
        verbose=True,
        stopping=StoppingRule(max_iter=40, tol=1e-3, n_iter_no_change=2),
    )
    out = capsys.readouterr().out
    assert "Setting learning rate to 0.020000" in out
    assert "Learning rate too small. Stopping." in out
    assert state.learning_rate < 1e-6
    # the first epoch is progress (from an infinite best loss), so the first
    # plateau ends at epoch 4; each later one takes 3 epochs (the counter
    # starts again from 0); 0.1 / 5**8 is below 1e-6: 8 lowerings, then stop
    assert state.n_iter == 4 + 3 * 8


def test_a_constant_rate_stops_at_the_first_plateau(capsys):
    state, _ = run([5.0] * 10, verbose=True)
    out = capsys.readouterr().out
    assert state.n_iter == 4  # the first epoch improves on an infinite best
    assert "Training loss did not improve more than tol=0.001000 for 2" in out
    assert "too small" not in out


def test_the_learning_rate_carries_over_in_the_state():
    net = ScriptedNetwork([1.0])
    opt = CountingOptimizer(net.params, learning_rate=0.5)
    state = TrainingState(learning_rate=0.25)
    batches = MiniBatches(np.zeros((2, 1)), np.zeros((2, 1)), shuffle=False)
    train(
        net,
        opt,
        batches,
        state,
        schedule=SCHEDULES["constant"](0.5),
        stopping=StoppingRule(1, warn=False),
    )
    assert opt.learning_rate == 0.25  # a continued run keeps its rate
    assert state.t == 2 and state.schedule_epoch == 1


# ---------------------------------------------------------------- monitors
def scripted_validation(scores, losses=None, **kw):
    it = iter(zip(scores, losses or [0.0] * len(scores)))
    return Validation(lambda network: next(it), **kw)


def test_a_deciding_monitor_stops_and_restores_the_best_weights():
    scores = [0.5, 0.7, 0.9, 0.8, 0.85, 0.6, 0.6, 0.6]
    monitor = scripted_validation(scores)
    state, net = run([1.0] * 8, monitor=monitor)
    assert state.validation_scores == scores[:6]
    assert state.best_validation_score == 0.9
    assert state.best_loss is None
    # the parameter counts the steps: the weights after epoch 3 are back
    assert state.n_iter == 6
    assert net.params[0] == 3.0


def test_a_monitor_of_the_loss_keeps_the_lowest():
    losses = [3.0, 2.0, 2.5, 2.6, 2.7]
    monitor = scripted_validation([0.0] * 5, losses, metric="loss")
    state, net = run([1.0] * 5, monitor=monitor)
    assert state.best_validation_loss == 2.0
    assert state.validation_loss_curve == losses
    assert net.params[0] == 2.0


def test_a_monitor_that_does_not_decide_is_only_recorded(capsys):
    monitor = scripted_validation([0.1, 0.2, 0.3, 0.4], early_stopping=False)
    state, net = run(
        [4.0, 3.0, 2.0, 1.0],
        monitor=monitor,
        verbose=True,
        stopping=StoppingRule(4, n_iter_no_change=2, warn=False),
    )
    assert state.validation_scores == [0.1, 0.2, 0.3, 0.4]
    assert state.best_loss == 1.0  # the training loss decides
    assert net.params[0] == 4.0  # nothing restored
    assert "Validation score: 0.400000" in capsys.readouterr().out


# ------------------------------------------------- callbacks and failures
class StopAt:
    def __init__(self, epoch):
        self.epoch, self.begun = epoch, 0

    def begin(self):
        self.begun += 1

    def end(self, state):
        return state.n_iter == self.epoch


def test_callbacks_are_called_around_every_epoch_and_can_stop():
    callbacks = StopAt(3)
    state, _ = run([5.0, 4.0, 3.0, 2.0, 1.0], callbacks=callbacks)
    assert state.n_iter == 3 and callbacks.begun == 3


def test_non_finite_parameters_are_divergence():
    net = ScriptedNetwork([1.0])
    opt = CountingOptimizer(net.params)
    opt.update = lambda grad: net.params.fill(np.inf)
    batches = MiniBatches(np.zeros((2, 1)), np.zeros((2, 1)), shuffle=False)
    with pytest.raises(TrainingDiverged, match="parameters became non-finite"):
        train(
            net,
            opt,
            batches,
            TrainingState(),
            schedule=SCHEDULES["constant"](0.1),
            stopping=StoppingRule(1, warn=False),
        )


def test_an_interrupt_ends_training_with_a_warning():
    class Interrupt(StopAt):
        def end(self, state):
            if state.n_iter == 2:
                raise KeyboardInterrupt
            return False

    with pytest.warns(UserWarning, match="Training interrupted by user"):
        state, net = run([5.0, 4.0, 3.0, 2.0], callbacks=Interrupt(0))
    assert state.interrupted and state.n_iter == 2 and net.params[0] == 2.0


def test_training_state_copy_has_its_own_counts_and_shares_the_curves():
    # a partial_fit call must not cost more for a longer curve: no list copy
    state = TrainingState(n_iter=3, loss_curve=[1.0], validation_scores=[0.5])
    new = state.copy()
    new.n_iter += 1
    new.loss_curve.append(2.0)
    assert state.n_iter == 3 and new.loss_curve is state.loss_curve
    assert new.validation_scores is state.validation_scores
