"""The elementwise passes of a training step, each chosen in one place.

A training step is a few matrix products plus a handful of elementwise
passes: adding the bias and applying the activation, the softmax's shift and
normalisation and the log-loss's terms, the activation's derivative, the bias
gradients, finishing the gradient (L2 penalty, division by the batch weight)
and the optimizer's update. Each has one function here, which does the work in
place with the compiled kernel of :mod:`~skbackprop.core.accel` when the
kernels are on and take the arrays, and with NumPy otherwise. The callers
(:mod:`~skbackprop.core.network`, :mod:`~skbackprop.core.losses`,
:mod:`~skbackprop.core.optimizers`) ask for a pass and never see which one
ran; both give the same bits (the kernels repeat the NumPy code operation by
operation).

This is the single place where a pass is chosen, and so the seam where
another array library (a GPU array namespace, say) could plug in later
without touching the network, the losses or the optimizers.

The functions run on every mini-batch: each is a direct call to a kernel's
entry point and, when it declines, the NumPy operations themselves, with no
further layers. The NumPy updates need scratch space; a :class:`Workspace`
passed in by the caller holds it, allocated on first use, so the kernels'
path allocates nothing.

Examples
--------
>>> import numpy as np
>>> from skbackprop.core import ops
>>> Z, b = np.array([[-1.0, 0.5], [2.0, -3.0]]), np.array([0.5, 0.5])
>>> ops.add_bias_activate(Z, b, "relu")  # compiled where Numba runs, else NumPy
>>> Z
array([[0. , 1. ],
       [2.5, 0. ]])
>>> params, grad = np.array([1.0, -2.0]), np.array([1.0, 1.0])
>>> velocity, workspace = np.zeros(2), ops.Workspace()
>>> ops.sgd_step(params, grad, velocity, 0.1, 0.0, True, workspace)
>>> params
array([ 0.9, -2.1])
"""

import numpy as np

from . import accel
from .activations import ACTIVATIONS, DERIVATIVES, row_max, row_sum

# Elements per chunk of the loops that trade a parameter-sized scratch vector
# for a small one: large enough that the Python overhead is negligible, small
# enough that the buffer stays in cache.
_CHUNK = 65536


class Workspace(dict):
    """Named scratch arrays, allocated on first request and then reused.

    ``workspace[name, shape, dtype]`` is the scratch array ``name`` (its
    contents undefined), allocated the first time it is asked for: a plain
    dictionary look-up afterwards, cheap enough for every step. The NumPy
    code of a pass asks for its scratch space so; the kernels need none, so
    with the kernels on nothing is ever allocated. Each name holds one array:
    asking for another shape or dtype replaces it. Scratch space is never
    state: a pickled or copied workspace comes back empty.

    Examples
    --------
    >>> import numpy as np
    >>> workspace = Workspace()
    >>> float32 = np.dtype(np.float32)
    >>> tmp = workspace["tmp", (3,), float32]
    >>> workspace["tmp", (3,), float32] is tmp
    True
    >>> workspace
    Workspace(['tmp'])
    """

    __slots__ = ()

    def __missing__(self, key):
        name, shape, dtype = key
        for old in [old for old in self if old[0] == name]:
            del self[old]  # one array per name: drop the outgrown one
        a = self[key] = np.empty(shape, dtype)
        return a

    def __reduce__(self):
        return type(self), ()

    def __copy__(self):
        return type(self)()

    def __deepcopy__(self, memo):
        return type(self)()

    def __repr__(self):
        return f"Workspace({sorted(name for name, _, _ in self)})"


# ------------------------------------------------------------ forward pass
def add_bias_activate(Z, b, activation):
    """``Z += b``, then the activation ``activation`` on ``Z``, in place.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_units)
        A layer's ``A_prev @ W``; overwritten with its activation.
    b : ndarray of shape (n_units,)
        The layer's bias.
    activation : str
        A name in :data:`~skbackprop.core.activations.ACTIVATIONS`.
    """
    if not accel.add_bias_activate(Z, b, activation):
        Z += b
        ACTIVATIONS[activation](Z)


def subtract_row_max(Z, A):
    """``A[:] = Z - m`` with ``m`` the row maxima of ``Z``: softmax's shift.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs)
        Logits, left unchanged.
    A : ndarray of shape (n_samples, n_outputs)
        Overwritten with the shifted logits.

    Returns
    -------
    m : ndarray of shape (n_samples, 1)
        The row maxima.
    """
    m = np.empty((Z.shape[0], 1), dtype=A.dtype)
    if not accel.subtract_row_max(Z, A, m):
        m = row_max(Z)
        np.subtract(Z, m, out=A)
    return m


def normalize_rows(A):
    """``A /= s`` in place, ``s`` the row sums of ``A``: softmax's normalisation.

    The row sums are added as :func:`~skbackprop.core.activations.row_sum`
    adds them.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_outputs)
        Exponentials of the shifted logits; overwritten with the softmax.

    Returns
    -------
    s : ndarray of shape (n_samples, 1)
        The row sums.
    """
    s = np.empty((A.shape[0], 1), dtype=A.dtype)
    if not accel.normalize_rows(A, s):
        s = row_sum(A)
        np.divide(A, s, out=A)
    return s


def log_loss_terms(log_s, m, Z, Y, out):
    """The softmax log-loss's terms ``Y * (logsumexp(Z) - Z)`` into ``out``.

    Parameters
    ----------
    log_s : ndarray of shape (n_samples, 1)
        The logs of the softmax's row sums; overwritten with the log-sum-exp
        of the logits, ``log_s + m``.
    m : ndarray of shape (n_samples, 1)
        The row maxima of ``Z``.
    Z, Y : ndarray of shape (n_samples, n_outputs)
        Logits and targets.
    out : ndarray of shape (n_samples, n_outputs)
        Overwritten with the terms.

    Returns
    -------
    out : ndarray of shape (n_samples, n_outputs)
    """
    if not accel.log_loss_terms(log_s, m, Z, Y, out):
        lse = np.add(log_s, m, out=log_s)
        np.subtract(lse, Z, out=out)
        out *= Y
    return out


