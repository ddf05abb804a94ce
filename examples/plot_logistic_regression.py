r"""
LogisticRegressionGD reaches LogisticRegression's optimum
=========================================================

:class:`~skbackprop.LogisticRegressionGD` is the network with no hidden layer,
and it minimises the objective of
:class:`~sklearn.linear_model.LogisticRegression`,

.. math::

   C \sum_i \ell_i + \tfrac12 \lVert w \rVert^2 ,

so both find the same coefficients (left). Its ``loss_curve_`` records that
objective, divided by :math:`C n`, after every iteration of the full-batch
solver ``"gd"`` and after every epoch of the mini-batch solvers ``"sgd"`` and
``"adam"``; one iteration and one epoch each cost about one pass over the
data. With default settings each solver runs until its own stopping rule: the
full-batch solver reaches the optimum to about ten digits, the mini-batch
ones stop about :math:`10^{-4}` above it (right).
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


def objective(model):
    """LogisticRegression's objective divided by C * n (the loss_curve_ scale)."""
    z = X @ model.coef_.ravel() + model.intercept_[0]
    log_loss = np.logaddexp(0, z) - y * z
    return log_loss.mean() + 0.5 * (model.coef_**2).sum() / (C * len(y))


reference = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
optimum = objective(reference)
models = {
    solver: LogisticRegressionGD(C=C, solver=solver, random_state=0).fit(X, y)
    for solver in ["gd", "sgd", "adam"]
}
for solver, model in models.items():
    print(
        f"{solver:>4}: {model.n_iter_[0]:3d} passes, objective gap "
        f"{objective(model) - optimum:.1e}, largest coefficient difference "
        f"{abs(model.coef_ - reference.coef_).max():.1e}"
    )

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
limit = abs(reference.coef_).max() * 1.1
ax1.plot([-limit, limit], [-limit, limit], color="0.7", lw=1)
ax1.scatter(reference.coef_, models["gd"].coef_, s=15)
ax1.set(
    xlabel="LogisticRegression().coef_",
    ylabel='LogisticRegressionGD(solver="gd").coef_',
    title="The same coefficients (30 features)",
    aspect="equal",
)
for solver, model in models.items():
    gap = np.asarray(model.loss_curve_) - optimum
    # the last digits are rounding: clip at 1e-15 for the log scale
    ax2.semilogy(np.arange(1, len(gap) + 1), np.maximum(gap, 1e-15), label=solver)
ax2.set(
    xlabel="iteration (gd) or epoch (sgd, adam)",
    ylabel="objective - optimum",
    title="Distance to LogisticRegression's optimum",
)
ax2.legend(title="solver")
plt.show()
