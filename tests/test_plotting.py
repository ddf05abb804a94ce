"""LossCurveDisplay."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits

from skbackprop import BackpropClassifier, BackpropRegressor, LogisticRegressionGD
from skbackprop.plotting import LossCurveDisplay

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

X, y = load_digits(return_X_y=True)
X, y = X[:400] / 16, y[:400]
# The regressor's data: standardised features, targets in units of 100.
X_reg, y_reg = load_diabetes(return_X_y=True)
X_reg, y_reg = (X_reg - X_reg.mean(axis=0)) / X_reg.std(axis=0), y_reg / 100


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


@pytest.mark.parametrize("metric", ["r2", "loss", None])  # None: no early stopping
def test_from_regressor_draws_its_validation_loss_and_r2(metric):
    reg = BackpropRegressor(
        hidden_layer_sizes=(32,),
        early_stopping=metric is not None,
        early_stopping_metric=metric or "r2",
        n_iter_no_change=3,
        # small batches at a rate of 0.01: the validation loss turns within
        # about ten epochs, so early stopping ends the fit and the best epoch
        # is not the last
        batch_size=32,
        learning_rate_init=0.01,
        max_iter=100,
        random_state=0,
    )
    reg.fit(X_reg[:300], y_reg[:300], X_val=X_reg[300:], y_val=y_reg[300:])
    display = LossCurveDisplay.from_estimator(reg)
    lines = display.lines_
    assert set(lines) - {"best epoch"} == {
        "training loss",
        "validation loss",
        "validation score",
    }
    np.testing.assert_array_equal(lines["training loss"].get_ydata(), reg.loss_curve_)
    np.testing.assert_array_equal(
        lines["validation loss"].get_ydata(), reg.validation_loss_curve_
    )
    np.testing.assert_array_equal(
        lines["validation score"].get_ydata(), reg.validation_scores_
    )
    if metric is None:  # the validation set is only scored: no epoch is marked
        assert "best epoch" not in lines
        best = reg.n_iter_
    else:
        if metric == "loss":
            best = np.argmin(reg.validation_loss_curve_) + 1
        else:
            best = np.argmax(reg.validation_scores_) + 1
        assert lines["best epoch"].get_xdata()[0] == best < reg.n_iter_
    # the scores drawn are the validation R^2: the kept epoch's is the score of
    # the model
    assert reg.validation_scores_[best - 1] == pytest.approx(
        reg.score(X_reg[300:], y_reg[300:])
    )
    assert display.score_ax_.get_ylabel() == "validation score"
    assert display.ax_.get_title() == "BackpropRegressor"
    # no label speaks of a classifier's accuracy
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    labels = [display.ax_.get_ylabel(), display.score_ax_.get_ylabel(), *legend]
    assert not [label for label in labels if "accuracy" in label]


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


def test_a_fitted_pipeline_draws_its_final_step():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = LogisticRegressionGD()
    pipe = make_pipeline(StandardScaler(), clf).fit(X, y)
    display = LossCurveDisplay.from_estimator(pipe)
    assert display.ax_.get_title() == "LogisticRegressionGD"
    assert list(display.lines_["training loss"].get_ydata()) == clf.loss_curve_
    with pytest.raises(ValueError, match="fit it first"):
        LossCurveDisplay.from_estimator(
            make_pipeline(StandardScaler(), clf.__class__())
        )


def _label_and_ticks(axis, renderer):
    label = axis.label.get_window_extent(renderer)
    ticks = [
        t.get_window_extent(renderer)
        for t in axis.get_ticklabels(which="both")
        if t.get_visible() and t.get_text()
    ]
    return label, ticks


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_axis_labels_clear_of_tick_labels_and_inside_the_figure(solver):
    # the log-scale loss curve of LogisticRegressionGD has wide tick labels
    # ("2 x 10^-1"): its y label must not be pushed onto them or off the figure
    model = LogisticRegressionGD(solver=solver, early_stopping=solver == "sgd",
                                 random_state=0).fit(X, y)  # fmt: skip
    display = LossCurveDisplay.from_estimator(model)
    canvas = display.figure_.canvas
    canvas.draw()
    renderer = canvas.get_renderer()
    figure = display.figure_.bbox
    axes = [display.ax_] + ([display.score_ax_] if display.score_ax_ else [])
    assert len(axes) == (2 if solver == "sgd" else 1)
    for ax in axes:
        for axis in (ax.yaxis, ax.xaxis):
            label, ticks = _label_and_ticks(axis, renderer)
            if not axis.label.get_text():
                continue
            assert ticks
            assert not any(label.overlaps(tick) for tick in ticks)
            assert figure.x0 <= label.x0 and label.x1 <= figure.x1
            assert figure.y0 <= label.y0 and label.y1 <= figure.y1
