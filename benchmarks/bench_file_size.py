"""Saved file sizes and untrusted types: ours vs scikit-learn's, in one run.

For every case it fits our estimator and scikit-learn's on the same data with
the same parameters, saves both with :func:`pickle.dumps` and with
:func:`skops.io.dumps` (skops' default: no compression), and prints the sizes,
their ratio, and the types :func:`skops.io.get_untrusted_types` says a user
must trust to load the skops file (skops trusts builtins, NumPy, SciPy and
scikit-learn's estimators by default)::

    classifier   BackpropClassifier()    vs MLPClassifier(),         digits
    clf-sgd-es   solver="sgd", early_stopping=True, same data
    regressor    BackpropRegressor()     vs MLPRegressor(),          make_regression
    logistic     LogisticRegressionGD()  vs LogisticRegression(),    digits

The digits are ``_common.digits()`` (1,347 training samples, 64 features, 10
classes): LogisticRegression's model is 650 coefficients. Run from the
repository root::

    python benchmarks/bench_file_size.py
"""

import argparse
import os
import pickle
import warnings

os.environ.setdefault("SKBP_BENCH_NO_TORCH", "1")  # _common: no PyTorch here

import numpy as np
import skops.io as sio
from _common import digits
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skbackprop import BackpropClassifier, BackpropRegressor, LogisticRegressionGD


def cases(max_iter):
    X, y, _, _ = digits()
    X_reg, y_reg = make_regression(
        n_samples=1000, n_features=20, noise=1.0, random_state=0
    )
    y_reg = y_reg / np.std(y_reg)
    mlp = dict(hidden_layer_sizes=(100,), max_iter=max_iter, random_state=0)
    sgd = dict(mlp, solver="sgd", early_stopping=True)
    return [
        ("classifier", BackpropClassifier(**mlp), MLPClassifier(**mlp), X, y),
        ("clf-sgd-es", BackpropClassifier(**sgd), MLPClassifier(**sgd), X, y),
        ("regressor", BackpropRegressor(**mlp), MLPRegressor(**mlp), X_reg, y_reg),
        ("logistic", LogisticRegressionGD(), LogisticRegression(), X, y),
    ]


def short(names):
    """Type names without their modules: ``BackpropClassifier, dtype``."""
    return ", ".join(name.rsplit(".", 1)[-1] for name in names) or "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=200)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    header = (
        f"{'case':<11}{'epochs':>7}{'pickle KB':>11}{'sklearn':>9}{'ratio':>7}"
        f"{'skops KB':>10}{'sklearn':>9}{'ratio':>7}   untrusted types: ours | sklearn"
    )
    print(header)
    print("-" * len(header))
    for label, ours, theirs, X, y in cases(args.max_iter):
        sizes, untrusted = [], []
        for est in (ours.fit(X, y), theirs.fit(X, y)):
            data = sio.dumps(est)
            sizes.append((len(pickle.dumps(est)) / 1e3, len(data) / 1e3))
            untrusted.append(short(sio.get_untrusted_types(data=data)))
        (p_ours, s_ours), (p_theirs, s_theirs) = sizes
        print(
            f"{label:<11}{np.max(ours.n_iter_):>7}{p_ours:>11.1f}{p_theirs:>9.1f}"
            f"{p_ours / p_theirs:>7.2f}{s_ours:>10.1f}{s_theirs:>9.1f}"
            f"{s_ours / s_theirs:>7.2f}   {untrusted[0]} | {untrusted[1]}"
        )


if __name__ == "__main__":
    main()
