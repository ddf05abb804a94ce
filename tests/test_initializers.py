"""Tests for skbackprop.core.initializers."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skbackprop.core import INITIALIZERS, Network
from skbackprop.core.initializers import glorot_uniform, he_normal, normal


def _sklearn_glorot(rs, fan_in, fan_out, activation):
    """scikit-learn's ``_init_coef``, written out: coef, then intercept."""
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    W = rs.uniform(-bound, bound, (fan_in, fan_out))
    b = rs.uniform(-bound, bound, fan_out)
    return W, b


def _mlp_initial_weights(X, y, hidden, activation, seed):
    """The weights MLPClassifier draws at the start of ``fit``.

    One SGD step with a learning rate of 1e-300 changes no weight of order
    1e-3 or more (the step is below half an ulp), so the fitted weights are
    the initial ones.
    """
    mlp = MLPClassifier(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver="sgd",
        learning_rate_init=1e-300,
        momentum=0.0,
        max_iter=1,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    return mlp.coefs_, mlp.intercepts_


def test_registry():
    assert INITIALIZERS == {
        "glorot_uniform": glorot_uniform,
        "he_normal": he_normal,
        "normal": normal,
    }


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_glorot_uniform_draws_sklearns_numbers(activation):
    W, b = np.empty((7, 4)), np.empty(4)
    glorot_uniform(np.random.RandomState(3), W, b, activation)
    W_ref, b_ref = _sklearn_glorot(np.random.RandomState(3), 7, 4, activation)
    np.testing.assert_array_equal(W, W_ref)
    np.testing.assert_array_equal(b, b_ref)


@pytest.mark.parametrize(
    "hidden, activation, n_classes",
    [
        ((6,), "relu", 3),
        ((6,), "relu", 2),  # logistic output layer, still relu's bound
        ((6, 5), "logistic", 3),  # softmax output layer, logistic's bound
        ((6, 5), "tanh", 2),
        ((), "logistic", 3),  # no hidden layer
        ((), "relu", 2),
    ],
)
def test_network_initialize_matches_mlpclassifier(hidden, activation, n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5))
    y = np.arange(30) % n_classes
    coefs, intercepts = _mlp_initial_weights(X, y, hidden, activation, seed=42)
    n_out = 1 if n_classes == 2 else n_classes
    net = Network(
        [5, *hidden, n_out],
        activation=activation,
        out_activation="logistic" if n_classes == 2 else "softmax",
    )
    # MLPClassifier initialises every layer, the output one included, for its
    # one activation
    net.initialize(
        np.random.RandomState(42), activations=[activation] * (len(hidden) + 1)
    )
    for mine, theirs in zip(net.coefs + net.intercepts, coefs + intercepts):
        np.testing.assert_array_equal(mine, theirs)


def test_network_initialize_layer_by_layer_order():
    """Per layer: the weight matrix, then the bias vector, from one stream."""
    net = Network([4, 3, 2], activation="logistic", out_activation="logistic")
    net.initialize(np.random.RandomState(0))
    rs = np.random.RandomState(0)
    for W, b in zip(net.coefs, net.intercepts):
        W_ref, b_ref = _sklearn_glorot(rs, *W.shape, "logistic")
        np.testing.assert_array_equal(W, W_ref)
        np.testing.assert_array_equal(b, b_ref)


@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_glorot_uniform_with_generator(activation):
    fan_in, fan_out = 300, 200
    W, b = np.empty((fan_in, fan_out)), np.empty(fan_out)
    glorot_uniform(np.random.default_rng(0), W, b, activation)
    bound = np.sqrt((2.0 if activation == "logistic" else 6.0) / (fan_in + fan_out))
    for values in (W, b):
        assert np.all(np.abs(values) <= bound)
    # 60000 uniform draws: the extremes reach the bound, the variance is
    # bound^2 / 3 (standard error about 0.5% of it)
    assert np.abs(W).max() > 0.999 * bound
    assert W.var() == pytest.approx(bound**2 / 3, rel=0.02)
    assert abs(W.mean()) < 0.01 * bound


