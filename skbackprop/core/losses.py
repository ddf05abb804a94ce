"""Losses, each paired with its output activation and output-layer delta.

A loss here is the cost of one sample given the output layer's pre-activation
``Z`` (the logits) and activation ``A = out_activation(Z)``. Each loss class
has two methods, side by side:

``value(Y, Z, A)``
    the per-sample loss, shape ``(n_samples,)``, summed over outputs;
``delta(Y, Z, A, out)``
    the output-layer error ``dL_i/dZ``, written into ``out``: the start of the
    backward pass.

The training pass calls ``sum_and_activate(Y, Z, A, sample_weight)``, which
writes the activation into ``A`` and returns the (weighted) sum of the values
(``value_and_activate`` returns them per sample), sharing the work the two have
in common: the softmax log-loss computes its log-sum-exp from the softmax's own
exponentials and row sums.

Computing the value from the logits ``Z`` rather than from probabilities keeps
it exact and finite for any logit (log-sum-exp, ``logaddexp``), with no clipping
and no ``log(0)``. The log-losses also compute it as scikit-learn's MLP does,
from probabilities clipped to ``[eps, 1 - eps]`` (``clip=True``). Averaging over
samples (with sample weights) is done by the network.

For the *canonical* pairs (softmax + multinomial log-loss, logistic + binary
log-loss, identity + squared error, exp + Poisson deviance) the output delta is
simply ``A - Y``: the derivative of the activation cancels against the
derivative of the loss. The textbook's quadratic cost on a sigmoid or softmax
output has no such cancellation and multiplies by the activation's Jacobian.

The robust regression losses on an identity output (absolute error, Huber,
pinball) have kinks; their delta is the subgradient scikit-learn and PyTorch
use there. Two of them take a parameter (Huber's ``delta``, the pinball loss's
``quantile``): pass it to :func:`get_loss` as a keyword, or build the loss
object and give it to :class:`~skbackprop.core.network.Network` directly.

Examples
--------
>>> import numpy as np
>>> from skbackprop.core.losses import get_loss
>>> loss = get_loss("log_loss", "softmax")
>>> Z = np.array([[1e4, 0.0, -1e4]])  # extreme logits stay finite
>>> A = loss.activate(Z.copy())
>>> Y = np.array([[0.0, 1.0, 0.0]])
>>> loss.value(Y, Z, A)
array([10000.])
>>> loss.delta(Y, Z, A, np.empty_like(Z))
array([[ 1., -1.,  0.]])

A loss with a parameter:

>>> huber = get_loss("huber", "identity", delta=0.5)
>>> huber
IdentityHuberLoss(delta=0.5)
>>> Z = np.array([[0.2, 3.0]])
>>> huber.value(np.zeros_like(Z), Z, Z)  # 0.5 * 0.2**2 + 0.5 * (3.0 - 0.25)
array([1.395])
"""

import functools
import inspect
import numbers
import types

import numpy as np
from scipy.special import xlogy

from . import ops
from .activations import ACTIVATIONS


def _rowsum(M):
    return M.sum(axis=1)


