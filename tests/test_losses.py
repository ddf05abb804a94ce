"""Tests for skbackprop.core.losses: values, output deltas, numerical stability."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import xlogy
from sklearn.metrics import (
    log_loss,
    mean_absolute_error,
    mean_pinball_loss,
    mean_poisson_deviance,
)

from skbackprop.core import Network
from skbackprop.core.losses import (
    LOSSES,
    ExpPoissonLoss,
    IdentityAbsoluteError,
    IdentityHuberLoss,
    IdentityPinballLoss,
    Loss,
    get_loss,
)

N_OUT = {"softmax": 3, "logistic": 2, "identity": 2, "exp": 2}
# exp(z) overflows beyond z = 88.7 (float32) or 709.8 (float64), so the
# Poisson loss cannot be finite at the extreme logits of the tests below: its
# own range is tested with the other regression losses at the end.
BOUNDED = sorted(key for key in LOSSES if key[1] != "exp")


def _targets(rng, out_activation, n, k):
    if out_activation == "softmax":
        return np.eye(k)[rng.integers(k, size=n)]
    if out_activation == "logistic":
        return rng.integers(2, size=(n, k)).astype(float)
    if out_activation == "exp":
        return rng.poisson(2.0, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


# Each regression loss per element, written from its definition, with its
# default parameter: (Y, prediction) -> elementwise loss.
def _poisson_terms(Y, P):
    log_ratio = np.log(np.where(Y > 0, Y, 1.0) / P)
    return np.where(Y > 0, Y * log_ratio, 0.0) - Y + P


def _huber_terms(Y, P, delta=1.0):
    """PyTorch's HuberLoss(delta, reduction="none"), written out."""
    R = np.abs(P - Y)
    return np.where(R <= delta, 0.5 * R**2, delta * (R - 0.5 * delta))


def _pinball_terms(Y, P, quantile=0.5):
    return quantile * np.maximum(Y - P, 0) + (1 - quantile) * np.maximum(P - Y, 0)


_REGRESSION_REFERENCES = {
    "poisson": _poisson_terms,
    "absolute_error": lambda Y, P: np.abs(P - Y),
    "huber": _huber_terms,
    "quantile": _pinball_terms,
}


def _reference_value(name, out_activation, Y, Z):
    """Per-sample loss from the textbook formula on probabilities (small logits)."""
    if out_activation == "softmax":
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    elif out_activation == "logistic":
        P = 1 / (1 + np.exp(-Z))
    elif out_activation == "exp":
        P = np.exp(Z)
    else:
        P = Z
    if name == "squared_error":
        return 0.5 * ((P - Y) ** 2).sum(axis=1)
    if name in _REGRESSION_REFERENCES:
        return _REGRESSION_REFERENCES[name](Y, P).sum(axis=1)
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
        ("poisson", "exp"),
        ("absolute_error", "identity"),
        ("huber", "identity"),
        ("quantile", "identity"),
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
@pytest.mark.parametrize("name, act", BOUNDED)
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
        for name, act in BOUNDED:
            loss = get_loss(name, act)
            A = loss.activate(Z.copy())
            assert A.dtype == np.float32
            values = loss.value(Y, Z, A)
            delta = loss.delta(Y, Z, A, np.empty_like(Z))
            assert np.all(np.isfinite(values)) and np.all(values >= 0)
            assert np.all(np.isfinite(delta)) and delta.dtype == np.float32


# ------------------------------------------------------------ regression losses
# Each regression loss with its default and with other parameters.
REGRESSION_LOSSES = {
    "poisson": ExpPoissonLoss(),
    "absolute_error": IdentityAbsoluteError(),
    "huber-0.3": IdentityHuberLoss(delta=0.3),
    "huber-1": IdentityHuberLoss(),
    "huber-2.5": IdentityHuberLoss(delta=2.5),
    "quantile-0.1": IdentityPinballLoss(quantile=0.1),
    "quantile-0.5": IdentityPinballLoss(),
    "quantile-0.9": IdentityPinballLoss(quantile=0.9),
}


def _kinks(loss):
    """Where ``R = Z - Y`` makes the loss's derivative jump (or its second)."""
    if isinstance(loss, IdentityHuberLoss):
        return [-loss.huber_delta, loss.huber_delta]
    if isinstance(loss, IdentityAbsoluteError | IdentityPinballLoss):
        return [0.0]
    return []


