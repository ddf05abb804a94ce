"""A feed-forward network: one flat parameter vector, forward and backward passes.

The network of ``L`` layers maps ``A_0 = X`` through, for ``l = 1 .. L``::

    Z_l = A_{l-1} @ W_l + b_l        (pre-activation)
    A_l = f_l(Z_l)                   (activation; f_L is the output activation)

and the cost of a batch is the (weighted) mean per-sample loss plus an L2
penalty on the weights::

    J = (sum_i s_i L(y_i, Z_L[i]) + alpha / 2 * sum_l ||W_l||^2) / sum_i s_i

The backward pass applies the chain rule from the output down::

    delta_L = dL/dZ_L                       (the loss's output delta, times s_i)
    dJ/dW_l = (A_{l-1}^T delta_l + alpha W_l) / sum_i s_i
    dJ/db_l = sum_i delta_l[i] / sum_i s_i
    delta_{l-1} = (delta_l @ W_l^T) * f'_{l-1}(A_{l-1})

All weights and biases live in **one contiguous vector** :attr:`Network.params`
(all weight matrices first, then all bias vectors, the layout of scikit-learn's
``MLPClassifier``); :attr:`Network.coefs` and :attr:`Network.intercepts` are
views into it that never move, and the gradient has the same layout in
:attr:`Network.grad`. An optimizer therefore updates every parameter with one
vectorised operation, and L-BFGS works on the vector directly. Activations and
deltas of the training passes live in buffers allocated once per batch size
and reused. Each elementwise pass (bias and activation, derivative, bias
gradient, the gradient's finish) is one call to :mod:`~skbackprop.core.ops`,
which runs it compiled or in NumPy.

Dropout is part of the training pass: :meth:`Network.set_dropout` sets the
rate and the generator that draws the masks, and :meth:`Network.logits` and
:meth:`Network.forward`, the inference passes, never drop units.

Examples
--------
>>> import numpy as np
>>> from skbackprop.core import Network
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(6, 4))
>>> Y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
>>> net = Network([4, 5, 3], activation="tanh", out_activation="softmax")
>>> net = net.initialize(rng)
>>> net.n_params
43
>>> loss = net.loss_and_gradient(X, Y, alpha=1e-3)
>>> net.grad.shape
(43,)
>>> net.forward(X).sum(axis=1)
array([1., 1., 1., 1., 1., 1.])
"""

from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from . import ops
from .activations import DERIVATIVES
from .initializers import INITIALIZERS
from .losses import Loss, get_loss

# How many batch sizes keep their buffers at once: a training loop sees the
# batch size and the size of the last, smaller batch; a validation pass or a
# full-batch gradient may add one more.
_MAX_CACHED_BATCH_SIZES = 4


def logits(X, coefs, intercepts, activations):
    """Forward pass through explicit weights; returns the output logits.

    The inference pass: ``A_0 = X``, ``A_l = f_l(A_{l-1} @ W_l + b_l)`` for
    the hidden layers, and the output layer's pre-activation ``Z_L`` is
    returned (apply the output activation, or a loss's, to it). Allocates its
    own arrays, so it is safe to call from several threads at once.

    Parameters
    ----------
    X : {ndarray, scipy.sparse matrix} of shape (n_samples, n_features)
    coefs, intercepts : list of ndarray
        Per-layer weights ``(fan_in, fan_out)`` and biases ``(fan_out,)``.
    activations : list of str
        Hidden-layer activation names, one per hidden layer.

    Returns
    -------
    Z : ndarray of shape (n_samples, n_outputs)
    """
    A = X
    names = [*activations, "identity"]  # the output layer: logits
    for W, b, name in zip(coefs, intercepts, names):
        Z = np.asarray(A @ W) if sp.issparse(A) else np.matmul(A, W)
        ops.add_bias_activate(Z, b, name)
        A = Z
    return A


