"""Tests for skbackprop.core.proximal: closed forms, optimality, the solvers."""

import numpy as np
import pytest
import scipy.optimize
from numpy.testing import assert_allclose, assert_array_equal

from _data import network_problem
from skbackprop.core import SGD, Adam
from skbackprop.core.proximal import (
    ProximalL1,
    fista,
    inplace_soft_threshold,
    l1_norm,
    optimality,
    spectral_gradient,
)

SOLVERS = [spectral_gradient, fista]


def test_soft_threshold_closed_form():
    x = np.array([-3.0, -1.0, -0.2, 0.0, 0.5, 2.0])
    inplace_soft_threshold(x, 0.5)
    assert_array_equal(x, [-2.5, -0.5, 0.0, 0.0, 0.0, 1.5])
    x = np.array([1.0, -1.0, 3.0])
    inplace_soft_threshold(x, np.array([2.0, 0.5, 1.0]))  # one threshold each
    assert_array_equal(x, [0.0, -0.5, 2.0])


def test_optimality_is_the_minimum_norm_subgradient():
    x = np.array([0.0, 0.0, 1.0, -2.0, 5.0])
    g = np.array([0.3, -2.0, -0.5, 0.25, 0.1])
    part = slice(0, 4)  # the last entry is not penalised
    # |0.3| < 1 at zero: 0; |-2| - 1 = 1; -0.5 + 1 = 0.5; 0.25 - 1 = -0.75; 0.1
    assert optimality(x, g, l1=1.0, part=part) == pytest.approx(1.0)
    assert optimality(x, g) == pytest.approx(2.0)  # no penalty: the gradient
    assert optimality(x[:0], g[:0]) == 0.0
    assert l1_norm(x, part) == 3.0