def _regression_problem(loss, rng, n=7, k=3, margin=0.05):
    """Logits and targets; for the identity losses, no R = Z - Y near a kink."""
    if loss.out_activation == "exp":
        Z = rng.normal(scale=1.5, size=(n, k))
        Y = rng.poisson(np.exp(Z + rng.normal(scale=0.5, size=Z.shape)))
        Y[0, 0] = 0  # 0 log 0 = 0
        return Y.astype(float), Z
    Y = rng.normal(scale=2.0, size=(n, k))
    R = rng.normal(scale=1.5, size=(n, k))
    for kink in _kinks(loss):
        near = np.abs(R - kink) < margin
        R[near] = kink + np.copysign(margin, R[near] - kink)
    return Y, Y + R


def _reference_terms(loss, Y, Z):
    """The loss per element from its definition (``_REGRESSION_REFERENCES``)."""
    if isinstance(loss, ExpPoissonLoss):
        return _poisson_terms(Y, np.exp(Z))
    if isinstance(loss, IdentityAbsoluteError):
        return np.abs(Z - Y)
    if isinstance(loss, IdentityHuberLoss):
        return _huber_terms(Y, Z, loss.huber_delta)
    return _pinball_terms(Y, Z, loss.quantile)


@pytest.mark.parametrize("loss", REGRESSION_LOSSES.values(), ids=REGRESSION_LOSSES)
def test_regression_value_matches_formula(loss):
    rng = np.random.default_rng(10)
    Y, Z = _regression_problem(loss, rng, n=20)
    A = loss.activate(Z.copy())
    expected = _reference_terms(loss, Y, Z).sum(axis=1)
    np.testing.assert_allclose(loss.value(Y, Z, A), expected, rtol=1e-13)


