"""Cost of one ``partial_fit`` call along a long stream of small chunks.

A stream (``skbackprop.streaming.fit_stream``, or a loop of ``partial_fit``)
calls ``partial_fit`` once per chunk: the cost of a call must not grow with
the number of calls before it. Each contender makes ``--calls`` calls on the
same 20-row chunk (5 features, 3 classes, 4 hidden units); the script prints
the median time of a call over the first and the last 1,000 calls.

Run from the repository root::

    python benchmarks/bench_partial_fit.py --calls 20000
"""

import argparse
import time
import warnings

import numpy as np
from _common import BackpropClassifier, MLPClassifier, machine_facts


def stream(cls, calls, X, y):
    model = cls(hidden_layer_sizes=(4,), batch_size=len(y), random_state=0)
    model.partial_fit(X, y, classes=np.unique(y))
    seconds = np.empty(calls)
    for k in range(calls):
        start = time.perf_counter()
        model.partial_fit(X, y)
        seconds[k] = time.perf_counter() - start
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    print(machine_facts())
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 5))
    y = rng.integers(0, 3, size=20)
    window = min(1000, args.calls // 2)
    print(f"\n{args.calls} partial_fit calls on one 20-row chunk\n")
    print(
        f"| contender | us per call, first {window} | us per call, last {window} "
        "| growth | total s |"
    )
    print("| --- | --- | --- | --- | --- |")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, cls in [
            ("BackpropClassifier", BackpropClassifier),
            ("MLPClassifier", MLPClassifier),
        ]:
            t = stream(cls, args.calls, X, y) * 1e6
            first, last = np.median(t[:window]), np.median(t[-window:])
            print(
                f"| {name} | {first:.0f} | {last:.0f} | {last / first:.2f}x | "
                f"{t.sum() / 1e6:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
