"""Tests for skbackprop.core.gradcheck: the checker must catch wrong gradients."""

import numpy as np
import pytest

from skbackprop.core import (
    ExpPoissonLoss,
    IdentityAbsoluteError,
    IdentityHuberLoss,
    IdentityPinballLoss,
    Network,
    check_gradient,
    numerical_gradient,
    relative_error,
)
from skbackprop.core import activations as activations_module


def _problem(activation="tanh", dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    net = Network([3, 4, 3], activation=activation, dtype=dtype).initialize(rng)
    X = rng.normal(size=(5, 3)).astype(dtype)
    Y = np.eye(3, dtype=dtype)[[0, 1, 2, 0, 1]]
    return net, X, Y


class _ScaledGradient(Network):
    """A network whose backward pass is off by a factor: a planted bug."""

    factor = 1.01

    def loss_and_gradient(self, *args, **kwargs):
        loss = super().loss_and_gradient(*args, **kwargs)
        self.grad *= self.factor
        return loss


# ------------------------------------------------------------ relative_error
def test_relative_error_semantics():
    a = np.array([1.0, -2.0, 4.0])
    assert relative_error(a, a) == 0.0
    assert relative_error([], []) == 0.0
    assert isinstance(relative_error(a, a), float)
    b = a * np.array([1.0, 1.0, 1.001])
    assert relative_error(a, b) == pytest.approx(1e-3 / 1.001)
    assert relative_error(a, b) == relative_error(b, a)
    # divided by the larger magnitude: 1 vs 2 is 0.5, not 1
    assert relative_error([1.0], [2.0]) == pytest.approx(0.5)
    assert relative_error([1.0], [-1.0]) == pytest.approx(2.0)


def test_relative_error_floor_for_tiny_entries():
    # an entry 1e6 times below the gradient's scale is judged against 1e-3 of
    # that scale, not against itself
    a = np.array([1.0, 1e-6])
    b = np.array([1.0, 2e-6])
    assert relative_error(a, b) == pytest.approx(1e-6 / 1e-3)
    # exact zeros against rounding noise
    assert relative_error([1.0, 0.0], [1.0, 1e-12]) == pytest.approx(1e-9)
    # and the absolute floor of 1e-8 when both gradients are (almost) zero
    assert relative_error([0.0], [1e-9]) == pytest.approx(0.1)
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0


# --------------------------------------------------------- numerical_gradient
def test_numerical_gradient_is_accurate():
    x = np.array([0.3, -1.2, 2.0])

    def fun(x):
        return np.sin(x[0]) * np.exp(x[1]) + x[2] ** 4

    expected = [np.cos(0.3) * np.exp(-1.2), np.sin(0.3) * np.exp(-1.2), 4 * 2.0**3]
    # rounding error ~ 1e-16 * |f| / h ~ 2e-11 (|f| ~ 16, h = 1e-4)
    np.testing.assert_allclose(
        numerical_gradient(fun, x), expected, rtol=1e-10, atol=1e-10
    )
    # the fourth-order stencil is exact (to rounding) for quartics, even with
    # a large step, where a central difference would be off by h**2 terms
    np.testing.assert_allclose(
        numerical_gradient(fun, x, eps=0.1, indices=[2]), [32.0], rtol=1e-12
    )


def test_numerical_gradient_restores_x_exactly():
    rng = np.random.default_rng(0)
    x = rng.normal(size=6)
    x[0] = 0.1 + 0.2  # not representable after +- eps round trips
    original = x.copy()
    seen = []

    def fun(z):
        assert z is x  # perturbed in place
        seen.append(np.flatnonzero(z != original))
        return float(np.sum(z**3))

    grad = numerical_gradient(fun, x, eps=1e-3)
    assert x.tobytes() == original.tobytes()
    # one coordinate perturbed at a time, four evaluations per coordinate
    assert len(seen) == 4 * x.size
    assert all(len(changed) == 1 for changed in seen)
    np.testing.assert_allclose(grad, 3 * original**2, rtol=1e-9)


def test_numerical_gradient_indices():
    x = np.arange(5.0)

    def fun(x):
        return float(x @ x)

    full = numerical_gradient(fun, x)
    part = numerical_gradient(fun, x, indices=np.array([4, 1]))
    assert part.shape == (2,)
    np.testing.assert_array_equal(part, full[[4, 1]])


# ------------------------------------------------------------- check_gradient
def test_check_gradient_passes_and_leaves_network_unchanged():
    net, X, Y = _problem()
    params = net.params.copy()
    err = check_gradient(net, X, Y, alpha=0.1)
    assert err < 1e-6
    np.testing.assert_array_equal(net.params, params)
    grad = net.grad.copy()
    net.loss_and_gradient(X, Y, alpha=0.1)
    np.testing.assert_array_equal(net.grad, grad)


@pytest.mark.parametrize("factor", [1.01, 0.99, 1 + 1e-4])
def test_check_gradient_detects_scaled_gradient(factor):
    net, X, Y = _problem()
    bad = _ScaledGradient(net.layer_sizes, activation="tanh")
    bad.factor = factor
    bad.params[:] = net.params
    err = check_gradient(bad, X, Y)
    expected = abs(factor - 1) / max(factor, 1)
    assert err == pytest.approx(expected, rel=1e-3)
    assert err > 1e-6


def test_check_gradient_detects_a_wrong_derivative(monkeypatch):
    """Forgetting an activation's derivative in backprop is caught."""
    net, X, Y = _problem("tanh")
    assert check_gradient(net, X, Y) < 1e-6
    monkeypatch.setitem(
        activations_module.DERIVATIVES, "tanh", activations_module.identity_derivative
    )
    assert check_gradient(net, X, Y) > 1e-2


def test_check_gradient_detects_a_missing_weight_decay_term():
    net, X, Y = _problem()

    class NoDecayGradient(Network):
        def loss_and_gradient(self, X, Y, sample_weight=None, alpha=0.0, **kw):
            loss = super().loss_and_gradient(X, Y, sample_weight, alpha, **kw)
            super().loss_and_gradient(X, Y, sample_weight, 0.0, **kw)  # grad only
            return loss

    bad = NoDecayGradient(net.layer_sizes, activation="tanh")
    bad.params[:] = net.params
    assert check_gradient(bad, X, Y, alpha=0.0) < 1e-6
    assert check_gradient(bad, X, Y, alpha=1.0) > 1e-2


def test_check_gradient_subset():
    net, X, Y = _problem("relu", seed=1)
    net.intercepts[0][:] += 0.5  # keep relu units away from their kink
    err = check_gradient(net, X, Y, n_checks=10, rng=0)
    assert err < 1e-6
    bad = _ScaledGradient(net.layer_sizes, activation="relu")
    bad.params[:] = net.params
    assert check_gradient(bad, X, Y, n_checks=10, rng=0) > 1e-3


def test_check_gradient_float32_default_step():
    """In float32 the default step is 1e-2, not float64's 1e-4."""
    net, X, Y = _problem(dtype=np.float32)
    err = check_gradient(net, X, Y, alpha=0.1)
    net.loss_and_gradient(X, Y, alpha=0.1)
    analytic = net.grad.copy()

    def fun(_):
        return net.loss_and_gradient(X, Y, alpha=0.1)

    assert err == relative_error(analytic, numerical_gradient(fun, net.params, 1e-2))
    # float32 rounds J to ~1e-7 relative, so each difference quotient carries
    # ~1e-5 of noise: a right gradient scores in the 1e-3s (1e-6 is out of
    # reach), a 10% error scores ~0.09
    assert err < 1e-2
    bad = _ScaledGradient(net.layer_sizes, activation="tanh", dtype=np.float32)
    bad.factor = 1.1
    bad.params[:] = net.params
    assert check_gradient(bad, X, Y, alpha=0.1) > 5e-2


# ------------------------------------------------------------ regression losses
REGRESSION_LOSSES = {
    "poisson": ExpPoissonLoss(),
    "absolute_error": IdentityAbsoluteError(),
    "huber": IdentityHuberLoss(delta=0.5),
    "quantile": IdentityPinballLoss(quantile=0.2),
}


def _regression_problem(loss, seed=0):
    """A small network with ``loss`` and targets away from the loss's kinks.

    The finite differences move an output by far less than 0.1, so no residual
    ``Z - Y`` crosses 0 (absolute error, pinball) or +-0.5 (Huber) in the
    stencil, where the loss's derivative jumps.
    """
    rng = np.random.default_rng(seed)
    net = Network([3, 4, 2], "tanh", loss=loss, out_activation=loss.out_activation)
    net.initialize(rng)
    X = rng.normal(size=(6, 3))
    Z = net.logits(X)
    if loss.out_activation == "exp":
        Y = rng.poisson(np.exp(Z) + 0.5).astype(float)
    else:
        # |Z - Y| in [0.1, 0.4] or [0.6, 1.5]: both sides of Huber's threshold
        near = rng.uniform(0.1, 0.4, Z.shape)
        far = rng.uniform(0.6, 1.5, Z.shape)
        offset = np.where(rng.random(Z.shape) < 0.5, near, far)
        Y = Z + rng.choice([-1.0, 1.0], size=Z.shape) * offset
    return net, X, Y


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss", REGRESSION_LOSSES.values(), ids=REGRESSION_LOSSES)
def test_check_gradient_regression_losses(loss, weighted):
    net, X, Y = _regression_problem(loss)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(X)) if weighted else None
    assert check_gradient(net, X, Y, sample_weight=sw, alpha=0.1) < 1e-6
    bad = _ScaledGradient(net.layer_sizes, "tanh", loss, loss.out_activation)
    bad.params[:] = net.params
    assert check_gradient(bad, X, Y, sample_weight=sw, alpha=0.1) > 1e-3
