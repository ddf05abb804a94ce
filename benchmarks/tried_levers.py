"""Levers tried for speed and dropped: each measured against what the core does.

Seven experiments on case (a)'s shapes (784-256-10, batch 200, 20,000 rows),
each in a loop that also runs the step's two large matrix products, as the
training step does, so that caches and BLAS threads are in the state they are
in during a fit:

threads   the Adam step split over two threads (a Numba ``parallel`` loop)
          against the core's one-thread kernel
overlap   the next batch's gather on the main thread while a worker thread
          takes the Adam step, against doing the two in turn
prefetch  an Adam pass that also prefetches the next batch's rows into the
          cache, against the plain pass followed by the gather
fused     a whole training epoch with the gradient finish folded into the Adam
          pass (with ``* (1 / n)`` instead of ``/ n``), against the core's two
          passes
gather    ``np.take`` (the core's gather) against compiled row copies
compiled  what giving up bit-identity buys: whole epochs of a step of ten
          calls (the five GEMMs and four fused loops that do not repeat
          NumPy's rounding), against the core's step, with ``MLPClassifier``
          and ``BackpropClassifier`` fits in the same repeats
lean      what the core's generality costs: whole epochs of the same calls in
          the same order, without the core's checks and dispatch

The variants of threads, overlap, prefetch, gather and lean are checked to
compute the core's bits; fused and compiled change the rounding on purpose. Every
repeat runs all variants of an experiment in turn, and the medians over the
repeats are printed. Needs Numba (the ``fast`` extra). Run from the
repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/tried_levers.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/tried_levers.py \
        --only threads,overlap --dtype float64 --layer omp
"""

import argparse
import math
import os
import threading
import time

import numpy as np
from _common import machine_facts, synthetic

from skbackprop._training import _BatchGatherer
from skbackprop.core import Adam, Network, accel

SIZES = (784, 256, 10)
N_SAMPLES, BATCH = 20000, 200


class Case:
    """Case (a)'s arrays: data, the two large GEMMs' operands, Adam's vectors."""

    def __init__(self, dtype):
        rng = np.random.default_rng(0)
        t = self.t = np.dtype(dtype).type
        self.X, self.y, _, _ = synthetic(N_SAMPLES, dtype=dtype)
        n_in, n_hidden, n_out = SIZES
        self.W = rng.standard_normal((n_in, n_hidden)).astype(dtype)
        self.D = rng.standard_normal((BATCH, n_hidden)).astype(dtype)
        self.H = np.empty((BATCH, n_hidden), dtype)
        self.G = np.empty((n_in, n_hidden), dtype)
        self.X_b = np.zeros((BATCH, n_in), dtype)
        n = n_in * n_hidden + n_hidden + n_hidden * n_out + n_out
        self.params = rng.standard_normal(n).astype(dtype)
        self.grad = rng.standard_normal(n).astype(dtype) * t(1e-3)
        self.m = np.zeros(n, dtype)
        self.v = np.zeros(n, dtype)
        # Adam's scalars as the kernel takes them: beta_1, 1 - beta_1, beta_2,
        # 1 - beta_2, the step, epsilon
        self.adam = tuple(t(x) for x in (0.9, 0.1, 0.999, 0.001, 1e-3, 1e-8))
        self.order = rng.permutation(N_SAMPLES)

    def gemms(self):
        np.matmul(self.X_b, self.W, out=self.H)
        np.matmul(self.X_b.T, self.D, out=self.G)

    def gather(self, rows):
        self.X.take(rows, axis=0, out=self.X_b, mode="clip")

    def batches(self):
        for s in range(0, N_SAMPLES, BATCH):
            nxt = (s + BATCH) % N_SAMPLES
            yield self.order[s : s + BATCH], self.order[nxt : nxt + BATCH]

    def vectors(self):
        return self.params, self.grad, self.m, self.v


def adam_kernel():
    """The core's compiled Adam pass."""
    return accel._kernels()["adam_step"]


