"""LossCurveDisplay."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from skbackprop import BackpropClassifier, LogisticRegressionGD
from skbackprop.plotting import LossCurveDisplay

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

X, y = load_digits(return_X_y=True)
X, y = X[:400] / 16, y[:400]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("metric", ["accuracy", "loss"])
def test_from_estimator_marks_the_best_epoch(metric):
    clf = BackpropClassifier(
        (16,),
        early_stopping=True,
        early_stopping_metric=metric,
        n_iter_no_change=3,
        # fast enough that early stopping ends both fits: the best epoch is not
        # the last
        learning_rate_init=0.03,
        max_iter=60,
        random_state=0,
    )
    clf.fit(X[:300], y[:300], X_val=X[300:], y_val=y[300:])
    display = LossCurveDisplay.from_estimator(clf)
    assert set(display.lines_) == {
        "training loss",
        "validation loss",
        "validation score",
        "best epoch",
    }
    np.testing.assert_array_equal(
        display.lines_["training loss"].get_ydata(), clf.loss_curve_
    )
    if metric == "loss":
        best = np.argmin(clf.validation_loss_curve_) + 1
    else:
        best = np.argmax(clf.validation_scores_) + 1
    assert display.lines_["best epoch"].get_xdata()[0] == best
    assert display.ax_.get_yscale() == "log"
    assert display.score_ax_ is not None and display.figure_ is display.ax_.figure
    assert display.ax_.get_title() == "BackpropClassifier"


def test_plain_curves_and_given_axes():
    clf = LogisticRegressionGD().fit(X, y)
    _, ax = plt.subplots()
    display = LossCurveDisplay.from_estimator(clf, ax=ax, name="LR", log_scale=False)
    assert display.ax_ is ax and set(display.lines_) == {"training loss"}
    assert display.score_ax_ is None and ax.get_yscale() == "linear"
    assert ax.get_title() == "LR"
    # from curves directly
    d = LossCurveDisplay(loss_curve=[3.0, 2.0, 1.0], best_epoch=2).plot()
    assert d.lines_["best epoch"].get_xdata()[0] == 2


def test_unfitted_estimator_is_refused():
    with pytest.raises(ValueError, match="no loss_curve_"):
        LossCurveDisplay.from_estimator(BackpropClassifier())