def separable_lasso(n=6, seed=0):
    """0.5 ||D x - b||^2 + l1 ||x||_1 with diagonal D: the solution is known."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0.5, 3.0, size=n)
    b = rng.normal(scale=2.0, size=n)

    def fun_and_grad(x):
        r = d * x - b
        return 0.5 * float(r @ r), d * r

    def solution(l1):
        # minimise 0.5 (d x - b)^2 + l1 |x| coordinate-wise
        z = d * b
        return np.sign(z) * np.maximum(np.abs(z) - l1, 0) / d**2

    return fun_and_grad, solution, float(d.max() ** 2)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("l1", [0.0, 0.5, 3.0])
def test_solvers_find_the_closed_form_lasso_solution(solver, l1):
    fun_and_grad, solution, lipschitz = separable_lasso()
    x = np.zeros(6)
    result = solver(fun_and_grad, x, l1=l1, step=1.0 / lipschitz, tol=1e-14)
    assert result.success and result.status in (0, 2)
    assert result.x is x
    assert_allclose(x, solution(l1), rtol=1e-9, atol=1e-12)
    assert_array_equal(x == 0, solution(l1) == 0)  # exact zeros


@pytest.mark.parametrize("solver", SOLVERS)
def test_l1_part_leaves_the_rest_unpenalised(solver):
    fun_and_grad, solution, _ = separable_lasso()
    x = np.zeros(6)
    solver(fun_and_grad, x, l1=3.0, l1_part=slice(0, 3), tol=1e-14, step=0.1)
    assert_allclose(x[:3], solution(3.0)[:3], rtol=1e-9, atol=1e-12)
    assert_allclose(x[3:], solution(0.0)[3:], rtol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("step", [1e-6, 1e6])
def test_any_first_step_is_adapted(solver, step):
    fun_and_grad, solution, _ = separable_lasso()
    x = np.zeros(6)
    result = solver(fun_and_grad, x, l1=0.5, step=step, tol=1e-12, max_iter=5000)
    assert result.success
    assert_allclose(x, solution(0.5), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_spectral_gradient_matches_lbfgs_on_a_network(n_outputs):
    # (the same in the metric of a preconditioner: tests/test_curvature.py)
    net, *_, fun_and_grad = network_problem(n_outputs)
    x_ref = scipy.optimize.minimize(
        fun_and_grad, np.zeros(net.n_params), jac=True, method="L-BFGS-B",
        options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 10000},
    ).x  # fmt: skip
    x = np.zeros(net.n_params)
    result = spectral_gradient(fun_and_grad, x, step=0.1, tol=1e-12)
    # tol=1e-12 is at the floor of float64: depending on the BLAS's summation
    # order the solver meets it (status 0) or stops where no step decreases the
    # objective any more (status 2, a success), a little above it.
    assert result.success and result.status in (0, 2)
    assert result.optimality <= 1e-9 * result.fun
    # (L-BFGS stops on its line search a little short of this precision)
    assert result.fun <= fun_and_grad(x_ref)[0]
    assert_allclose(x, x_ref, rtol=1e-5, atol=1e-8)


def test_spectral_gradient_takes_one_evaluation_per_iteration_mostly():
    net, *_, fun_and_grad = network_problem(3)
    result = spectral_gradient(fun_and_grad, np.zeros(net.n_params), step=0.1)
    assert result.nfev <= 1.5 * result.nit + 1
    assert fista(fun_and_grad, np.zeros(net.n_params), step=0.1).nfev > result.nfev


@pytest.mark.parametrize("solver", SOLVERS)
def test_max_iter_callback_and_stop(solver):
    fun_and_grad, *_ = separable_lasso()
    seen = []
    result = solver(
        fun_and_grad, np.zeros(6), l1=0.5, step=0.01, max_iter=3, tol=0.0,
        callback=lambda r: seen.append((r.nit, r.fun)),
    )  # fmt: skip
    assert result.status == 1 and not result.success
    assert [nit for nit, _ in seen] == [1, 2, 3]
    assert seen[-1][1] == result.fun

    def stop(r):
        if r.nit == 2:
            raise StopIteration

    result = solver(fun_and_grad, np.zeros(6), l1=0.5, step=0.01, callback=stop)
    assert result.status == 3 and result.nit == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_x0_holds_the_last_accepted_iterate_when_interrupted(solver):
    fun_and_grad, *_ = separable_lasso()
    accepted = []
    calls = {"n": 0}

    def interrupted(x):
        calls["n"] += 1
        if calls["n"] > 6:
            raise KeyboardInterrupt
        return fun_and_grad(x)

    x = np.zeros(6)
    with pytest.raises(KeyboardInterrupt):
        solver(
            interrupted, x, l1=0.5, step=0.01,
            callback=lambda r: accepted.append(r.x.copy()),
        )  # fmt: skip
    assert_array_equal(x, accepted[-1])


def test_nonfinite_start_and_bad_combination_raise():
    def nan(x):
        return np.nan, np.zeros_like(x)

    with pytest.raises(FloatingPointError):
        spectral_gradient(nan, np.zeros(2))
    with pytest.raises(FloatingPointError):
        fista(nan, np.zeros(2))
    with pytest.raises(ValueError, match="preconditioner"):
        spectral_gradient(nan, np.zeros(2), l1=1.0, precondition=lambda g: g)


def test_float32_vectors_stop_at_their_precision():
    fun_and_grad, solution, _ = separable_lasso()

    def fun_and_grad32(x):
        f, g = fun_and_grad(x.astype(np.float64))
        return np.float32(f), g.astype(np.float32)

    x = np.zeros(6, dtype=np.float32)
    result = spectral_gradient(fun_and_grad32, x, l1=0.5, tol=0.0, max_iter=500)
    assert result.success  # status 2: no decrease left in float32
    assert x.dtype == np.float32
    assert_allclose(x, solution(0.5), rtol=1e-5, atol=1e-6)


# ------------------------------------------------- stochastic proximal steps
def _soft(x, t):
    return np.sign(x) * np.maximum(np.abs(x) - t, 0)


def test_proximal_sgd_closed_form():
    """Momentum 0: ``w - lr g``, then the weights soft-thresholded by lr * l1."""
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=8)
    w = w0.copy()
    part, strength = slice(0, 5), 0.7
    opt = ProximalL1(SGD(w, learning_rate=0.1, momentum=0.0), strength, part)
    ref = w0.copy()
    for k in range(6):
        g = rng.normal(size=8)
        lr = 0.1 if k < 3 else 0.05
        opt.learning_rate = lr  # goes to the wrapped optimizer
        assert opt.optimizer.learning_rate == lr and opt.learning_rate == lr
        opt.update(g)
        ref = ref - lr * g
        ref[part] = _soft(ref[part], lr * strength)
        assert_allclose(w, ref, rtol=1e-14, atol=1e-15)
    assert opt.params is w and opt.t == 6
    assert np.any(w[part] == 0.0)  # exact zeros where the penalty wins


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_proximal_adam_closed_form(dtype):
    """Adam's step, then each weight thresholded by its own step size * l1."""
    rng = np.random.default_rng(1)
    w0 = rng.normal(scale=0.05, size=8).astype(dtype)
    w = w0.copy()
    part, strength = slice(2, 8), 0.3
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    opt = ProximalL1(Adam(w, learning_rate=lr), strength, part)
    ref, m, v = w0.astype(np.float64), np.zeros(8), np.zeros(8)
    for t in range(1, 8):
        g = rng.normal(size=8).astype(dtype)
        opt.update(g)
        g = g.astype(np.float64)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        step = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        ref = ref - step * m / (np.sqrt(v) + eps)
        threshold = lr * np.sqrt(1 - b2**t) * strength / (np.sqrt(v) + eps)
        ref[part] = _soft(ref[part], threshold[part])
        rtol = 1e-12 if dtype == np.float64 else 1e-4
        assert_allclose(w, ref, rtol=rtol, atol=1e-6 if dtype == np.float32 else 0)
    assert w.dtype == dtype and opt.t == 7
    assert np.any(w[part] == 0.0) and np.all(w[:2] != 0.0)


@pytest.mark.parametrize("make", [SGD, Adam])
def test_proximal_wrapper_delegates(make):
    w = np.linspace(-1, 1, 6)
    inner = make(w, learning_rate=0.1)
    opt = ProximalL1(inner, 0.5, slice(0, 4))
    for g in np.random.default_rng(2).normal(size=(3, 6)):
        opt.update(g)
    momentum = inner.m if make is Adam else inner.velocity
    assert np.any(momentum != 0)
    opt.reset_momentum()
    assert not np.any(momentum)
    assert opt.state()["t"] == 3 == opt.t
    w2 = w.copy()
    new = opt.rebind(w2)
    assert isinstance(new, ProximalL1) and new.params is w2
    assert (new.strength, new.part) == (opt.strength, opt.part)
    g = np.ones(6)
    new.update(g)
    opt.update(g)
    assert_array_equal(w, w2)
