"""
LogisticRegressionGD reaches LogisticRegression's optimum
=========================================================

:class:`~skbackprop.LogisticRegressionGD` minimises the objective of
:class:`~sklearn.linear_model.LogisticRegression`: the coefficients agree, and
so does the objective. Its ``loss_curve_`` records the objective per
iteration (``"gd"``) or per epoch (``"sgd"``, ``"adam"``): the full-batch
solver reaches the optimum to many digits, the mini-batch ones come close.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skbackprop import LogisticRegressionGD

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
C = 1.0


def objective(coef, intercept):
    """LogisticRegression's objective divided by C * n (the loss_curve_ scale)."""
    z = X @ coef.ravel() + intercept[0]
    loss = np.logaddexp(0, z) - y * z
    return loss.mean() + 0.5 * (coef**2).sum() / (C * len(y))


reference = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
best = objective(reference.coef_, reference.intercept_)

fig, ax = plt.subplots(figsize=(6.5, 4))
for solver in ["gd", "sgd", "adam"]:
    model = LogisticRegressionGD(C=C, solver=solver, random_state=0, max_iter=100)
    model.fit(X, y)
    gap = np.maximum(np.asarray(model.loss_curve_) - best, 1e-16)
    ax.semilogy(np.arange(1, len(gap) + 1), gap, label=solver)
    gap_end = objective(model.coef_, model.intercept_) - best
    coef_diff = np.abs(model.coef_ - reference.coef_).max()
    print(f"{solver:>4}: objective gap {gap_end:.1e}, coef difference {coef_diff:.1e}")
ax.set(xlabel="iteration (gd) / epoch (sgd, adam)", ylabel="objective - optimum")
ax.set_title("Distance to LogisticRegression's optimum")
ax.legend()
fig.tight_layout()
plt.show()
