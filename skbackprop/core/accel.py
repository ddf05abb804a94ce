"""Optional compiled kernels for the elementwise passes of a training step.

A training step is a few matrix products plus elementwise work: adding the
bias and applying the activation, the softmax's shift and normalisation and
the log-loss's terms, the activation's derivative, the bias gradients,
finishing the gradient (L2 penalty, division by the batch weight), and the
optimizer's update. In NumPy each of those is a handful of passes over memory
(or of calls on a small array), one per operation; Adam alone is twelve passes
over the parameter vector. With `Numba <https://numba.pydata.org>`_ installed
(``pip install "skbackprop[fast]"``) each becomes **one** compiled loop.

The compiled loops do exactly what the NumPy code does, operation by operation
and element by element, in the array's dtype: every intermediate is rounded as
NumPy rounds it (no fused multiply-add, no reassociation, scalars cast to the
array's dtype as NumPy casts a Python float), so **results are bit-identical**
with and without Numba. Only operations whose NumPy result is exactly defined
are compiled: ``+ - * /``, ``sqrt``, comparisons, and sums that NumPy adds
in a fixed order (a bias gradient's column sums, added row by row; the
softmax's row sums of two or more rows, added column by column, see
:func:`~skbackprop.core.activations.row_sum`). ``exp``, ``log``, dot products
and pairwise sums, whose NumPy or BLAS implementations round in their own
ways, stay NumPy.

Numba is never required: without it, or with the environment variable
``SKBACKPROP_NUMBA=0``, or inside ``with accel.enabled(False):``, the NumPy
code runs. The kernels compile on first use (and are cached on disk).

The kernels' Python sources below are the reference: run uncompiled on NumPy
scalars they give the same results, which the tests check even without Numba.

This module holds the kernels, their entry points and the switch. Only
:mod:`~skbackprop.core.ops` calls the entry points: the network, the losses
and the optimizers ask it for a pass, and it runs the kernel when the entry
point takes the arrays, its NumPy code otherwise.

Examples
--------
Each entry point does its work and returns True, or returns False and leaves
the work to the NumPy code of :mod:`~skbackprop.core.ops`, which gives the same
bits:

>>> import numpy as np
>>> from skbackprop.core import accel, ops
>>> Z, b = np.array([[-1.0, 0.5], [2.0, -3.0]]), np.array([0.5, 0.5])
>>> ops.add_bias_activate(Z, b, "relu")  # the kernel if it runs, else NumPy
>>> Z
array([[0. , 1. ],
       [2.5, 0. ]])
>>> with accel.enabled(False):  # the NumPy code, whatever is installed
...     accel.is_enabled(), accel.add_bias_activate(Z, b, "relu")
(False, False)
"""

import contextlib
import importlib.util
import os
import threading
import warnings

import numpy as np

from .activations import LEAKY_RELU_SLOPE

#: Activations whose bias-add + activation, and derivative, have kernels.
KERNEL_ACTIVATIONS = ("identity", "relu", "leaky_relu")

_OFF = {"0", "false", "no", "off"}
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_lock = threading.Lock()
_state = {
    # None: decide on first use (is Numba importable, not switched off?)
    "enabled": None,
    "kernels": None,
}


# ------------------------------------------------------------------ switch
def available():
    """Whether Numba can be imported (without importing it)."""
    return importlib.util.find_spec("numba") is not None


def is_enabled():
    """Whether the compiled kernels run (Numba installed and not switched off)."""
    enabled = _state["enabled"]
    if enabled is None:
        env = os.environ.get("SKBACKPROP_NUMBA", "").strip().lower()
        enabled = _state["enabled"] = env not in _OFF and available()
    return enabled


@contextlib.contextmanager
def enabled(flag=True):
    """Switch the compiled kernels on or off inside a ``with`` block.

    The switch is process-wide (not per thread). Switching on without Numba
    installed leaves them off.

    Parameters
    ----------
    flag : bool, default=True
        True to use the compiled kernels where Numba is installed, False to
        run the NumPy code.
    """
    previous = is_enabled()
    _state["enabled"] = bool(flag) and available()
    try:
        yield
    finally:
        _state["enabled"] = previous


