"""Where the time of one training step goes: a per-phase profile of the hot loop.

Replays :func:`skbackprop._training.run_epoch`'s step (gather the batch,
forward, loss, backward, L2 penalty, Adam) with a timer around each phase, on
the benchmark cases of ``bench_mlp.py``, and prints microseconds per batch and
shares. The replay calls the same core functions in the same order as
:meth:`Network.loss_and_gradient` (it checks that its gradient and loss are the
same), so the phases add up to the real step; the timers add about 1 us. The
compiled kernels of ``skbackprop.core.accel`` run where Numba is installed;
``--numpy`` switches them off.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/profile_step.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/profile_step.py \
        --cases a32 --epochs 3 --numpy
"""

import argparse
import time

import numpy as np
from _common import digits, machine_facts, synthetic

from skbackprop._training import _BatchGatherer
from skbackprop.core import Adam, Network, accel
from skbackprop.core.activations import DERIVATIVES
from skbackprop.core.ops import add_bias_activate as _add_bias_activate

CASES = {
    "a32": ("synthetic", [784, 256, 10], np.float32, 20000, 3),
    "a64": ("synthetic", [784, 256, 10], np.float64, 20000, 2),
    "b": ("digits", [64, 100, 10], np.float64, None, 40),
    "c": ("synthetic", [784, 512, 512, 512, 10], np.float32, 10000, 2),
}


def step(net, opt, gather, idx, alpha, acc):
    """One training step, timed phase by phase into ``acc``; returns the loss."""
    clock = time.perf_counter
    t = [clock()]

    def mark(name):
        now = clock()
        acc[name] = acc.get(name, 0.0) + now - t[0]
        t[0] = now

    X_b, Y_b, _ = gather(idx)
    mark("gather batch")
    n, L, loss_fn = len(idx), net.n_layers, net.loss
    buf = net.buffers(n)
    inputs, A_prev = [X_b], X_b
    for layer in range(L):
        Z = buf.A[layer] if layer < L - 1 else buf.Z_out
        np.matmul(A_prev, net.coefs[layer], out=Z)
        mark("GEMM forward A @ W")
        if layer < L - 1:
            _add_bias_activate(Z, net.intercepts[layer], net.activations[layer])
            mark("bias add + activation")
            inputs.append(Z)
            A_prev = Z
        else:
            _add_bias_activate(Z, net.intercepts[layer], "identity")
            mark("bias add (output)")
    data_loss = loss_fn.sum_and_activate(Y_b, buf.Z_out, buf.A_out)
    mark("softmax + log-loss")
    W_all = net.params[: net.n_coefs]
    penalty = float(np.dot(W_all, W_all))
    mark("penalty ||W||^2")
    delta = loss_fn.delta(Y_b, buf.Z_out, buf.A_out, out=buf.delta[L - 1])
    mark("output delta")
    for layer in range(L - 1, -1, -1):
        np.matmul(inputs[layer].T, delta, out=net.coef_grads[layer])
        mark("GEMM gradient A.T @ delta")
        if not accel.column_sums(delta, net.intercept_grads[layer]):
            np.add.reduce(delta, axis=0, out=net.intercept_grads[layer])
        mark("bias gradient")
        if layer > 0:
            prev = buf.delta[layer - 1]
            np.matmul(delta, net.coefs[layer].T, out=prev)
            mark("GEMM backward delta @ W.T")
            name = net.activations[layer - 1]
            if not accel.activation_derivative(buf.A[layer - 1], prev, name):
                DERIVATIVES[name](buf.A[layer - 1], prev)
            mark("activation derivative")
            delta = prev
    net._finish_gradient(alpha, float(n))
    mark("gradient + alpha W, / n")
    opt.update(net.grad)
    mark("Adam update")
    return (data_loss + 0.5 * alpha * penalty) / n


def profile(name, epochs=None, batch_size=200, alpha=1e-4):
    data, sizes, dtype, n, case_epochs = CASES[name]
    epochs = epochs or case_epochs
    if data == "synthetic":
        X, y, _, _ = synthetic(n, n_features=sizes[0], dtype=dtype)
    else:
        X, y, _, _ = digits(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[y]
    n = len(y)
    net = Network(sizes, "relu", dtype=dtype).initialize(np.random.RandomState(0))
    opt = Adam(net.params)
    gather = _BatchGatherer(X, Y, None)
    order = np.random.RandomState(0).permutation(n)

    # The replay must compute what the network computes.
    idx = order[:batch_size]
    expected = net.loss_and_gradient(X[idx], Y[idx], alpha=alpha)
    grad = net.grad.copy()
    params = net.params.copy()
    got = step(net, opt, gather, idx, alpha, {})
    np.copyto(net.params, params)
    assert np.isclose(got, expected, rtol=1e-6), (got, expected)
    assert np.array_equal(net.grad, grad)
    opt = Adam(net.params)

    acc = {}
    batches = 0
    start = None
    for epoch in range(epochs + 1):  # the first epoch warms up
        if epoch == 1:
            acc.clear()
            start = time.perf_counter()
        for s in range(0, n, batch_size):
            step(net, opt, gather, order[s : s + batch_size], alpha, acc)
            batches += epoch > 0
    total = time.perf_counter() - start
    gemm = sum(v for k, v in acc.items() if k.startswith("GEMM"))
    print(
        f"\n{name}: {'-'.join(map(str, sizes))}, {np.dtype(dtype).name}, "
        f"{n} samples, batch {batch_size}: {total / batches * 1e6:.0f} us per "
        f"batch ({epochs} epochs)\n"
    )
    print("| phase | us per batch | share |")
    print("| --- | --- | --- |")
    for key, value in sorted(acc.items(), key=lambda kv: -kv[1]):
        print(f"| {key} | {value / batches * 1e6:.1f} | {value / total:.1%} |")
    print(
        f"| **all GEMMs** | **{gemm / batches * 1e6:.0f}** | **{gemm / total:.1%}** |"
    )
    print(
        f"| **everything else** | **{(total - gemm) / batches * 1e6:.0f}** | "
        f"**{1 - gemm / total:.1%}** |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="a32,a64,b")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--numpy", action="store_true", help="the NumPy code (kernels off)"
    )
    args = parser.parse_args()
    with accel.enabled(not args.numpy):
        print(machine_facts())
        for name in args.cases.split(","):
            profile(name, args.epochs)


if __name__ == "__main__":
    main()
