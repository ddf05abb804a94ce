"""Peak memory of a fit, case (a): 784-256-10 ReLU, adam, batch 200, 20,000 samples.

Every contender runs in a fresh worker process that loads the same data from
a ``.npy`` file and then fits; the worker reports

* the whole process's peak resident set size during the fit (``VmHWM``
  from ``/proc/self/status``, what ``/usr/bin/time -v`` calls "Maximum
  resident set size", reset just before the fit through
  ``/proc/self/clear_refs`` so that import-time peaks do not count), and its
  increase over the resident size just before the fit (imports and data
  included in the first, excluded from the second); only the torch worker
  imports torch;
* in a second worker, the peak of the memory traced by ``tracemalloc`` during
  the fit (NumPy reports its array allocations to it), over the same baseline.

"ours" runs with the compiled kernels of ``skbackprop.core.accel`` (Numba
installed): its first fit in a process imports Numba and loads the kernels
(cached machine code) during the fit. "ours, kernels loaded" loads them
before the fit (with a fit on 40 rows), as every later fit in that process
finds them. "ours, NumPy" is the default install (``SKBACKPROP_NUMBA=0``).

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_memory.py
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def status_kib(field):
    """A ``/proc/self/status`` field in KiB: ``VmRSS`` (now) or ``VmHWM`` (peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss():
    """Reset ``VmHWM`` to the current resident size (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def worker(contender, data_file, epochs, traced):
    if contender != "torch":
        os.environ["SKBP_BENCH_NO_TORCH"] = "1"
    if contender == "ours-numpy":
        os.environ["SKBACKPROP_NUMBA"] = "0"
    sys.path.insert(0, HERE)
    import tracemalloc

    from _common import (
        BackpropClassifier,
        MLPClassifier,
        estimator_params,
        fit_torch,
        torch,
    )

    X = np.load(data_file + "_X.npy")
    y = np.load(data_file + "_y.npy")
    params = estimator_params((256,), "adam", 200, epochs)
    if contender == "ours-warm":  # a small fit first compiles (or loads) them
        small = {**params, "max_iter": 1, "batch_size": 20}
        BackpropClassifier(**small).fit(X[:40], y[:40])
    reset_peak_rss()
    before = status_kib("VmRSS")
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    if contender == "torch":
        if torch is None:
            print(json.dumps(None))
            return
        fit_torch(X, y, X[:10], y[:10], (256,), 200, epochs)
    else:
        cls = BackpropClassifier if contender.startswith("ours") else MLPClassifier
        cls(**params).fit(X, y)
    seconds = time.perf_counter() - start
    traced_peak = tracemalloc.get_traced_memory()[1] if traced else None
    peak = status_kib("VmHWM")
    print(
        json.dumps(
            {
                "rss_before_mib": before / 1024,
                "peak_rss_mib": peak / 1024,
                "fit_rss_increase_mib": (peak - before) / 1024,
                "traced_peak_mib": None if traced_peak is None else traced_peak / 2**20,
                "seconds": seconds,
            }
        )
    )


def run_worker(contender, data_file, epochs, traced):
    out = subprocess.run(
        [sys.executable, __file__, "--worker", contender, "--data", data_file,
         "--epochs", str(epochs)] + (["--traced"] if traced else []),
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", default=None)
    parser.add_argument("--data", default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--traced", action="store_true")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--n-samples", type=int, default=20000)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.epochs, args.traced)
        return

    sys.path.insert(0, HERE)
    from _common import machine_facts, synthetic, torch

    print(machine_facts())
    print(f"case (a), {args.n_samples} samples, {args.epochs} epochs per fit\n")
    print(
        "| dtype | contender | peak RSS MiB (whole process) | RSS increase in fit "
        "MiB | tracemalloc peak in fit MiB | X MiB |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    from skbackprop.core import accel

    kernels = ["ours", "ours-warm"] if accel.available() else []
    contenders = [*kernels, "ours-numpy", "sklearn"]
    contenders += ["torch"] if torch is not None else []
    label = {
        "ours": "ours (kernels loaded in the fit)",
        "ours-warm": "ours, kernels loaded",
        "ours-numpy": "ours, NumPy",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for dtype in args.dtypes.split(","):
            X, y, _, _ = synthetic(args.n_samples, dtype=np.dtype(dtype))
            data_file = os.path.join(tmp, dtype)
            np.save(data_file + "_X.npy", X)
            np.save(data_file + "_y.npy", y)
            for contender in contenders:
                rss = run_worker(contender, data_file, args.epochs, traced=False)
                if contender == "torch":  # its allocator does not report to tracemalloc
                    traced = "n/a"
                else:
                    traced = run_worker(contender, data_file, args.epochs, traced=True)
                    traced = f"{traced['traced_peak_mib']:.1f}"
                print(
                    f"| {dtype} | {label.get(contender, contender)} | "
                    f"{rss['peak_rss_mib']:.0f} | "
                    f"{rss['fit_rss_increase_mib']:.1f} | {traced} | "
                    f"{X.nbytes / 2**20:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
