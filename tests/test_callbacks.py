"""scikit-learn callbacks (sklearn.callback) on the estimators."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from _data import X_iris, y_iris
from skbackprop import BackpropClassifier

callback = pytest.importorskip("sklearn.callback")

X, y = X_iris, y_iris


class Recorder:
    """A FitCallback recording every task, optionally asking to stop."""

    def __init__(self, stop_after=None):
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
            self.scores.append(fitted_estimator.score(X, y))
            return self.stop_after is not None and len(self.scores) >= self.stop_after
        return False


# a few epochs or iterations: the test counts callback events, not convergence
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "solver, task",
    [("adam", "epoch"), ("sgd", "epoch"), ("gd", "iteration"), ("lbfgs", "iteration")],
)
def test_one_subtask_per_epoch_or_iteration(solver, task):
    rec = Recorder()
    clf = BackpropClassifier((8,), solver=solver, max_iter=6, random_state=0)
    clf.set_callbacks(rec).fit(X, y)
    begins = [e for e in rec.events if e[0] == "begin" and e[1] == task]
    ends = [e for e in rec.events if e[0] == "end" and e[1] == task]
    assert len(ends) == len(begins)  # every task begun is ended
    assert len(rec.scores) == clf.n_iter_ == len(clf.loss_curve_)
    assert rec.events[0] == ("setup", "fit") and rec.events[-1] == ("teardown", "fit")
    assert ("end", "fit", 0) in rec.events
    # the fitted estimator handed to the callback after the last epoch is the model
    assert rec.scores[-1] == pytest.approx(clf.score(X, y))


@pytest.mark.parametrize("solver", ["adam", "sgd", "gd", "lbfgs"])
def test_callback_can_stop_training(solver, recwarn):
    rec = Recorder(stop_after=3)
    clf = BackpropClassifier((8,), solver=solver, max_iter=50, random_state=0)
    clf.set_callbacks(rec).fit(X, y)
    assert clf.n_iter_ == 3
    assert len(clf.loss_curve_) == 3
    # stopping on request is not a convergence failure
    assert not [w for w in recwarn if issubclass(w.category, ConvergenceWarning)]


def test_partial_fit_reports_one_epoch():
    rec = Recorder()
    clf = BackpropClassifier((8,), random_state=0).set_callbacks(rec)
    clf.partial_fit(X, y, classes=np.unique(y))
    clf.partial_fit(X, y)
    assert len(rec.scores) == 2
    assert rec.events.count(("setup", "fit")) == 2


def test_scoring_monitor_logs_every_epoch():
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = BackpropClassifier((8,), max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.set_callbacks(monitor).fit(X, y)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert [r["task_id"] for r in rows] == list(range(5))
    assert all(0 <= r["accuracy"] <= 1 for r in rows)


def test_progress_bar_runs(capsys):
    pytest.importorskip("rich")
    clf = BackpropClassifier((8,), max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert clf.n_iter_ == 3


def test_failed_fit_still_tears_down_and_keeps_model():
    rec = Recorder()
    clf = BackpropClassifier((8,), max_iter=5, random_state=0)
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

    rec = Recorder()
    clf = LogisticRegressionGD(solver=solver, max_iter=8, random_state=0)
    clf.set_callbacks(rec).fit(X, y)
    ends = [e for e in rec.events if e[0] == "end" and e[1] == task]
    begins = [e for e in rec.events if e[0] == "begin" and e[1] == task]
    assert len(begins) == len(ends) >= len(rec.scores) == clf.n_iter_ > 0
    assert rec.scores[-1] == pytest.approx(clf.score(X, y))

    stopper = Recorder(stop_after=2)
    clf = LogisticRegressionGD(solver=solver, max_iter=50, random_state=0)
    clf.set_callbacks(stopper).fit(X, y)
    assert clf.n_iter_ == 2 == len(stopper.scores)