def warm_up(dtypes=(np.float64, np.float32)):
    """Compile the kernels now (or load them from Numba's cache) for ``dtypes``.

    A process's first fit otherwise pays for it (about 0.3-0.4 s with the
    cache, 1 s or so without); call this before timing a fit, or in a worker's
    set-up. Does nothing when the kernels are off.

    Returns
    -------
    ready : bool
        Whether the kernels are on (and now compiled).
    """
    if not is_enabled():
        return False
    for dtype in dtypes:
        one = np.ones(1, dtype)
        two_d = np.ones((1, 1), dtype)
        adam_step(one.copy(), one, one.copy(), one.copy(), 0.9, 0.999, 1e-3, 1e-8)
        for nesterov in (True, False):
            sgd_step(one.copy(), one, one.copy(), 0.1, 0.9, nesterov)
        finish_gradient(one.copy(), one, 1, 1e-4, 1.0)
        for name in KERNEL_ACTIVATIONS:
            add_bias_activate(two_d.copy(), one, name)
            activation_derivative(two_d, two_d.copy(), name)
        pair = np.ones((1, 2), dtype)
        column_sums(pair, np.ones(2, dtype))
        subtract_row_max(pair, pair.copy(), two_d.copy())
        normalize_rows(pair.copy(), two_d.copy())
        log_loss_terms(two_d.copy(), two_d, pair, pair, pair.copy())
    return is_enabled()


def _kernels():
    """The compiled kernels, compiled (or loaded from the cache) once."""
    kernels = _state["kernels"]
    if kernels is None:
        with _lock:
            kernels = _state["kernels"]
            if kernels is None:
                kernels = _state["kernels"] = _compile()
    return kernels


def _compile():
    try:
        import numba
    except Exception as exc:  # a broken install: fall back, say so once
        _state["enabled"] = False
        warnings.warn(
            f"Numba could not be imported ({exc}); skbackprop runs its NumPy "
            "code instead.",
            UserWarning,
            stacklevel=3,
        )
        return None

    def jit_all(cache):
        # error_model="numpy": division by zero gives inf/nan as in NumPy (and
        # lets the loops vectorise); fastmath stays off: no contraction into FMA.
        jit = numba.njit(cache=cache, nogil=True, error_model="numpy")
        return {name: jit(func) for name, func in _SOURCES.items()}

    try:
        return jit_all(cache=True)
    except RuntimeError:
        # Numba found nowhere to write its cache (a read-only install and no
        # writable NUMBA_CACHE_DIR): compile in memory, once per process.
        return jit_all(cache=False)


def _ready(name, *arrays):
    """The kernel ``name`` if the kernels are on and take ``arrays``, else None.

    They take C-contiguous float ndarrays of one dtype.
    """
    # Runs for every pass of every step: the switch, the arrays and the
    # kernels are checked here, without calling further functions.
    enabled = _state["enabled"]
    if enabled is None:
        enabled = is_enabled()
    if not enabled:
        return None
    dtype = arrays[0].dtype
    if dtype not in _FLOATS:
        return None
    for a in arrays:  # a loop, not all(genexpr)
        if type(a) is not np.ndarray or a.dtype != dtype or not a.flags.c_contiguous:
            return None
    kernels = _state["kernels"]
    if kernels is None:
        kernels = _kernels()
        if kernels is None:
            return None
    return kernels[name]


# ----------------------------------------------------------- kernel sources
# Each is written as the NumPy code it replaces computes, one rounding per
# operation; comments give that NumPy code.


def _adam_step(params, grad, m, v, beta_1, c_1, beta_2, c_2, step, epsilon):
    # m *= b1; m += g * (1 - b1); v *= b2; v += (g * g) * (1 - b2)
    # params -= m * step / (sqrt(v) + eps)
    for i in range(params.size):
        g = grad[i]
        m_i = m[i] * beta_1 + g * c_1
        v_i = v[i] * beta_2 + (g * g) * c_2
        m[i] = m_i
        v[i] = v_i
        params[i] -= (m_i * step) / (np.sqrt(v_i) + epsilon)


def _sgd_step(params, grad, velocity, learning_rate, momentum, nesterov):
    # tmp = g * lr; v *= mu; v -= tmp; then
    # nesterov: params -= tmp; params += v * mu, else params += v
    for i in range(params.size):
        step = grad[i] * learning_rate
        v_i = velocity[i] * momentum - step
        velocity[i] = v_i
        if nesterov:
            params[i] = (params[i] - step) + v_i * momentum
        else:
            params[i] += v_i


