"""
Pipeline and grid search over architecture, alpha and learning rate
===================================================================

``BackpropClassifier`` is a scikit-learn estimator: it goes into a
:class:`~sklearn.pipeline.Pipeline` after a scaler and into
:class:`~sklearn.model_selection.GridSearchCV` like any other.
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
grid = {
    "backpropclassifier__hidden_layer_sizes": [(4,), (16,), (16, 16)],
    "backpropclassifier__alpha": [1e-4, 1e-1, 1.0],
    "backpropclassifier__learning_rate_init": [1e-3, 1e-2],
}
search = GridSearchCV(pipe, grid, cv=3)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

# ParameterGrid varies the parameters in the order of their sorted names:
# alpha, then hidden_layer_sizes, then learning_rate_init.
scores = search.cv_results_["mean_test_score"].reshape(3, 3, 2)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
for ax, k, lr in zip(axes, range(2), grid["backpropclassifier__learning_rate_init"]):
    table = scores[:, :, k].T  # rows: hidden layers, columns: alpha
    image = ax.imshow(table, vmin=0.3, vmax=1, cmap="viridis")
    ax.set_xticks(range(3), [str(a) for a in grid["backpropclassifier__alpha"]])
    sizes = grid["backpropclassifier__hidden_layer_sizes"]
    ax.set_yticks(range(3), [str(h) for h in sizes])
    ax.set(xlabel="alpha", title=f"learning_rate_init={lr}")
    for (i, j), s in np.ndenumerate(table):
        ax.text(j, i, f"{s:.2f}", ha="center", va="center",
                color="k" if s > 0.7 else "w")  # fmt: skip
axes[0].set_ylabel("hidden layers")
fig.colorbar(image, ax=axes, label="cross-validated accuracy")
plt.show()
