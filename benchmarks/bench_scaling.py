"""Scaling of case (a) float32 with the number of samples: 10k, 20k, 40k.

Per-epoch time of BackpropClassifier and MLPClassifier and the GEMM limit at
each size (every repeat runs every size and contender in turn; medians over
repeats); the cost per 1,000 samples should stay flat (linear growth).

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_scaling.py
"""

import argparse

import numpy as np
from _common import (
    BackpropClassifier,
    GemmEpoch,
    MLPClassifier,
    estimator_params,
    fit_estimator,
    machine_facts,
    median,
    ms,
    synthetic,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,20000,40000")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    print(machine_facts())
    sizes = [int(s) for s in args.sizes.split(",")]
    X_all, y_all, X_test, y_test = synthetic(max(sizes), dtype=dtype)
    params = estimator_params((256,), "adam", 200, args.epochs)
    gemms = {n: GemmEpoch([X_all.shape[1], 256, 10], n, 200, dtype) for n in sizes}
    warm = {**params, "max_iter": 1}
    for n in sizes:
        fit_estimator(BackpropClassifier, X_all[:n], y_all[:n], X_test, y_test, warm)
        fit_estimator(MLPClassifier, X_all[:n], y_all[:n], X_test, y_test, warm)
    # Every repeat runs every size, so that a slow spell of the (shared)
    # machine, which can last tens of seconds, hits all sizes alike.
    times = {n: {"ours": [], "sklearn": [], "gemm": []} for n in sizes}
    for repeat in range(args.repeats):
        for n in sizes:
            X, y = X_all[:n], y_all[:n]
            t = times[n]
            t["ours"].append(
                fit_estimator(BackpropClassifier, X, y, X_test, y_test, params)[0]
            )
            t["sklearn"].append(
                fit_estimator(MLPClassifier, X, y, X_test, y_test, params)[0]
            )
            t["gemm"].append(gemms[n].run())
        print(f"[repeat {repeat + 1} done]", flush=True)
    rows = []
    for n in sizes:
        t = times[n]
        ratio = np.array(t["sklearn"]) / np.array(t["ours"])
        rows.append((n, {k: median(v) for k, v in t.items()}, np.median(ratio)))
    base_n, base, _ = rows[0]
    print(
        f"\n{args.dtype}, 784-256-10, adam, batch 200, {args.epochs} epochs x "
        f"{args.repeats} repeats; ms per epoch (ms per 1,000 samples; growth "
        f"relative to {base_n} samples, 1.00 = linear)\n"
    )
    print(
        "| samples | ours ms/epoch | sklearn ms/epoch | GEMM limit ms | speed-up "
        "vs sklearn | ours x GEMM limit | ours per 1k samples (vs linear) | "
        "sklearn per 1k samples (vs linear) |"
    )
    print("|" + " --- |" * 8)
    for n, t, ratio in rows:
        per = {k: t[k] / n * 1000 for k in t}
        base_per = {k: base[k] / base_n * 1000 for k in base}
        print(
            f"| {n} | {ms(t['ours'])} | {ms(t['sklearn'])} | {ms(t['gemm'])} | "
            f"{ratio:.2f}x | {t['ours'] / t['gemm']:.2f} | "
            f"{per['ours'] * 1e3:.2f} ({per['ours'] / base_per['ours']:.2f}) | "
            f"{per['sklearn'] * 1e3:.2f} ({per['sklearn'] / base_per['sklearn']:.2f}) |"
        )


if __name__ == "__main__":
    main()