def _finish_gradient(grad, params, n_coefs, alpha, scale):
    # grad[:n_coefs] += params[:n_coefs] * alpha (if alpha); grad /= scale
    if alpha != 0:
        for i in range(n_coefs):
            grad[i] = (grad[i] + params[i] * alpha) / scale
    else:
        for i in range(n_coefs):
            grad[i] = grad[i] / scale
    for i in range(n_coefs, grad.size):
        grad[i] = grad[i] / scale


def _add_bias(Z, b):
    # Z += b
    for r in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[r, j] += b[j]


def _add_bias_relu(Z, b):
    # Z += b; np.maximum(Z, 0, out=Z) (NaN stays NaN)
    for r in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            z = Z[r, j] + b[j]
            Z[r, j] = z if (z > 0 or z != z) else 0


def _add_bias_leaky_relu(Z, b, slope):
    # Z += b; np.maximum(Z, Z * slope, out=Z) (NaN stays NaN)
    for r in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            z = Z[r, j] + b[j]
            zs = z * slope
            Z[r, j] = z if (z >= zs or z != z) else zs


def _column_sums(D, out):
    # np.add.reduce(D, axis=0, out=out): with two or more columns NumPy adds
    # the rows in order to a running sum that starts at 0 (a single column is
    # contiguous and NumPy sums it pairwise: the entry point declines that)
    for j in range(D.shape[1]):
        out[j] = 0
    for r in range(D.shape[0]):
        for j in range(D.shape[1]):
            out[j] += D[r, j]


def _subtract_row_max(Z, A, m):
    # m = np.maximum.reduce(Z, axis=1, keepdims=True) (NaN wins); A = Z - m
    for r in range(Z.shape[0]):
        top = Z[r, 0]
        for j in range(1, Z.shape[1]):
            z = Z[r, j]
            if not (top >= z or top != top):
                top = z
        m[r, 0] = top
        for j in range(Z.shape[1]):
            A[r, j] = Z[r, j] - top


def _normalize_rows(A, s):
    # s = np.add.reduce(np.asfortranarray(A), axis=1, keepdims=True): NumPy
    # adds a column-major array's columns in order, from 0 (with two or more
    # rows; one row is contiguous and NumPy sums it pairwise: the entry point
    # declines that); then A /= s
    for r in range(A.shape[0]):
        s[r, 0] = 0
        total = s[r, 0]  # the array's dtype: every addition rounds in it
        for j in range(A.shape[1]):
            total += A[r, j]
        s[r, 0] = total
        for j in range(A.shape[1]):
            A[r, j] = A[r, j] / total


def _log_loss_terms(lse, m, Z, Y, D):
    # lse += m; np.subtract(lse, Z, out=D); D *= Y
    for r in range(Z.shape[0]):
        top = lse[r, 0] + m[r, 0]
        lse[r, 0] = top
        for j in range(Z.shape[1]):
            D[r, j] = (top - Z[r, j]) * Y[r, j]


def _relu_derivative(A, delta, zero, one):
    # delta *= (A > 0)  (a multiplication: -x * 0 is -0.0, nan * 0 is nan)
    for r in range(A.shape[0]):
        for j in range(A.shape[1]):
            delta[r, j] = delta[r, j] * (one if A[r, j] > 0 else zero)


def _leaky_relu_derivative(A, delta, slope, one):
    # delta *= np.where(A < 0, slope, 1)
    for r in range(A.shape[0]):
        for j in range(A.shape[1]):
            delta[r, j] = delta[r, j] * (slope if A[r, j] < 0 else one)


_SOURCES = {
    "adam_step": _adam_step,
    "sgd_step": _sgd_step,
    "finish_gradient": _finish_gradient,
    "add_bias": _add_bias,
    "add_bias_relu": _add_bias_relu,
    "add_bias_leaky_relu": _add_bias_leaky_relu,
    "relu_derivative": _relu_derivative,
    "leaky_relu_derivative": _leaky_relu_derivative,
    "column_sums": _column_sums,
    "subtract_row_max": _subtract_row_max,
    "normalize_rows": _normalize_rows,
    "log_loss_terms": _log_loss_terms,
}


# ------------------------------------------------- entry points for ops.py
# Each returns True when it did the work, False when ops.py should run its
# NumPy code (kernels off, or an array the kernels do not take).