class Loss:
    """Base class: a loss paired with the output activation it expects.

    Attributes
    ----------
    name : str
        The loss's public name: ``"log_loss"``, ``"squared_error"``,
        ``"poisson"``, ``"absolute_error"``, ``"huber"`` or ``"quantile"``.
    out_activation : str
        Name of the output activation in
        :data:`skbackprop.core.activations.ACTIVATIONS`.
    """

    name = None
    out_activation = None

    def activate(self, Z):
        """Apply the output activation to ``Z`` in place and return it."""
        return ACTIVATIONS[self.out_activation](Z)

    def value(self, Y, Z, A):  # pragma: no cover - abstract
        """Per-sample loss of shape ``(n_samples,)``."""
        raise NotImplementedError

    def value_and_activate(self, Y, Z, A):
        """Write the activation of ``Z`` into ``A``; return the per-sample loss.

        ``np.copyto(A, Z); activate(A); value(Y, Z, A)``, computed together
        where the two share work: the same activation, and the same loss up to
        rounding. ``Z`` is left unchanged.
        """
        np.copyto(A, Z)
        self.activate(A)
        return self.value(Y, Z, A)

    def sum_and_activate(self, Y, Z, A, sample_weight=None):
        """Write the activation of ``Z`` into ``A``; return the summed loss.

        The (weighted) sum over samples of :meth:`value_and_activate`, as a
        Python float: ``sum_i s_i L_i``, every ``s_i = 1`` without weights.
        Equal to it up to rounding: a loss may add the terms in another order
        (the softmax log-loss adds all of a batch's terms in one sum).
        """
        per_sample = self.value_and_activate(Y, Z, A)
        if sample_weight is None:
            return float(per_sample.sum())
        return float(per_sample @ sample_weight)

    def delta(self, Y, Z, A, out):  # pragma: no cover - abstract
        """Write ``dL_i / dZ`` into ``out`` and return it."""
        raise NotImplementedError

    def get_params(self):
        """The loss's constructor parameters by name (empty for most losses).

        Returns
        -------
        params : dict
            ``type(self)(**loss.get_params())`` builds an equal loss.
        """
        return {}

    def __repr__(self):
        # like scikit-learn's estimators: only the parameters set to a value
        # other than their default
        defaults = _defaults(type(self))
        changed = ", ".join(
            f"{key}={value!r}"
            for key, value in self.get_params().items()
            if key not in defaults or value != defaults[key]
        )
        return f"{type(self).__name__}({changed})"


