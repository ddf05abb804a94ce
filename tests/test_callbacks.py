"""scikit-learn callbacks (sklearn.callback) on the estimators."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from _data import X_iris, y_iris
from skbackprop import BackpropClassifier, BackpropRegressor

callback = pytest.importorskip("sklearn.callback")

X, y = X_iris, y_iris
# The regressor predicts the last (standardised) iris measurement from the others.
X_reg, y_reg = X_iris[:, :3], X_iris[:, 3]

KINDS = ["classifier", "regressor"]


def small_network(kind, **params):
    """A network of 8 hidden units of the kind, with its training data."""
    if kind == "classifier":
        return BackpropClassifier((8,), random_state=0, **params), X, y
    reg = BackpropRegressor(hidden_layer_sizes=(8,), random_state=0, **params)
    return reg, X_reg, y_reg


class Recorder:
    """A FitCallback recording every task, optionally asking to stop.

    After each epoch or iteration it scores the model handed to it on ``X, y``
    (accuracy for a classifier, R^2 for a regressor).
    """

    def __init__(self, X, y, stop_after=None):
        self.X, self.y = X, y
        self.stop_after = stop_after
        self.events = []
        self.scores = []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", context.task_name, context.task_id))
        if context.task_name in ("epoch", "iteration") and fitted_estimator:
            self.scores.append(fitted_estimator.score(self.X, self.y))
            return self.stop_after is not None and len(self.scores) >= self.stop_after
        return False


# a few epochs or iterations: the test counts callback events, not convergence
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "solver, task",
    [("adam", "epoch"), ("sgd", "epoch"), ("gd", "iteration"), ("lbfgs", "iteration")],
)
def test_one_subtask_per_epoch_or_iteration(kind, solver, task):
    clf, X, y = small_network(kind, solver=solver, max_iter=6)
    rec = Recorder(X, y)
    clf.set_callbacks(rec).fit(X, y)
    begins = [e for e in rec.events if e[0] == "begin" and e[1] == task]
    ends = [e for e in rec.events if e[0] == "end" and e[1] == task]
    assert len(ends) == len(begins)  # every task begun is ended
    assert len(rec.scores) == clf.n_iter_ == len(clf.loss_curve_)
    assert rec.events[0] == ("setup", "fit") and rec.events[-1] == ("teardown", "fit")
    assert ("end", "fit", 0) in rec.events
    # the fitted estimator handed to the callback after the last epoch is the model
    assert rec.scores[-1] == pytest.approx(clf.score(X, y))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", ["adam", "sgd", "gd", "lbfgs"])
def test_callback_can_stop_training(kind, solver, recwarn):
    clf, X, y = small_network(kind, solver=solver, max_iter=50)
    rec = Recorder(X, y, stop_after=3)
    clf.set_callbacks(rec).fit(X, y)
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == 3
    # stopping on request is not a convergence failure
    assert not [w for w in recwarn if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize("kind", KINDS)
def test_partial_fit_reports_one_epoch(kind):
    clf, X, y = small_network(kind)
    rec = Recorder(X, y)
    clf.set_callbacks(rec)
    first_call = {"classes": np.unique(y)} if kind == "classifier" else {}
    clf.partial_fit(X, y, **first_call)
    clf.partial_fit(X, y)
    assert len(rec.scores) == 2
    assert rec.events.count(("setup", "fit")) == 2
    assert rec.scores[-1] == pytest.approx(clf.score(X, y))


@pytest.mark.parametrize(
    "kind, scoring", [("classifier", "accuracy"), ("regressor", "r2")]
)
def test_scoring_monitor_logs_every_epoch(kind, scoring):
    monitor = callback.ScoringMonitor(scoring=scoring)
    clf, X, y = small_network(kind, max_iter=5)
    with pytest.warns(ConvergenceWarning):
        clf.set_callbacks(monitor).fit(X, y)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert [r["task_id"] for r in rows] == list(range(5))
    assert all(r[scoring] <= 1 for r in rows)
    # the training data's score after the last epoch is the model's
    assert rows[-1][scoring] == pytest.approx(clf.score(X, y))


@pytest.mark.parametrize("kind", KINDS)
def test_progress_bar_runs(kind, capsys):
    pytest.importorskip("rich")
    clf, X, y = small_network(kind, max_iter=3)
    with pytest.warns(ConvergenceWarning):
        clf.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert clf.n_iter_ == 3


@pytest.mark.parametrize("kind", KINDS)
def test_failed_fit_still_tears_down_and_keeps_model(kind):
    clf, X, y = small_network(kind, max_iter=5)
    rec = Recorder(X, y)
    with pytest.warns(ConvergenceWarning):
        clf.set_callbacks(rec).fit(X, y)
    coefs = [c.copy() for c in clf.coefs_]
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(X_bad, y)
    assert rec.events[-1] == ("teardown", "fit")
    for a, b in zip(coefs, clf.coefs_):
        np.testing.assert_array_equal(a, b)
    assert not hasattr(clf, "_callback_fit_ctx")


# a few epochs or iterations: the test counts callback events, not convergence
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "solver, task", [("gd", "iteration"), ("sgd", "epoch"), ("adam", "epoch")]
)
def test_logistic_regression_reports_and_stops(solver, task):
    from skbackprop import LogisticRegressionGD

    rec = Recorder(X, y)
    clf = LogisticRegressionGD(solver=solver, max_iter=8, random_state=0)
    clf.set_callbacks(rec).fit(X, y)
    ends = [e for e in rec.events if e[0] == "end" and e[1] == task]
    begins = [e for e in rec.events if e[0] == "begin" and e[1] == task]
    assert len(begins) == len(ends) >= len(rec.scores) == clf.n_iter_ > 0
    assert rec.scores[-1] == pytest.approx(clf.score(X, y))

    stopper = Recorder(X, y, stop_after=2)
    clf = LogisticRegressionGD(solver=solver, max_iter=50, random_state=0)
    clf.set_callbacks(stopper).fit(X, y)
    assert clf.n_iter_ == 2 == len(stopper.scores)
