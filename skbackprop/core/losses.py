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
and no ``log(0)``. Averaging over samples (with sample weights) is done by the
network.

For the *canonical* pairs (softmax + multinomial log-loss, logistic + binary
log-loss, identity + squared error) the output delta is simply ``A - Y``: the
derivative of the activation cancels against the derivative of the loss.
The textbook's quadratic cost on a sigmoid or softmax output has no such
cancellation and multiplies by the activation's Jacobian.

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
"""

import numpy as np

from . import ops
from .activations import ACTIVATIONS


def _rowsum(M):
    return M.sum(axis=1)


class Loss:
    """Base class: a loss paired with the output activation it expects.

    Attributes
    ----------
    name : str
        The loss's public name (``"log_loss"`` or ``"squared_error"``).
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

    def __repr__(self):
        return f"{type(self).__name__}()"


class SoftmaxLogLoss(Loss):
    """Multinomial log-loss (cross-entropy) on a softmax output.

    ``L_i = sum_k Y_ik (logsumexp(Z_i) - Z_ik)``; the output delta is ``A - Y``.
    """

    name = "log_loss"
    out_activation = "softmax"

    def value(self, Y, Z, A):
        m = Z.max(axis=1)
        lse = np.log(_rowsum(np.exp(Z - m[:, None]))) + m
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
        # sum_k Y_ik (lse_i - Z_ik): the value's formula in one contraction
        return np.einsum("ij,ij->i", Y, lse - Z)

    def sum_and_activate(self, Y, Z, A, sample_weight=None):
        log_s, m = self._activate(Z, A)
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
    """

    name = "log_loss"
    out_activation = "logistic"

    def value(self, Y, Z, A):
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


#: Losses by ``(loss name, output activation)``.
LOSSES = {
    (cls.name, cls.out_activation): cls
    for cls in (
        SoftmaxLogLoss,
        LogisticLogLoss,
        IdentitySquaredError,
        LogisticSquaredError,
        SoftmaxSquaredError,
    )
}


def get_loss(name, out_activation):
    """Return the loss object for a loss name and an output activation.

    Parameters
    ----------
    name : {"log_loss", "squared_error"}
        The loss.
    out_activation : {"softmax", "logistic", "identity"}
        The output activation it is applied to.

    Returns
    -------
    loss : Loss
    """
    try:
        return LOSSES[name, out_activation]()
    except KeyError:
        pairs = ", ".join(f"{n!r} with {a!r}" for n, a in LOSSES)
        raise ValueError(
            f"No loss {name!r} for output activation {out_activation!r}; "
            f"available pairs: {pairs}."
        ) from None