@functools.cache
def _defaults(cls):
    """The keyword parameters of ``cls``'s constructor and their defaults.

    Cached (read-only): every fit asks for its loss, and a signature is
    costly to build.
    """
    return types.MappingProxyType(
        {
            p.name: p.default
            for p in inspect.signature(cls).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
    )


def _clip_bounds(dtype):
    """``(-log(1 - eps), -log(eps))``: ``-log p`` of a probability clipped as
    scikit-learn's MLP log-loss clips it, to ``[eps, 1 - eps]`` of its dtype."""
    eps = np.finfo(dtype).eps
    one = np.ones((), dtype=dtype)
    return float(-np.log(one - eps)), float(-np.log(one * eps))


def _saturated(A):
    """Whether a softmax probability in ``A`` lies outside ``[eps, 1 - eps]``.

    A row with a probability above ``1 - eps`` has the others below ``eps``:
    the smallest probability tells.
    """
    return A.size > 0 and A.min() < np.finfo(A.dtype).eps


class SoftmaxLogLoss(Loss):
    """Multinomial log-loss (cross-entropy) on a softmax output.

    ``L_i = sum_k Y_ik (logsumexp(Z_i) - Z_ik)``; the output delta is ``A - Y``.

    Parameters
    ----------
    clip : bool, default=False
        Clip each probability to ``[eps, 1 - eps]`` (``eps`` of its dtype)
        before its log, as scikit-learn's MLP log-loss does: a sample then
        costs at most ``-log(eps)`` (36.04 in float64) however confident and
        wrong its logits, and at least ``-log(1 - eps)``. Only the value
        changes, not the output delta. Without it the value is exact for any
        logit.
    """

    name = "log_loss"
    out_activation = "softmax"

    def __init__(self, clip=False):
        self.clip = bool(clip)

    def get_params(self):
        return {"clip": self.clip}

    def value(self, Y, Z, A):
        m = Z.max(axis=1)
        lse = np.log(_rowsum(np.exp(Z - m[:, None]))) + m
        if self.clip and _saturated(A):
            return _rowsum(Y * np.clip(lse[:, None] - Z, *_clip_bounds(Z.dtype)))
        return lse * _rowsum(Y) - _rowsum(Y * Z)

    def _activate(self, Z, A):
        """Softmax of ``Z`` into ``A``; return ``(log(row sums), row maxima)``.

        The softmax's shifted exponentials and their row sums give the
        log-sum-exp (their sum) for free: one exp pass instead of two. The
        activation is computed exactly as softmax() computes it.
        """
        m = ops.subtract_row_max(Z, A)
        np.exp(A, out=A)
        s = ops.normalize_rows(A)
        return np.log(s, out=s), m

    def value_and_activate(self, Y, Z, A):
        log_s, m = self._activate(Z, A)
        lse = np.add(log_s, m, out=log_s)
        C = lse - Z
        if self.clip and _saturated(A):
            np.clip(C, *_clip_bounds(Z.dtype), out=C)
        # sum_k Y_ik (lse_i - Z_ik): the value's formula in one contraction
        return np.einsum("ij,ij->i", Y, C)

    def sum_and_activate(self, Y, Z, A, sample_weight=None):
        log_s, m = self._activate(Z, A)
        if self.clip and _saturated(A):
            # the clipped terms: a rare case, by the general formula
            C = np.clip((log_s + m) - Z, *_clip_bounds(Z.dtype))
            D = np.multiply(Y, C, out=C)
        else:
            # the terms Y_ik (lse_i - Z_ik) of the per-sample values
            D = ops.log_loss_terms(log_s, m, Z, Y, np.empty_like(A))
        if sample_weight is None:
            # one pairwise sum over the whole batch (more accurate in float32
            # than a BLAS dot product)
            return float(D.sum())
        return float(D.sum(axis=1) @ sample_weight)

    def delta(self, Y, Z, A, out):
        return np.subtract(A, Y, out=out)


class LogisticLogLoss(Loss):
    """Binary log-loss on logistic outputs (binary and multilabel).

    ``L_i = sum_k log(1 + exp(Z_ik)) - Y_ik Z_ik``, summed over the outputs
    (labels); the output delta is ``A - Y``.

    Parameters
    ----------
    clip : bool, default=False
        Compute the value as scikit-learn's MLP log-loss does: from the
        probabilities ``A`` clipped to ``[eps, 1 - eps]`` (``eps`` of their
        dtype), ``-Y log(A) - (1 - Y) log(1 - A)``. A sample then costs at
        most ``-log(eps)`` per output, and ``1 - A`` keeps only the absolute
        precision of ``A`` (its rounding error) where ``A`` nears 1. Only the
        value changes, not the output delta. Without it the value is exact
        for any logit.
    """

    name = "log_loss"
    out_activation = "logistic"

    def __init__(self, clip=False):
        self.clip = bool(clip)

    def get_params(self):
        return {"clip": self.clip}

    def value(self, Y, Z, A):
        if self.clip:
            eps = np.finfo(A.dtype).eps
            P = np.clip(A, eps, 1 - eps)
            return -_rowsum(xlogy(Y, P) + xlogy(1 - Y, 1 - P))
        return _rowsum(np.logaddexp(0, Z) - Y * Z)

    def delta(self, Y, Z, A, out):
        return np.subtract(A, Y, out=out)


class IdentitySquaredError(Loss):
    """Half squared error on an identity output: ``L_i = 1/2 ||Z_i - Y_i||^2``.

    The output delta is ``Z - Y``.
    """

    name = "squared_error"
    out_activation = "identity"

    def value(self, Y, Z, A):
        R = A - Y
        return 0.5 * _rowsum(R * R)

    def delta(self, Y, Z, A, out):
        return np.subtract(A, Y, out=out)


class LogisticSquaredError(Loss):
    """The textbook quadratic cost on sigmoid outputs: ``1/2 ||A_i - Y_i||^2``.

    The output delta is ``(A - Y) * A * (1 - A)``.
    """

    name = "squared_error"
    out_activation = "logistic"

    def value(self, Y, Z, A):
        R = A - Y
        return 0.5 * _rowsum(R * R)

    def delta(self, Y, Z, A, out):
        np.subtract(A, Y, out=out)
        out *= A
        out *= 1 - A
        return out


class SoftmaxSquaredError(Loss):
    """Quadratic cost on softmax outputs: ``1/2 ||A_i - Y_i||^2``.

    With ``R = A - Y`` the softmax Jacobian gives the output delta
    ``A * (R - sum_k A_k R_k)``.
    """

    name = "squared_error"
    out_activation = "softmax"

    def value(self, Y, Z, A):
        R = A - Y
        return 0.5 * _rowsum(R * R)

    def delta(self, Y, Z, A, out):
        np.subtract(A, Y, out=out)
        out -= _rowsum(A * out)[:, None]
        out *= A
        return out


def _positive_parameter(name, value, upper=np.inf):
    """``float(value)``, checked to lie in ``(0, upper)``.

    A Python float, not a NumPy scalar: NumPy casts a Python float to the
    arrays' dtype, so a float32 network stays float32.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 < value < upper
    ):
        bound = (
            "a positive finite number"
            if upper == np.inf
            else f"a number strictly between 0 and {upper}"
        )
        raise ValueError(f"{name} must be {bound}, got {value!r}.")
    return float(value)


class ExpPoissonLoss(Loss):
    """Half Poisson deviance on an exp output (the log link).

    With ``A = exp(Z)`` the predicted means and ``Y >= 0`` the counts,

    ``L_i = sum_k Y_ik log(Y_ik / A_ik) - Y_ik + A_ik``

    (``0 log 0 = 0``): half the Poisson deviance, summed over the outputs, as
    scikit-learn's ``MLPRegressor(loss="poisson")`` computes it (its
    ``poisson_loss`` is the sample-weighted mean of these values). The log
    link is canonical: the output delta is ``A - Y``.

    Targets must be non-negative; a negative one makes the value ``nan``.
    """

    name = "poisson"
    out_activation = "exp"

    def value(self, Y, Z, A):
        """``sum_k Y log(Y / A) - Y + A`` per sample, finite wherever ``A`` is.

        Each term is computed as scikit-learn computes it,
        ``xlogy(Y, Y / A) - Y + A``, with the same rounding, wherever ``A`` is
        a normal floating-point number and the term finite: its rounding error
        is about ``eps * Y``, where the logit form below, which subtracts
        ``Y Z`` from ``Y log Y``, loses ``eps * Y * |log Y|`` to cancellation.
        Where ``A = exp(Z)`` underflowed (``Y / A`` is infinite, or ``0 / 0``),
        is subnormal (``Y / A`` has lost digits) or overflowed, the term is
        written in the logit instead, ``xlogy(Y, Y) - Y Z - Y + A``: the same
        value, finite as long as ``A`` is.
        """
        # the errors are those of the terms replaced below
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            L = xlogy(Y, Y / A)
            L -= Y
            L += A
        bad = ~(np.isfinite(L) & (A >= np.finfo(A.dtype).tiny))
        if bad.any():
            Yb = Y[bad]
            L[bad] = xlogy(Yb, Yb) - Yb * Z[bad] - Yb + A[bad]
        return _rowsum(L)

    def delta(self, Y, Z, A, out):
        """``dL_i/dZ = (1 - Y / A) exp'(Z) = A - Y``."""
        return np.subtract(A, Y, out=out)


