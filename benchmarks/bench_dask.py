"""Grid search on one process vs a dask.distributed LocalCluster through joblib.

Usage: python benchmarks/bench_dask.py [--repeats 3] [--workers 2]

Times a GridSearchCV of BackpropClassifier (8 candidates x 3 folds on the
digits data) with n_jobs=1 and on a LocalCluster of worker processes with one
thread each (joblib's dask backend), alternating the two, and prints the
median wall times and the speed-up. The results are checked to be identical.
"""

import argparse
import statistics
import time
import warnings

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbackprop import BackpropClassifier


def search(X, y, n_jobs):
    grid = GridSearchCV(
        BackpropClassifier(max_iter=60, random_state=0),
        {
            "hidden_layer_sizes": [(64,), (128,)],
            "alpha": [1e-4, 1e-2],
            "learning_rate_init": [1e-3, 1e-2],
        },
        cv=3,
        n_jobs=n_jobs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return grid.fit(X, y)


def main():
    import distributed
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    X = X / 16
    times = {"n_jobs=1": [], f"LocalCluster({args.workers}x1)": []}
    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        distributed.Client(cluster),
        threadpool_limits(1),  # the single process gets one BLAS thread too
    ):
        for _ in range(args.repeats):
            start = time.perf_counter()
            serial = search(X, y, 1)
            times["n_jobs=1"].append(time.perf_counter() - start)
            start = time.perf_counter()
            with joblib.parallel_config(backend="dask"):
                dist = search(X, y, -1)
            times[f"LocalCluster({args.workers}x1)"].append(time.perf_counter() - start)
            assert np.array_equal(
                serial.cv_results_["mean_test_score"],
                dist.cv_results_["mean_test_score"],
            )
    medians = {k: statistics.median(v) for k, v in times.items()}
    for name, t in medians.items():
        runs = ", ".join(f"{x:.2f}" for x in times[name])
        print(f"{name:<20} median {t:7.2f} s   ({runs})")
    serial_t, dist_t = medians.values()
    speedup = serial_t / dist_t
    print(f"speed-up {speedup:.2f}x, {args.workers} workers, results identical")


if __name__ == "__main__":
    main()
