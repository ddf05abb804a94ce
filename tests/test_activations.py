"""Tests for skbackprop.core.activations: forward formulas and derivatives."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skbackprop.core.activations import (
    ACTIVATIONS,
    DERIVATIVES,
    HIDDEN_ACTIVATIONS,
    LEAKY_RELU_SLOPE,
)


def _reference(name, Z):
    """Each activation written directly from its definition (float64)."""
    Z = np.asarray(Z, dtype=np.float64)
    if name == "identity":
        return Z.copy()
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "tanh":
        return (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))
    if name == "relu":
        return np.where(Z > 0, Z, 0.0)
    if name == "leaky_relu":
        return np.where(Z > 0, Z, LEAKY_RELU_SLOPE * Z)
    if name == "softmax":
        E = np.exp(Z)
        return E / E.sum(axis=1, keepdims=True)
    if name == "exp":
        return np.e**Z
    raise AssertionError(name)


def _away_from_zero(rng, shape, margin=0.1):
    """Values in [-3, -margin] U [margin, 3]: no kink within finite-difference reach."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(margin, 3.0, size=shape)


# Output activations without a derivative: each loss folds it into its delta.
OUTPUT_ONLY = {"softmax", "exp"}


def test_registries():
    assert set(ACTIVATIONS) == {*HIDDEN_ACTIVATIONS, *OUTPUT_ONLY}
    assert set(HIDDEN_ACTIVATIONS) == {
        "identity",
        "logistic",
        "tanh",
        "relu",
        "leaky_relu",
    }
    assert set(DERIVATIVES) == set(HIDDEN_ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_matches_reference(name):
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=3.0, size=(7, 4))
    Z[0, :3] = [0.0, -1e-3, 1e-3]  # around the kink of relu and leaky_relu
    A = ACTIVATIONS[name](Z.copy())
    np.testing.assert_allclose(A, _reference(name, Z), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_in_place(name, dtype):
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(5, 3)).astype(dtype)
    expected = _reference(name, Z)
    A = ACTIVATIONS[name](Z)
    assert A is Z
    assert A.dtype == dtype
    np.testing.assert_allclose(Z, expected, rtol=1e-5 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_derivative_matches_finite_differences(name):
    rng = np.random.default_rng(2)
    Z = _away_from_zero(rng, (6, 5))
    G = rng.normal(size=Z.shape)  # incoming dL/dA
    f = ACTIVATIONS[name]
    A = f(Z.copy())
    h = 1e-6
    numeric = (f(Z + h) - f(Z - h)) / (2 * h)
    got = DERIVATIVES[name](A, G.copy())
    np.testing.assert_allclose(got, G * numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_derivative_in_place(name):
    rng = np.random.default_rng(3)
    A = ACTIVATIONS[name](_away_from_zero(rng, (4, 3)))
    delta = rng.normal(size=A.shape)
    out = DERIVATIVES[name](A, delta)
    assert out is delta


def test_piecewise_linear_derivatives_exact():
    Z = np.array([[-2.0, -0.5, 0.5, 2.0]])
    delta = np.array([[1.0, 2.0, 3.0, 4.0]])
    relu_d = DERIVATIVES["relu"](ACTIVATIONS["relu"](Z.copy()), delta.copy())
    np.testing.assert_array_equal(relu_d, [[0.0, 0.0, 3.0, 4.0]])
    leaky_d = DERIVATIVES["leaky_relu"](
        ACTIVATIONS["leaky_relu"](Z.copy()), delta.copy()
    )
    np.testing.assert_array_equal(
        leaky_d, [[LEAKY_RELU_SLOPE, 2 * LEAKY_RELU_SLOPE, 3.0, 4.0]]
    )


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_derivative_at_kink_is_a_one_sided_derivative(name):
    A = ACTIVATIONS[name](np.zeros((1, 1)))
    d = DERIVATIVES[name](A, np.ones((1, 1)))[0, 0]
    left = 0.0 if name == "relu" else LEAKY_RELU_SLOPE
    assert d in (left, 1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
# exp's range ends where its output overflows: tested on its own below
@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"exp"}))
def test_extreme_inputs_finite_without_warnings(name, dtype):
    Z = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = ACTIVATIONS[name](Z.copy())
        assert np.all(np.isfinite(A))
        if name in DERIVATIVES:
            d = DERIVATIVES[name](A, np.ones_like(A))
            assert np.all(np.isfinite(d))
    if name in ("logistic", "softmax"):
        assert np.all((A >= 0) & (A <= 1))


@settings(max_examples=50, deadline=None)
@given(
    Z=hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
        elements=st.floats(-1e4, 1e4, allow_nan=False, width=32),
    )
)
def test_softmax_rows_are_distributions(Z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = ACTIVATIONS["softmax"](Z.copy())
    assert P.dtype == Z.dtype
    assert np.all((P >= 0) & (P <= 1))
    tol = 1e-5 if Z.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=tol)
    # the row maximum gets the largest probability
    rows = np.arange(len(Z))
    assert np.all(P[rows, Z.argmax(axis=1)] == P.max(axis=1))


@settings(max_examples=50, deadline=None)
@given(
    Z=hnp.arrays(
        np.float64,
        (3, 4),
        elements=st.floats(-30, 30, allow_nan=False),
    ),
    shift=st.floats(-1e3, 1e3, allow_nan=False),
)
def test_softmax_shift_invariant(Z, shift):
    P = ACTIVATIONS["softmax"](Z.copy())
    np.testing.assert_allclose(P, _reference("softmax", Z), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        ACTIVATIONS["softmax"](Z + shift), P, rtol=1e-9, atol=1e-15
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_range(dtype):
    """exp is finite up to log(max float), 0 far below; beyond, inf with a warning."""
    top = np.log(np.finfo(dtype).max)  # 88.72 in float32, 709.78 in float64
    Z = np.array([[-1e4, -50.0, 0.0, 50.0, 0.999 * top]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = ACTIVATIONS["exp"](Z.copy())
    assert A.dtype == dtype
    assert np.all(np.isfinite(A)) and np.all(A >= 0)
    assert A[0, 0] == 0 and A[0, 2] == 1
    np.testing.assert_allclose(A[0, 1:], np.exp(Z[0, 1:].astype(np.float64)), rtol=1e-6)
    with pytest.warns(RuntimeWarning, match="overflow"):
        big = ACTIVATIONS["exp"](np.array([[1.001 * top]], dtype=dtype))
    assert big[0, 0] == np.inf


def test_exp_is_output_only():
    """No derivative: a network cannot use exp for a hidden layer."""
    assert "exp" not in DERIVATIVES and "exp" not in HIDDEN_ACTIVATIONS


@settings(max_examples=50, deadline=None)
@given(
    Z=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=5),
        elements=st.floats(-700, 700, allow_nan=False),
    ),
    shift=st.floats(-5, 5, allow_nan=False),
)
def test_exp_turns_sums_into_products(Z, shift):
    """exp(z + s) = exp(z) exp(s), in place, positive or 0 over its range."""
    A = ACTIVATIONS["exp"](Z.copy())
    assert np.all(A >= 0)
    shifted = ACTIVATIONS["exp"](np.clip(Z + shift, -700, 700))
    ok = np.abs(Z + shift) <= 700
    np.testing.assert_allclose(
        shifted[ok],
        A[ok] * np.exp(shift),
        rtol=1e-12 * (1 + np.abs(Z[ok]).max(initial=0)),
    )
