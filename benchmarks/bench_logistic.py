"""LogisticRegressionGD vs LogisticRegression (lbfgs) and SGDClassifier, in one run.

For every case (data set x C x sample weights) it fits, in turn inside each
repeat so that a noisy machine slows all of them alike:

ours    LogisticRegressionGD() with its default settings
lbfgs   LogisticRegression(C=C) with its default settings (L-BFGS, tol=1e-4)
sgd     SGDClassifier(loss="log_loss", alpha=1 / (C * n_samples)) with its
        default settings: the same objective up to a constant factor
        (one-vs-rest for 3+ classes)

and prints the median fit times, the time ratios, and the relative objective
gap of each fit to a reference optimum: LogisticRegression(tol=1e-12,
max_iter=100000), or Newton's method where that is lower. For the
one-vs-rest SGDClassifier the objective does not apply and its training
log-loss is compared with the optimum's instead ("*").

SGDClassifier's defaults stop far from the optimum, so "sgd@1e-3" is the time
it needs to come within 1e-3 of it (1000 times less close than ours): one fit
each with ``tol=None`` and ``max_iter`` = 1, 2, 5, 10, 20, ... epochs until
the gap is below 1e-3 (">" and the time of 1000 epochs if it never is; then
the ratio is an upper bound). Only for two classes: with more, SGDClassifier
fits another model (one-vs-rest), whose log-loss says nothing about reaching
this optimum. The last lines give the geometric means of the time ratios.

A second table (``--solvers``) counts the gradient evaluations the core's
full-batch solvers need to meet the default stopping rule on the same
objectives: the spectral (Barzilai-Borwein) method in the metric of the Hessian
bound (what ``solver="gd"`` uses), the same in the Euclidean metric, and FISTA
with adaptive restart.

BLAS runs single-threaded by default (``--threads``), for all contenders, so
that the timings of a shared machine stay comparable. Run from the repository
root::

    python benchmarks/bench_logistic.py
    python benchmarks/bench_logistic.py --repeats 7 --solvers
    python benchmarks/bench_logistic.py --cases digits,iris --threads 2
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np
from scipy.special import logsumexp
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from skbackprop import LogisticRegressionGD

warnings.simplefilter("ignore", ConvergenceWarning)

C_VALUES = (0.01, 1.0, 100.0)


# ------------------------------------------------------------------- data
def load(name):
    """Standardised data: sets shipped with scikit-learn, and synthetic ones."""
    if name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
    elif name == "iris":
        X, y = load_iris(return_X_y=True)
    elif name == "wine":
        X, y = load_wine(return_X_y=True)
    elif name == "digits":
        X, y = load_digits(return_X_y=True)
    elif name == "synth2k":
        X, y = make_classification(2000, 20, n_informative=10, random_state=0)
    elif name == "synth20k":
        X, y = make_classification(20000, 50, n_informative=20, random_state=0)
    elif name == "synth5k_5cls":
        X, y = make_classification(
            5000, 50, n_informative=20, n_classes=5, random_state=0
        )
    else:
        raise ValueError(f"unknown data set {name!r}")
    return StandardScaler().fit_transform(X), y


DATASETS = [
    "breast_cancer",
    "iris",
    "wine",
    "digits",
    "synth2k",
    "synth20k",
    "synth5k_5cls",
]


# -------------------------------------------------------------- objective
def objective(coef, intercept, X, y, classes, C, sample_weight):
    """LogisticRegression's objective (L2), in float64."""
    Z = X @ np.asarray(coef, float).T + np.asarray(intercept, float)
    if Z.shape[1] == 1:
        Z = np.hstack([np.zeros_like(Z), Z])
    log_p = Z - logsumexp(Z, axis=1, keepdims=True)
    loss = -log_p[np.arange(len(y)), np.searchsorted(classes, y)]
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    return C * float(s @ loss) + 0.5 * float(np.sum(np.square(coef)))


def gap(model, X, y, C, sw, optimum):
    f = objective(model.coef_, model.intercept_, X, y, model.classes_, C, sw)
    return (f - optimum) / optimum


def logloss_gap(model, X, y, sw, reference_loss):
    loss = log_loss(y, model.predict_proba(X), sample_weight=sw)
    return (loss - reference_loss) / reference_loss


def reference(X, y, C, sw):
    """The optimum: tight L-BFGS, or Newton's method where that is lower."""
    best = None
    for solver, tol in (("lbfgs", 1e-12), ("newton-cholesky", 1e-12)):
        model = LogisticRegression(C=C, solver=solver, tol=tol, max_iter=100000)
        model.fit(X, y, sample_weight=sw)
        f = objective(model.coef_, model.intercept_, X, y, model.classes_, C, sw)
        if best is None or f < best[0]:
            best = (f, model)
    return best


