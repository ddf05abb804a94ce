"""
The textbook lesson: a hidden layer on the planar flower
========================================================

The "planar flower" is a 2-D data set of two classes, red and blue, lying on
alternate petals of a rose curve: no straight line separates them.
Logistic regression, the network with no hidden layer, draws one line and
gets about half of the points right. One hidden layer of ``tanh`` units bends
the boundary around the petals, and the more hidden units, the finer the
boundary: a few units already find the petals, many start to fit the noise.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from skbackprop import BackpropClassifier, LogisticRegressionGD


def planar_flower(n_samples=400, radius=4.0, noise=0.2, seed=1):
    """Two classes of noisy points on the petals of ``r = radius sin(4 t)``."""
    rng = np.random.default_rng(seed)
    m = n_samples // 2
    X, y = np.empty((2 * m, 2)), np.repeat([0, 1], m)
    for label in (0, 1):
        t = np.linspace(label * 3.12, (label + 1) * 3.12, m) + rng.normal(0, noise, m)
        r = radius * np.sin(4 * t) + rng.normal(0, noise, m)
        X[label * m : (label + 1) * m] = np.c_[r * np.sin(t), r * np.cos(t)]
    return X, y


X, y = planar_flower()
xx, yy = np.meshgrid(np.linspace(-4.5, 4.5, 300), np.linspace(-4.5, 4.5, 300))
grid = np.c_[xx.ravel(), yy.ravel()]

models = {"logistic regression (no hidden layer)": LogisticRegressionGD()}
for n_hidden in [1, 2, 3, 5, 20]:
    models[f"{n_hidden} hidden tanh unit{'s' * (n_hidden > 1)}"] = BackpropClassifier(
        (n_hidden,), activation="tanh", solver="lbfgs", max_iter=2000, random_state=0
    )

points = ListedColormap(["tab:red", "tab:blue"])
fig, axes = plt.subplots(2, 3, figsize=(10, 7.2), layout="constrained")
for ax, (name, model) in zip(axes.ravel(), models.items()):
    model.fit(X, y)
    proba = model.predict_proba(grid)[:, 1].reshape(xx.shape)
    ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.5)
    ax.contour(xx, yy, proba, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=points, s=8, edgecolor="none")
    ax.set_title(f"{name}\naccuracy {model.score(X, y):.2f}", fontsize=10)
    ax.set(xticks=[], yticks=[], aspect="equal")
fig.suptitle("Decision boundary (black) and P(blue) (shading) on the planar flower")
plt.show()
