"""Per-epoch fit time: BackpropClassifier, MLPClassifier, PyTorch; the GEMM limit.

Cases:

a32, a64  784-256-10 ReLU, adam, batch 200, 20,000 synthetic samples, float32 / float64
b         digits (64 features), the default network (100 hidden units), adam
c         a deeper network, 784-512-512-512-10, adam, batch 200, float32
d         lbfgs on (b): time per L-BFGS iteration

Each repeat runs every contender once, in turn, with the same parameters and
``random_state``; the tables give medians over the repeats. "ours" is
BackpropClassifier as installed with the ``fast`` extra (the compiled kernels
of ``skbackprop.core.accel``, when Numba is installed); "ours, NumPy" is the same
estimator with the kernels switched off (the default install). Their models
are bit-identical ("kernels = NumPy" column). "GEMM limit" is the
time of the epoch's matrix products alone (forward ``A @ W``, gradient
``A.T @ delta``, backward ``delta @ W.T``, same shapes, dtype and layouts),
measured in the same repeats: the epoch's GEMM FLOPs divided by the throughput
the BLAS reaches on those shapes. "floor" adds to it what any implementation
with MLPClassifier's exact results must also do per batch: copy the batch's
rows and take one Adam step over the parameters, as one compiled pass ("floor")
or as NumPy's twelve vector operations ("NumPy floor"); see
``GemmEpoch.run(floor=True)`` in ``_common.py``.

Run from the repository root, with OpenBLAS's core-type overrides unset::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp.py \
        --cases a32 --repeats 7 --epochs 3
"""

import argparse
import time

import numpy as np
from _common import (
    BackpropClassifier,
    GemmEpoch,
    MLPClassifier,
    accel,
    digits,
    estimator_params,
    fit_estimator,
    fit_torch,
    machine_facts,
    median,
    ms,
    synthetic,
    torch,
)

CASES = {
    # name: (data, hidden, solver, batch, dtype, n_samples, epochs, repeats)
    "a32": ("synthetic", (256,), "adam", 200, np.float32, 20000, 3, 5),
    "a64": ("synthetic", (256,), "adam", 200, np.float64, 20000, 3, 5),
    "b": ("digits", (100,), "adam", 200, np.float64, None, 30, 7),
    "c": ("synthetic", (512, 512, 512), "adam", 200, np.float32, 10000, 2, 5),
    "d": ("digits", (100,), "lbfgs", None, np.float64, None, 50, 7),
}


def count_lbfgs_evaluations(X, y, params):
    """Loss-and-gradient evaluations per L-BFGS iteration of each estimator.

    One untimed, instrumented fit each: the GEMM limit of an L-BFGS iteration
    is that many full-batch passes.
    """
    counts = {}
    for name, cls, method in [
        ("ours", BackpropClassifier, None),
        ("sklearn", MLPClassifier, "_loss_grad_lbfgs"),
    ]:
        calls = [0]
        if method is None:
            from skbackprop.core.network import Network

            owner, attr = Network, "fun_and_grad"
        else:
            owner, attr = cls, method
        original = getattr(owner, attr)

        def counted(*args, _original=original, _calls=calls, **kwargs):
            _calls[0] += 1
            return _original(*args, **kwargs)

        setattr(owner, attr, counted)
        try:
            model = cls(**params).fit(X, y)
        finally:
            setattr(owner, attr, original)
        counts[name] = calls[0] / model.n_iter_
    return counts