def test_he_normal_statistics():
    fan_in, fan_out = 400, 500
    W, b = np.empty((fan_in, fan_out)), np.full(fan_out, 7.0)
    he_normal(np.random.default_rng(1), W, b, "relu")
    # 200000 normal draws: the sample std is within 0.2% of the true one
    # with overwhelming probability
    assert W.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.01)
    assert abs(W.mean()) < 0.01 * np.sqrt(2 / fan_in)
    np.testing.assert_array_equal(b, 0)
    # the scale follows fan_in, not fan_out
    W2 = np.empty((25, 500))
    he_normal(np.random.default_rng(1), W2, np.empty(500), "relu")
    assert W2.std() == pytest.approx(np.sqrt(2 / 25), rel=0.02)


def test_normal_small_scale():
    W, b = np.empty((300, 300)), np.ones(300)
    normal(np.random.default_rng(2), W, b, "tanh")
    assert W.std() == pytest.approx(0.01, rel=0.01)
    np.testing.assert_array_equal(b, 0)
    normal(np.random.default_rng(2), W, b, "tanh", scale=0.5)
    assert W.std() == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", sorted(INITIALIZERS))
def test_reproducible_and_in_place(method, dtype):
    def draw(seed):
        net = Network([5, 8, 3], activation="relu", dtype=dtype)
        params = net.params
        assert net.initialize(np.random.default_rng(seed), method) is net
        assert net.params is params and net.params.dtype == dtype
        for view in net.coefs + net.intercepts:
            assert np.shares_memory(view, net.params)
        return net.params.copy()

    first = draw(0)
    np.testing.assert_array_equal(first, draw(0))
    assert not np.array_equal(first, draw(1))
    assert np.all(first[:40] != 0)  # every weight drawn
    if method != "glorot_uniform":
        np.testing.assert_array_equal(first[-11:], 0)  # biases zero


def test_initialize_with_callable():
    calls = []

    def constant(rng, W, b, activation):
        calls.append((W.shape, b.shape, activation))
        W[...] = 0.5
        b[...] = -1.0

    net = Network([3, 4, 4, 2], activation=["tanh", "logistic"])
    net.initialize(None, constant, activations=["tanh", "logistic", "logistic"])
    assert calls == [
        ((3, 4), (4,), "tanh"),
        ((4, 4), (4,), "logistic"),
        ((4, 2), (2,), "logistic"),
    ]
    np.testing.assert_array_equal(net.params[: net.n_coefs], 0.5)
    np.testing.assert_array_equal(net.params[net.n_coefs :], -1.0)


@pytest.mark.parametrize("out_activation", ["softmax", "logistic"])
def test_initialize_default_is_hidden_then_output_activation(out_activation):
    calls = []

    def record(rng, W, b, activation):
        calls.append(activation)

    net = Network([3, 4, 4, 2], ["tanh", "relu"], out_activation=out_activation)
    net.initialize(None, record)
    assert calls == ["tanh", "relu", out_activation]
    calls.clear()
    Network([3, 2], out_activation=out_activation).initialize(None, record)
    assert calls == [out_activation]


def test_initialize_output_layer_for_its_activation():
    """The textbook choice: a logistic output layer gets the logistic bound."""
    net = Network([4, 3, 2], activation="relu", out_activation="logistic")
    net.initialize(np.random.RandomState(0))
    rs = np.random.RandomState(0)
    for W, b, act in zip(net.coefs, net.intercepts, ["relu", "logistic"]):
        W_ref, b_ref = _sklearn_glorot(rs, *W.shape, act)
        np.testing.assert_array_equal(W, W_ref)
        np.testing.assert_array_equal(b, b_ref)


def test_initialize_needs_one_activation_per_layer():
    net = Network([3, 4, 2])
    with pytest.raises(ValueError, match="Got 1 activations to initialise 2"):
        net.initialize(np.random.default_rng(0), activations=["relu"])
