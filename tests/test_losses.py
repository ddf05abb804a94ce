"""Tests for skbackprop.core.losses: values, output deltas, numerical stability."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import log_loss

from skbackprop.core.losses import LOSSES, Loss, get_loss

N_OUT = {"softmax": 3, "logistic": 2, "identity": 2}


def _targets(rng, out_activation, n, k):
    if out_activation == "softmax":
        return np.eye(k)[rng.integers(k, size=n)]
    if out_activation == "logistic":
        return rng.integers(2, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


def _reference_value(name, out_activation, Y, Z):
    """Per-sample loss from the textbook formula on probabilities (small logits)."""
    if out_activation == "softmax":
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    elif out_activation == "logistic":
        P = 1 / (1 + np.exp(-Z))
    else:
        P = Z
    if name == "squared_error":
        return 0.5 * ((P - Y) ** 2).sum(axis=1)
    if out_activation == "softmax":
        return -(Y * np.log(P)).sum(axis=1)
    return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)


def test_registry_and_get_loss():
    assert set(LOSSES) == {
        ("log_loss", "softmax"),
        ("log_loss", "logistic"),
        ("squared_error", "identity"),
        ("squared_error", "logistic"),
        ("squared_error", "softmax"),
    }
    for (name, act), cls in LOSSES.items():
        loss = get_loss(name, act)
        assert isinstance(loss, cls) and isinstance(loss, Loss)
        assert (loss.name, loss.out_activation) == (name, act)
        assert repr(loss) == f"{cls.__name__}()"


@pytest.mark.parametrize(
    "name, act", [("log_loss", "identity"), ("hinge", "softmax"), ("log_loss", "relu")]
)
def test_get_loss_unknown_pair(name, act):
    with pytest.raises(ValueError, match=r"No loss .* available pairs"):
        get_loss(name, act)


@pytest.mark.parametrize("name, act", sorted(LOSSES))
def test_value_matches_reference(name, act):
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=2.0, size=(8, N_OUT[act]))
    Y = _targets(rng, act, *Z.shape)
    loss = get_loss(name, act)
    A = loss.activate(Z.copy())
    np.testing.assert_allclose(
        loss.value(Y, Z, A), _reference_value(name, act, Y, Z), rtol=1e-12
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name, act", sorted(LOSSES))
def test_training_pass_methods_match_value(numpy_and_kernels, name, act, weighted):
    """value_and_activate and sum_and_activate: value() and activate(), fused."""
    rng = np.random.default_rng(1)
    Z = rng.normal(scale=3.0, size=(50, N_OUT[act]))
    Y = _targets(rng, act, *Z.shape)
    sw = rng.uniform(0.1, 2.0, size=50) if weighted else None
    loss = get_loss(name, act)
    expected_A = loss.activate(Z.copy())
    expected = loss.value(Y, Z, expected_A)
    Z_before = Z.copy()
    A1, A2 = np.empty_like(Z), np.empty_like(Z)
    per_sample = loss.value_and_activate(Y, Z, A1)
    total = loss.sum_and_activate(Y, Z, A2, sw)
    np.testing.assert_array_equal(A1, expected_A)  # the same activation, exactly
    np.testing.assert_array_equal(A2, expected_A)
    np.testing.assert_array_equal(Z, Z_before)
    np.testing.assert_allclose(per_sample, expected, rtol=1e-12)
    assert isinstance(total, float)
    weights = np.ones(50) if sw is None else sw
    np.testing.assert_allclose(total, expected @ weights, rtol=1e-12)


def test_softmax_log_loss_matches_sklearn():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(20, 4))
    y = rng.integers(4, size=20)
    y[:4] = np.arange(4)
    sw = rng.uniform(0.1, 3.0, size=20)
    loss = get_loss("log_loss", "softmax")
    P = loss.activate(Z.copy())
    values = loss.value(np.eye(4)[y], Z, P)
    expected = log_loss(y, P, sample_weight=sw, labels=range(4))
    np.testing.assert_allclose(values @ sw / sw.sum(), expected, rtol=1e-10)


def test_logistic_log_loss_matches_sklearn_binary_and_multilabel():
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(30, 3))
    Y = rng.integers(2, size=(30, 3)).astype(float)
    loss = get_loss("log_loss", "logistic")
    P = loss.activate(Z.copy())
    values = loss.value(Y, Z, P)
    # binary: one output column
    binary = loss.value(Y[:, :1], Z[:, :1], P[:, :1])
    np.testing.assert_allclose(binary.mean(), log_loss(Y[:, 0], P[:, 0]), rtol=1e-10)
    # multilabel: the per-sample loss is summed over the labels
    per_label = [log_loss(Y[:, k], P[:, k]) for k in range(3)]
    np.testing.assert_allclose(values.mean(), sum(per_label), rtol=1e-10)


@pytest.mark.parametrize("name, act", sorted(LOSSES))
def test_delta_is_gradient_of_value(name, act):
    """The output delta equals d(value)/dZ by central differences."""
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(5, N_OUT[act]))
    Y = _targets(rng, act, *Z.shape)
    loss = get_loss(name, act)

    def total(Z):
        return loss.value(Y, Z, loss.activate(Z.copy())).sum()

    h = 1e-6
    numeric = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += h
        Zm[idx] -= h
        numeric[idx] = (total(Zp) - total(Zm)) / (2 * h)
    out = np.empty_like(Z)
    delta = loss.delta(Y, Z, loss.activate(Z.copy()), out)
    assert delta is out
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_softmax_log_loss(dtype):
    Z = np.array([[1e4, 0.0, -1e4]] * 3, dtype=dtype)
    Y = np.eye(3, dtype=dtype)
    loss = get_loss("log_loss", "softmax")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = loss.activate(Z.copy())
        values = loss.value(Y, Z, A)
        delta = loss.delta(Y, Z, A, np.empty_like(Z))
    np.testing.assert_allclose(values, [0.0, 1e4, 2e4], rtol=1e-6)
    np.testing.assert_allclose(delta, [[0, 0, 0], [1, -1, 0], [1, 0, -1]], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_logistic_log_loss(dtype):
    Z = np.array([[1e4, -1e4], [1e4, -1e4]], dtype=dtype)
    Y = np.array([[1, 0], [0, 1]], dtype=dtype)
    loss = get_loss("log_loss", "logistic")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = loss.activate(Z.copy())
        values = loss.value(Y, Z, A)
        delta = loss.delta(Y, Z, A, np.empty_like(Z))
    np.testing.assert_allclose(values, [0.0, 2e4], rtol=1e-6)
    np.testing.assert_allclose(delta, [[0, 0], [1, -1]], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, act", sorted(LOSSES))
def test_extreme_logits_finite_without_warnings(name, act, dtype):
    rng = np.random.default_rng(4)
    Z = rng.choice([-1e4, 1e4, -30.0, 30.0, 0.0], size=(6, N_OUT[act])).astype(dtype)
    Y = _targets(rng, act, *Z.shape).astype(dtype)
    loss = get_loss(name, act)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = loss.activate(Z.copy())
        values = loss.value(Y, Z, A)
        delta = loss.delta(Y, Z, A, np.empty_like(Z))
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    assert np.all(np.isfinite(delta))
    assert delta.dtype == dtype


_logits = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5),
    elements=st.floats(-1e4, 1e4, allow_nan=False),
)


@settings(max_examples=50, deadline=None)
@given(Z=_logits, data=st.data())
def test_log_losses_stable_property(Z, data):
    """For any logits the log-losses are finite, non-negative and accurate.

    Accuracy is checked against the margin form: the softmax log-loss of class
    ``c`` is ``log(sum_k exp(Z_k - Z_c))``, between ``max_k Z_k - Z_c`` and that
    plus ``log(n_classes)``; the binary one is ``softplus(-(2y - 1) z)``.
    """
    n, k = Z.shape
    y = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    Y = np.eye(k)[y]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        soft = get_loss("log_loss", "softmax")
        v = soft.value(Y, Z, soft.activate(Z.copy()))
        Yb = (Z > 0).astype(float)[:, ::-1]  # mixes right and wrong signs
        logi = get_loss("log_loss", "logistic")
        vb = logi.value(Yb, Z, logi.activate(Z.copy()))
    gap = Z.max(axis=1) - Z[np.arange(n), y]
    assert np.all(np.isfinite(v))
    assert np.all(v >= gap - 1e-9 * (1 + gap))
    assert np.all(v <= gap + np.log(k) + 1e-9 * (1 + gap))
    margins = -(2 * Yb - 1) * Z
    # logaddexp(0, z) - y z cancels for confident right answers: its absolute
    # error is a few ulps of |z|, not of the (tiny) result
    ulps = 4 * np.finfo(np.float64).eps * (1 + np.abs(Z)).sum(axis=1)
    assert np.all(np.abs(vb - np.logaddexp(0, margins).sum(axis=1)) <= ulps)
    assert np.all(np.isfinite(vb)) and np.all(vb >= 0)


@settings(max_examples=50, deadline=None)
@given(
    Z=hnp.arrays(
        np.float32,
        (4, 3),
        elements=st.floats(-1e4, 1e4, allow_nan=False, width=32),
    )
)
def test_float32_losses_finite_property(Z):
    Y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, act in LOSSES:
            loss = get_loss(name, act)
            A = loss.activate(Z.copy())
            assert A.dtype == np.float32
            values = loss.value(Y, Z, A)
            delta = loss.delta(Y, Z, A, np.empty_like(Z))
            assert np.all(np.isfinite(values)) and np.all(values >= 0)
            assert np.all(np.isfinite(delta)) and delta.dtype == np.float32
