"""Data sets shared by the test modules, as read-only module constants.

Constants rather than fixtures because tests use them inside
``pytest.mark.parametrize`` lists. They are read-only, so a test that wants
to change one must copy it first and cannot alter another test's data.
Test modules import them with ``from _data import ...``: pytest puts this
directory on ``sys.path`` (its default ``prepend`` import mode).
"""

import numpy as np
from sklearn.datasets import load_digits, load_iris

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