# ----------------------------------------------------------- backward pass
def activation_derivative(A, delta, activation):
    """``delta *= f'(Z)``, written in the activation ``A = f(Z)``, in place.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_units)
        The layer's activation.
    delta : ndarray of shape (n_samples, n_units)
        ``dL/dA``; overwritten with ``dL/dZ``.
    activation : str
        A name in :data:`~skbackprop.core.activations.DERIVATIVES`.
    """
    if not accel.activation_derivative(A, delta, activation):
        DERIVATIVES[activation](A, delta)


def bias_gradient(delta, out):
    """A bias's gradient, the column sums of ``delta``, into ``out``.

    Parameters
    ----------
    delta : ndarray of shape (n_samples, n_units)
        The layer's ``dL/dZ``.
    out : ndarray of shape (n_units,)
        Overwritten with ``delta.sum(axis=0)`` (NumPy's ``np.add.reduce``).
    """
    if not accel.column_sums(delta, out):
        np.add.reduce(delta, axis=0, out=out)


def finish_gradient(grad, params, n_coefs, alpha, scale, workspace):
    """``grad[:n_coefs] += alpha * params[:n_coefs]``, then ``grad /= scale``.

    ``MLPClassifier``'s ``(A^T delta + alpha W) / sum(s_i)`` over the flat
    vector, whatever the depth. The NumPy code adds ``alpha * W`` through a
    small buffer, chunk by chunk (no parameter-sized scratch).

    Parameters
    ----------
    grad : ndarray of shape (n_params,)
        The unscaled gradient, weights first; overwritten.
    params : ndarray of shape (n_params,)
        The parameters, same layout.
    n_coefs : int
        How many leading entries are weights (penalised).
    alpha : float
        L2 penalty strength; a Python float (NumPy casts it to the arrays'
        dtype, as the kernel does).
    scale : float
        The batch's weight sum.
    workspace : Workspace
        Scratch space of the NumPy code.
    """
    if accel.finish_gradient(grad, params, n_coefs, alpha, scale):
        return
    if alpha:
        scratch = workspace["penalty", (min(n_coefs, _CHUNK),), grad.dtype]
        c = max(scratch.size, 1)
        for i in range(0, n_coefs, c):
            j = min(i + c, n_coefs)
            aW = scratch[: j - i]
            np.multiply(params[i:j], alpha, out=aW)
            grad[i:j] += aW
    grad /= scale


# ---------------------------------------------------------------- updates
def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov, workspace):
    """One step of SGD with (Nesterov) momentum, in place.

    ``v <- momentum * v - lr * grad``, then ``w <- w + v`` (classical) or
    ``w <- w + momentum * v - lr * grad`` (Nesterov); without momentum
    ``w <- w - lr * grad`` and the velocity is left alone.

    Parameters
    ----------
    params, grad, velocity : ndarray of shape (n_params,)
        Parameters and velocity, updated; the gradient.
    learning_rate, momentum : float
        Python floats (NumPy casts them to the vector's dtype, as the kernel
        does).
    nesterov : bool
    workspace : Workspace
        Scratch space of the NumPy code (one parameter-sized vector).
    """
    if accel.sgd_step(params, grad, velocity, learning_rate, momentum, nesterov):
        return
    tmp = workspace["step", params.shape, params.dtype]
    np.multiply(grad, learning_rate, out=tmp)  # tmp = lr * grad
    if momentum == 0:
        params -= tmp
        return
    velocity *= momentum
    velocity -= tmp
    if nesterov:
        params -= tmp
        np.multiply(velocity, momentum, out=tmp)
        params += tmp
    else:
        params += velocity


def adam_step(params, grad, m, v, beta_1, beta_2, step, epsilon, workspace):
    """One Adam step, in place, with the bias-corrected step size ``step``.

    ``m <- beta_1 m + (1 - beta_1) grad``, ``v <- beta_2 v + (1 - beta_2)
    grad**2``, then ``w <- w - step * m / (sqrt(v) + epsilon)``, in the
    operation order of ``MLPClassifier``'s Adam.

    Parameters
    ----------
    params, grad, m, v : ndarray of shape (n_params,)
        Parameters and moments, updated; the gradient.
    beta_1, beta_2, step, epsilon : float
        Python floats (NumPy casts them to the vector's dtype, as the kernel
        does); ``step`` is ``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``.
    workspace : Workspace
        Scratch space of the NumPy code: one parameter-sized vector and a
        chunk of at most 65536 elements.
    """
    if accel.adam_step(params, grad, m, v, beta_1, beta_2, step, epsilon):
        return
    tmp = workspace["tmp", params.shape, params.dtype]
    upd = workspace["update", (min(m.size, _CHUNK),), m.dtype]
    np.multiply(grad, 1 - beta_1, out=tmp)
    m *= beta_1
    m += tmp
    np.multiply(grad, grad, out=tmp)
    tmp *= 1 - beta_2
    v *= beta_2
    v += tmp
    np.sqrt(v, out=tmp)
    tmp += epsilon
    # The step m * step / tmp, chunk by chunk through a small buffer: one
    # parameter-sized vector less to hold (peak memory), for a few calls.
    n, c = params.size, max(upd.size, 1)
    for i in range(0, n, c):
        j = min(i + c, n)
        u = upd[: j - i]
        np.multiply(m[i:j], step, out=u)
        u /= tmp[i:j]
        params[i:j] -= u
