"""
The textbook lesson: a hidden layer on the planar flower
========================================================

The "planar flower" is a 2-D data set of two classes arranged as petals: no
straight line separates them. Logistic regression, the network with no hidden
layer, draws one line and fails; one hidden layer of ``tanh`` units bends the
boundary around the petals. The more hidden units, the finer the boundary.
"""

import matplotlib.pyplot as plt
import numpy as np

from skbackprop import BackpropClassifier, LogisticRegressionGD


def planar_flower(n=400, petals=4, seed=1):
    """Two classes of points on the petals of a rose curve, with noise."""
    rng = np.random.default_rng(seed)
    m = n // 2
    X, y = np.zeros((n, 2)), np.zeros(n, dtype=int)
    for label in range(2):
        ix = range(m * label, m * (label + 1))
        t = np.linspace(label * 3.12, (label + 1) * 3.12, m) + rng.normal(0, 0.2, m)
        r = petals * np.sin(petals * t) + rng.normal(0, 0.2, m)
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = label
    return X, y


X, y = planar_flower()
grid = np.stack(np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-5, 5, 200)), -1)
points = grid.reshape(-1, 2)

models = {"logistic regression": LogisticRegressionGD()}
for hidden in [1, 2, 4, 20]:
    models[f"{hidden} tanh unit{'s' * (hidden > 1)}"] = BackpropClassifier(
        (hidden,), activation="tanh", solver="lbfgs", max_iter=2000, random_state=0
    )

fig, axes = plt.subplots(1, len(models), figsize=(15, 3.4), sharey=True)
for ax, (name, model) in zip(axes, models.items()):
    model.fit(X, y)
    zz = model.predict_proba(points)[:, 1].reshape(grid.shape[:2])
    ax.contourf(grid[..., 0], grid[..., 1], zz, levels=20, cmap="RdBu", alpha=0.6)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu", edgecolor="k", s=10)
    ax.set_title(f"{name}\naccuracy {model.score(X, y):.2f}")
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()
