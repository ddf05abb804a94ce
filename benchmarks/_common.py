"""Shared helpers of the benchmark scripts: data, contenders, timing, the GEMM limit.

Not part of the package. Every script alternates its contenders inside each
repeat (ours, scikit-learn, PyTorch, the GEMM-only epoch), so slow phases of a
noisy machine hit all of them alike, and reports medians over the repeats and
the median of the per-repeat ratios.
"""

import os
import platform
import time
import warnings
from itertools import pairwise

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import skbackprop
from skbackprop import BackpropClassifier
from skbackprop.core import accel

warnings.simplefilter("ignore", ConvergenceWarning)

# PyTorch's OpenMP threads busy-wait after each parallel region by default and
# then steal the cores from OpenBLAS's threads in the next contender's run.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
try:  # optional: a plain PyTorch training loop as a third contender
    if os.environ.get("SKBP_BENCH_NO_TORCH"):
        raise ImportError("disabled by SKBP_BENCH_NO_TORCH")
    import torch
except ImportError:  # pragma: no cover - torch is never a dependency
    torch = None


# ------------------------------------------------------------------- data
def synthetic(n_samples, n_features=784, n_classes=10, dtype=np.float32, seed=0):
    """Standardised ``make_classification`` data plus a 2,000-sample test set."""
    X, y = make_classification(
        n_samples=n_samples + 2000,
        n_features=n_features,
        n_informative=64,
        n_redundant=32,
        n_classes=n_classes,
        n_clusters_per_class=2,
        class_sep=1.5,
        random_state=seed,
    )
    X = StandardScaler().fit_transform(X).astype(dtype)
    return X[:n_samples], y[:n_samples], X[n_samples:], y[n_samples:]