# ------------------------------------------------------------------ timing
def timed_fit(make, X, y, sw):
    model = make()
    start = time.perf_counter()
    model.fit(X, y, sample_weight=sw)
    return time.perf_counter() - start, model


def run_case(name, X, y, C, sw, repeats):
    f_opt, ref = reference(X, y, C, sw)
    ref_loss = log_loss(y, ref.predict_proba(X), sample_weight=sw)
    n = X.shape[0]
    contenders = {
        "ours": lambda: LogisticRegressionGD(C=C),
        "lbfgs": lambda: LogisticRegression(C=C),
        "sgd": lambda: SGDClassifier(
            loss="log_loss", alpha=1.0 / (C * n), random_state=0
        ),
    }
    times = {k: [] for k in contenders}
    models = {}
    order = list(contenders)
    for r in range(repeats):
        for key in order[r % 3 :] + order[: r % 3]:  # rotate who goes first
            seconds, models[key] = timed_fit(contenders[key], X, y, sw)
            times[key].append(seconds)
    row = {k: float(np.median(v)) for k, v in times.items()}
    row["gap_ours"] = gap(models["ours"], X, y, C, sw, f_opt)
    row["gap_lbfgs"] = gap(models["lbfgs"], X, y, C, sw, f_opt)
    if len(models["sgd"].classes_) == 2:
        row["gap_sgd"] = gap(models["sgd"], X, y, C, sw, f_opt)
        row["sgd_kind"] = ""
    else:  # one-vs-rest: compare training log-losses
        row["gap_sgd"] = logloss_gap(models["sgd"], X, y, sw, ref_loss)
        row["sgd_kind"] = "*"
    row["n_iter"] = int(models["ours"].n_iter_[0])
    row["sgd_target"], row["sgd_reached"] = float("nan"), True
    if len(ref.classes_) == 2:
        row["sgd_target"], row["sgd_reached"] = sgd_time_to_target(X, y, C, sw, f_opt)
    return row


SGD_EPOCHS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def sgd_time_to_target(X, y, C, sw, f_opt, target=1e-3):
    """Seconds SGDClassifier needs to come within ``target`` of the optimum."""
    seconds = float("nan")
    for epochs in SGD_EPOCHS:
        model = SGDClassifier(
            loss="log_loss", alpha=1.0 / (C * X.shape[0]), random_state=0,
            tol=None, max_iter=epochs,
        )  # fmt: skip
        seconds, model = timed_fit(lambda m=model: m, X, y, sw)
        if gap(model, X, y, C, sw, f_opt) <= target:
            return seconds, True
    return seconds, False


# ------------------------------------------------------- solver comparison
def count_evaluations(X, y, C, sw):
    """Gradient evaluations of the core solvers to the default stopping rule."""
    from skbackprop._curvature import (
        LOG_LOSS_CURVATURE,
        LayerPreconditioner,
        gram_eigenvalue,
    )
    from skbackprop.core.proximal import fista, spectral_gradient

    model = LogisticRegressionGD(C=C)
    classes = np.unique(y)
    k = 1 if len(classes) == 2 else len(classes)
    net = _network(X.shape[1], k)
    if k == 1:
        Y = (y == classes[1]).astype(float)[:, None]
    else:
        Y = (y[:, None] == classes).astype(float)
    total = len(y) if sw is None else sw.sum()
    alpha = 1.0 / C
    curvature = LOG_LOSS_CURVATURE[net.out_activation]
    lipschitz = curvature * gram_eigenvalue(X, sw) + alpha / total
    metric = LayerPreconditioner(
        X, sw, n_outputs=k, curvature=curvature, ridge=alpha / total
    )

    def fun_and_grad(x):
        return net.fun_and_grad(x, X, Y, sw, alpha)

    out = {}
    for label, solve, kwargs in [
        ("spectral, metric", spectral_gradient, {"precondition": metric}),
        ("spectral", spectral_gradient, {"step": 1.0 / lipschitz}),
        ("fista", fista, {"step": 1.0 / lipschitz}),
    ]:
        result = solve(
            fun_and_grad, np.zeros(net.n_params), tol=model.tol, max_iter=20000,
            **kwargs,
        )  # fmt: skip
        out[label] = result.nfev if result.status != 1 else -result.nfev
    return out


def _network(n_features, n_outputs):
    from skbackprop.core import Network

    act = "logistic" if n_outputs == 1 else "softmax"
    return Network([n_features, n_outputs], loss="log_loss", out_activation=act)


