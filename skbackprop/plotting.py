"""Display objects for training curves (matplotlib imported lazily)."""

import numpy as np


def _check_matplotlib(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{caller} needs matplotlib: pip install 'skbackprop[plot]'"
        ) from exc
    return plt


def _final_step(estimator):
    """The estimator a (possibly nested) pipeline ends with, or ``estimator``."""
    from sklearn.pipeline import Pipeline

    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


class LossCurveDisplay:
    """Training loss, validation loss and validation score per epoch.

    Build it with :meth:`from_estimator` from a fitted
    :class:`~skbackprop.BackpropClassifier`,
    :class:`~skbackprop.BackpropRegressor` or
    :class:`~skbackprop.LogisticRegressionGD`, or directly from the curves.
    In the style of scikit-learn's ``*Display`` objects: :meth:`plot` draws
    and stores the matplotlib artists.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss per epoch (or iteration).
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Validation loss per epoch.
    validation_scores : array-like of shape (n_epochs,), default=None
        Validation score per epoch (the estimator's score: accuracy for a
        classifier, R^2 for a regressor), drawn on a second axis.
    best_epoch : int, default=None
        The epoch (counted from 1) whose weights were kept, marked with a
        vertical line.
    estimator_name : str, default=None
        Name used in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the losses.
    score_ax_ : matplotlib Axes or None
        The twin axes of the validation scores.
    figure_ : matplotlib Figure
        The figure.
    lines_ : dict of str to matplotlib Line2D
        The drawn curves by name.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skbackprop import BackpropClassifier
    >>> from skbackprop.plotting import LossCurveDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = BackpropClassifier((8,), early_stopping=True, max_iter=50,
    ...                          random_state=0).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> sorted(display.lines_)
    ['best epoch', 'training loss', 'validation loss', 'validation score']
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        best_epoch=None,
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.best_epoch = best_epoch
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, log_scale=True):
        """Plot the curves recorded by a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator with ``loss_curve_``, or a pipeline
            A :class:`~skbackprop.BackpropClassifier`,
            :class:`~skbackprop.BackpropRegressor` or
            :class:`~skbackprop.LogisticRegressionGD` (or ``MLPClassifier``,
            ``MLPRegressor``); of a fitted
            :class:`~sklearn.pipeline.Pipeline`, its final step is drawn.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure by default.
        name : str, default=None
            Name in the title; the estimator's class name by default.
        log_scale : bool, default=True
            Logarithmic loss axis.

        Returns
        -------
        display : LossCurveDisplay

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skbackprop import LogisticRegressionGD
        >>> from skbackprop.plotting import LossCurveDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> pipe = make_pipeline(StandardScaler(), LogisticRegressionGD()).fit(X, y)
        >>> display = LossCurveDisplay.from_estimator(pipe)
        >>> display.ax_.get_title()
        'LogisticRegressionGD'
        """
        estimator = _final_step(estimator)
        curve = getattr(estimator, "loss_curve_", None)
        if curve is None:
            raise ValueError(
                f"{type(estimator).__name__} has no loss_curve_: fit it first."
            )
        val_loss = getattr(estimator, "validation_loss_curve_", None)
        scores = getattr(estimator, "validation_scores_", None)
        best = None
        if getattr(estimator, "early_stopping", False):
            if getattr(estimator, "early_stopping_metric", "accuracy") == "loss":
                monitored = val_loss
                best = None if not monitored else int(np.argmin(monitored)) + 1
            else:
                best = None if not scores else int(np.argmax(scores)) + 1
        display = cls(
            loss_curve=curve,
            validation_loss_curve=val_loss,
            validation_scores=scores,
            best_epoch=best,
            estimator_name=name or type(estimator).__name__,
        )
        return display.plot(ax=ax, log_scale=log_scale)

    def plot(self, ax=None, *, log_scale=True):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure by default.
        log_scale : bool, default=True
            Logarithmic loss axis.

        Returns
        -------
        self : LossCurveDisplay
        """
        plt = _check_matplotlib("LossCurveDisplay.plot")
        if ax is None:
            # the constrained layout keeps the axis labels clear of the tick
            # labels and inside the figure, however wide the tick labels are
            _, ax = plt.subplots(figsize=(6.4, 4), layout="constrained")
        epochs = np.arange(1, len(self.loss_curve) + 1)
        lines = {}
        (lines["training loss"],) = ax.plot(
            epochs, self.loss_curve, label="training loss"
        )
        if self.validation_loss_curve:
            (lines["validation loss"],) = ax.plot(
                epochs[: len(self.validation_loss_curve)],
                self.validation_loss_curve,
                label="validation loss",
            )
        if log_scale and np.all(np.asarray(self.loss_curve) > 0):
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        score_ax = None
        if self.validation_scores:
            score_ax = ax.twinx()
            (lines["validation score"],) = score_ax.plot(
                epochs[: len(self.validation_scores)],
                self.validation_scores,
                color="C2",
                ls="--",
                label="validation score",
            )
            score_ax.set_ylabel("validation score")
        if self.best_epoch is not None:
            lines["best epoch"] = ax.axvline(
                self.best_epoch, color="k", ls=":", label="best epoch"
            )
        handles = list(lines.values())
        ax.legend(handles, [h.get_label() for h in handles], loc="best")
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs
        if self.estimator_name:
            ax.set_title(self.estimator_name)
        self.ax_, self.score_ax_, self.figure_, self.lines_ = (
            ax,
            score_ax,
            ax.figure,
            lines,
        )
        return self
