"""
Pipeline and grid search over architecture, alpha and learning rate
===================================================================

``BackpropClassifier`` is a scikit-learn estimator: it goes into a
:class:`~sklearn.pipeline.Pipeline` after a scaler and into
:class:`~sklearn.model_selection.GridSearchCV` like any other. On the wine
data, with 150 epochs, the learning rate matters most: at ``1e-3`` a network
of four hidden units has not learnt yet, at ``1e-2`` every architecture has.
The L2 penalty ``alpha`` hardly changes the scores here.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import BackpropClassifier

X, y = load_wine(return_X_y=True)
pipe = make_pipeline(StandardScaler(), BackpropClassifier(max_iter=150, random_state=0))
sizes, alphas, rates = [(4,), (16,), (16, 16)], [1e-4, 1e-1, 10.0], [1e-3, 1e-2]
grid = {
    "backpropclassifier__hidden_layer_sizes": sizes,
    "backpropclassifier__alpha": alphas,
    "backpropclassifier__learning_rate_init": rates,
}
search = GridSearchCV(pipe, grid, cv=3)
with warnings.catch_warnings():  # 150 epochs do not always meet tol
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

# One table of mean cross-validated accuracy per learning rate.
results = search.cv_results_
tables = np.empty((len(rates), len(sizes), len(alphas)))
for params, score in zip(results["params"], results["mean_test_score"]):
    k = rates.index(params["backpropclassifier__learning_rate_init"])
    i = sizes.index(params["backpropclassifier__hidden_layer_sizes"])
    j = alphas.index(params["backpropclassifier__alpha"])
    tables[k, i, j] = score

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
for ax, table, rate in zip(axes, tables, rates):
    image = ax.imshow(table, vmin=0.3, vmax=1, cmap="viridis")
    for (i, j), score in np.ndenumerate(table):
        color = "k" if score > 0.7 else "w"
        ax.text(j, i, f"{score:.2f}", ha="center", va="center", color=color)
    ax.set_xticks(range(len(alphas)), [str(a) for a in alphas])
    ax.set_yticks(range(len(sizes)), [str(s) for s in sizes])
    ax.set(xlabel="alpha", title=f"learning_rate_init={rate}")
k, i, j = np.unravel_index(np.argmax(tables), tables.shape)  # the best candidate
axes[k].add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="r", lw=3))
axes[0].set_ylabel("hidden_layer_sizes")
fig.colorbar(image, ax=axes, label="cross-validated accuracy")
plt.show()