@pytest.mark.parametrize("loss", REGRESSION_LOSSES.values(), ids=REGRESSION_LOSSES)
def test_regression_delta_is_gradient_of_value_per_sample(loss):
    """delta[i, k] = dL_i / dZ_ik, each sample on its own, several outputs."""
    rng = np.random.default_rng(11)
    Y, Z = _regression_problem(loss, rng)

    def values(Z):
        return loss.value(Y, Z, loss.activate(Z.copy()))

    h = 1e-6  # far below the 0.05 margin from every kink
    numeric = np.empty_like(Z)
    for k in range(Z.shape[1]):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[:, k] += h
        Zm[:, k] -= h
        # moving output k of every sample moves only that sample's value
        numeric[:, k] = (values(Zp) - values(Zm)) / (2 * h)
    out = np.empty_like(Z)
    delta = loss.delta(Y, Z, loss.activate(Z.copy()), out)
    assert delta is out
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss", REGRESSION_LOSSES.values(), ids=REGRESSION_LOSSES)
def test_regression_sum_and_activate_match_value(loss, weighted):
    rng = np.random.default_rng(12)
    Y, Z = _regression_problem(loss, rng, n=40)
    sw = rng.uniform(0.1, 2.0, size=40) if weighted else None
    expected_A = loss.activate(Z.copy())
    expected = loss.value(Y, Z, expected_A)
    Z_before = Z.copy()
    A1, A2 = np.empty_like(Z), np.empty_like(Z)
    np.testing.assert_array_equal(loss.value_and_activate(Y, Z, A1), expected)
    total = loss.sum_and_activate(Y, Z, A2, sw)
    np.testing.assert_array_equal(A1, expected_A)
    np.testing.assert_array_equal(A2, expected_A)
    np.testing.assert_array_equal(Z, Z_before)
    assert isinstance(total, float)
    weights = np.ones(40) if sw is None else sw
    np.testing.assert_allclose(total, expected @ weights, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", REGRESSION_LOSSES.values(), ids=REGRESSION_LOSSES)
def test_regression_losses_keep_dtype(loss, dtype):
    rng = np.random.default_rng(13)
    Y, Z = (M.astype(dtype) for M in _regression_problem(loss, rng))
    A = loss.activate(Z.copy())
    assert A.dtype == dtype
    assert loss.value(Y, Z, A).dtype == dtype
    assert loss.delta(Y, Z, A, np.empty_like(Z)).dtype == dtype


# ---------------------------------------------------------------- Poisson
def _poisson_data(rng, n=200, k=3, scale=1.0):
    Z = rng.normal(scale=scale, size=(n, k)) + 1.0
    # targets drawn around the predictions: a fit that is good, not perfect
    Y = rng.poisson(np.exp(Z + rng.normal(scale=0.3, size=Z.shape)))
    return Y.astype(float), Z


@pytest.mark.parametrize("scale", [0.3, 1.0, 2.0])
def test_poisson_matches_sklearn_mlp_loss(scale):
    """The value MLPRegressor(loss="poisson") reports, to 1e-12."""
    base = pytest.importorskip("sklearn.neural_network._base")
    if not hasattr(base, "poisson_loss"):
        pytest.skip("this scikit-learn's MLPRegressor has no Poisson loss")
    rng = np.random.default_rng(14)
    Y, Z = _poisson_data(rng, scale=scale)
    sw = rng.uniform(0.1, 3.0, size=len(Y))
    loss = get_loss("poisson", "exp")
    A = loss.activate(Z.copy())
    values = loss.value(Y, Z, A)
    # sample-weighted mean over the samples, summed over the outputs
    np.testing.assert_allclose(
        values @ sw / sw.sum(), base.poisson_loss(Y, A, sample_weight=sw), rtol=1e-12
    )
    np.testing.assert_allclose(values.mean(), base.poisson_loss(Y, A), rtol=1e-12)
    # one output: the same terms as scikit-learn's, rounding included
    np.testing.assert_array_equal(
        loss.value(Y[:, :1], Z[:, :1], A[:, :1]),
        xlogy(Y[:, 0], Y[:, 0] / A[:, 0]) - Y[:, 0] + A[:, 0],
    )


def test_poisson_is_half_the_mean_poisson_deviance():
    rng = np.random.default_rng(15)
    Y, Z = _poisson_data(rng, k=1)
    Y[Y == 0] = 1  # mean_poisson_deviance needs y >= 0 and predictions > 0
    loss = get_loss("poisson", "exp")
    A = loss.activate(Z.copy())
    expected = 0.5 * mean_poisson_deviance(Y[:, 0], A[:, 0])
    np.testing.assert_allclose(loss.value(Y, Z, A).mean(), expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_poisson_finite_where_exp_underflows(dtype):
    """Far below the targets exp(z) is 0 or subnormal; the loss stays exact."""
    Z = np.array([[-1e4, -800.0, -740.0, -100.0, 0.0, 80.0]], dtype=dtype)
    Y = np.array([[3.0, 0.0, 2.0, 5.0, 0.0, 1.0]], dtype=dtype)
    loss = get_loss("poisson", "exp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = loss.activate(Z.copy())
        value = loss.value(Y, Z, A)
        delta = loss.delta(Y, Z, A, np.empty_like(Z))
    assert value.dtype == delta.dtype == dtype
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(delta))
    # the same terms in the logit: y log y - y z - y + exp(z), in float64
    Z64, Y64 = Z.astype(np.float64), Y.astype(np.float64)
    expected = xlogy(Y64, Y64) - Y64 * Z64 - Y64 + np.exp(Z64)
    rtol = 1e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(value, expected.sum(axis=1), rtol=rtol)
    # a zero target with a prediction of 0: no loss, not 0 log 0 = nan
    zero = get_loss("poisson", "exp").value(
        np.zeros((1, 1), dtype), np.full((1, 1), -1e4, dtype), np.zeros((1, 1), dtype)
    )
    assert zero[0] == 0


@settings(max_examples=100, deadline=None)
@given(
    Z=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5),
        elements=st.floats(-1e4, 700, allow_nan=False),
    ),
    data=st.data(),
)
def test_poisson_finite_and_accurate_property(Z, data):
    """Finite, non-negative, and the log-domain form to rounding, for any logit."""
    Y = data.draw(
        hnp.arrays(np.float64, Z.shape, elements=st.integers(0, 10**6).map(float))
    )
    loss = get_loss("poisson", "exp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = loss.activate(Z.copy())
        values = loss.value(Y, Z, A)
        delta = loss.delta(Y, Z, A, np.empty_like(Z))
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(delta))
    terms = np.abs(xlogy(Y, Y)) + np.abs(Y * Z) + Y + A
    slack = 16 * np.finfo(np.float64).eps * terms.sum(axis=1)
    assert np.all(values >= -slack)
    expected = (xlogy(Y, Y) - Y * Z - Y + A).sum(axis=1)
    assert np.all(np.abs(values - expected) <= slack)
    np.testing.assert_array_equal(delta, A - Y)


