"""Tests for skbackprop.core.network: layout, forward pass, cost and backprop."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp

from skbackprop.core import Network, check_gradient, numerical_gradient
from skbackprop.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from skbackprop.core.gradcheck import relative_error

# Every test twice: the NumPy code, and the compiled kernels (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("numpy_and_kernels")


# (loss, output activation, number of outputs): every pair in LOSSES, with the
# logistic log-loss both binary (one output) and multilabel (several outputs).
LOSS_CASES = {
    "softmax-log_loss": ("log_loss", "softmax", 3),
    "logistic-log_loss-binary": ("log_loss", "logistic", 1),
    "logistic-log_loss-multilabel": ("log_loss", "logistic", 3),
    "identity-squared_error": ("squared_error", "identity", 2),
    "logistic-squared_error": ("squared_error", "logistic", 2),
    "softmax-squared_error": ("squared_error", "softmax", 3),
}
HIDDEN = {0: [], 1: [5], 2: [5, 3]}
N_FEATURES = 4
N_SAMPLES = 6
# No hidden pre-activation lies closer than this to ReLU's kink at 0. The
# finite differences move one parameter by at most 2 * eps = 2e-4, which moves
# a pre-activation by at most 2e-4 times |input| (< 5 here) times the few
# weights (< 1) in between: far less than the margin, so every evaluation of
# the stencil sees the same active set and the loss is smooth there.
KINK_MARGIN = 0.05


def _targets(rng, out_activation, n, k):
    if out_activation == "softmax":
        return np.eye(k)[rng.permutation(np.arange(n) % k)]
    if out_activation == "logistic":
        Y = rng.integers(2, size=(n, k)).astype(float)
        Y[0], Y[1] = 0, 1  # both labels present in every column
        return Y
    return rng.normal(size=(n, k))


def _hidden_preactivations(net, X):
    """Pre-activations of every hidden layer, computed directly in float64."""
    A = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    out = []
    for layer in range(net.n_layers - 1):
        Z = A @ net.coefs[layer].astype(np.float64) + net.intercepts[layer]
        out.append(Z)
        A = ACTIVATIONS[net.activations[layer]](Z.copy())
    return out


def _push_away_from_kinks(net, X, margin=KINK_MARGIN):
    """Shift hidden biases so that no pre-activation is within ``margin`` of 0.

    Layer by layer, each unit's bias moves by the first of 0, +-2 margin,
    +-4 margin, ... that clears every sample: ``n`` samples block at most ``n``
    of these shifts, so one of the first ``2n + 1`` is free.
    """
    n = X.shape[0]
    shifts = (
        2 * margin * np.array([0, *[s * k for k in range(1, n + 2) for s in (1, -1)]])
    )
    for layer in range(net.n_layers - 1):
        Z = _hidden_preactivations(net, X)[layer]
        for j in range(Z.shape[1]):
            ok = [np.all(np.abs(Z[:, j] + s) >= margin) for s in shifts]
            net.intercepts[layer][j] += shifts[ok.index(True)]
    smallest = min((np.abs(Z).min() for Z in _hidden_preactivations(net, X)), default=1)
    assert smallest >= margin * (1 - 1e-6)


def _problem(activation, case, n_hidden, dtype=np.float64, weighted=False, seed=0):
    loss, out_act, n_out = LOSS_CASES[case]
    rng = np.random.default_rng(seed)
    net = Network(
        [N_FEATURES, *HIDDEN[n_hidden], n_out],
        activation=activation,
        loss=loss,
        out_activation=out_act,
        dtype=dtype,
    )
    # every layer initialised for the hidden activation, as MLPClassifier
    # does: the problem instances these tolerances were set on
    last = net.activations[-1] if net.activations else activation
    net.initialize(rng, activations=[*net.activations, last])
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)).astype(dtype)
    Y = _targets(rng, out_act, N_SAMPLES, n_out).astype(dtype)
    sw = rng.uniform(0.2, 3.0, size=N_SAMPLES).astype(dtype) if weighted else None
    _push_away_from_kinks(net, X)
    return net, X, Y, sw


def _cast(net, dtype):
    """The same network (same parameter values) in another dtype."""
    new = Network(
        net.layer_sizes,
        activation=net.activations,
        loss=net.loss.name,
        out_activation=net.out_activation,
        dtype=dtype,
    )
    new.params[:] = net.params
    return new


# ------------------------------------------------------------ gradient checks
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("n_hidden", [0, 1, 2])
@pytest.mark.parametrize("case", list(LOSS_CASES))
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_gradient(activation, case, n_hidden, dtype, weighted):
    net, X, Y, sw = _problem(activation, case, n_hidden, dtype, weighted)
    if dtype == np.float64:
        err = check_gradient(net, X, Y, sw)
        assert err < 1e-6
        assert np.abs(net.grad).max() > 1e-3  # a gradient worth checking
        return
    # float32: finite differences in single precision are too coarse for
    # 1e-6, so check the float32 backward pass against the float64 one of the
    # very same network and data (the float64 one is itself checked by finite
    # differences). float32 rounds at ~6e-8 per operation and these gradients
    # are short sums, so 1e-4 relative to the entry (or to 1e-3 of the largest
    # entry, for entries that cancel) leaves a wide margin.
    loss32 = net.loss_and_gradient(X, Y, sw)
    assert net.grad.dtype == np.float32
    net64 = _cast(net, np.float64)
    args64 = (
        X.astype(np.float64),
        Y.astype(np.float64),
        None if sw is None else sw.astype(np.float64),
    )
    loss64 = net64.loss_and_gradient(*args64)
    np.testing.assert_allclose(loss32, loss64, rtol=1e-5)
    assert relative_error(net.grad, net64.grad) < 1e-4
    assert check_gradient(net64, *args64) < 1e-6


@pytest.mark.parametrize("alpha", [1e-3, 0.5])
@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_gradient_with_l2_penalty(case, alpha):
    net, X, Y, sw = _problem("tanh", case, 2, weighted=True, seed=1)
    assert check_gradient(net, X, Y, sw, alpha=alpha) < 1e-6
    # the penalty term is really in the gradient
    g_alpha = net.grad.copy()
    net.loss_and_gradient(X, Y, sw)
    W_part = slice(0, net.n_coefs)
    np.testing.assert_allclose(
        g_alpha[W_part] - net.grad[W_part],
        alpha * net.params[W_part] / sw.sum(),
        rtol=1e-9,
        atol=1e-15,
    )
    np.testing.assert_allclose(g_alpha[net.n_coefs :], net.grad[net.n_coefs :])


@pytest.mark.parametrize("case", ["softmax-log_loss", "logistic-squared_error"])
def test_gradient_one_activation_per_layer(case):
    loss, out_act, n_out = LOSS_CASES[case]
    rng = np.random.default_rng(2)
    acts = ["tanh", "relu", "logistic", "leaky_relu", "identity"]
    net = Network(
        [N_FEATURES, 5, 4, 4, 3, 3, n_out],
        activation=acts,
        loss=loss,
        out_activation=out_act,
    ).initialize(rng)
    assert net.activations == acts
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    Y = _targets(rng, out_act, N_SAMPLES, n_out)
    _push_away_from_kinks(net, X)
    assert check_gradient(net, X, Y, alpha=0.01) < 1e-6
    # the names really apply per layer: the same net with tanh everywhere differs
    tanh_net = Network(net.layer_sizes, "tanh", loss, out_act)
    tanh_net.params[:] = net.params
    assert not np.allclose(tanh_net.forward(X), net.forward(X))


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_gradient_with_dropout_fixed_mask(activation):
    net, X, Y, sw = _problem(activation, "softmax-log_loss", 2, weighted=True, seed=3)
    dropout = 0.4

    def fun(_):
        # A Generator re-created with the same seed draws the same mask.
        rng = np.random.default_rng(7)
        return net.loss_and_gradient(X, Y, sw, alpha=0.01, dropout=dropout, rng=rng)

    loss = fun(None)
    analytic = net.grad.copy()
    masks = [m.copy() for m in net.buffers(N_SAMPLES, dropout=True).mask]
    numeric = numerical_gradient(fun, net.params)
    assert relative_error(analytic, numeric) < 1e-6
    # the mask is fixed, non-trivial, and it matters
    for mask in masks:
        assert set(np.unique(mask)) == {0.0, 1 / (1 - dropout)}
    fun(None)
    for mask, again in zip(masks, net.buffers(N_SAMPLES, dropout=True).mask):
        np.testing.assert_array_equal(mask, again)
    assert loss != net.loss_and_gradient(X, Y, sw, alpha=0.01)


def test_dropout_masks_vary_with_rng_and_need_one():
    net, X, Y, _ = _problem("tanh", "softmax-log_loss", 1)
    rng = np.random.default_rng(0)
    a = net.loss_and_gradient(X, Y, dropout=0.5, rng=rng)
    b = net.loss_and_gradient(X, Y, dropout=0.5, rng=rng)
    assert a != b
    with pytest.raises(ValueError, match="rng"):
        net.loss_and_gradient(X, Y, dropout=0.5)
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError, match="dropout"):
            net.loss_and_gradient(X, Y, dropout=bad, rng=rng)


def test_set_dropout_is_used_by_the_training_pass():
    net, X, Y, sw = _problem("relu", "softmax-log_loss", 2, weighted=True, seed=3)
    assert net.dropout == 0.0 and net.dropout_rng is None
    explicit = net.loss_and_gradient(
        X, Y, sw, alpha=0.01, dropout=0.4, rng=np.random.default_rng(7)
    )
    grad = net.grad.copy()
    assert net.set_dropout(0.4, np.random.default_rng(7)) is net
    assert net.dropout == 0.4
    assert net.loss_and_gradient(X, Y, sw, alpha=0.01) == explicit
    np.testing.assert_array_equal(net.grad, grad)
    # explicit arguments win over the setting
    plain = net.loss_and_gradient(X, Y, sw, alpha=0.01, dropout=0.0)
    assert plain != explicit
    net.set_dropout(0.0, None)
    assert net.loss_and_gradient(X, Y, sw, alpha=0.01) == plain
    # the inference passes never drop units
    net.set_dropout(0.9, np.random.default_rng(0))
    np.testing.assert_array_equal(net.forward(X), _cast(net, net.dtype).forward(X))


def test_set_dropout_validates_like_the_training_pass():
    net = Network([3, 4, 2])
    with pytest.raises(ValueError, match=r"dropout > 0 needs an rng"):
        net.set_dropout(0.5, None)
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
            net.set_dropout(bad, np.random.default_rng(0))
    assert net.dropout == 0.0 and net.dropout_rng is None  # left unchanged
    net.set_dropout(0.0, None)


@pytest.mark.parametrize("how", ["copy", "pickle"])
def test_dropout_setting_survives_copy_and_pickle(how):
    net, X, Y, _ = _problem("tanh", "softmax-log_loss", 1)
    net.set_dropout(0.3, np.random.default_rng(5))
    new = net.copy() if how == "copy" else pickle.loads(pickle.dumps(net))
    assert new.dropout == 0.3
    assert isinstance(new.dropout_rng, np.random.Generator)
    # the same masks: the copy shares the generator, the pickle copies its state
    rng = np.random.default_rng(5)
    expected = net.loss_and_gradient(X, Y, dropout=0.3, rng=rng)
    if how == "copy":
        net.set_dropout(0.3, np.random.default_rng(5))
        new = net.copy()
    assert new.loss_and_gradient(X, Y) == expected


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_hidden", [0, 2])
def test_sparse_input_equals_dense(n_hidden, dtype, fmt):
    net, X, Y, sw = _problem("relu", "softmax-log_loss", n_hidden, dtype, True, seed=4)
    X[X < 0.3] = 0  # genuinely sparse
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    dense_loss = net.loss_and_gradient(X, Y, sw, alpha=0.1)
    dense_grad = net.grad.copy()
    sparse_loss = net.loss_and_gradient(Xs, Y, sw, alpha=0.1)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(sparse_loss, dense_loss, rtol=rtol)
    np.testing.assert_allclose(net.grad, dense_grad, rtol=rtol, atol=1e-7)
    assert net.grad.dtype == dtype
    for method in (net.forward, net.logits):
        out = method(Xs)
        assert isinstance(out, np.ndarray) and out.dtype == dtype
        np.testing.assert_allclose(out, method(X), rtol=rtol, atol=1e-7)
    if dtype == np.float64:
        _push_away_from_kinks(net, X)
        assert check_gradient(net, Xs, Y, sw, alpha=0.1) < 1e-6


def test_sparse_array_input():
    net, X, Y, _ = _problem("tanh", "logistic-log_loss-multilabel", 1)
    dense = net.loss_and_gradient(X, Y)
    grad = net.grad.copy()
    assert net.loss_and_gradient(sp.csr_array(X), Y) == pytest.approx(dense, rel=1e-12)
    np.testing.assert_allclose(net.grad, grad, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------- cost value
def _reference_per_sample(net, X, Y):
    P = net.forward(X).astype(np.float64)
    if net.loss.name == "squared_error":
        return 0.5 * ((P - Y) ** 2).sum(axis=1)
    if net.out_activation == "softmax":
        return -(Y * np.log(P)).sum(axis=1)
    return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)


@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_cost_formula(case, weighted, alpha):
    """J = (sum_i s_i L_i + alpha / 2 sum_l ||W_l||^2) / sum_i s_i."""
    net, X, Y, sw = _problem("tanh", case, 2, weighted=weighted, seed=5)
    s = np.ones(len(X)) if sw is None else sw
    penalty = sum((W**2).sum() for W in net.coefs)  # weights only, no biases
    expected = (_reference_per_sample(net, X, Y) @ s + alpha / 2 * penalty) / s.sum()
    loss = net.loss_and_gradient(X, Y, sw, alpha=alpha)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected, rel=1e-12)


def test_cost_matches_sklearn_log_loss():
    from sklearn.metrics import log_loss

    net, X, Y, sw = _problem("relu", "softmax-log_loss", 1, weighted=True, seed=6)
    expected = log_loss(Y.argmax(axis=1), net.forward(X), sample_weight=sw)
    assert net.loss_and_gradient(X, Y, sw) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_unit_weights_equal_no_weights(case):
    net, X, Y, _ = _problem("relu", case, 1, seed=7)
    loss = net.loss_and_gradient(X, Y, alpha=0.1)
    grad = net.grad.copy()
    assert net.loss_and_gradient(X, Y, np.ones(len(X)), alpha=0.1) == pytest.approx(
        loss, rel=1e-13
    )
    np.testing.assert_allclose(net.grad, grad, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_integer_weights_equal_repeated_samples(case):
    net, X, Y, _ = _problem("tanh", case, 2, seed=8)
    sw = np.array([0, 1, 2, 3, 1, 2])
    loss = net.loss_and_gradient(X, Y, sw.astype(float), alpha=0.2)
    grad = net.grad.copy()
    repeated = net.loss_and_gradient(
        np.repeat(X, sw, axis=0), np.repeat(Y, sw, axis=0), alpha=0.2
    )
    assert loss == pytest.approx(repeated, rel=1e-12)
    np.testing.assert_allclose(grad, net.grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_extreme_logits_through_network(case, dtype):
    net, X, Y, _ = _problem("identity", case, 0, dtype=dtype, seed=9)
    net.coefs[0][:] = 0
    net.intercepts[0][:] = np.tile([1e4, -1e4], 2)[: net.layer_sizes[-1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = net.loss_and_gradient(X, Y, alpha=1.0)
        P = net.forward(X)
    assert np.isfinite(loss)
    assert np.all(np.isfinite(net.grad)) and np.all(np.isfinite(P))
    if net.loss.name == "log_loss":
        # each confidently wrong output costs about 1e4 (2e4 for softmax's -1e4)
        assert loss == pytest.approx(_reference_cost_extreme(net, Y), rel=1e-6)


def _reference_cost_extreme(net, Y):
    z = net.intercepts[0].astype(np.float64)
    if net.out_activation == "softmax":
        return float(np.mean(logsumexp(z) - Y @ z))
    return float(np.mean((np.maximum(z, 0) - Y * z).sum(axis=1)))


# ------------------------------------------------------------ layout, views
def test_flat_parameter_vector_and_views():
    net = Network([4, 5, 3, 2])
    assert net.shapes == [(4, 5), (5, 3), (3, 2)]
    assert net.n_layers == 3
    assert net.n_coefs == 4 * 5 + 5 * 3 + 3 * 2
    assert net.n_params == net.n_coefs + 5 + 3 + 2
    for flat, coefs, intercepts in (
        (net.params, net.coefs, net.intercepts),
        (net.grad, net.coef_grads, net.intercept_grads),
    ):
        assert flat.shape == (net.n_params,) and flat.flags.c_contiguous
        assert [W.shape for W in coefs] == net.shapes
        assert [b.shape for b in intercepts] == [(5,), (3,), (2,)]
        for view in coefs + intercepts:
            assert np.shares_memory(view, flat)
    assert not np.shares_memory(net.params, net.grad)
    # layout: all weight matrices (row-major) first, then all biases
    net.params[:] = np.arange(net.n_params)
    np.testing.assert_array_equal(net.coefs[0], np.arange(20).reshape(4, 5))
    np.testing.assert_array_equal(net.coefs[2], np.arange(35, 41).reshape(3, 2))
    np.testing.assert_array_equal(net.intercepts[0], np.arange(41, 46))
    np.testing.assert_array_equal(net.intercepts[2], [49, 50])
    # and writes through a view land in the vector
    net.coefs[1][0, 0] = -1.0
    assert net.params[20] == -1.0


def test_views_do_not_move():
    net, X, Y, _ = _problem("relu", "softmax-log_loss", 2)
    params, grad = net.params, net.grad
    views = net.coefs + net.intercepts + net.coef_grads + net.intercept_grads
    net.initialize(np.random.default_rng(1))
    net.loss_and_gradient(X, Y)
    net.params -= 0.1 * net.grad
    assert net.params is params and net.grad is grad
    assert all(
        a is b
        for a, b in zip(
            views, net.coefs + net.intercepts + net.coef_grads + net.intercept_grads
        )
    )
    np.testing.assert_array_equal(net.coef_grads[0].ravel(), net.grad[:20])


def test_buffers_reused():
    net, X, Y, sw = _problem("relu", "softmax-log_loss", 2)
    buf = net.buffers(N_SAMPLES)
    arrays = [*buf.A, *buf.delta, buf.Z_out, buf.A_out]
    ids = [id(a) for a in arrays]
    net.loss_and_gradient(X, Y, sw)
    X2 = X[::-1].copy()
    net.loss_and_gradient(X2, Y)
    assert net.buffers(N_SAMPLES) is buf
    assert [id(a) for a in [*buf.A, *buf.delta, buf.Z_out, buf.A_out]] == ids
    # the pass really ran in these arrays
    np.testing.assert_allclose(buf.A_out, net.forward(X2), rtol=1e-12)
    np.testing.assert_allclose(buf.Z_out, net.logits(X2), rtol=1e-12)
    # another batch size gets its own buffers; the first ones stay cached
    net.loss_and_gradient(X[:4], Y[:4])
    other = net.buffers(4)
    assert other is not buf and other.A_out.shape == (4, 3)
    assert not any(
        np.shares_memory(a, b) for a in arrays for b in [*other.A, other.A_out]
    )
    assert net.buffers(N_SAMPLES) is buf
    # dropout uses separate buffers with masks
    dbuf = net.buffers(N_SAMPLES, dropout=True)
    assert dbuf is not buf and buf.mask is None
    assert [m.shape for m in dbuf.mask] == [(N_SAMPLES, 5), (N_SAMPLES, 3)]


def test_forward_does_not_touch_training_buffers():
    net, X, Y, _ = _problem("tanh", "softmax-log_loss", 1)
    net.loss_and_gradient(X, Y)
    buf = net.buffers(N_SAMPLES)
    before = buf.A_out.copy()
    out = net.forward(X[::-1].copy())
    assert not np.shares_memory(out, buf.A_out)
    np.testing.assert_array_equal(buf.A_out, before)


@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_float32_end_to_end(case):
    net, X, Y, sw = _problem("relu", case, 2, dtype=np.float32, weighted=True)
    assert X.dtype == Y.dtype == sw.dtype == np.float32
    arrays = [net.params, net.grad, *net.coefs, *net.intercepts]
    net.loss_and_gradient(X, Y, sw, alpha=0.1)
    rng = np.random.default_rng(0)
    net.loss_and_gradient(X, Y, sw, alpha=0.1, dropout=0.2, rng=rng)
    for key in (False, True):
        buf = net.buffers(N_SAMPLES, dropout=key)
        arrays += [*buf.A, *buf.delta, buf.Z_out, buf.A_out]
        if key:
            arrays += [*buf.mask, *buf.dropped]
    arrays += [net.forward(X), net.logits(X)]
    arrays += [net.forward(X.astype(np.float64)), net.forward(sp.csr_matrix(X))]
    assert all(a.dtype == np.float32 for a in arrays)
    assert all(a.dtype == np.float32 for a in (*net.coef_grads, *net.intercept_grads))


@pytest.mark.parametrize("n_hidden", [0, 1, 2])
@pytest.mark.parametrize("case", list(LOSS_CASES))
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_forward_matches_numpy_reference(activation, case, n_hidden):
    net, X, _, _ = _problem(activation, case, n_hidden, seed=10)
    A = X
    for layer, (W, b) in enumerate(zip(net.coefs, net.intercepts)):
        Z = A @ W + b
        if layer < net.n_layers - 1:
            Z = {
                "identity": lambda z: z,
                "logistic": lambda z: 1 / (1 + np.exp(-z)),
                "tanh": np.tanh,
                "relu": lambda z: np.maximum(z, 0),
                "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
            }[activation](Z)
        A = Z
    np.testing.assert_allclose(net.logits(X), Z, rtol=1e-12, atol=1e-14)
    out = {
        "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
        "logistic": lambda z: 1 / (1 + np.exp(-z)),
        "identity": lambda z: z,
    }[net.out_activation](Z)
    np.testing.assert_allclose(net.forward(X), out, rtol=1e-12, atol=1e-14)
    # forward is the logits followed by the output activation
    np.testing.assert_array_equal(
        net.forward(X), ACTIVATIONS[net.out_activation](net.logits(X))
    )
    # and agrees with the output of the training pass
    net.loss_and_gradient(X, np.zeros_like(out))
    np.testing.assert_allclose(net.buffers(len(X)).A_out, out, rtol=1e-12, atol=1e-14)


def test_logits_leave_input_untouched():
    net, X, _, _ = _problem("relu", "identity-squared_error", 0)
    X0 = X.copy()
    net.forward(X)
    net.logits(X)
    np.testing.assert_array_equal(X, X0)


# ------------------------------------------- set_weights, copy and pickling
def test_set_weights_round_trip():
    src, X, _, _ = _problem("tanh", "softmax-log_loss", 2, seed=11)
    dst = Network(src.layer_sizes, "tanh")
    params = dst.params
    dst.set_weights(
        [W.copy() for W in src.coefs], tuple(b.copy() for b in src.intercepts)
    )
    assert dst.params is params
    np.testing.assert_array_equal(dst.params, src.params)
    np.testing.assert_array_equal(dst.forward(X), src.forward(X))
    # a copy, not a reference to the arrays given
    src.params[:] = 0
    assert np.any(dst.params != 0)
    # float64 arrays into a float32 network
    dst32 = Network(src.layer_sizes, "tanh", dtype=np.float32)
    dst32.set_weights(dst.coefs, dst.intercepts)
    assert dst32.params.dtype == np.float32
    np.testing.assert_allclose(dst32.params, dst.params, rtol=1e-7)


def test_set_weights_rejects_bad_input():
    net = Network([3, 4, 2])
    coefs = [np.zeros((3, 4)), np.zeros((4, 2))]
    intercepts = [np.zeros(4), np.zeros(2)]
    with pytest.raises(ValueError, match="Expected 2 weight and bias arrays"):
        net.set_weights(coefs[:1], intercepts)
    with pytest.raises(ValueError, match=r"shape \(4, 2\), got \(2, 4\)"):
        net.set_weights([coefs[0], np.zeros((2, 4))], intercepts)
    with pytest.raises(ValueError, match=r"shape \(2,\), got \(3,\)"):
        net.set_weights(coefs, [intercepts[0], np.zeros(3)])


def test_copy_is_independent():
    net, X, Y, _ = _problem("relu", "softmax-log_loss", 2, seed=12)
    before = net.params.copy()
    new = net.copy()
    np.testing.assert_array_equal(new.params, net.params)
    assert not np.shares_memory(new.params, net.params)
    assert not np.shares_memory(new.grad, net.grad)
    for view in new.coefs + new.intercepts:
        assert np.shares_memory(view, new.params)
    for view in new.coef_grads + new.intercept_grads:
        assert np.shares_memory(view, new.grad)
    new.loss_and_gradient(X, Y)
    new.params -= new.grad
    new.coefs[0][:] = 1.0
    np.testing.assert_array_equal(net.params, before)
    assert not np.any(net.grad)
    assert not np.allclose(new.forward(X), net.forward(X))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pickle_round_trip(dtype):
    net, X, Y, _ = _problem(["relu", "tanh"], "logistic-log_loss-multilabel", 2, dtype)
    size_before = len(pickle.dumps(net))
    big = np.random.default_rng(0).normal(size=(2000, N_FEATURES)).astype(dtype)
    net.loss_and_gradient(big, np.zeros((2000, 3), dtype=dtype))
    net.loss_and_gradient(X, Y)
    blob = pickle.dumps(net)
    assert len(blob) == size_before  # scratch buffers are not pickled
    new = pickle.loads(blob)
    assert new.params.dtype == dtype and new.activations == ["relu", "tanh"]
    np.testing.assert_array_equal(new.params, net.params)
    np.testing.assert_array_equal(new.grad, net.grad)
    for view in new.coefs + new.intercepts:
        assert np.shares_memory(view, new.params)
    for view in new.coef_grads + new.intercept_grads:
        assert np.shares_memory(view, new.grad)
    np.testing.assert_array_equal(new.forward(X), net.forward(X))
    assert new.loss_and_gradient(X, Y) == net.loss_and_gradient(X, Y)
    np.testing.assert_array_equal(new.grad, net.grad)


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "sizes", [[], [3], [3, 0, 2], [3, -1], [0, 2], [3, 2.5, 2], ["a", 2], [3, None]]
)
def test_bad_layer_sizes(sizes):
    with pytest.raises(ValueError, match="layer_sizes"):
        Network(sizes)


def test_integral_layer_sizes_accepted():
    net = Network(np.array([3, 4, 2]))
    assert net.layer_sizes == [3, 4, 2]
    assert all(type(k) is int for k in net.layer_sizes)
    assert Network([3.0, 2.0]).layer_sizes == [3, 2]


@pytest.mark.parametrize("activation", ["sigmoid", "softmax", "ReLU", ""])
def test_bad_activation_name(activation):
    with pytest.raises(ValueError, match=f"Unknown activation {activation!r}"):
        Network([3, 4, 2], activation=activation)
    with pytest.raises(ValueError, match="Unknown activation"):
        Network([3, 4, 4, 2], activation=["relu", activation])


def test_activation_list_length_mismatch():
    with pytest.raises(ValueError, match="Got 1 activations for 2 hidden layers"):
        Network([3, 4, 4, 2], activation=["relu"])
    with pytest.raises(ValueError, match="Got 1 activations for 0 hidden layers"):
        Network([3, 2], activation=["relu"])


def test_bad_loss_dtype_and_input():
    with pytest.raises(
        ValueError, match="No loss 'log_loss' for output activation 'identity'"
    ):
        Network([3, 2], loss="log_loss", out_activation="identity")
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        Network([3, 2], dtype=np.float16)
    net = Network([3, 2])
    with pytest.raises(ValueError, match="X has 4 features, but the network expects 3"):
        net.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="X has 4 features"):
        net.loss_and_gradient(np.zeros((2, 4)), np.zeros((2, 2)))


def test_fun_and_grad():
    net, X, Y, sw = _problem("tanh", "softmax-log_loss", 1, weighted=True, seed=13)
    x = net.params.copy() + 0.1
    loss, grad = net.fun_and_grad(x, X, Y, sw, alpha=0.1)
    np.testing.assert_array_equal(net.params, x)  # copied into params
    assert grad is not net.grad
    np.testing.assert_array_equal(grad, net.grad)
    assert loss == net.loss_and_gradient(X, Y, sw, alpha=0.1)
    # passing params itself works without a copy
    assert net.fun_and_grad(net.params, X, Y, sw, alpha=0.1)[0] == loss
