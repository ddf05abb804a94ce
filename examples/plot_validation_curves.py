"""
Loss and validation curves, early stopping on your own validation set
=====================================================================

``fit(X, y, X_val=..., y_val=...)`` scores a validation set of your own after
every epoch: ``validation_loss_curve_`` and ``validation_scores_`` record it.
With ``early_stopping=True`` it also decides when to stop, here on the
validation loss (``early_stopping_metric="loss"``): training ends once the
validation loss has not improved for more than ``n_iter_no_change`` epochs,
and the weights of the best epoch are the ones kept. In a pipeline, the
validation set goes through the preprocessing steps by metadata routing (last
section).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier
from skbackprop.plotting import LossCurveDisplay

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(
    X / 16, y, test_size=0.3, random_state=0
)
X_train, y_train = X_train[:300], y_train[:300]  # a small training set overfits

params = dict(
    hidden_layer_sizes=(256,),
    alpha=0.0,  # no penalty: only the stopping rule holds the network back
    batch_size=32,
    learning_rate_init=0.03,
    random_state=0,
)
stopped = BackpropClassifier(
    early_stopping=True, early_stopping_metric="loss", n_iter_no_change=10, **params
)
stopped.fit(X_train, y_train, X_val=X_val, y_val=y_val)

# The same network trained for 100 epochs (tol=0: no stopping rule), with the
# validation set only scored.
trained_on = BackpropClassifier(max_iter=100, tol=0, **params)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    trained_on.fit(X_train, y_train, X_val=X_val, y_val=y_val)

best = int(np.argmin(stopped.validation_loss_curve_)) + 1
print(
    f"early stopping: {stopped.n_iter_} epochs, best epoch {best}, validation "
    f"loss {stopped.validation_loss_curve_[best - 1]:.3f}, "
    f"accuracy {stopped.score(X_val, y_val):.3f}"
)
print(
    f"100 epochs: validation loss {trained_on.validation_loss_curve_[-1]:.3f}, "
    f"accuracy {trained_on.score(X_val, y_val):.3f}"
)

# %%
# The training loss keeps falling while the validation loss turns and rises
# slowly: the network grows more and more sure of its mistakes on data it has
# not seen, though the validation accuracy hardly moves. Early stopping ends
# training a few epochs after the turn and goes back to the best epoch.
epochs = np.arange(1, trained_on.n_iter_ + 1)
fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
ax1.plot(epochs, trained_on.loss_curve_, label="training loss")
ax1.plot(epochs, trained_on.validation_loss_curve_, label="validation loss")
ax1.set(xlabel="epoch", ylabel="log-loss", yscale="log", title="Losses")
ax2.plot(epochs, trained_on.validation_loss_curve_, color="C1")
ax2.set(xlabel="epoch", ylabel="log-loss", ylim=(0.15, 0.45), title="Validation loss")
ax3.plot(epochs, trained_on.validation_scores_, color="C2")
ax3.set(xlabel="epoch", ylabel="accuracy", title="Validation accuracy")
for ax in (ax1, ax2, ax3):
    ax.axvline(best, color="k", ls=":", label="best epoch, weights kept")
    ax.axvline(stopped.n_iter_, color="C3", ls="--", label="early stopping ends")
ax1.legend()
plt.show()

# %%
# :class:`~skbackprop.plotting.LossCurveDisplay` draws the curves a fitted
# estimator recorded, validation accuracy on the right axis, with the kept
# epoch marked.
display = LossCurveDisplay.from_estimator(stopped)
display.ax_.legend(handles=list(display.lines_.values()), loc="center right")
plt.show()

# %%
# In a pipeline
# -------------
# The validation set must be preprocessed as the training data is. Passed as
# ``backpropclassifier__X_val``, it reaches the estimator untransformed: here
# the scaler's output is what the network learnt on, and the raw pixels it is
# scored on mean something else, so early stopping watches the wrong numbers
# (and no error says so). With metadata routing enabled, a
# :class:`~sklearn.pipeline.Pipeline` given ``transform_input=["X_val"]``
# passes ``X_val`` through the steps before the estimator, which asks for it
# with ``set_fit_request``.
X_raw_train, X_raw_val, y_raw_train, y_raw_val = train_test_split(
    X, y, test_size=0.3, random_state=0
)
pipe_params = dict(hidden_layer_sizes=(64,), early_stopping=True, random_state=0)

unscaled = make_pipeline(StandardScaler(), BackpropClassifier(**pipe_params))
unscaled.fit(
    X_raw_train,
    y_raw_train,
    backpropclassifier__X_val=X_raw_val,
    backpropclassifier__y_val=y_raw_val,
)
with sklearn.config_context(enable_metadata_routing=True):
    routed = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "clf",
                BackpropClassifier(**pipe_params).set_fit_request(
                    X_val=True, y_val=True
                ),
            ),
        ],
        transform_input=["X_val"],
    )
    routed.fit(X_raw_train, y_raw_train, X_val=X_raw_val, y_val=y_raw_val)

for name, pipe in [("X_val unscaled", unscaled), ("X_val routed", routed)]:
    clf = pipe[-1]
    print(
        f"{name}: {clf.n_iter_} epochs, best validation score seen by early "
        f"stopping {max(clf.validation_scores_):.3f}, true validation score "
        f"{pipe.score(X_raw_val, y_raw_val):.3f}"
    )
