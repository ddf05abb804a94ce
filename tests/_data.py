"""Data sets shared by the test modules, as read-only module constants.

Also :func:`network_problem`, the one-layer network's penalised log-loss that
the full-batch solver tests minimise.

Constants rather than fixtures because tests use them inside
``pytest.mark.parametrize`` lists. They are read-only, so a test that wants
to change one must copy it first and cannot alter another test's data.
Test modules import them with ``from _data import ...``: pytest puts this
directory on ``sys.path`` (its default ``prepend`` import mode).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_digits, load_iris

from skbackprop.core import Network

# The first 300 handwritten digits, pixels scaled to [0, 1]: ten classes.
X_digits, y_digits = load_digits(return_X_y=True)
X_digits, y_digits = X_digits[:300] / 16, y_digits[:300]

# Iris with each feature standardised (mean 0, variance 1): three classes.
X_iris, y_iris = load_iris(return_X_y=True)
X_iris = (X_iris - X_iris.mean(axis=0)) / X_iris.std(axis=0)

# Its first two species, named by strings: a binary problem.
X_bin, y_bin = X_iris[:100], np.where(y_iris[:100] == 0, "setosa", "versicolor")

for _array in (X_digits, y_digits, X_iris, y_iris, X_bin, y_bin):
    _array.setflags(write=False)


def network_problem(n_outputs, seed=0, sparse=False):
    """A one-layer network's penalised log-loss on correlated features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, 5)) @ rng.normal(size=(5, 5))  # correlated
    labels = rng.integers(0, max(n_outputs, 2), size=80)
    if n_outputs == 1:
        Y = labels[:, None].astype(float)
        net = Network([5, 1], loss="log_loss", out_activation="logistic")
    else:
        Y = np.eye(n_outputs)[labels]
        net = Network([5, n_outputs], loss="log_loss", out_activation="softmax")
    sw = rng.uniform(0.5, 2.0, size=80)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X))
    alpha = 0.3

    def fun_and_grad(x):
        return net.fun_and_grad(x, X, Y, sw, alpha)

    return net, X, sw, alpha, fun_and_grad
