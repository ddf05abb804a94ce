"""Tests for skbackprop._curvature: the log-loss's curvature bounds and metric."""

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
from numpy.testing import assert_allclose

from _data import network_problem
from skbackprop._curvature import (
    LOG_LOSS_CURVATURE,
    LayerPreconditioner,
    gram_eigenvalue,
)
from skbackprop.core.proximal import spectral_gradient


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_preconditioned_spectral_gradient_matches_lbfgs_on_a_network(n_outputs):
    net, X, sw, alpha, fun_and_grad = network_problem(n_outputs)
    x_ref = scipy.optimize.minimize(
        fun_and_grad, np.zeros(net.n_params), jac=True, method="L-BFGS-B",
        options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 10000},
    ).x  # fmt: skip
    metric = LayerPreconditioner(
        X, sw, n_outputs=n_outputs,
        curvature=LOG_LOSS_CURVATURE[net.out_activation],
        ridge=alpha / sw.sum(),
    )  # fmt: skip
    x = np.zeros(net.n_params)
    result = spectral_gradient(
        fun_and_grad, x, precondition=metric, step=1.0, tol=1e-12
    )
    assert result.status == 0
    assert result.optimality <= 1e-12 * result.fun
    # (L-BFGS stops on its line search a little short of this precision)
    assert result.fun <= fun_and_grad(x_ref)[0]
    assert_allclose(x, x_ref, rtol=1e-5, atol=1e-8)


def test_preconditioned_steps_need_fewer_iterations():
    net, X, sw, alpha, fun_and_grad = network_problem(3)
    metric = LayerPreconditioner(
        X, sw, n_outputs=3, curvature=0.5, ridge=alpha / sw.sum()
    )
    plain = spectral_gradient(fun_and_grad, np.zeros(net.n_params), step=0.1)
    scaled = spectral_gradient(
        fun_and_grad, np.zeros(net.n_params), precondition=metric
    )
    assert scaled.nit < plain.nit


def test_preconditioner_is_the_inverse_of_the_bound():
    net, X, sw, alpha, _ = network_problem(3, sparse=True)
    ridge = alpha / sw.sum()
    metric = LayerPreconditioner(X, sw, n_outputs=3, curvature=0.5, ridge=ridge)
    # the bound B = c I_k (x) [X, 1]^T S [X, 1] / sum(s) + ridge on the weights,
    # written out in the network's flat layout (weights row-major, then biases)
    Xa = np.hstack([X.toarray(), np.ones((80, 1))])
    M = 0.5 * (Xa * sw[:, None]).T @ Xa / sw.sum()
    M[np.arange(5), np.arange(5)] += ridge
    B = np.zeros((net.n_params, net.n_params))
    index = lambda j, k: j * 3 + k if j < 5 else 15 + k  # noqa: E731
    for j in range(6):
        for i in range(6):
            for k in range(3):
                B[index(j, k), index(i, k)] = M[j, i]
    g = np.random.default_rng(1).normal(size=net.n_params)
    assert_allclose(metric(g), np.linalg.solve(B, g), rtol=1e-6)


def test_preconditioner_without_intercept_leaves_biases_alone():
    net, X, sw, _, _ = network_problem(1)
    metric = LayerPreconditioner(
        X, sw, n_outputs=1, curvature=0.25, ridge=0.1, fit_intercept=False
    )
    out = metric(np.ones(net.n_params))
    assert out[-1] == 0.0
    assert out.dtype == np.float64


def test_gram_eigenvalue():
    _, X, sw, _, _ = network_problem(1)
    Xa = np.hstack([X, np.ones((80, 1))])
    exact = np.linalg.eigvalsh((Xa * sw[:, None]).T @ Xa / sw.sum()).max()
    assert gram_eigenvalue(X, sw, n_iter=200) == pytest.approx(exact, rel=1e-6)
    exact = np.linalg.eigvalsh(X.T @ X / 80).max()
    estimate = gram_eigenvalue(sp.csc_matrix(X), fit_intercept=False, n_iter=200)
    assert estimate == pytest.approx(exact, rel=1e-6)
    assert gram_eigenvalue(np.zeros((0, 3))) == 0.0
    assert gram_eigenvalue(np.zeros((4, 3)), fit_intercept=False) == 0.0