# ------------------------------------------------------ absolute error, pinball
def test_absolute_error_matches_sklearn_and_sign_delta():
    rng = np.random.default_rng(16)
    Y, Z = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    Z[0] = Y[0]  # ties: delta 0
    sw = rng.uniform(0.1, 2.0, size=30)
    loss = get_loss("absolute_error", "identity")
    values = loss.value(Y, Z, Z)
    expected = mean_absolute_error(Y, Z, sample_weight=sw, multioutput="raw_values")
    np.testing.assert_allclose(values @ sw / sw.sum(), expected.sum(), rtol=1e-12)
    delta = loss.delta(Y, Z, Z, np.empty_like(Z))
    np.testing.assert_array_equal(delta[0], 0.0)
    np.testing.assert_array_equal(delta, np.where(Z > Y, 1.0, np.where(Z < Y, -1, 0)))


@pytest.mark.parametrize("quantile", [0.05, 0.3, 0.5, 0.9])
def test_pinball_matches_sklearn(quantile):
    rng = np.random.default_rng(17)
    Y, Z = rng.normal(size=(30, 2)), rng.normal(size=(30, 2))
    Z[:3] = Y[:3]  # ties
    sw = rng.uniform(0.1, 2.0, size=30)
    loss = get_loss("quantile", "identity", quantile=quantile)
    values = loss.value(Y, Z, Z)
    expected = mean_pinball_loss(
        Y, Z, sample_weight=sw, alpha=quantile, multioutput="raw_values"
    )
    np.testing.assert_allclose(values @ sw / sw.sum(), expected.sum(), rtol=1e-12)
    # the gradient of scikit-learn's PinballLoss, ties included: -q where y >= z
    delta = loss.delta(Y, Z, Z, np.empty_like(Z))
    np.testing.assert_array_equal(delta[:3], -quantile)
    np.testing.assert_array_equal(delta, np.where(Y >= Z, -quantile, 1 - quantile))
    sk_loss = pytest.importorskip("sklearn._loss.loss")
    pinball = sk_loss.PinballLoss(quantile=quantile)
    np.testing.assert_array_equal(
        delta, pinball.gradient(Y.ravel(), Z.ravel()).reshape(Z.shape)
    )


def test_pinball_median_is_half_the_absolute_error():
    rng = np.random.default_rng(18)
    Y, Z = rng.normal(size=(25, 3)), rng.normal(size=(25, 3))
    Z[0] = Y[0]
    pinball = get_loss("quantile", "identity")
    absolute = get_loss("absolute_error", "identity")
    assert pinball.quantile == 0.5
    # halving is exact: equal to the last bit
    np.testing.assert_array_equal(pinball.value(Y, Z, Z), 0.5 * absolute.value(Y, Z, Z))
    # and the deltas agree away from ties
    d_pin = pinball.delta(Y, Z, Z, np.empty_like(Z))
    d_abs = absolute.delta(Y, Z, Z, np.empty_like(Z))
    np.testing.assert_array_equal(d_pin[1:], 0.5 * d_abs[1:])


# Values of 0 or at least 1e-100 in magnitude: their differences, and a
# quantile's share of them, stay normal floats. A subnormal residual (5e-324)
# times a quantile rounds to a loss of 0 that is not an exact fit.
_values = st.floats(-1e6, 1e6, allow_nan=False).filter(
    lambda v: v == 0 or abs(v) >= 1e-100
)
_residuals = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
    elements=_values,
)


@settings(max_examples=100, deadline=None)
@given(
    Y=_residuals,
    data=st.data(),
    quantile=st.floats(0.001, 0.999),
)
def test_absolute_and_pinball_are_their_delta_times_residual(Y, data, quantile):
    """Positively homogeneous losses: L_i = sum_k delta_ik (Z_ik - Y_ik)."""
    Z = data.draw(hnp.arrays(np.float64, Y.shape, elements=_values))
    R = Z - Y
    for loss in (IdentityAbsoluteError(), IdentityPinballLoss(quantile)):
        values = loss.value(Y, Z, Z)
        delta = loss.delta(Y, Z, Z, np.empty_like(Z))
        assert np.all(values >= 0)
        assert np.all((values == 0) == np.all(R == 0, axis=1))
        np.testing.assert_allclose(values, (delta * R).sum(axis=1), rtol=1e-12)
    assert set(np.unique(delta)) <= {-quantile, 1 - quantile}


