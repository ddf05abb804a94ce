"""Finite-difference gradient check.

Backpropagation is easy to get subtly wrong; comparing its gradient with
finite differences catches it. The differences here are the fourth-order
central stencil::

    (f(w - 2h e_j) - 8 f(w - h e_j) + 8 f(w + h e_j) - f(w + 2h e_j)) / 12h

whose truncation error is ``O(h**4)``: with ``h = 1e-4`` in float64 it is far
below the ``1e-6`` relative error at which a backward pass counts as right,
while ``h`` stays small enough that ReLU's kink is rarely crossed.

Examples
--------
>>> import numpy as np
>>> from skbackprop.core import Network, check_gradient
>>> rng = np.random.default_rng(0)
>>> X, Y = rng.normal(size=(5, 3)), np.eye(2)[[0, 1, 1, 0, 1]]
>>> net = Network([3, 4, 2], activation="tanh").initialize(rng)
>>> err = check_gradient(net, X, Y, alpha=0.1)
>>> err < 1e-6
True
"""

import numpy as np


def relative_error(a, b):
    """Largest element-wise relative error between two gradients.

    Each entry's error ``|a_j - b_j|`` is divided by ``max(|a_j|, |b_j|)``, but
    never by less than ``1e-3`` times the largest entry of either gradient (nor
    ``1e-8``): entries a thousand times smaller than the gradient's scale, such
    as the exact zeros of a dead ReLU unit, are held to an error relative to
    that scale instead of to their own rounding noise.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not a.size:
        return 0.0
    abs_a, abs_b = np.abs(a), np.abs(b)
    floor = max(1e-3 * max(abs_a.max(), abs_b.max()), 1e-8)
    scale = np.maximum(np.maximum(abs_a, abs_b), floor)
    return float(np.max(np.abs(a - b) / scale))


def numerical_gradient(fun, x, eps=1e-4, indices=None):
    """Fourth-order central finite-difference gradient of ``fun`` at ``x``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float``. It may read ``x`` in place: each coordinate is
        perturbed and restored in turn.
    x : ndarray of shape (n,)
        The point; restored exactly on return.
    eps : float, default=1e-4
        Step ``h``.
    indices : array-like of int, default=None
        Coordinates to differentiate; all of them by default.

    Returns
    -------
    grad : ndarray of shape (len(indices),)
    """
    indices = np.arange(x.size) if indices is None else np.asarray(indices)
    grad = np.empty(indices.size)
    for k, j in enumerate(indices):
        old = x[j]
        f = []
        for step in (-2 * eps, -eps, eps, 2 * eps):
            x[j] = old + step
            f.append(fun(x))
        x[j] = old
        grad[k] = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * eps)
    return grad


def check_gradient(
    network, X, Y, sample_weight=None, alpha=0.0, eps=None, n_checks=None, rng=None
):
    """Worst relative error between backprop's and a numerical gradient.

    Parameters
    ----------
    network : Network
        The network, at the parameters to check (left unchanged).
    X, Y : ndarray
        A batch of inputs and targets.
    sample_weight : ndarray of shape (n_samples,), default=None
        Sample weights.
    alpha : float, default=0.0
        L2 penalty.
    eps : float, default=None
        Finite-difference step; ``1e-4`` for float64, ``1e-2`` for float32.
    n_checks : int, default=None
        Check only this many randomly chosen parameters (for large networks);
        every parameter by default.
    rng : numpy.random.Generator, default=None
        Chooses the parameters to check when ``n_checks`` is set.

    Returns
    -------
    error : float
        The largest relative error over the checked parameters; below about
        ``1e-6`` in float64 the backward pass is right.
    """
    if eps is None:
        eps = 1e-4 if network.dtype == np.float64 else 1e-2
    network.loss_and_gradient(X, Y, sample_weight, alpha)
    analytic = network.grad.copy()
    indices = None
    if n_checks is not None and n_checks < network.n_params:
        rng = np.random.default_rng(rng)
        indices = rng.choice(network.n_params, size=n_checks, replace=False)
        analytic = analytic[indices]

    def fun(_):
        return network.loss_and_gradient(X, Y, sample_weight, alpha)

    numeric = numerical_gradient(fun, network.params, eps=eps, indices=indices)
    # leave the gradient buffer as backprop computed it at the unchanged point
    network.loss_and_gradient(X, Y, sample_weight, alpha)
    return relative_error(analytic, numeric)