def adam_slice_kernel():
    """The core's Adam pass on ``[lo, hi)`` of the vectors, callable from Numba.

    Slices keep the pass vectorised; ``lo`` and ``hi`` multiples of 64 keep
    every element in the same vectorised code as in the whole pass.
    """
    import numba

    serial = adam_kernel()

    @numba.njit(nogil=True)
    def adam_slice(params, grad, m, v, b1, c1, b2, c2, step, eps, lo, hi):
        serial(
            params[lo:hi], grad[lo:hi], m[lo:hi], v[lo:hi], b1, c1, b2, c2, step, eps
        )

    return adam_slice


def epoch_pair(case, make_step, alpha=1e-4):
    """Trainers of two copies of one network: the core's step, and another.

    ``make_step(net, opt)`` returns ``step(X_b, Y_b) -> batch loss``, which
    trains ``net`` (with ``opt``'s state) its own way. Each trainer is an
    ``epoch()`` returning ``(seconds, sum of batch losses, net)``, and has
    run one epoch already.
    """
    dtype = case.X.dtype
    Y = np.eye(SIZES[-1], dtype=dtype)[case.y]
    start = Network(list(SIZES), dtype=dtype).initialize(np.random.RandomState(0))

    def core_step(net, opt):
        def step(X_b, Y_b):
            loss = net.loss_and_gradient(X_b, Y_b, None, alpha)
            opt.update(net.grad)
            return loss

        return step

    def trainer(make):
        net = Network(list(SIZES), dtype=dtype)
        np.copyto(net.params, start.params)
        opt = Adam(net.params)
        gather = _BatchGatherer(case.X, Y, None)
        step = make(net, opt)

        def epoch():
            begin, total = time.perf_counter(), 0.0
            for rows, _ in case.batches():
                X_b, Y_b, _ = gather(rows)
                total += step(X_b, Y_b)
            return time.perf_counter() - begin, total, net

        return epoch

    pair = trainer(core_step), trainer(make_step)
    for epoch in pair:  # compiles the kernels, warms the caches: untimed
        epoch()
    return pair


def per_epoch(epoch):
    """A variant for :func:`repeat`: one epoch, in ms."""
    return lambda: {"ms per epoch": epoch()[0] * 1e3}


def adam_scalars(opt, t):
    """The next Adam step's scalars as the kernels take them; advances ``opt.t``.

    ``beta_1, 1 - beta_1, beta_2, 1 - beta_2, step, epsilon``, the step
    computed as :meth:`skbackprop.core.Adam.update` computes it.
    """
    opt.t += 1
    b1, b2 = opt.beta_1, opt.beta_2
    step = float(opt.learning_rate) * math.sqrt(1 - b2**opt.t) / (1 - b1**opt.t)
    return t(b1), t(1 - b1), t(b2), t(1 - b2), t(step), t(opt.epsilon)


def timed(fn, *args):
    """Seconds that ``fn(*args)`` takes."""
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def report(title, results, unit="us per batch"):
    """Medians over repeats of each variant's per-phase times."""
    print(f"\n{title} ({unit}, median of {len(next(iter(results.values())))})\n")
    phases = next(iter(results.values()))[0].keys()
    print("| variant | " + " | ".join(phases) + " |")
    print("| --- |" + " --- |" * len(phases))
    for name, runs in results.items():
        cells = [f"{np.median([r[p] for r in runs]):.1f}" for p in phases]
        print(f"| {name} | " + " | ".join(cells) + " |")


def repeat(variants, repeats):
    """Run every variant once per repeat, in turn; collect their phase times.

    Odd repeats run the variants in reverse order, so that neither always
    runs first (the machine's slow spells come and go within seconds).
    """
    results = {name: [] for name in variants}
    for i in range(repeats):
        names = list(variants)
        for name in reversed(names) if i % 2 else names:
            results[name].append(variants[name]())
    return results