def digits(dtype=np.float64):
    """The digits data (ships with scikit-learn), scaled to [0, 1]; 3:1 split."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(dtype)
    rng = np.random.RandomState(0)
    order = rng.permutation(len(y))
    cut = len(y) * 3 // 4
    train, test = order[:cut], order[cut:]
    return X[train], y[train], X[test], y[test]


# ------------------------------------------------------------ contenders
def estimator_params(hidden, solver, batch_size, max_iter):
    """Same parameters for both estimators: exactly ``max_iter`` epochs."""
    return dict(
        hidden_layer_sizes=hidden,
        solver=solver,
        batch_size=batch_size,
        max_iter=max_iter,
        random_state=0,
        tol=0.0,
        n_iter_no_change=max_iter + 1,
    )


def fit_estimator(cls, X, y, X_test, y_test, params):
    """Fit once; return (seconds per epoch or iteration, test accuracy, model)."""
    model = cls(**params)
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    return seconds / model.n_iter_, model.score(X_test, y_test), model


def fit_torch(X, y, X_test, y_test, hidden, batch_size, epochs, alpha=1e-4):
    """A plain PyTorch CPU loop of the same network: ReLU, Adam, log-loss + L2.

    Returns (seconds per epoch, test accuracy); ``None`` without torch.
    """
    if torch is None:
        return None
    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    torch.manual_seed(0)
    sizes = [X.shape[1], *hidden, int(y.max()) + 1]
    layers = []
    for fan_in, fan_out in pairwise(sizes):
        layers += [torch.nn.Linear(fan_in, fan_out, dtype=dtype), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    n = len(y)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, batch_size):
            idx = perm[s : s + batch_size]
            xb, yb = Xt[idx], yt[idx]
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            loss = loss + 0.5 * alpha * sum((W * W).sum() for W in weights) / len(idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    seconds = (time.perf_counter() - start) / epochs
    with torch.no_grad():
        pred = model(torch.from_numpy(X_test)).argmax(1).numpy()
    return seconds, float((pred == y_test).mean())


# --------------------------------------------------------------- GEMM limit
def epoch_gemms(layer_sizes, n_samples, batch_size):
    """The matrix products of one epoch of backprop, as ``(kind, m, k, n, count)``.

    Per batch of ``b`` rows and layer ``l`` with weights ``(fi, fo)``: the
    forward ``A @ W`` (b x fi by fi x fo), the weight gradient ``A.T @ delta``
    (fi x b by b x fo) and, above the first layer, the backward ``delta @ W.T``
    (b x fo by fo x fi). Each costs ``2 b fi fo`` FLOPs.
    """
    full, rest = divmod(n_samples, batch_size)
    batches = [(batch_size, full)] + ([(rest, 1)] if rest else [])
    gemms = []
    for b, count in batches:
        for layer, (fi, fo) in enumerate(pairwise(layer_sizes)):
            gemms.append(("forward", b, fi, fo, count))
            gemms.append(("grad_W", fi, b, fo, count))
            if layer > 0:
                gemms.append(("backward", b, fo, fi, count))
    return gemms


def gemm_flops(gemms):
    return sum(2 * m * k * n * count for _, m, k, n, count in gemms)


class GemmEpoch:
    """Runs only the matrix products of an epoch, with the layouts the core uses.

    ``A @ W`` with C-ordered operands, ``A.T @ delta`` (a transposed view) and
    ``delta @ W.T`` into preallocated outputs: the time of :meth:`run` is the
    GEMM-bound limit of an epoch, measured for those shapes and that dtype.
    """

    def __init__(self, layer_sizes, n_samples, batch_size, dtype, X=None):
        rng = np.random.default_rng(0)
        self.X = X
        self.n_samples = n_samples
        self.flops = gemm_flops(epoch_gemms(layer_sizes, n_samples, batch_size))
        full, rest = divmod(n_samples, batch_size)
        self.plan = [(batch_size, full)] + ([(rest, 1)] if rest else [])
        shapes = list(pairwise(layer_sizes))
        self.W = [rng.standard_normal((fi, fo)).astype(dtype) for fi, fo in shapes]
        self.G = [np.empty((fi, fo), dtype) for fi, fo in shapes]
        self.bufs = {}
        for b, _ in self.plan:
            A = [rng.standard_normal((b, k)).astype(dtype) for k in layer_sizes]
            D = [rng.standard_normal((b, k)).astype(dtype) for k in layer_sizes]
            self.bufs[b] = (A, D)

        n_params = sum(W.size for W in self.W) + sum(layer_sizes[1:])
        self.params = rng.standard_normal(n_params).astype(dtype)
        self.grad = rng.standard_normal(n_params).astype(dtype) * 1e-3
        self.order = rng.permutation(n_samples)

    def run(self, floor=False):
        """Seconds for the epoch's matrix products.

        With ``floor=True``, each batch also gathers its rows of ``X`` into
        the input buffer and takes one :class:`skbackprop.core.Adam` step on a
        parameter-sized vector: the work that any implementation with
        ``MLPClassifier``'s exact results has to do (its batch copy and its
        Adam step), whatever it does about the rest (bias, activations, loss,
        L2 penalty, bookkeeping). The Adam step is one compiled pass when the
        kernels of :mod:`skbackprop.core.accel` are on, NumPy's twelve vector
        operations when they are off.
        """
        from skbackprop.core import Adam

        opt = Adam(self.params) if floor else None
        start = time.perf_counter()
        first = 0
        for b, count in self.plan:
            A, D = self.bufs[b]
            for _ in range(count):
                if floor:
                    idx = self.order[first : first + b]
                    self.X.take(idx, axis=0, out=A[0], mode="clip")
                    first += b
                for layer, W in enumerate(self.W):
                    np.matmul(A[layer], W, out=A[layer + 1])
                for layer in range(len(self.W) - 1, -1, -1):
                    np.matmul(A[layer].T, D[layer + 1], out=self.G[layer])
                    if layer > 0:
                        np.matmul(D[layer + 1], self.W[layer].T, out=D[layer])
                if floor:
                    opt.update(self.grad)
        return time.perf_counter() - start


# ------------------------------------------------------------------ report
def machine_facts():
    """Cores, CPU, BLAS (from threadpoolctl) and library versions, as text."""
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    blas = [
        f"{i['internal_api']} {i['version']} ({i.get('architecture')}, "
        f"{i['num_threads']} threads)"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                line.split(":", 1)[1].strip() for line in f if "model name" in line
            )
    except (OSError, StopIteration):
        pass
    names = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    env = {k: os.environ[k] for k in names if k in os.environ}
    if torch is None:
        torch_version = "torch not installed"
    else:
        torch_version = f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    where = os.path.dirname(skbackprop.__file__)
    lines = [
        f"cores: {os.cpu_count()}, cpu: {cpu}",
        f"BLAS: {'; '.join(blas) or 'unknown'}; OPENBLAS env: {env or 'unset'}",
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"skbackprop {skbackprop.__version__} ({where}), {torch_version}",
        f"compiled kernels (skbackprop.core.accel): {kernel_facts()}",
    ]
    try:
        load = os.getloadavg()
        lines.append(f"load average at start: {load[0]:.2f} {load[1]:.2f}")
    except OSError:
        pass
    return "\n".join(lines)


def kernel_facts():
    """Whether the compiled kernels run, and Numba's version."""
    if not accel.available():
        return "off (Numba not installed)"
    import numba

    # off: SKBACKPROP_NUMBA=0, or a script running the NumPy code (--numpy)
    state = "on" if accel.is_enabled() else "off"
    return f"{state}, numba {numba.__version__}"


def median(values):
    return float(np.median(values)) if len(values) else float("nan")


def ms(seconds):
    return f"{seconds * 1e3:.1f}" if seconds == seconds else "-"


__all__ = [
    "BackpropClassifier",
    "GemmEpoch",
    "MLPClassifier",
    "digits",
    "epoch_gemms",
    "estimator_params",
    "fit_estimator",
    "fit_torch",
    "gemm_flops",
    "machine_facts",
    "median",
    "ms",
    "synthetic",
    "torch",
]