def run_case(name, epochs=None, repeats=None, use_torch=True):
    data, hidden, solver, batch, dtype, n, case_epochs, case_repeats = CASES[name]
    epochs = epochs or case_epochs
    repeats = repeats or case_repeats
    if data == "synthetic":
        X, y, X_test, y_test = synthetic(n, dtype=dtype)
    else:
        X, y, X_test, y_test = digits(dtype)
    n = X.shape[0]
    n_classes = len(np.unique(y))
    layer_sizes = [X.shape[1], *hidden, n_classes]
    params = estimator_params(hidden, solver, batch or "auto", epochs)
    if solver == "lbfgs":
        evals = count_lbfgs_evaluations(X, y, params)
        gemm = GemmEpoch(layer_sizes, n, n, dtype)  # one full-batch evaluation
        gemm_scale = evals["ours"]
    else:
        evals = None
        gemm = GemmEpoch(layer_sizes, n, min(batch, n), dtype, X=X)
        gemm_scale = 1.0
    with_torch = use_torch and torch is not None and solver != "lbfgs"

    kernels = accel.available()
    times = {
        "ours": [],
        "numpy": [],
        "sklearn": [],
        "torch": [],
        "gemm": [],
        "floor": [],
        "floor_numpy": [],
    }
    acc = {}
    # Warm-up: imports, kernel compilation, first allocations, BLAS threads.
    fit_estimator(BackpropClassifier, X, y, X_test, y_test, {**params, "max_iter": 1})
    fit_estimator(MLPClassifier, X, y, X_test, y_test, {**params, "max_iter": 1})
    gemm.run()
    if solver != "lbfgs":
        gemm.run(floor=True)
    for _ in range(repeats):
        # Idle BLAS threads of the previous contender (SciPy's, after L-BFGS)
        # spin for a while and would slow the next one down: let them settle.
        time.sleep(0.2)
        times["gemm"].append(gemm.run() * gemm_scale)
        if solver != "lbfgs":
            if kernels:
                times["floor"].append(gemm.run(floor=True))
            with accel.enabled(False):
                times["floor_numpy"].append(gemm.run(floor=True))
        time.sleep(0.2)
        if kernels:
            t, acc["ours"], ours = fit_estimator(
                BackpropClassifier, X, y, X_test, y_test, params
            )
            times["ours"].append(t)
        with accel.enabled(False):
            t, acc["numpy"], ours_numpy = fit_estimator(
                BackpropClassifier, X, y, X_test, y_test, params
            )
        times["numpy"].append(t)
        t, acc["sklearn"], theirs = fit_estimator(
            MLPClassifier, X, y, X_test, y_test, params
        )
        times["sklearn"].append(t)
        if with_torch:
            t, acc["torch"] = fit_torch(X, y, X_test, y_test, hidden, batch, epochs)
            times["torch"].append(t)
        time.sleep(0.2)
    same = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(
            ours_numpy.coefs_ + ours_numpy.intercepts_,
            theirs.coefs_ + theirs.intercepts_,
        )
    )
    identical = None
    if kernels:
        identical = (
            all(
                np.array_equal(a, b)
                for a, b in zip(
                    ours.coefs_ + ours.intercepts_,
                    ours_numpy.coefs_ + ours_numpy.intercepts_,
                )
            )
            and ours.loss_curve_ == ours_numpy.loss_curve_
        )

    def ratio(a, b):
        if not times[a] or not times[b]:
            return float("nan"), (float("nan"), float("nan"))
        r = np.array(times[a]) / np.array(times[b])
        return float(np.median(r)), (float(r.min()), float(r.max()))

    gemm_med = median(times["gemm"])
    row = {
        "case": name,
        "dtype": np.dtype(dtype).name,
        "n": n,
        "layers": "-".join(map(str, layer_sizes)),
        "solver": solver,
        "epochs": epochs,
        "repeats": repeats,
        "ours": median(times["ours"]),
        "numpy": median(times["numpy"]),
        "sklearn": median(times["sklearn"]),
        "torch": median(times["torch"]),
        "gemm": gemm_med,
        "floor_x_gemm": ratio("floor", "gemm")[0],
        "floor_numpy_x_gemm": ratio("floor_numpy", "gemm")[0],
        "speedup": ratio("sklearn", "ours")[0],
        "speedup_range": ratio("sklearn", "ours")[1],
        "speedup_numpy": ratio("sklearn", "numpy")[0],
        "speedup_numpy_range": ratio("sklearn", "numpy")[1],
        "ours_x_gemm": ratio("ours", "gemm")[0],
        "numpy_x_gemm": ratio("numpy", "gemm")[0],
        "sklearn_x_gemm": ratio("sklearn", "gemm")[0],
        "torch_x_gemm": ratio("torch", "gemm")[0],
        "identical": identical,
        "gflop": gemm.flops * gemm_scale / 1e9,
        "acc": acc,
        "max_param_diff": same,
        "evals_per_iter": evals,
    }
    return row


def print_table(rows):
    print(
        "| case | layers | dtype | solver | ours ms | ours, NumPy ms | sklearn ms | "
        "torch ms | GEMM limit ms (GFLOP) | **speed-up vs sklearn** (min-max) | "
        "speed-up, NumPy (min-max) | ours / NumPy / sklearn / torch x GEMM limit | "
        "floor / NumPy floor x GEMM limit | test acc ours / sklearn / torch | "
        "max param diff to sklearn | kernels = NumPy |"
    )
    print("|" + " --- |" * 16)
    for r in rows:
        gflops = r["gflop"] / r["gemm"] if r["gemm"] else float("nan")
        lo, hi = r["speedup_range"]
        nlo, nhi = r["speedup_numpy_range"]
        torch_acc = r["acc"].get("torch")
        ours_acc = r["acc"].get("ours", r["acc"]["numpy"])
        same = {None: "-", True: "bit-identical", False: "**differ**"}
        print(
            f"| {r['case']} | {r['layers']} | {r['dtype']} | {r['solver']} | "
            f"{ms(r['ours'])} | {ms(r['numpy'])} | {ms(r['sklearn'])} | "
            f"{ms(r['torch'])} | "
            f"{ms(r['gemm'])} ({r['gflop']:.2f}, {gflops:.0f} GFLOP/s) | "
            f"**{r['speedup']:.2f}x** ({lo:.2f}-{hi:.2f}) | "
            f"{r['speedup_numpy']:.2f}x ({nlo:.2f}-{nhi:.2f}) | "
            f"{r['ours_x_gemm']:.2f} / {r['numpy_x_gemm']:.2f} / "
            f"{r['sklearn_x_gemm']:.2f} / {r['torch_x_gemm']:.2f} | "
            f"{r['floor_x_gemm']:.2f} / {r['floor_numpy_x_gemm']:.2f} | "
            f"{ours_acc:.3f} / {r['acc']['sklearn']:.3f} / "
            f"{'-' if torch_acc is None else f'{torch_acc:.3f}'} | "
            f"{r['max_param_diff']:.1e} | {same[r['identical']]} |"
        )
    for r in rows:
        if r["evals_per_iter"]:
            e = r["evals_per_iter"]
            print(
                f"\n({r['case']}: times per L-BFGS iteration; loss-and-gradient "
                f"evaluations per iteration: ours {e['ours']:.2f}, sklearn "
                f"{e['sklearn']:.2f}; GEMM limit = that many full-batch passes)"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="a32,a64,b,c,d")
    parser.add_argument("--epochs", type=int, default=None, help="per repeat")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    print(machine_facts())
    print("times are per epoch (per iteration for lbfgs), medians over repeats\n")
    rows = []
    for name in args.cases.split(","):
        start = time.perf_counter()
        rows.append(run_case(name, args.epochs, args.repeats, not args.no_torch))
        print(f"[{name} done in {time.perf_counter() - start:.0f} s]", flush=True)
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