# ----------------------------------------------------------------- threads
def threads(case, repeats):
    import numba

    serial, adam_slice = adam_kernel(), adam_slice_kernel()

    @numba.njit(nogil=True, error_model="numpy", parallel=True)
    def adam_two_threads(params, grad, m, v, b1, c1, b2, c2, step, eps):
        n = params.size
        for part in numba.prange(2):
            # halves cut at a multiple of 64: every element is computed by the
            # same vectorised code as in the one-thread pass
            lo = 0 if part == 0 else n // 2 // 64 * 64
            hi = n // 2 // 64 * 64 if part == 0 else n
            adam_slice(params, grad, m, v, b1, c1, b2, c2, step, eps, lo, hi)

    check_same_bits(case, serial, adam_two_threads)
    print(
        f"\nNumba threading layer: {numba.threading_layer()}, "
        f"{numba.get_num_threads()} threads"
    )

    def loop(adam):
        def run():
            t_adam = t_all = 0.0
            for rows, _ in case.batches():
                start = time.perf_counter()
                case.gather(rows)
                case.gemms()
                t_adam += timed(adam, *case.vectors(), *case.adam)
                t_all += time.perf_counter() - start
            return {"Adam step": t_adam * 1e4, "whole loop": t_all * 1e4}

        return run

    def alone(adam):
        def run():
            t = timed(lambda: [adam(*case.vectors(), *case.adam) for _ in range(100)])
            return {"Adam step": t * 1e4, "whole loop": t * 1e4}

        return run

    report(
        "threads: the Adam step on one or two threads",
        repeat(
            {
                "one thread, after the GEMMs": loop(serial),
                "two threads, after the GEMMs": loop(adam_two_threads),
                "one thread, alone": alone(serial),
                "two threads, alone": alone(adam_two_threads),
            },
            repeats,
        ),
    )


def check_same_bits(case, reference, variant, *extra):
    vectors = [x.copy() for x in case.vectors()]
    again = [x.copy() for x in case.vectors()]
    reference(*vectors, *case.adam)
    variant(*again, *case.adam, *extra)
    assert all(np.array_equal(a, b) for a, b in zip(vectors, again)), "bits differ"


# ----------------------------------------------------------------- overlap
def overlap(case, repeats, pin=False):
    adam = adam_kernel()
    go, done, stop = threading.Event(), threading.Event(), []
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pin = pin and len(cores) >= 2

    def worker():
        if pin:
            os.sched_setaffinity(0, {cores[1]})
        while True:
            go.wait()
            go.clear()
            if stop:
                return
            adam(*case.vectors(), *case.adam)
            done.set()

    if pin:
        saved = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {cores[0]})
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()

    def in_turn():
        t = 0.0
        for _, nxt in case.batches():
            case.gemms()
            start = time.perf_counter()
            adam(*case.vectors(), *case.adam)
            case.gather(nxt)
            t += time.perf_counter() - start
        return {"Adam step + next gather": t * 1e4}

    def side_by_side():
        t = 0.0
        for _, nxt in case.batches():
            case.gemms()
            start = time.perf_counter()
            go.set()
            case.gather(nxt)
            done.wait()
            done.clear()
            t += time.perf_counter() - start
        return {"Adam step + next gather": t * 1e4}

    try:
        results = repeat(
            {"in turn (the core)": in_turn, "worker thread": side_by_side}, repeats
        )
    finally:
        stop.append(True)
        go.set()
        thread.join()
        if pin:
            os.sched_setaffinity(0, saved)
    where = f"main on core {cores[0]}, worker on {cores[1]}" if pin else "not pinned"
    report(f"overlap: gather beside the Adam step ({where})", results)


