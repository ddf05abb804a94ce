"""Curvature bounds of the log-loss of a linear model.

:class:`~skbackprop.LogisticRegressionGD` is a network with no hidden layer,
and its mean log-loss has a Hessian bounded by the data alone: at most
``c * I_k (x) [X, 1]^T S [X, 1] / sum(S)``, with ``c`` the largest curvature
of the log-loss in the logits (:data:`LOG_LOSS_CURVATURE`; Bohning and
Lindsay, 1988). From that bound it takes its step sizes and its metric:

:func:`gram_eigenvalue`
    the bound's largest eigenvalue (by power iteration), whose product with
    ``c`` bounds the Lipschitz constant of the gradient: the step ``1 / L``
    of a first-order method;
:class:`LayerPreconditioner`
    the inverse of the bound: steps in its metric take the data's
    correlations out of the problem (unit steps are safe).

Examples
--------
>>> import numpy as np
>>> from skbackprop._curvature import LOG_LOSS_CURVATURE, gram_eigenvalue
>>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 2.0]])
>>> L = LOG_LOSS_CURVATURE["logistic"] * gram_eigenvalue(X, n_iter=100)
>>> round(L, 4)
0.92
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp

#: Largest curvature of the log-loss in the logits: ``p (1 - p) <= 1/4`` for a
#: logistic output; the softmax Hessian ``diag(p) - p p^T`` is below ``I / 2``
#: (Bohning, 1992).
LOG_LOSS_CURVATURE = {"logistic": 0.25, "softmax": 0.5}


def _augment_matvec(X, v, fit_intercept):
    """``[X, 1] @ v`` (or ``X @ v``) without forming the augmented matrix."""
    p = X.shape[1]
    out = np.asarray(X @ v[:p]).ravel()
    if fit_intercept:
        out = out + v[p]
    return out


def gram_eigenvalue(X, sample_weight=None, fit_intercept=True, n_iter=30, rng=None):
    """Largest eigenvalue of ``[X, 1]^T S [X, 1] / sum(S)``, by power iteration.

    ``S`` is the diagonal matrix of the sample weights. Multiplied by the
    curvature bound of :data:`LOG_LOSS_CURVATURE`, it bounds the Lipschitz
    constant of the gradient of a one-layer network's mean log-loss.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,), default=None
    fit_intercept : bool, default=True
        Append a column of ones (the bias) to ``X``.
    n_iter : int, default=30
        Power iterations; the estimate approaches the eigenvalue from below.
    rng : numpy.random.Generator, default=None
        Draws the starting vector (a fixed seed by default).

    Returns
    -------
    eigenvalue : float
    """
    n, p = X.shape
    dim = p + bool(fit_intercept)
    if dim == 0 or n == 0:
        return 0.0
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    total = float(s.sum())
    rng = np.random.default_rng(0) if rng is None else rng
    v = rng.normal(size=dim).astype(X.dtype)
    v /= np.linalg.norm(v)
    eigenvalue = 0.0
    for _ in range(n_iter):
        u = _augment_matvec(X, v, fit_intercept) * s
        w = np.empty(dim, dtype=np.float64)
        w[:p] = np.asarray(X.T @ u).ravel()
        if fit_intercept:
            w[p] = u.sum()
        w /= total
        eigenvalue = float(v @ w)
        norm = float(np.linalg.norm(w))
        if norm == 0.0:
            return 0.0
        v = (w / norm).astype(X.dtype)
    return eigenvalue


class LayerPreconditioner:
    """The metric of a quadratic upper bound of a one-layer network's cost.

    For a network with no hidden layer, weights ``W`` of shape ``(p, k)`` and
    biases ``b``, the mean log-loss has Hessian at most ``c * I_k (x) M`` with
    ``M = [X, 1]^T S [X, 1] / sum(S)`` and ``c`` from
    :data:`LOG_LOSS_CURVATURE` (Bohning and Lindsay, 1988); the L2 penalty
    adds ``ridge`` on the weights. Steps ``-B^{-1} grad`` in the metric of that
    bound ``B`` take the data's correlations out of the problem: unit steps
    are then always safe, and gradient methods converge at a rate set by how
    far the curvature is below its bound rather than by the conditioning of
    ``X``. One Cholesky factorisation of a ``(p + 1, p + 1)`` matrix (and
    the inverse from it), then one small matrix product per step.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,), default=None
    n_outputs : int
        Output units ``k`` of the layer.
    curvature : float
        The bound ``c`` on the loss's curvature in the logits.
    ridge : float, default=0.0
        L2 penalty on the weights, in the units of the cost.
    fit_intercept : bool, default=True
        Whether the biases are trained; their direction is zero otherwise.

    Raises
    ------
    numpy.linalg.LinAlgError
        If the bound is numerically singular.
    """

    def __init__(
        self, X, sample_weight=None, *, n_outputs, curvature, ridge=0.0,
        fit_intercept=True,
    ):  # fmt: skip
        n, p = X.shape
        if sample_weight is None:
            s, Xs = np.ones(n), X
        else:
            s = np.asarray(sample_weight)
            Xs = X.multiply(s[:, None]).tocsr() if sp.issparse(X) else X * s[:, None]
        dim = p + bool(fit_intercept)
        M = np.empty((dim, dim), dtype=np.float64)
        gram = X.T @ Xs
        M[:p, :p] = gram.toarray() if sp.issparse(gram) else gram
        if fit_intercept:
            M[:p, p] = M[p, :p] = np.asarray(Xs.sum(axis=0)).ravel()
            M[p, p] = s.sum()
        M /= float(s.sum())
        M *= curvature
        diagonal = np.einsum("ii->i", M)
        # a relative jitter keeps the factorisation defined for collinear
        # features when there is no penalty; gradients never point there
        diagonal += 1e-10 * max(float(diagonal.max(initial=0.0)), 1e-300)
        diagonal[:p] += ridge
        # the explicit inverse: one small matrix product per step, without
        # the call overhead of a triangular solve (it matters for small data)
        factor = scipy.linalg.cho_factor(M, check_finite=True)
        inverse = scipy.linalg.cho_solve(factor, np.eye(dim), check_finite=False)
        self.inverse = 0.5 * (inverse + inverse.T)
        self.n_features = p
        self.n_outputs = int(n_outputs)
        self.fit_intercept = bool(fit_intercept)

    def __call__(self, grad):
        """``B^{-1} grad`` for ``grad`` in the network's flat layout."""
        p, k = self.n_features, self.n_outputs
        G = np.empty((p + self.fit_intercept, k), dtype=np.float64)
        G[:p] = grad[: p * k].reshape(p, k)
        if self.fit_intercept:
            G[p] = grad[p * k :]
        D = self.inverse @ G
        out = np.zeros_like(grad)
        out[: p * k] = D[:p].ravel()
        if self.fit_intercept:
            out[p * k :] = D[p]
        return out
