"""How close LogisticRegressionGD comes to LogisticRegression's optimum, by tol.

For every case (standardised data set x C, the data sets of
``bench_logistic.py``) it fits the reference optimum (L-BFGS or Newton's
method at ``tol=1e-12``, whichever is lower) and, for each ``tol``,
``LogisticRegressionGD(C=C, tol=tol)``, and prints:

coef    the largest coefficient error relative to the largest coefficient,
        ``max|coef_ - coef*| / max|coef*|`` (intercepts included)
gap     the relative objective gap ``(F - F*) / F*``
iter    ``n_iter_``

and, for comparison, the same for ``LogisticRegression(C=C)`` with its
defaults (L-BFGS, ``tol=1e-4``). The last line gives the worst case of each
column. Run from the repository root::

    python benchmarks/bench_logistic_optimum.py
    python benchmarks/bench_logistic_optimum.py --tols 3e-6,1e-8 --cases iris
"""

import argparse
import warnings

import numpy as np
from bench_logistic import C_VALUES, DATASETS, load, objective, reference
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skbackprop import LogisticRegressionGD

warnings.simplefilter("ignore", ConvergenceWarning)


def distance(model, ref, X, y, C, f_opt):
    """Relative coefficient error and relative objective gap to ``ref``."""
    a = np.hstack([model.coef_, model.intercept_[:, None]])
    b = np.hstack([ref.coef_, ref.intercept_[:, None]])
    coef = float(np.abs(a - b).max() / np.abs(b).max())
    f = objective(model.coef_, model.intercept_, X, y, model.classes_, C, None)
    return coef, (f - f_opt) / f_opt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tols", default="3e-6,1e-7,1e-8")
    parser.add_argument("--cases", default=",".join(DATASETS))
    args = parser.parse_args()
    tols = [float(t) for t in args.tols.split(",")]
    names = [f"tol={t:g}" for t in tols] + ["lbfgs default"]
    header = f"{'case':<22}" + "".join(
        f"{n + ' coef':>18}{'gap':>9}{'iter':>6}" for n in names
    )
    print(header)
    print("-" * len(header))
    worst = np.zeros((len(names), 2))
    for name in args.cases.split(","):
        X, y = load(name)
        for C in C_VALUES:
            f_opt, ref = reference(X, y, C, None)
            models = [LogisticRegressionGD(C=C, tol=t).fit(X, y) for t in tols]
            models.append(LogisticRegression(C=C).fit(X, y))
            line = f"{name + f' C={C:g}':<22}"
            for i, model in enumerate(models):
                coef, gap = distance(model, ref, X, y, C, f_opt)
                worst[i] = np.maximum(worst[i], (coef, gap))
                line += f"{coef:>18.1e}{gap:>9.1e}{int(model.n_iter_[0]):>6d}"
            print(line, flush=True)
    print("-" * len(header))
    print(f"{'worst':<22}" + "".join(f"{c:>18.1e}{g:>9.1e}{'':>6}" for c, g in worst))


if __name__ == "__main__":
    main()