class IdentityAbsoluteError(Loss):
    """Absolute error on an identity output: ``L_i = sum_k |Z_ik - Y_ik|``.

    The output delta is the subgradient ``sign(Z - Y)``, 0 where ``Z == Y``.
    """

    name = "absolute_error"
    out_activation = "identity"

    def value(self, Y, Z, A):
        """``sum_k |A - Y|`` per sample (``A = Z``)."""
        return _rowsum(np.abs(A - Y))

    def delta(self, Y, Z, A, out):
        """``sign(Z - Y)``: -1, 0 or 1."""
        np.subtract(A, Y, out=out)
        return np.sign(out, out=out)


class IdentityHuberLoss(Loss):
    """Huber loss on an identity output, as PyTorch's ``HuberLoss(delta)``.

    With ``R = Z - Y``, per output::

        0.5 R**2                  if |R| <= delta
        delta (|R| - delta / 2)   otherwise

    summed over the outputs: quadratic near the target, linear beyond
    ``delta``, continuous with its first derivative. The output delta is
    ``clip(R, -delta, delta)``.

    Parameters
    ----------
    delta : float, default=1.0
        Where the loss turns from quadratic to linear; positive.

    Attributes
    ----------
    huber_delta : float
        The parameter ``delta`` (stored under another name, as
        :meth:`delta` is the output-layer delta).
    """

    name = "huber"
    out_activation = "identity"

    def __init__(self, delta=1.0):
        self.huber_delta = _positive_parameter("delta", delta)

    def get_params(self):
        return {"delta": self.huber_delta}

    def value(self, Y, Z, A):
        """``sum_k c (|R| - c / 2)`` with ``c = min(|R|, delta)``, ``R = A - Y``.

        Both branches at once: ``c = |R|`` gives ``|R|**2 / 2`` and
        ``c = delta`` gives ``delta (|R| - delta / 2)``, each rounded exactly as
        the branch's own formula (halving is exact).
        """
        abs_R = np.abs(A - Y)
        c = np.minimum(abs_R, self.huber_delta)
        abs_R -= 0.5 * c
        abs_R *= c
        return _rowsum(abs_R)

    def delta(self, Y, Z, A, out):
        """``clip(Z - Y, -delta, delta)``."""
        np.subtract(A, Y, out=out)
        return np.clip(out, -self.huber_delta, self.huber_delta, out=out)