# ------------------------------------------------------------------- Huber
@pytest.mark.parametrize("delta", [0.1, 1.0, 3.0])
def test_huber_equals_torch_definition(delta):
    """PyTorch's HuberLoss(delta), written out: both branches, to the last bit."""
    rng = np.random.default_rng(19)
    Y, Z = rng.normal(scale=2.0, size=(40, 3)), rng.normal(scale=2.0, size=(40, 3))
    Z[0] = Y[0] + [delta, -delta, 0.0]  # on the threshold, and a tie
    loss = get_loss("huber", "identity", delta=delta)
    assert loss.huber_delta == delta and loss.get_params() == {"delta": delta}
    R = Z - Y
    small = np.abs(R) <= delta
    assert small.any() and (~small).any()
    torch_value = np.where(
        small, 0.5 * (Z - Y) ** 2, delta * (np.abs(Z - Y) - 0.5 * delta)
    )
    np.testing.assert_array_equal(loss.value(Y, Z, Z), torch_value.sum(axis=1))
    # its gradient: R inside the threshold, delta * sign(R) outside
    torch_grad = np.where(small, R, delta * np.sign(R))
    np.testing.assert_array_equal(loss.delta(Y, Z, Z, np.empty_like(Z)), torch_grad)


@settings(max_examples=100, deadline=None)
@given(Y=_residuals, data=st.data(), delta=st.floats(1e-3, 1e3))
def test_huber_between_squared_and_absolute_error_property(Y, data, delta):
    Z = data.draw(hnp.arrays(np.float64, Y.shape, elements=_values))
    loss = IdentityHuberLoss(delta)
    values = loss.value(Y, Z, Z)
    squared = get_loss("squared_error", "identity").value(Y, Z, Z)
    absolute = get_loss("absolute_error", "identity").value(Y, Z, Z)
    assert np.all(values >= 0)
    tol = 1e-12 * (1 + squared)
    assert np.all(values <= squared + tol)  # quadratic inside, less outside
    assert np.all(values <= delta * absolute + tol)
    grad = loss.delta(Y, Z, Z, np.empty_like(Z))
    assert np.all(np.abs(grad) <= delta)
    # a threshold beyond every residual: the half squared error, to the bit
    wide = IdentityHuberLoss(2 * float(np.abs(Z - Y).max()) + 1.0)
    np.testing.assert_array_equal(wide.value(Y, Z, Z), squared)


# ------------------------------------------------------------ parameters
def test_get_loss_passes_parameters():
    huber = get_loss("huber", "identity", delta=0.25)
    pinball = get_loss("quantile", "identity", quantile=0.8)
    assert isinstance(huber, IdentityHuberLoss) and huber.huber_delta == 0.25
    assert isinstance(pinball, IdentityPinballLoss) and pinball.quantile == 0.8
    assert repr(huber) == "IdentityHuberLoss(delta=0.25)"
    assert repr(pinball) == "IdentityPinballLoss(quantile=0.8)"
    assert repr(get_loss("quantile", "identity", quantile=0.5)) == (
        "IdentityPinballLoss()"
    )
    for loss in (huber, pinball, *(get_loss(*key) for key in LOSSES)):
        same = type(loss)(**loss.get_params())
        assert same.get_params() == loss.get_params()
        assert repr(same) == repr(loss)
    # a NumPy float32 parameter must not make float32 arithmetic float64
    assert type(IdentityPinballLoss(np.float32(0.25)).quantile) is float


@pytest.mark.parametrize(
    "name, act, params, match",
    [
        ("huber", "identity", {"epsilon": 1.0}, r"'epsilon'.*parameters: 'delta'"),
        ("quantile", "identity", {"alpha": 0.1}, r"'alpha'.*parameters: 'quantile'"),
        ("squared_error", "identity", {"delta": 1.0}, r"'delta'.*parameters: none"),
        ("poisson", "exp", {"quantile": 0.5}, r"'quantile'.*ExpPoissonLoss.*none"),
    ],
)
def test_get_loss_unknown_parameter(name, act, params, match):
    with pytest.raises(TypeError, match=match):
        get_loss(name, act, **params)