def adam_step(params, grad, m, v, beta_1, beta_2, step, epsilon):
    """One Adam step in place, as :func:`~skbackprop.core.ops.adam_step`.

    Returns False (doing nothing) when the kernels are off.
    """
    kernel = _ready("adam_step", params, grad, m, v)
    if kernel is None:
        return False
    t = params.dtype.type
    # NumPy casts a Python float operand to the array's dtype: do the same
    kernel(
        params,
        grad,
        m,
        v,
        t(beta_1),
        t(1 - beta_1),
        t(beta_2),
        t(1 - beta_2),
        t(step),
        t(epsilon),
    )
    return True


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov):
    """One SGD step with momentum in place, as :func:`~skbackprop.core.ops.sgd_step`.

    Without momentum the NumPy step is one operation (and leaves the velocity
    alone): nothing to fuse, so False.
    """
    kernel = None if momentum == 0 else _ready("sgd_step", params, grad, velocity)
    if kernel is None:
        return False
    t = params.dtype.type
    kernel(params, grad, velocity, t(learning_rate), t(momentum), bool(nesterov))
    return True


def finish_gradient(grad, params, n_coefs, alpha, scale):
    """``grad[:n_coefs] += alpha * params[:n_coefs]``, then ``grad /= scale``."""
    kernel = _ready("finish_gradient", grad, params)
    if kernel is None:
        return False
    t = grad.dtype.type
    kernel(grad, params, int(n_coefs), t(alpha), t(scale))
    return True


def add_bias_activate(Z, b, activation):
    """``Z += b`` then the hidden activation ``activation`` on ``Z``, in place."""
    if activation not in KERNEL_ACTIVATIONS or Z.ndim != 2:
        return False
    name = "add_bias" if activation == "identity" else "add_bias_" + activation
    kernel = _ready(name, Z, b)
    if kernel is None:
        return False
    if activation == "leaky_relu":
        kernel(Z, b, Z.dtype.type(LEAKY_RELU_SLOPE))
    else:
        kernel(Z, b)
    return True


def activation_derivative(A, delta, activation):
    """``delta *= f'(A)`` in place for ``relu`` and ``leaky_relu``."""
    if activation not in ("relu", "leaky_relu") or A.ndim != 2:
        return False
    kernel = _ready(activation + "_derivative", A, delta)
    if kernel is None:
        return False
    t = A.dtype.type
    if activation == "leaky_relu":
        kernel(A, delta, t(LEAKY_RELU_SLOPE), t(1))
    else:
        kernel(A, delta, t(0), t(1))
    return True


def _run(name, *arrays):
    """Run the kernel ``name`` on ``arrays`` (True), or decline (False)."""
    kernel = _ready(name, *arrays)
    if kernel is None:
        return False
    kernel(*arrays)
    return True


def column_sums(D, out):
    """``np.add.reduce(D, axis=0, out=out)``: a bias's gradient, rows in order.

    Declines (False) a single column, which NumPy sums pairwise.
    """
    fits = D.ndim == 2 and D.shape[1] >= 2 and out.shape == D.shape[1:]
    return fits and _run("column_sums", D, out)


def subtract_row_max(Z, A, m):
    """``m[:] = Z.max(axis=1, keepdims=True)`` and ``A[:] = Z - m``: softmax's shift.

    ``m`` has shape ``(n_samples, 1)``. The maximum is exact; of two zeros it
    may keep either sign, which no result of the softmax or its log-sum-exp
    can tell apart.
    """
    fits = Z.ndim == 2 and Z.shape[1] >= 1 and A.shape == Z.shape
    return fits and m.shape == (len(Z), 1) and _run("subtract_row_max", Z, A, m)


def normalize_rows(A, s):
    """``s[:] = row_sum(A)`` then ``A /= s``: the softmax's normalisation.

    ``s`` has shape ``(n_samples, 1)``; see
    :func:`skbackprop.core.activations.row_sum` for the order of the additions.
    Declines (False) a single row, which NumPy sums pairwise.
    """
    fits = A.ndim == 2 and len(A) >= 2 and s.shape == (len(A), 1)
    return fits and _run("normalize_rows", A, s)


def log_loss_terms(lse, m, Z, Y, D):
    """``lse += m`` then ``D[:] = (lse - Z) * Y``: the softmax log-loss's terms.

    ``lse`` and ``m`` have shape ``(n_samples, 1)``, ``Z``, ``Y`` and ``D``
    ``(n_samples, n_classes)``.
    """
    fits = Z.ndim == 2 and Z.shape == Y.shape == D.shape
    fits = fits and lse.shape == (len(Z), 1) and m.shape == lse.shape
    return fits and _run("log_loss_terms", lse, m, Z, Y, D)