# ---------------------------------------------------------------- prefetch
def prefetch(case, repeats, lines_per_span=16):
    import numba
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic

    @intrinsic
    def prefetch_line(typingctx, array, offset):
        # llvm.prefetch(address, read, locality 3, data cache)
        def codegen(context, builder, signature, args):
            data = context.make_array(signature.args[0])(context, builder, args[0])
            byte_ptr = ir.IntType(8).as_pointer()
            address = builder.gep(builder.bitcast(data.data, byte_ptr), [args[1]])
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
            name = "llvm.prefetch.p0i8"
            fn = builder.module.globals.get(name) or ir.Function(
                builder.module, fnty, name=name
            )
            constants = [ir.Constant(i32, k) for k in (0, 3, 1)]
            builder.call(fn, [address, *constants])
            return context.get_dummy_value()

        return types.void(array, offset), codegen

    serial, adam_slice = adam_kernel(), adam_slice_kernel()

    @numba.njit(nogil=True, error_model="numpy")
    def adam_prefetching(params, grad, m, v, b1, c1, b2, c2, step, eps, X, rows):
        # the Adam pass in spans of a multiple of 64 elements, each span after
        # ``lines_per_span`` prefetches of the next batch's rows
        n = params.size
        row_bytes = X.shape[1] * X.itemsize
        total = rows.size * ((row_bytes + 63) // 64)
        spans = (total + lines_per_span - 1) // lines_per_span
        lo, r, offset = 0, 0, 0
        for s in range(spans):
            for _ in range(lines_per_span):
                if r < rows.size:
                    prefetch_line(X, rows[r] * row_bytes + offset)
                    offset += 64
                    if offset >= row_bytes:
                        offset, r = 0, r + 1
            hi = min(n * (s + 1) // spans // 64 * 64, n)
            adam_slice(params, grad, m, v, b1, c1, b2, c2, step, eps, lo, hi)
            lo = hi
        adam_slice(params, grad, m, v, b1, c1, b2, c2, step, eps, lo, n)

    check_same_bits(case, serial, adam_prefetching, case.X, case.order[:BATCH])

    def loop(prefetching):
        def run():
            t_gather = t_adam = t_all = 0.0
            for rows, nxt in case.batches():
                start = time.perf_counter()
                case.gather(rows)
                t_gather += time.perf_counter() - start
                case.gemms()
                if prefetching:
                    t_adam += timed(
                        adam_prefetching, *case.vectors(), *case.adam, case.X, nxt
                    )
                else:
                    t_adam += timed(serial, *case.vectors(), *case.adam)
                t_all += time.perf_counter() - start
            return {
                "gather": t_gather * 1e4,
                "Adam step": t_adam * 1e4,
                "whole loop": t_all * 1e4,
            }

        return run

    report(
        "prefetch: the next batch's rows fetched during the Adam pass",
        repeat({"plain (the core)": loop(False), "prefetching": loop(True)}, repeats),
    )


# ------------------------------------------------------------------- fused
def fused(case, repeats, alpha=1e-4):
    import numba

    @numba.njit(nogil=True, error_model="numpy")
    def finish_and_adam(
        params, grad, m, v, b1, c1, b2, c2, step, eps, n_coefs, alpha, inverse
    ):
        # g = (grad + alpha * W) * (1 / n) for the weights, grad * (1 / n)
        # for the intercepts, then the Adam step: one pass over the vectors
        for i in range(params.size):
            g = grad[i] * inverse
            if i < n_coefs:
                g = (grad[i] + params[i] * alpha) * inverse
            grad[i] = g
            m_i = m[i] * b1 + g * c1
            v_i = v[i] * b2 + (g * g) * c2
            m[i] = m_i
            v[i] = v_i
            params[i] -= (m_i * step) / (np.sqrt(v_i) + eps)

    t = case.t

    def folded(net, opt):
        net._finish_gradient = lambda alpha, scale: None  # left to the pass

        def step(X_b, Y_b):
            loss = net.loss_and_gradient(X_b, Y_b, None, alpha)
            finish_and_adam(
                net.params, net.grad, opt.m, opt.v, *adam_scalars(opt, t),
                net.n_coefs, t(alpha), t(1 / len(X_b)),
            )  # fmt: skip
            return loss

        return step

    core, one_pass = epoch_pair(case, folded, alpha)
    report(
        "fused: gradient finish folded into the Adam pass, whole epochs",
        repeat(
            {"two passes (the core)": per_epoch(core), "one pass": per_epoch(one_pass)},
            repeats,
        ),
        unit="ms per epoch",
    )


# ------------------------------------------------------------------ gather
def gather(case, repeats):
    import numba

    @numba.njit(nogil=True)
    def copy_rows(X, rows, out):
        for r in range(rows.size):
            out[r, :] = X[rows[r], :]

    @numba.njit(nogil=True)
    def copy_rows_interleaved(X, rows, out, k):
        # k rows at a time, a few cache lines of each in turn: k streams in flight
        d, chunk = X.shape[1], 256 // X.itemsize
        for r0 in range(0, rows.size, k):
            for j in range(0, d, chunk):
                for r in range(r0, min(r0 + k, rows.size)):
                    src, dst = X[rows[r]], out[r]
                    for c in range(j, min(j + chunk, d)):
                        dst[c] = src[c]

    variants = {
        "np.take (the core)": case.gather,
        "compiled row copies": lambda rows: copy_rows(case.X, rows, case.X_b),
        "compiled, 4 rows interleaved": lambda rows: copy_rows_interleaved(
            case.X, rows, case.X_b, 4
        ),
    }
    rows = case.order[:BATCH]
    for fn in variants.values():
        case.X_b[...] = 0
        fn(rows)
        assert np.array_equal(case.X_b, case.X[rows]), "copies differ"

    adam = adam_kernel()

    def loop(fn):
        def run():
            t = 0.0
            for rows, _ in case.batches():
                case.gemms()
                adam(*case.vectors(), *case.adam)
                t += timed(fn, rows)
            return {"gather": t * 1e4}

        return run

    report(
        "gather: the batch's rows copied into the input buffer",
        repeat({name: loop(fn) for name, fn in variants.items()}, repeats),
    )


# ---------------------------------------------------------------- compiled
def compiled(case, repeats, alpha=1e-4):
    """What giving up bit-identity could buy: a step of ten calls, not forty.

    The five GEMMs stay NumPy's (same BLAS, same threads); everything between
    them is fused into four compiled loops that need not repeat NumPy's
    rounding: bias + ReLU; bias + softmax (Numba's ``exp``/``log``) + loss +
    output delta + its column sums; the ReLU derivative + column sums; and
    one pass for the finish (``* (1 / n)``), the penalty ``||W||^2`` and Adam.
    """
    import numba
    from _common import (
        BackpropClassifier,
        MLPClassifier,
        estimator_params,
        fit_estimator,
    )

    jit = numba.njit(nogil=True, error_model="numpy")
    relu_kernel = accel._kernels()["add_bias_relu"]

    @jit
    def softmax_loss_delta(Z, b, Y, delta, bias_grad):
        n, k = Z.shape
        total = 0.0
        for j in range(k):
            bias_grad[j] = 0
        for r in range(n):
            top = Z[r, 0] + b[0]
            for j in range(k):
                z = Z[r, j] + b[j]
                Z[r, j] = z
                top = max(top, z)
            norm = Z[r, 0] * 0
            for j in range(k):
                e = np.exp(Z[r, j] - top)
                delta[r, j] = e
                norm += e
            lse = np.log(norm) + top
            for j in range(k):
                total += Y[r, j] * (lse - Z[r, j])
                d = delta[r, j] / norm - Y[r, j]
                delta[r, j] = d
                bias_grad[j] += d
        return total

    @jit
    def relu_backward(D, A, bias_grad):
        for j in range(D.shape[1]):
            bias_grad[j] = 0
        for r in range(D.shape[0]):
            for j in range(D.shape[1]):
                d = D[r, j] if A[r, j] > 0 else D[r, j] * 0
                D[r, j] = d
                bias_grad[j] += d

    # reassociation lets the penalty's sum vectorise (a sum in order would
    # cost a dependent addition per weight, ~0.2 ms)
    @numba.njit(nogil=True, error_model="numpy", fastmath={"reassoc"})
    def finish_penalty_adam(
        params, grad, m, v, n_coefs, alpha, inverse, b1, c1, b2, c2, step, eps
    ):
        penalty = 0.0
        for i in range(n_coefs):  # weights: penalty, alpha * W, 1 / n, Adam
            w = params[i]
            penalty += w * w
            g = (grad[i] + w * alpha) * inverse
            m_i = m[i] * b1 + g * c1
            v_i = v[i] * b2 + (g * g) * c2
            m[i] = m_i
            v[i] = v_i
            params[i] = w - (m_i * step) / (np.sqrt(v_i) + eps)
        for i in range(n_coefs, params.size):  # intercepts: 1 / n, Adam
            g = grad[i] * inverse
            m_i = m[i] * b1 + g * c1
            v_i = v[i] * b2 + (g * g) * c2
            m[i] = m_i
            v[i] = v_i
            params[i] -= (m_i * step) / (np.sqrt(v_i) + eps)
        return penalty

    dtype, t, X, y = case.X.dtype, case.t, case.X, case.y

    def fused_step(net, opt):
        (W1, W2), (b1, b2) = net.coefs, net.intercepts
        (gW1, gW2), (gb1, gb2) = net.coef_grads, net.intercept_grads
        A1, D1 = (np.empty((BATCH, SIZES[1]), dtype) for _ in range(2))
        Z2, D2 = (np.empty((BATCH, SIZES[2]), dtype) for _ in range(2))

        def step(X_b, Y_b):
            np.matmul(X_b, W1, out=A1)
            relu_kernel(A1, b1)
            np.matmul(A1, W2, out=Z2)
            data = softmax_loss_delta(Z2, b2, Y_b, D2, gb2)
            np.matmul(A1.T, D2, out=gW2)
            np.matmul(D2, W2.T, out=D1)
            relu_backward(D1, A1, gb1)
            np.matmul(X_b.T, D1, out=gW1)
            b1_, c1, b2_, c2, step_, eps = adam_scalars(opt, t)
            penalty = finish_penalty_adam(
                net.params, net.grad, opt.m, opt.v, net.n_coefs, t(alpha),
                t(1 / len(X_b)), b1_, c1, b2_, c2, step_, eps,
            )  # fmt: skip
            return (data + 0.5 * alpha * penalty) / len(X_b)

        return step

    params = estimator_params((SIZES[1],), "adam", BATCH, 3)
    core, fused = epoch_pair(case, fused_step, alpha)

    def fit(cls):
        return lambda: {"ms per epoch": fit_estimator(cls, X, y, X, y, params)[0] * 1e3}

    results = repeat(
        {
            "core loop": per_epoch(core),
            "fused loop": per_epoch(fused),
            "BackpropClassifier": fit(BackpropClassifier),
            "MLPClassifier": fit(MLPClassifier),
        },
        repeats,
    )
    _, loss_core, net_core = core()
    _, loss_fused, net_fused = fused()
    diff = np.max(np.abs(net_core.params - net_fused.params))
    n_batches = len(range(0, N_SAMPLES, BATCH))
    report(
        "compiled: a step of ten calls, exact bits given up",
        results,
        unit="ms per epoch",
    )
    ratios = [
        s["ms per epoch"] / f["ms per epoch"]
        for s, f in zip(results["MLPClassifier"], results["fused loop"])
    ]
    print(
        f"\nMLPClassifier fit / fused loop, median of per-repeat ratios: "
        f"{np.median(ratios):.2f}x (the fused loop has no fit overhead); "
        f"after {repeats + 2} epochs the two loops' weights differ by up to "
        f"{diff:.1e}, their last epoch losses are {loss_core / n_batches:.6f} and "
        f"{loss_fused / n_batches:.6f}"
    )


# -------------------------------------------------------------------- lean
def lean(case, repeats, alpha=1e-4):
    """The cost of the core's generality: the same calls, without the checks.

    Replays the core's step with the same NumPy calls and kernels in the same
    order (bit-identical, checked), but calling the compiled kernels directly
    with their scalars cast once, and none of the core's checks, dispatch and
    bookkeeping: what a special-cased step could save.
    """
    kernels = accel._kernels()
    dtype, t, n = case.X.dtype, case.t, BATCH

    def special_step(net, opt):
        (W1, W2), (b1, b2) = net.coefs, net.intercepts
        (gW1, gW2), (gb1, gb2) = net.coef_grads, net.intercept_grads
        A1, D1 = (np.empty((n, SIZES[1]), dtype) for _ in range(2))
        Z2, A2, D2, T = (np.empty((n, SIZES[2]), dtype) for _ in range(4))
        row_max, row_sum = np.empty((n, 1), dtype), np.empty((n, 1), dtype)
        W_all = net.params[: net.n_coefs]
        zero, one, a, scale = t(0), t(1), t(alpha), t(n)

        def step(X_b, Y_b):
            np.matmul(X_b, W1, out=A1)
            kernels["add_bias_relu"](A1, b1)
            np.matmul(A1, W2, out=Z2)
            kernels["add_bias"](Z2, b2)
            kernels["subtract_row_max"](Z2, A2, row_max)
            np.exp(A2, out=A2)
            kernels["normalize_rows"](A2, row_sum)
            np.log(row_sum, out=row_sum)
            kernels["log_loss_terms"](row_sum, row_max, Z2, Y_b, T)
            data = float(T.sum())
            penalty = float(np.dot(W_all, W_all))
            np.subtract(A2, Y_b, out=D2)
            np.matmul(A1.T, D2, out=gW2)
            kernels["column_sums"](D2, gb2)
            np.matmul(D2, W2.T, out=D1)
            kernels["relu_derivative"](A1, D1, zero, one)
            np.matmul(X_b.T, D1, out=gW1)
            kernels["column_sums"](D1, gb1)
            kernels["finish_gradient"](net.grad, net.params, net.n_coefs, a, scale)
            scalars = adam_scalars(opt, t)
            kernels["adam_step"](net.params, net.grad, opt.m, opt.v, *scalars)
            return (data + 0.5 * alpha * penalty) / float(n)

        return step

    core, special = epoch_pair(case, special_step, alpha)
    results = repeat(
        {"core loop": per_epoch(core), "special-cased loop": per_epoch(special)},
        repeats,
    )
    _, loss_core, net_core = core()
    _, loss_special, net_special = special()
    assert np.array_equal(net_core.params, net_special.params), "bits differ"
    assert loss_core == loss_special, "losses differ"
    report(
        "lean: the core's step without its checks and dispatch",
        results,
        unit="ms per epoch",
    )
    gains = [
        1 - f["ms per epoch"] / c["ms per epoch"]
        for c, f in zip(results["core loop"], results["special-cased loop"])
    ]
    print(f"\nmedian of per-repeat gains: {np.median(gains):.1%} (bit-identical)")


EXPERIMENTS = {
    "threads": threads,
    "overlap": overlap,
    "prefetch": prefetch,
    "fused": fused,
    "gather": gather,
    "compiled": compiled,
    "lean": lean,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(EXPERIMENTS))
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--layer",
        default="workqueue",
        help="Numba threading layer of the 'threads' experiment (workqueue, omp, tbb)",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="'overlap': pin the main thread and the worker to different cores",
    )
    args = parser.parse_args()
    os.environ["NUMBA_THREADING_LAYER"] = args.layer  # read when numba is imported
    if not accel.warm_up():
        raise SystemExit("these experiments need Numba: pip install '.[fast]'")
    print(machine_facts())
    case = Case(np.dtype(args.dtype))
    print(f"\ncase (a), {args.dtype}: {'-'.join(map(str, SIZES))}, batch {BATCH}")
    for name in args.only.split(","):
        if name == "overlap":
            overlap(case, args.repeats, pin=args.pin)
        else:
            EXPERIMENTS[name](case, args.repeats)


if __name__ == "__main__":
    main()