@pytest.mark.parametrize("quantile", [0, 1, -0.5, 1.5, np.nan, "0.5", None, True])
def test_pinball_quantile_out_of_range(quantile):
    with pytest.raises(ValueError, match="quantile must be a number strictly between"):
        get_loss("quantile", "identity", quantile=quantile)


@pytest.mark.parametrize("delta", [0, -1.0, np.inf, np.nan, "1"])
def test_huber_delta_out_of_range(delta):
    with pytest.raises(ValueError, match="delta must be a positive finite number"):
        IdentityHuberLoss(delta)


# ---------------------------------------------------- a loss object in Network
def test_network_accepts_a_loss_object():
    rng = np.random.default_rng(20)
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    sw = rng.uniform(0.5, 2.0, size=8)
    default = IdentityHuberLoss()
    net = Network([3, 4, 2], "tanh", loss=default, out_activation="identity")
    assert net.loss is default
    net.initialize(np.random.default_rng(0))
    # the same network as from the loss's name
    by_name = Network([3, 4, 2], "tanh", loss="huber", out_activation="identity")
    assert repr(by_name.loss) == repr(default)
    by_name.params[:] = net.params
    assert net.loss_and_gradient(X, Y, sw) == by_name.loss_and_gradient(X, Y, sw)
    np.testing.assert_array_equal(net.grad, by_name.grad)
    # and the object's parameter is the one the cost uses
    narrow = Network([3, 4, 2], "tanh", IdentityHuberLoss(0.1), "identity")
    narrow.params[:] = net.params
    Z = narrow.logits(X)
    expected = _huber_terms(Y, Z, delta=0.1).sum(axis=1) @ sw / sw.sum()
    np.testing.assert_allclose(narrow.loss_and_gradient(X, Y, sw), expected, rtol=1e-13)


@pytest.mark.parametrize(
    "loss, out_activation",
    [
        (IdentityHuberLoss(), "softmax"),  # the default out_activation
        (ExpPoissonLoss(), "identity"),
        (IdentityPinballLoss(0.3), "exp"),
    ],
)
def test_network_rejects_a_loss_object_on_another_output(loss, out_activation):
    with pytest.raises(ValueError, match=r"is applied to the output activation"):
        Network([3, 2], loss=loss, out_activation=out_activation)


# ---------------------------------------------- scikit-learn's clipped log-loss
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("act", ["softmax", "logistic"])
def test_clipped_log_loss_is_the_value_mlpclassifier_computes(act, dtype):
    from sklearn.neural_network._base import binary_log_loss
    from sklearn.neural_network._base import log_loss as mlp_log_loss

    rng = np.random.default_rng(0)
    k = N_OUT[act]
    # logits up to 1e4: probabilities that round to 0 and to 1, and ordinary ones
    Z = (rng.normal(size=(60, k)) * np.logspace(-1, 4, 60)[:, None]).astype(dtype)
    if act == "softmax":
        Y = np.eye(k, dtype=dtype)[rng.integers(0, k, 60)]
        reference = mlp_log_loss
    else:
        Y = rng.integers(0, 2, size=(60, k)).astype(dtype)
        reference = binary_log_loss
    clipped, exact = get_loss("log_loss", act, clip=True), get_loss("log_loss", act)
    assert repr(clipped) == f"{type(clipped).__name__}(clip=True)"
    A = clipped.activate(Z.copy())
    expected = [reference(Y[i : i + 1], A[i : i + 1]) for i in range(60)]
    # up to rounding: the softmax value of a confident, right prediction is
    # about eps, and -log(P) knows it only to the rounding error of P
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-12, 1e-14)
    np.testing.assert_allclose(clipped.value(Y, Z, A), expected, rtol, atol)
    assert clipped.value(Y, Z, A).max() <= -np.log(np.finfo(dtype).eps) * k * 1.0001
    assert exact.value(Y, Z, A).max() > 1000  # the exact value is not clipped
    per_sample = clipped.value_and_activate(Y, Z, np.empty_like(Z))
    np.testing.assert_allclose(per_sample, expected, rtol, atol)
    w = rng.uniform(0.5, 2.0, size=60).astype(dtype)
    total = clipped.sum_and_activate(Y, Z, np.empty_like(Z), w)
    assert total == pytest.approx(float(np.dot(expected, w)), rel=rtol)
    # the output delta is A - Y either way
    out = np.empty_like(Z)
    np.testing.assert_array_equal(clipped.delta(Y, Z, A, out), A - Y)