class _Buffers:
    """Preallocated arrays for the training passes of one batch size."""

    def __init__(self, n, layer_sizes, dtype, dropout):
        hidden = layer_sizes[1:-1]
        n_out = layer_sizes[-1]
        # A[l] holds hidden layer l's activation (its pre-activation first).
        self.A = [np.empty((n, k), dtype=dtype) for k in hidden]
        self.Z_out = np.empty((n, n_out), dtype=dtype)
        self.A_out = np.empty((n, n_out), dtype=dtype)
        # delta[l] is dJ/dZ of weight layer l (hidden layers, then the output).
        self.delta = [np.empty((n, k), dtype=dtype) for k in layer_sizes[1:]]
        if dropout:
            # Masks (0 or 1/keep) and the dropped-out activations fed forward.
            self.mask = [np.empty((n, k), dtype=dtype) for k in hidden]
            self.dropped = [np.empty((n, k), dtype=dtype) for k in hidden]
        else:
            self.mask = self.dropped = None


class Network:
    """A multilayer perceptron held as one flat parameter vector.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input first and output last, e.g. ``[784, 256, 10]``.
        Two entries make a network with no hidden layer (a linear model).
    activation : str or sequence of str, default="relu"
        Hidden-layer activation: one name for every hidden layer, or one name
        per hidden layer. See :data:`skbackprop.core.activations.DERIVATIVES`.
    loss : str or Loss, default="log_loss"
        The per-sample loss: a name for :func:`~skbackprop.core.losses.get_loss`
        (``"log_loss"``, ``"squared_error"``, ``"poisson"``, ...), or a loss
        object such as ``IdentityHuberLoss(delta=0.5)``, used as is (losses
        hold no state but their parameters).
    out_activation : {"softmax", "logistic", "identity", "exp"}, default="softmax"
        The output activation the loss is applied to. With a loss object it
        must be the loss's own ``out_activation``.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        Floating type of the parameters and of every buffer.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        Every weight and bias, weights first.
    grad : ndarray of shape (n_params,)
        The gradient written by :meth:`loss_and_gradient`, same layout.
    coefs, intercepts : list of ndarray
        Per-layer views into ``params``: ``coefs[l]`` has shape
        ``(layer_sizes[l], layer_sizes[l + 1])``.
    coef_grads, intercept_grads : list of ndarray
        The same views into ``grad``.
    loss : Loss
        The loss object (see :mod:`skbackprop.core.losses`).
    dropout : float
        Probability of dropping each hidden unit in the training pass, 0.0 by
        default; set with :meth:`set_dropout`.
    dropout_rng : numpy.random.Generator or RandomState or None
        Draws the dropout masks; set with :meth:`set_dropout`.
    """

    def __init__(
        self,
        layer_sizes,
        activation="relu",
        loss="log_loss",
        out_activation="softmax",
        dtype=np.float64,
    ):
        given = list(layer_sizes)
        try:
            layer_sizes = [int(k) for k in given]
        except (TypeError, ValueError):
            layer_sizes = None
        # int() alone would silently truncate 2.5 to 2 and accept "3"
        if (
            layer_sizes is None
            or layer_sizes != given
            or len(layer_sizes) < 2
            or min(layer_sizes) < 1
        ):
            raise ValueError(
                "layer_sizes needs at least an input and an output size, all "
                f"integers >= 1; got {given}."
            )
        n_hidden = len(layer_sizes) - 2
        if isinstance(activation, str):
            activations = [activation] * n_hidden
        else:
            activations = list(activation)
            if len(activations) != n_hidden:
                raise ValueError(
                    f"Got {len(activations)} activations for {n_hidden} hidden "
                    "layers; give one name, or one per hidden layer."
                )
        for name in activations:
            if name not in DERIVATIVES:
                raise ValueError(
                    f"Unknown activation {name!r}; choose from {sorted(DERIVATIVES)}."
                )
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype}.")
        self.layer_sizes = layer_sizes
        self.activations = activations
        if isinstance(loss, Loss):
            if out_activation != loss.out_activation:
                raise ValueError(
                    f"The loss {loss!r} is applied to the output activation "
                    f"{loss.out_activation!r}, but out_activation="
                    f"{out_activation!r}; pass out_activation="
                    f"{loss.out_activation!r}."
                )
            self.loss = loss
        else:
            self.loss = get_loss(loss, out_activation)
        self.out_activation = out_activation
        self.dropout = 0.0
        self.dropout_rng = None

        shapes = self.shapes
        self.n_coefs = sum(fi * fo for fi, fo in shapes)
        self.n_params = self.n_coefs + sum(layer_sizes[1:])
        self.params = np.zeros(self.n_params, dtype=self.dtype)
        self.grad = np.zeros(self.n_params, dtype=self.dtype)
        self.coefs, self.intercepts = self._views(self.params, shapes)
        self.coef_grads, self.intercept_grads = self._views(self.grad, shapes)
        self._buffers = {}
        self._workspace = ops.Workspace()  # scratch space of the NumPy passes

    @property
    def shapes(self):
        """Weight matrix shapes ``(fan_in, fan_out)``, one per layer."""
        return list(pairwise(self.layer_sizes))

    @property
    def n_layers(self):
        """Number of weight layers (hidden layers + 1)."""
        return len(self.layer_sizes) - 1

    def _views(self, flat, shapes):
        coefs, intercepts = [], []
        start = 0
        for fi, fo in shapes:
            coefs.append(flat[start : start + fi * fo].reshape(fi, fo))
            start += fi * fo
        for _, fo in shapes:
            intercepts.append(flat[start : start + fo])
            start += fo
        return coefs, intercepts

    # ------------------------------------------------------------ parameters
    def initialize(self, rng, method="glorot_uniform", activations=None):
        """Draw initial weights and biases, layer by layer, in place.

        Parameters
        ----------
        rng : numpy.random.Generator or numpy.random.RandomState
            Source of randomness.
        method : str or callable, default="glorot_uniform"
            A name in :data:`skbackprop.core.initializers.INITIALIZERS`, or a
            callable ``init(rng, W, b, activation)``.
        activations : sequence of str, default=None
            The activation each weight layer is initialised for, one per layer
            (``n_layers`` names). ``None`` gives the textbook choice: each
            hidden layer's activation, then the output activation. (The Glorot
            bound depends on it: ``sqrt(2 / ...)`` for ``"logistic"``,
            ``sqrt(6 / ...)`` for the rest.)

        Returns
        -------
        self : Network
        """
        if activations is None:
            activations = [*self.activations, self.out_activation]
        else:
            activations = list(activations)
            if len(activations) != self.n_layers:
                raise ValueError(
                    f"Got {len(activations)} activations to initialise "
                    f"{self.n_layers} weight layers; give one per layer."
                )
        init = INITIALIZERS[method] if isinstance(method, str) else method
        for W, b, act in zip(self.coefs, self.intercepts, activations):
            init(rng, W, b, act)
        return self

    def set_dropout(self, rate, rng=None):
        """Set the dropout of the training pass: its rate and its masks' source.

        :meth:`loss_and_gradient` drops each hidden unit with probability
        ``rate`` (inverted dropout: kept units are scaled by
        ``1 / (1 - rate)``), drawing the masks from ``rng``, unless it is
        given other values. The inference passes never drop units.

        Parameters
        ----------
        rate : float
            In ``[0, 1)``; 0 switches dropout off.
        rng : numpy.random.Generator or RandomState, default=None
            Draws the masks; required when ``rate > 0``.

        Returns
        -------
        self : Network
        """
        self._check_dropout(rate, rng)
        self.dropout = float(rate)
        self.dropout_rng = rng
        return self

    @staticmethod
    def _check_dropout(rate, rng):
        if rate and not 0 <= rate < 1:
            raise ValueError(f"dropout must be in [0, 1), got {rate}.")
        if rate > 0 and rng is None:
            raise ValueError("dropout > 0 needs an rng to draw the masks.")

    def set_weights(self, coefs, intercepts):
        """Copy per-layer weight and bias arrays into the flat vector."""
        if len(coefs) != self.n_layers or len(intercepts) != self.n_layers:
            raise ValueError(
                f"Expected {self.n_layers} weight and bias arrays, got "
                f"{len(coefs)} and {len(intercepts)}."
            )
        for dst, src in zip(self.coefs + self.intercepts, [*coefs, *intercepts]):
            src = np.asarray(src)
            if src.shape != dst.shape:
                raise ValueError(
                    f"Expected an array of shape {dst.shape}, got {src.shape}."
                )
            np.copyto(dst, src, casting="same_kind")
        return self

    def copy(self):
        """A network with a copy of the parameters, sharing scratch buffers.

        The copy keeps the dropout setting (and shares its generator).

        Training a copy and keeping it only on success leaves the original's
        parameters untouched if training fails; sharing the buffers (scratch
        space, never state) avoids allocating them again.
        """
        new = object.__new__(Network)
        new.__dict__.update(self.__dict__)
        shapes = self.shapes
        new.params = self.params.copy()
        new.grad = np.zeros_like(self.grad)
        new.coefs, new.intercepts = new._views(new.params, shapes)
        new.coef_grads, new.intercept_grads = new._views(new.grad, shapes)
        return new

    def __getstate__(self):
        # Buffers are scratch space: do not pickle them.
        state = self.__dict__.copy()
        state["_buffers"] = {}
        del state["_workspace"]
        del state["coefs"], state["intercepts"]
        del state["coef_grads"], state["intercept_grads"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        # a network pickled before dropout and the workspace were attributes
        for old in ("_penalty", "_init_out_activation"):
            self.__dict__.pop(old, None)
        self.__dict__.setdefault("dropout", 0.0)
        self.__dict__.setdefault("dropout_rng", None)
        self._workspace = ops.Workspace()
        shapes = self.shapes
        self.coefs, self.intercepts = self._views(self.params, shapes)
        self.coef_grads, self.intercept_grads = self._views(self.grad, shapes)

    # ---------------------------------------------------------- forward pass
    def _check_input(self, X):
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the network expects "
                f"{self.layer_sizes[0]}."
            )

    def logits(self, X):
        """Output-layer pre-activations (logits) ``Z_L`` for ``X``.

        Allocates its own arrays, so it is safe to call from several threads.

        Parameters
        ----------
        X : {ndarray, scipy.sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_outputs)
        """
        self._check_input(X)
        Z = logits(X, self.coefs, self.intercepts, self.activations)
        # float64 input to a float32 network must still give float32 output
        return Z.astype(self.dtype, copy=False)

    def forward(self, X):
        """The network's output ``A_L = f_L(Z_L)`` for ``X``.

        Parameters
        ----------
        X : {ndarray, scipy.sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        A : ndarray of shape (n_samples, n_outputs)
            Probabilities for a softmax or logistic output.
        """
        return self.loss.activate(self.logits(X))

    # ------------------------------------------------ forward + backward pass
    def buffers(self, n, dropout=False):
        """Training buffers for a batch of ``n`` samples (allocated once)."""
        key = (n, bool(dropout))
        buf = self._buffers.get(key)
        if buf is None:
            if len(self._buffers) >= _MAX_CACHED_BATCH_SIZES:
                self._buffers.pop(next(iter(self._buffers)))
            buf = _Buffers(n, self.layer_sizes, self.dtype, dropout)
            self._buffers[key] = buf
        return buf

    def loss_and_gradient(
        self, X, Y, sample_weight=None, alpha=0.0, dropout=None, rng=None
    ):
        """Forward pass, cost, and backward pass; the gradient goes to ``grad``.

        Parameters
        ----------
        X : {ndarray, scipy.sparse CSR/CSC matrix} of shape (n_samples, n_features)
            A batch of inputs, of the network's dtype.
        Y : ndarray of shape (n_samples, n_outputs)
            Targets: one-hot (softmax), 0/1 indicators (logistic), or values.
        sample_weight : ndarray of shape (n_samples,), default=None
            Per-sample weights; ``None`` weighs every sample by 1.
        alpha : float, default=0.0
            L2 penalty strength, scaled by ``1 / sum(sample_weight)``.
        dropout : float, default=None
            Probability of dropping each hidden unit (inverted dropout: kept
            units are scaled by ``1 / (1 - dropout)``); ``None`` uses
            :attr:`dropout` (see :meth:`set_dropout`).
        rng : numpy.random.Generator or RandomState, default=None
            Draws the dropout masks; required when ``dropout > 0``. ``None``
            uses :attr:`dropout_rng`.

        Returns
        -------
        loss : float
            The cost ``J`` of the batch at the current parameters.
        """
        self._check_input(X)
        # A Python float, which NumPy casts to the arrays' dtype (a NumPy
        # float64 would make float32 arithmetic float64), as the kernels do.
        alpha = float(alpha)
        if dropout is None:
            dropout = self.dropout
        if rng is None:
            rng = self.dropout_rng
        if dropout:
            self._check_dropout(dropout, rng)
        n = X.shape[0]
        L = self.n_layers
        buf = self.buffers(n, dropout > 0)
        loss_fn = self.loss
        # isinstance first: sp.issparse's ABC check costs more than a small layer
        sparse_input = not isinstance(X, np.ndarray) and sp.issparse(X)

        # Forward pass, keeping every layer's activation for the backward pass.
        inputs = [X]
        A_prev = X
        for layer in range(L):
            W, b = self.coefs[layer], self.intercepts[layer]
            Z = buf.A[layer] if layer < L - 1 else buf.Z_out
            if sparse_input and layer == 0:
                np.copyto(Z, A_prev @ W, casting="same_kind")
            else:
                np.matmul(A_prev, W, out=Z)
            if layer == L - 1:
                ops.add_bias_activate(Z, b, "identity")  # the loss activates it
            else:
                ops.add_bias_activate(Z, b, self.activations[layer])
                if dropout > 0:
                    keep = 1.0 - dropout
                    mask = buf.mask[layer]
                    np.multiply(rng.random(Z.shape) < keep, 1.0 / keep, out=mask)
                    Z = np.multiply(Z, mask, out=buf.dropped[layer])
                inputs.append(Z)
                A_prev = Z
        A_out = buf.A_out
        # Cost: weighted mean loss plus the L2 penalty, both over sum(s_i).
        data_loss = loss_fn.sum_and_activate(Y, buf.Z_out, A_out, sample_weight)
        sw_sum = float(n) if sample_weight is None else float(sample_weight.sum())
        W_all = self.params[: self.n_coefs]
        penalty = float(np.dot(W_all, W_all)) if alpha else 0.0
        loss = (data_loss + 0.5 * alpha * penalty) / sw_sum

        # Backward pass: the chain rule, output layer first.
        delta = loss_fn.delta(Y, buf.Z_out, A_out, out=buf.delta[L - 1])
        if sample_weight is not None:
            delta *= sample_weight[:, None]
        for layer in range(L - 1, -1, -1):
            A_in = inputs[layer]
            if sparse_input and layer == 0:
                np.copyto(self.coef_grads[0], A_in.T @ delta, casting="same_kind")
            else:
                np.matmul(A_in.T, delta, out=self.coef_grads[layer])
            ops.bias_gradient(delta, self.intercept_grads[layer])
            if layer > 0:
                prev = buf.delta[layer - 1]
                np.matmul(delta, self.coefs[layer].T, out=prev)
                if dropout > 0:
                    prev *= buf.mask[layer - 1]
                name = self.activations[layer - 1]
                ops.activation_derivative(buf.A[layer - 1], prev, name)
                delta = prev

        # MLPClassifier's (A^T delta + alpha W) / sum(s_i), over the flat vector
        ops.finish_gradient(
            self.grad, self.params, self.n_coefs, alpha, sw_sum, self._workspace
        )
        return loss

    def fun_and_grad(self, x, X, Y, sample_weight=None, alpha=0.0):
        """Cost and gradient at the parameter vector ``x``, for scipy optimizers.

        ``x`` is copied into :attr:`params` (one vector copy, no per-layer
        packing); returns ``(loss, grad)`` with ``grad`` a fresh copy, as
        :func:`scipy.optimize.minimize` may keep it.
        """
        if x is not self.params:
            np.copyto(self.params, x)
        loss = self.loss_and_gradient(X, Y, sample_weight, alpha)
        return loss, self.grad.copy()
