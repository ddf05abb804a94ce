"""Grid search on one process vs a dask.distributed LocalCluster through joblib.

Usage: python benchmarks/bench_dask.py [--repeats 3] [--workers 2] [--max-iter 60]

Times a GridSearchCV of BackpropClassifier (8 candidates x 3 folds on the
digits data) three ways: n_jobs=1; n_jobs=-1 on a LocalCluster of worker
processes with one thread each (joblib's dask backend); and, for reference,
n_jobs=<workers> on joblib's own local processes (loky). Every process uses
one BLAS thread. After an untimed warm-up round, the three alternate inside
every repeat so that a noisy machine slows them alike. Prints the median wall
times and speed-ups, after checking that every search gives exactly the same
cv_results_ scores.
"""

import argparse
import os
import platform
import statistics
import time
import warnings

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbackprop import BackpropClassifier


def search(X, y, n_jobs, max_iter):
    grid = GridSearchCV(
        BackpropClassifier(max_iter=max_iter, random_state=0),
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


def scores(grid):
    return {k: v for k, v in grid.cv_results_.items() if k.endswith("test_score")}


def main():
    import distributed
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-iter", type=int, default=60, help="epochs per fit")
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    X = X / 16
    w = args.workers
    cluster_name = f"LocalCluster({w} x 1 thread)"
    loky_name = f"loky, n_jobs={w}"
    runs = {
        "n_jobs=1": lambda: search(X, y, 1, args.max_iter),
        cluster_name: lambda: search(X, y, -1, args.max_iter),
        loky_name: lambda: search(X, y, w, args.max_iter),
    }
    times = {name: [] for name in runs}
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"{w} workers, {args.repeats} repeats, {args.max_iter} epochs per fit"
    )
    with (
        distributed.LocalCluster(
            n_workers=w,
            threads_per_worker=1,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        distributed.Client(cluster),
        threadpool_limits(1),  # this process and its loky workers: one BLAS thread
    ):
        reference = None
        # A first, untimed round starts loky's processes and imports skbackprop
        # in every worker: the timed rounds measure searches, not start-ups.
        for repeat in range(-1, args.repeats):
            for name, run in runs.items():
                # loky's workers get one BLAS thread each by inner_max_num_threads,
                # dask's by the nanny (OMP/MKL/OPENBLAS_NUM_THREADS=1)
                config = (
                    {"backend": "dask"}
                    if name == cluster_name
                    else {"backend": "loky", "inner_max_num_threads": 1}
                )
                with joblib.parallel_config(**config):
                    start = time.perf_counter()
                    grid = run()
                    if repeat >= 0:
                        times[name].append(time.perf_counter() - start)
                got = scores(grid)
                reference = reference or got
                for key, value in reference.items():
                    assert np.array_equal(value, got[key]), (name, key)
    medians = {name: statistics.median(t) for name, t in times.items()}
    serial = medians["n_jobs=1"]
    for name, t in medians.items():
        each = ", ".join(f"{x:.2f}" for x in times[name])
        print(f"{name:<28} median {t:6.2f} s ({each})   speed-up {serial / t:.2f}x")
    print("cv_results_ test scores identical in every run")


if __name__ == "__main__":
    main()
