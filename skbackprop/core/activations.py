"""Activation functions, each beside its derivative.

Every activation works **in place**: ``f(Z)`` overwrites the pre-activation
``Z = A_prev @ W + b`` with ``A = f(Z)`` and returns it. Every derivative
``f_derivative(A, delta)`` multiplies the back-propagated error ``delta``
(``dL/dA``) in place by ``f'(Z)``, giving ``dL/dZ``. The derivative is
computed from the stored activation ``A``, not from ``Z``, so the forward pass
needs one buffer per layer instead of two.

For sigmoid-like functions the derivative has a closed form in ``A``:
``logistic' = A (1 - A)`` and ``tanh' = 1 - A**2``. For the piecewise-linear
ones the sign of ``A`` is the sign of ``Z``.

``softmax`` and ``exp`` are output activations only: they have no entry in
:data:`DERIVATIVES`, because each loss folds its output activation's
derivative into its output-layer delta (see :mod:`skbackprop.core.losses`).

Examples
--------
>>> import numpy as np
>>> from skbackprop.core.activations import ACTIVATIONS, DERIVATIVES
>>> Z = np.array([[-1.0, 0.0, 2.0]])
>>> A = ACTIVATIONS["relu"](Z)
>>> A
array([[0., 0., 2.]])
>>> delta = np.ones_like(A)
>>> DERIVATIVES["relu"](A, delta)
array([[0., 0., 1.]])
"""

import numpy as np
from scipy.special import expit

#: Slope of ``leaky_relu`` for negative inputs.
LEAKY_RELU_SLOPE = 0.01


def identity(Z):
    """Identity activation, ``f(z) = z``; leaves ``Z`` unchanged."""
    return Z


def identity_derivative(A, delta):
    """Derivative of the identity: 1 everywhere, so ``delta`` is unchanged."""
    return delta


def logistic(Z):
    """Logistic sigmoid ``f(z) = 1 / (1 + exp(-z))``, in place.

    Uses :func:`scipy.special.expit`, which neither overflows nor warns for
    large ``|z|``.
    """
    return expit(Z, out=Z)


def logistic_derivative(A, delta):
    """``delta *= A * (1 - A)``, the sigmoid's derivative written in ``A``."""
    delta *= A
    delta *= 1 - A
    return delta


def tanh(Z):
    """Hyperbolic tangent, in place."""
    return np.tanh(Z, out=Z)


def tanh_derivative(A, delta):
    """``delta *= 1 - A**2``, the derivative of tanh written in ``A``."""
    d = np.multiply(A, A)
    np.subtract(1, d, out=d)
    delta *= d
    return delta


def _zeros_like(Z):
    """A cached, read-only array of zeros with the shape and dtype of ``Z``.

    ``np.maximum`` against an array runs NumPy's SIMD loop; against the scalar
    0 it runs a loop several times slower. The training passes call ``relu``
    on buffers of a few fixed shapes, so the zeros are made once per shape.
    """
    key = (Z.shape, Z.dtype)
    zeros = _ZEROS.get(key)
    if zeros is None:
        if len(_ZEROS) >= 16:
            _ZEROS.clear()
        zeros = np.zeros(Z.shape, Z.dtype)
        zeros.flags.writeable = False
        _ZEROS[key] = zeros
    return zeros


_ZEROS = {}


def relu(Z):
    """Rectified linear unit ``f(z) = max(z, 0)``, in place."""
    return np.maximum(Z, _zeros_like(Z), out=Z)


def relu_derivative(A, delta):
    """Zero ``delta`` where the unit was inactive (``A == 0``)."""
    # Multiplying by the 0/1 mask is exact and several times faster than
    # boolean-mask assignment (``delta[A <= 0] = 0``), which gathers indices.
    return np.multiply(delta, A > 0, out=delta)


def leaky_relu(Z):
    """Leaky ReLU ``f(z) = z if z > 0 else 0.01 z``, in place."""
    # 0.01 z > z exactly when z < 0: the maximum picks the right branch.
    return np.maximum(Z, Z * LEAKY_RELU_SLOPE, out=Z)


def leaky_relu_derivative(A, delta):
    """Scale ``delta`` by 0.01 where the unit was negative (``A < 0``)."""
    one, slope = A.dtype.type(1), A.dtype.type(LEAKY_RELU_SLOPE)
    return np.multiply(delta, np.where(A < 0, slope, one), out=delta)


def row_max(Z):
    """``Z.max(axis=1, keepdims=True)``, faster for the few columns of an output.

    NumPy reduces a short contiguous row slowly; reducing a column-major copy
    runs one vectorised ``maximum`` per column instead. The maximum does not
    depend on the order, so the result is the same.
    """
    return np.maximum.reduce(np.asfortranarray(Z), axis=1, keepdims=True)


def row_sum(Z):
    """``Z.sum(axis=1, keepdims=True)``, each row added left to right from 0.

    Like :func:`row_max`, reduces a column-major copy: one vectorised addition
    per column, faster than NumPy's pairwise sum of short rows, and in an
    order a compiled loop can repeat exactly (:mod:`skbackprop.core.accel`).
    A single row is contiguous either way, and NumPy sums it pairwise.
    """
    return np.add.reduce(np.asfortranarray(Z), axis=1, keepdims=True)


def softmax(Z):
    """Row-wise softmax, in place, shifted by the row maximum for stability.

    Only used on the output layer; its derivative is folded into the
    output-layer delta of each loss (see :mod:`skbackprop.core.losses`).
    """
    Z -= row_max(Z)
    np.exp(Z, out=Z)
    Z /= row_sum(Z)
    return Z


def exp(Z):
    """Exponential ``f(z) = exp(z)``, in place: the inverse of the log link.

    Only used on the output layer, for the Poisson loss, whose output delta
    ``A - Y`` already contains the derivative ``exp'(z) = exp(z)`` (see
    :class:`skbackprop.core.losses.ExpPoissonLoss`). Like NumPy's ``exp`` it
    overflows to ``inf`` above ``log`` of the dtype's largest number (about
    709.8 in float64, 88.7 in float32) and underflows to 0 far below it.

    Parameters
    ----------
    Z : ndarray
        Pre-activations, overwritten with ``exp(Z)``.

    Returns
    -------
    A : ndarray
        ``Z`` itself.
    """
    return np.exp(Z, out=Z)


#: Hidden-layer and output activations by name: ``f(Z) -> A`` in place.
ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
    "exp": exp,
}

#: Derivatives by name: ``f'(A, delta) -> delta * f'(Z)`` in place.
DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
}

#: Names usable for hidden layers.
HIDDEN_ACTIVATIONS = tuple(DERIVATIVES)