# ------------------------------------------------------------------ report
def facts(threads):
    import scipy
    import sklearn

    import skbackprop

    blas = "; ".join(
        f"{i['internal_api']} {i['version']}"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"cores {os.cpu_count()}, BLAS {blas} limited to {threads} thread(s), "
        f"load {load:.2f}; python {platform.python_version()}, numpy "
        f"{np.__version__}, scipy {scipy.__version__}, scikit-learn "
        f"{sklearn.__version__}, skbackprop {skbackprop.__version__}"
    )


def format_row(label, row):
    if row["sgd_target"] != row["sgd_target"]:  # nan: not for 3+ classes
        target_ms, target_ratio = "n/a", ""
    else:
        reached = "" if row["sgd_reached"] else ">"
        target_ms = f"{reached}{row['sgd_target'] * 1e3:.1f}"
        target_ratio = f"{row['ours'] / row['sgd_target']:.3f}"
    return (
        f"{label:<22}{row['ours'] * 1e3:>8.2f}"
        f"{row['lbfgs'] * 1e3:>9.2f}{row['sgd'] * 1e3:>8.2f}{target_ms:>10}"
        f"{row['ours'] / row['lbfgs']:>11.2f}{row['ours'] / row['sgd']:>9.2f}"
        f"{target_ratio:>10}{row['gap_ours']:>10.1e}{row['gap_lbfgs']:>10.1e}"
        f"{row['gap_sgd']:>9.1e}{row['sgd_kind']:1}{row['n_iter']:>6d}"
    )


def geomean(values):
    return float(np.exp(np.mean(np.log(values))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--cases", default=",".join(DATASETS), help="comma-separated data sets"
    )
    parser.add_argument(
        "--no-weights", action="store_true", help="skip the sample-weight cases"
    )
    parser.add_argument("--solvers", action="store_true", help="also table 2")
    args = parser.parse_args()

    with threadpool_limits(limits=args.threads, user_api="blas"):
        print(facts(args.threads))
        header = (
            f"{'case':<22}{'ours ms':>8}{'lbfgs ms':>9}{'sgd ms':>8}"
            f"{'sgd@1e-3':>10}{'ours/lbfgs':>11}{'ours/sgd':>9}{'/sgd@1e-3':>10}"
            f"{'gap ours':>10}{'gap lbfgs':>10}{'gap sgd':>10}{'iter':>6}"
        )
        print(header)
        print("-" * len(header))
        rows, solver_rows = [], []
        for name in args.cases.split(","):
            X, y = load(name)
            weightings = [None] if args.no_weights else [None, "w"]
            for weighting in weightings:
                sw = None
                if weighting:
                    sw = np.random.RandomState(0).uniform(0.1, 3.0, size=len(y))
                for C in C_VALUES:
                    label = f"{name} C={C:g}{' sw' if sw is not None else ''}"
                    row = run_case(name, X, y, C, sw, args.repeats)
                    rows.append(row)
                    print(format_row(label, row), flush=True)
                    if args.solvers and sw is None:
                        solver_rows.append((label, count_evaluations(X, y, C, sw)))
        print("-" * len(header))
        ratio_lbfgs = geomean([r["ours"] / r["lbfgs"] for r in rows])
        ratio_sgd = geomean([r["ours"] / r["sgd"] for r in rows])
        binary = [r for r in rows if r["sgd_target"] == r["sgd_target"]]
        ratio_target = geomean([r["ours"] / r["sgd_target"] for r in binary])
        worst = max(r["gap_ours"] for r in rows)
        print(
            f"geometric means over {len(rows)} cases: ours/lbfgs = "
            f"{ratio_lbfgs:.2f}, ours/sgd = {ratio_sgd:.2f}; over the "
            f"{len(binary)} binary cases: ours/sgd@1e-3 = {ratio_target:.3f}"
            f"{'' if all(r['sgd_reached'] for r in binary) else ' (an upper bound)'}"
        )
        print(f"largest objective gap of ours: {worst:.1e}")
        print(
            "gap: (objective - optimum) / optimum; * = SGDClassifier is "
            "one-vs-rest: relative gap of its training log-loss"
        )
        if solver_rows:
            print()
            labels = list(solver_rows[0][1])
            print(f"{'gradient evaluations':<27}" + "".join(f"{s:>18}" for s in labels))
            for label, counts in solver_rows:
                print(
                    f"{label:<27}"
                    + "".join(
                        f"{c:>18d}" if c > 0 else f"{'>' + str(-c):>18}"
                        for c in counts.values()
                    )
                )


if __name__ == "__main__":
    main()