class IdentityPinballLoss(Loss):
    """Pinball (quantile) loss on an identity output.

    ``L_i = sum_k q max(Y_ik - Z_ik, 0) + (1 - q) max(Z_ik - Y_ik, 0)``

    with ``q`` the quantile: its minimiser is the ``q``-quantile of ``Y``
    given the inputs, the median for ``q = 0.5`` (where it is half the
    absolute error). The output delta is scikit-learn's ``PinballLoss``
    gradient: ``-q`` where ``Y >= Z`` and ``1 - q`` where ``Y < Z``.

    Parameters
    ----------
    quantile : float, default=0.5
        The quantile ``q`` to predict, strictly between 0 and 1.

    Attributes
    ----------
    quantile : float
        The parameter ``quantile``.
    """

    name = "quantile"
    out_activation = "identity"

    def __init__(self, quantile=0.5):
        self.quantile = _positive_parameter("quantile", quantile, upper=1)

    def get_params(self):
        return {"quantile": self.quantile}

    def value(self, Y, Z, A):
        """``q R`` where ``R = Y - A >= 0``, else ``(q - 1) R``; summed."""
        q = self.quantile
        R = Y - A
        return _rowsum(np.where(R >= 0, q * R, (q - 1) * R))

    def delta(self, Y, Z, A, out):
        """``-q`` where ``Y >= Z``, ``1 - q`` where ``Y < Z``."""
        # the indicator of Z > Y, minus q
        return np.subtract(np.greater(A, Y), self.quantile, out=out)


#: Losses by ``(loss name, output activation)``.
LOSSES = {
    (cls.name, cls.out_activation): cls
    for cls in (
        SoftmaxLogLoss,
        LogisticLogLoss,
        IdentitySquaredError,
        LogisticSquaredError,
        SoftmaxSquaredError,
        ExpPoissonLoss,
        IdentityAbsoluteError,
        IdentityHuberLoss,
        IdentityPinballLoss,
    )
}


def get_loss(name, out_activation, **params):
    """Return the loss object for a loss name and an output activation.

    Parameters
    ----------
    name : {"log_loss", "squared_error", "poisson", "absolute_error", \
            "huber", "quantile"}
        The loss.
    out_activation : {"softmax", "logistic", "identity", "exp"}
        The output activation it is applied to: ``"log_loss"`` goes with
        ``"softmax"`` or ``"logistic"``; ``"squared_error"`` with
        ``"identity"``, ``"logistic"`` or ``"softmax"``; ``"poisson"`` with
        ``"exp"``; the robust losses with ``"identity"``.
    **params
        The loss's parameters: ``delta`` for ``"huber"``
        (:class:`IdentityHuberLoss`), ``quantile`` for ``"quantile"``
        (:class:`IdentityPinballLoss`), ``clip`` for ``"log_loss"``
        (:class:`SoftmaxLogLoss`, :class:`LogisticLogLoss`); the other losses
        take none.

    Returns
    -------
    loss : Loss

    Raises
    ------
    ValueError
        For an unknown pair, or a parameter out of its range.
    TypeError
        For a parameter the loss does not take.
    """
    try:
        cls = LOSSES[name, out_activation]
    except KeyError:
        pairs = ", ".join(f"{n!r} with {a!r}" for n, a in LOSSES)
        raise ValueError(
            f"No loss {name!r} for output activation {out_activation!r}; "
            f"available pairs: {pairs}."
        ) from None
    accepted = _defaults(cls)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        takes = ", ".join(map(repr, accepted)) if accepted else "none"
        raise TypeError(
            f"Unknown parameter {', '.join(map(repr, unknown))} for the loss "
            f"{name!r} with output activation {out_activation!r} "
            f"({cls.__name__}); its parameters: {takes}."
        )
    return cls(**params)
