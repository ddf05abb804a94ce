"""Tests for skbackprop.core.accel: the compiled kernels give the NumPy code's bits.

Each kernel is checked against the NumPy code it replaces, bit for bit, on
arrays that include zeros of both signs, subnormals, huge values, infinities
and NaNs, in float32 and float64. The kernels run two ways: as plain Python on
NumPy scalars (the reference sources, checked with or without Numba) and
compiled by Numba. Whole fits are then compared with the kernels on and off.
"""

import pickle
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.datasets import load_digits

from skbackprop import BackpropClassifier, LogisticRegressionGD
from skbackprop.core import (
    ACTIVATIONS,
    DERIVATIVES,
    SGD,
    Adam,
    Network,
    accel,
    activations,
    ops,
)

DTYPES = [np.float32, np.float64]


@pytest.fixture(params=["python", "numba"])
def engine(request, monkeypatch):
    """Kernels switched on: uncompiled Python sources, or compiled by Numba."""
    if request.param == "numba":
        pytest.importorskip("numba")
        monkeypatch.setitem(accel._state, "enabled", True)
        assert accel._kernels() is not None
    else:
        monkeypatch.setitem(accel._state, "enabled", True)
        monkeypatch.setitem(accel._state, "kernels", dict(accel._SOURCES))
    return request.param


@pytest.fixture
def numba_on(monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.setitem(accel._state, "enabled", True)
    return True


def _special(dtype, n, seed):
    """Random values with the awkward ones mixed in."""
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=3.0, size=n).astype(dtype)
    info = np.finfo(dtype)
    specials = np.array(
        [0.0, -0.0, info.smallest_subnormal, -info.tiny, info.max, -info.max],
        dtype=dtype,
    )
    where = rng.choice(n, size=min(n, len(specials)), replace=False)
    x[where] = specials[: len(where)]
    return x


def _with_nonfinite(x, seed):
    x = x.copy()
    rng = np.random.default_rng(seed)
    where = rng.choice(x.size, size=min(x.size, 3), replace=False)
    x.flat[where] = np.array([np.nan, np.inf, -np.inf], dtype=x.dtype)[: len(where)]
    return x


def assert_same_bits(a, b):
    """Equal dtype, shape and bits (NaNs in the same places, any payload)."""
    assert a.dtype == b.dtype and a.shape == b.shape
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    np.testing.assert_array_equal(nan_a, nan_b)
    ints = f"u{a.dtype.itemsize}"
    bits_a, bits_b = a.view(ints)[~nan_a], b.view(ints)[~nan_b]
    mismatch = np.flatnonzero(bits_a != bits_b)
    assert mismatch.size == 0, (
        f"{mismatch.size} elements differ, first: {a[~nan_a][mismatch[:3]]} vs "
        f"{b[~nan_b][mismatch[:3]]}"
    )


def _numpy_and_kernel(func):
    """Run ``func(use_kernels)`` with the kernels off then on; both results."""
    # the inputs hold the dtype's extremes and non-finite values on purpose:
    # overflow and invalid operations are part of what is compared
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with accel.enabled(False):
            expected = func(False)
        got = func(True)
    return expected, got


# ------------------------------------------------------------ each kernel
@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_step_bits(engine, dtype, nonfinite):
    n = 40
    p0 = _special(dtype, n, 0)
    grads = [_special(dtype, n, s) for s in (1, 2, 3)]
    if nonfinite:
        grads[1] = _with_nonfinite(grads[1], 4)

    def run(_):
        opt = Adam(p0.copy(), learning_rate=1e-3, beta_1=0.8, epsilon=1e-7)
        for k, g in enumerate(grads):
            opt.learning_rate = [1e-3, np.float64(3e-4), 0.1][k]
            opt.update(g)
        return opt

    a, b = _numpy_and_kernel(run)
    for name in ("params", "m", "v"):
        assert_same_bits(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("momentum, nesterov", [(0.9, True), (0.5, False), (0.0, True)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_step_bits(engine, dtype, momentum, nesterov):
    n = 40
    p0 = _special(dtype, n, 5)
    grads = [_special(dtype, n, s) for s in (6, 7, 8)]

    def run(_):
        opt = SGD(p0.copy(), learning_rate=0.1, momentum=momentum, nesterov=nesterov)
        for k, g in enumerate(grads):
            opt.learning_rate = [0.1, np.float64(0.03), 1e-3][k]
            opt.update(g)
        return opt

    a, b = _numpy_and_kernel(run)
    assert_same_bits(a.params, b.params)
    assert_same_bits(a.velocity, b.velocity)


@pytest.mark.parametrize("alpha", [0.0, 1e-4, np.float64(0.3)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_finish_gradient_bits(engine, dtype, alpha):
    n, n_coefs = 40, 31
    g0, params = _special(dtype, n, 9), _special(dtype, n, 10)
    scale = 7.0

    def run(use):
        g = g0.copy()
        if use:
            assert accel.finish_gradient(g, params, n_coefs, float(alpha), scale)
        else:  # the NumPy code of Network.loss_and_gradient
            if alpha:
                g[:n_coefs] += np.multiply(params[:n_coefs], float(alpha))
            g /= scale
        return g

    assert_same_bits(*_numpy_and_kernel(run))


@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("activation", accel.KERNEL_ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_add_bias_activate_bits(engine, dtype, activation, nonfinite):
    Z0 = _special(dtype, 6 * 7, 11).reshape(6, 7)
    if nonfinite:
        Z0 = _with_nonfinite(Z0, 12)
    b = _special(dtype, 7, 13)

    def run(use):
        Z = Z0.copy()
        if use:
            assert accel.add_bias_activate(Z, b, activation)
        else:
            Z += b
            ACTIVATIONS[activation](Z)
        return Z

    assert_same_bits(*_numpy_and_kernel(run))


@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_derivative_bits(engine, dtype, activation, nonfinite):
    A = _special(dtype, 5 * 8, 14).reshape(5, 8)
    A = ACTIVATIONS[activation](A)
    d0 = _special(dtype, 5 * 8, 15).reshape(5, 8)
    if nonfinite:
        d0 = _with_nonfinite(d0, 16)

    def run(use):
        d = d0.copy()
        if use:
            assert accel.activation_derivative(A, d, activation)
        else:
            DERIVATIVES[activation](A, d)
        return d

    assert_same_bits(*_numpy_and_kernel(run))


@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("n_cols", [1, 2, 10, 100])
@pytest.mark.parametrize("dtype", DTYPES)
def test_column_sums_bits(engine, dtype, n_cols, nonfinite):
    # magnitudes spread over 1e-9 .. 1e9: the order of the additions shows
    rng = np.random.default_rng(17)
    scale = np.exp(rng.uniform(-20, 20, size=(50, n_cols)))
    # overflow on purpose: +-max scaled up, and float64 values beyond float32's
    # range cast down, become infinities
    with np.errstate(over="ignore"):
        D = _special(np.float64, 50 * n_cols, 18).reshape(50, n_cols) * scale
        D = D.astype(dtype)
    if nonfinite:
        D = _with_nonfinite(D, 19)

    def run(use):
        out = np.full(n_cols, 5, dtype)
        if not (use and accel.column_sums(D, out)):
            assert not use or n_cols == 1  # one column: NumPy sums it pairwise
            np.add.reduce(D, axis=0, out=out)
        return out

    assert_same_bits(*_numpy_and_kernel(run))


@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("n_cols", [1, 2, 10])
@pytest.mark.parametrize("dtype", DTYPES)
def test_subtract_row_max_bits(engine, dtype, n_cols, nonfinite):
    with np.errstate(over="ignore"):
        Z = (_special(dtype, 30 * n_cols, 20) * dtype(10)).reshape(30, n_cols)
    Z[:3] = 0.0  # rows of zeros of both signs: the maximum's sign is free
    Z[1, 0] = Z[2, -1] = -0.0
    if nonfinite:
        Z = _with_nonfinite(Z, 21)

    def run(use):
        A, m = np.empty_like(Z), np.empty((len(Z), 1), dtype)
        if not (use and accel.subtract_row_max(Z, A, m)):
            assert not use
            m = Z.max(axis=1, keepdims=True)
            np.subtract(Z, m, out=A)
        # + 0.0 turns -0.0 into 0.0: the one freedom the kernel takes, which
        # neither exp(A) nor lse + m can see
        return np.concatenate([(A + 0.0).ravel(), (m + 0.0).ravel()])

    assert_same_bits(*_numpy_and_kernel(run))


@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("n_rows, n_cols", [(30, 10), (30, 1), (2, 30), (1, 30)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_normalize_rows_bits(engine, dtype, n_rows, n_cols, nonfinite):
    rng = np.random.default_rng(25)
    # exponentials of spread-out logits, with zeros and specials among them
    size = n_rows * n_cols
    A0 = np.abs(_special(dtype, size, 26)).reshape(n_rows, n_cols)
    A0[::3] = np.exp(rng.normal(scale=8, size=A0[::3].shape)).astype(dtype)
    if nonfinite:
        A0 = _with_nonfinite(A0, 27)

    def run(use):
        A, s = A0.copy(), np.empty((n_rows, 1), dtype)
        if not (use and accel.normalize_rows(A, s)):
            # one row is contiguous: NumPy sums it pairwise, the kernel declines
            assert not use or n_rows == 1
            s = activations.row_sum(A)
            np.divide(A, s, out=A)
        return np.concatenate([A.ravel(), s.ravel()])

    assert_same_bits(*_numpy_and_kernel(run))


@pytest.mark.parametrize("nonfinite", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_log_loss_terms_bits(engine, dtype, nonfinite):
    rng = np.random.default_rng(28)
    Z = rng.normal(scale=5, size=(30, 10)).astype(dtype)
    Z.flat[:6] = _special(dtype, 6, 29)
    log_s0 = np.log(rng.uniform(1, 10, size=(30, 1))).astype(dtype)
    m = Z.max(axis=1, keepdims=True)
    Y = rng.dirichlet(np.ones(10), size=30).astype(dtype)  # soft targets
    Y[::2] = np.eye(10, dtype=dtype)[rng.integers(0, 10, 15)]
    if nonfinite:
        Z = _with_nonfinite(Z, 30)

    def run(use):
        lse, D = log_s0.copy(), np.empty_like(Z)
        if not (use and accel.log_loss_terms(lse, m, Z, Y, D)):
            assert not use
            lse += m
            np.subtract(lse, Z, out=D)
            D *= Y
        return np.concatenate([lse.ravel(), D.ravel()])

    assert_same_bits(*_numpy_and_kernel(run))


@pytest.mark.parametrize("values", ["finite", "special", "nonfinite"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_log_loss_bits(engine, dtype, values):
    """The softmax, its per-sample log-loss and the (weighted) sums."""
    rng = np.random.default_rng(22)
    if values == "finite":  # finite sums, which show every rounding
        Z = rng.normal(scale=5.0, size=(40, 10)).astype(dtype)
    else:
        with np.errstate(over="ignore"):
            Z = (_special(dtype, 40 * 10, 23) * dtype(5)).reshape(40, 10)
    Z[0] = 0.0
    Z[0, 3] = -0.0
    if values == "nonfinite":
        Z = _with_nonfinite(Z, 24)
    Y = np.eye(10, dtype=dtype)[rng.integers(0, 10, 40)]
    Y[::2] = rng.dirichlet(np.ones(10), size=20)  # soft targets too
    sw = rng.uniform(0.1, 3, 40).astype(dtype)
    loss = Network([3, 10], out_activation="softmax").loss

    def run(_):
        A1, A2, A3 = np.empty_like(Z), np.empty_like(Z), np.empty_like(Z)
        total = loss.sum_and_activate(Y, Z, A1)
        weighted = loss.sum_and_activate(Y, Z, A2, sw)
        per_sample = loss.value_and_activate(Y, Z, A3)
        sums = np.array([total, weighted], dtype=np.float64)
        return np.concatenate([A1.ravel(), A2.ravel(), A3.ravel(), per_sample]), sums

    (a, sums_a), (b, sums_b) = _numpy_and_kernel(run)
    assert_same_bits(a, b)
    assert_same_bits(sums_a, sums_b)
    if values == "finite":
        assert np.isfinite(sums_a).all()


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    dtype=st.sampled_from(DTYPES),
    activation=st.sampled_from(["relu", "leaky_relu"]),
)
def test_forward_backward_kernels_any_values(data, dtype, activation):
    """Hypothesis: any values, any small shape; forward, derivative, bias sums."""
    pytest.importorskip("numba")
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, max_side=9))
    width = 32 if dtype == np.float32 else 64
    elements = st.floats(width=width, allow_nan=True, allow_infinity=True)
    Z0 = data.draw(hnp.arrays(dtype, shape, elements=elements))
    b = data.draw(hnp.arrays(dtype, shape[1], elements=elements))
    d0 = data.draw(hnp.arrays(dtype, shape, elements=elements))

    def run(use):
        Z, d = Z0.copy(), d0.copy()
        if not (use and accel.add_bias_activate(Z, b, activation)):
            assert not use
            Z += b
            ACTIVATIONS[activation](Z)
        if not (use and accel.activation_derivative(Z, d, activation)):
            assert not use
            DERIVATIVES[activation](Z, d)
        sums = np.empty(d.shape[1], dtype)
        if not (use and accel.column_sums(d, sums)):
            assert not use or d.shape[1] == 1
            np.add.reduce(d, axis=0, out=sums)
        return np.concatenate([Z.ravel(), d.ravel(), sums])

    with accel.enabled(True):  # (hypothesis tests take no monkeypatch fixture)
        assert_same_bits(*_numpy_and_kernel(run))


@settings(max_examples=80, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_softmax_log_loss_kernels_any_shape(data, dtype):
    """Hypothesis: the softmax log-loss pass on any small batch, one row included."""
    pytest.importorskip("numba")
    # one row, a few, many: NumPy's order of a row sum depends on the count
    shape = (
        data.draw(st.sampled_from([1, 2, 3, 8, 40])),
        data.draw(st.integers(1, 16)),
    )
    width = 32 if dtype == np.float32 else 64
    # logits of a few units (the softmax then has many terms of similar size),
    # or anything at all
    finite = st.floats(-2, 2, width=width)
    anything = st.floats(width=width, allow_nan=True, allow_infinity=True)
    elements = data.draw(st.sampled_from([finite, finite, anything]))
    Z = data.draw(hnp.arrays(dtype, shape, elements=elements))
    # plus generic fractions, so that sums in another order round differently
    seed = data.draw(st.integers(0, 2**32 - 1))
    with np.errstate(over="ignore", invalid="ignore"):
        Z += np.random.default_rng(seed).normal(size=shape).astype(dtype)
    Y = data.draw(hnp.arrays(dtype, shape, elements=st.floats(0, 1, width=width)))
    sw = data.draw(hnp.arrays(dtype, shape[0], elements=st.floats(0, 5, width=width)))
    loss = Network([2, shape[1]], out_activation="softmax").loss

    def run(_):
        A1, A2 = np.empty_like(Z), np.empty_like(Z)
        sums = [loss.sum_and_activate(Y, Z, A1), loss.sum_and_activate(Y, Z, A2, sw)]
        return np.concatenate([A1.ravel(), A2.ravel(), np.array(sums)])

    with accel.enabled(True):
        assert_same_bits(*_numpy_and_kernel(run))


# ------------------------------------------------ what the kernels decline
def test_kernels_decline_what_they_do_not_take(engine):
    f32, f64 = np.ones((4, 3), np.float32), np.ones((4, 3))
    b64 = np.ones(3)
    assert not accel.add_bias_activate(f32, b64, "relu")  # mixed dtypes
    assert not accel.add_bias_activate(f64[:, ::2], b64[:2], "relu")  # strided
    assert not accel.add_bias_activate(f64, b64, "tanh")  # no kernel
    assert not accel.add_bias_activate(f64.astype(int), b64.astype(int), "relu")
    assert not accel.activation_derivative(f64, f64.copy(), "logistic")
    assert not accel.adam_step(f64.ravel(), f64.ravel(), f64[:, 0], f64[:, 0], 0.9,
                               0.999, 1e-3, 1e-8)  # fmt: skip
    assert (f32 == 1).all() and (f64 == 1).all()  # nothing written
    # SGD without momentum is one NumPy operation: nothing to fuse
    assert not accel.sgd_step(f64.ravel(), f64.ravel(), f64.ravel(), 0.1, 0.0, True)


def test_switched_off_nothing_runs(monkeypatch):
    monkeypatch.setitem(accel._state, "enabled", False)
    Z = np.full((2, 2), -1.0)
    assert not accel.is_enabled()
    assert not accel.add_bias_activate(Z, np.zeros(2), "relu")
    assert (Z == -1).all()


def test_warm_up_compiles_every_kernel_for_each_dtype(numba_on):
    assert accel.warm_up()
    for name, kernel in accel._kernels().items():
        dtypes = {sig[0].dtype.name for sig in kernel.signatures}
        assert {"float32", "float64"} <= dtypes, name


def test_warm_up_does_nothing_when_off(monkeypatch):
    monkeypatch.setitem(accel._state, "enabled", False)
    monkeypatch.setitem(accel._state, "kernels", None)
    assert accel.warm_up() is False
    assert accel._state["kernels"] is None


# ------------------------------------------------- ops: where a pass is chosen
def test_ops_run_numpy_on_what_the_kernels_decline(engine):
    rng = np.random.default_rng(31)
    Z0 = rng.normal(size=(6, 8))
    b = rng.normal(size=4)
    Z = Z0.copy()[:, ::2]  # strided: the kernels take C-contiguous arrays only
    assert not accel.add_bias_activate(Z, b, "relu")
    ops.add_bias_activate(Z, b, "relu")
    expected = Z0[:, ::2] + b
    np.maximum(expected, 0, out=expected)
    assert_same_bits(Z, expected)
    d0 = rng.normal(size=(6, 4))
    d = d0.copy()
    ops.activation_derivative(Z, d, "tanh")  # no kernel for tanh
    assert_same_bits(d, DERIVATIVES["tanh"](Z, d0.copy()))
    out = np.empty(1)
    ops.bias_gradient(Z0[:, :1].copy(), out)  # one column: NumPy's pairwise sum
    assert_same_bits(out, np.add.reduce(Z0[:, :1], axis=0))


@pytest.mark.parametrize("kind", ["sgd", "adam", "finish"])
def test_ops_scratch_only_for_numpy(engine, kind):
    """The kernels allocate nothing; NumPy's chunk buffers hold <= 65536 values."""
    n = 70000
    params, grad = np.zeros(n), np.ones(n)

    def step(workspace):
        if kind == "sgd":
            ops.sgd_step(params, grad, np.zeros(n), 0.1, 0.9, True, workspace)
        elif kind == "adam":
            ops.adam_step(
                params, grad, np.zeros(n), np.zeros(n), 0.9, 0.999, 1e-3, 1e-8,
                workspace,
            )  # fmt: skip
        else:
            ops.finish_gradient(grad.copy(), params, n - 10, 1e-4, 3.0, workspace)

    compiled = ops.Workspace()
    step(compiled)
    assert not compiled
    numpy = ops.Workspace()
    with accel.enabled(False):
        step(numpy)
        arrays = dict(numpy)
        step(numpy)  # reused, not allocated again
    sizes = {name: a.size for (name, _, _), a in numpy.items()}
    assert (
        sizes
        == {
            "sgd": {"step": n},
            "adam": {"tmp": n, "update": 65536},
            "finish": {"penalty": 65536},
        }[kind]
    )
    assert all(a is numpy[key] for key, a in arrays.items())
    assert repr(numpy) == f"Workspace({sorted(sizes)})"
    # scratch space is not state: a pickled workspace comes back empty
    assert not pickle.loads(pickle.dumps(numpy))


# ----------------------------------------------------------- the switch
@pytest.mark.parametrize("value", ["0", "false", "OFF", " no "])
def test_environment_variable_switches_off(monkeypatch, value):
    monkeypatch.setenv("SKBACKPROP_NUMBA", value)
    monkeypatch.setitem(accel._state, "enabled", None)
    assert accel.is_enabled() is False


def test_environment_default_follows_numba(monkeypatch):
    monkeypatch.delenv("SKBACKPROP_NUMBA", raising=False)
    monkeypatch.setitem(accel._state, "enabled", None)
    assert accel.is_enabled() is accel.available()
    monkeypatch.setenv("SKBACKPROP_NUMBA", "1")
    monkeypatch.setitem(accel._state, "enabled", None)
    assert accel.is_enabled() is accel.available()


def test_enabled_context_restores_even_on_error(monkeypatch):
    monkeypatch.setitem(accel._state, "enabled", True)
    with pytest.raises(ZeroDivisionError), accel.enabled(False):
        assert not accel.is_enabled()
        1 / 0  # noqa: B018
    assert accel.is_enabled()


def test_enabled_without_numba_stays_off(monkeypatch):
    monkeypatch.setattr(accel, "available", lambda: False)
    with accel.enabled(True):
        assert not accel.is_enabled()


def test_broken_numba_falls_back_with_a_warning(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba -> ImportError
    monkeypatch.setitem(accel._state, "enabled", True)
    monkeypatch.setitem(accel._state, "kernels", None)
    p = np.array([1.0, 2.0])
    opt = Adam(p)
    with pytest.warns(UserWarning, match="Numba could not be imported"):
        opt.update(np.array([0.5, -0.5]))
    assert not accel.is_enabled()
    with accel.enabled(False):
        ref = Adam(np.array([1.0, 2.0]))
        ref.update(np.array([0.5, -0.5]))
    assert_same_bits(p, ref.params)


def test_no_writable_cache_compiles_in_memory(numba_on, monkeypatch):
    import numba

    njit = numba.njit

    def njit_without_cache(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function: no locator available")
        return njit(*args, cache=cache, **kwargs)

    monkeypatch.setattr(numba, "njit", njit_without_cache)
    monkeypatch.setitem(accel._state, "kernels", None)
    kernels = accel._kernels()
    assert set(kernels) == set(accel._SOURCES)
    Z = np.array([[-1.0, 2.0]])
    assert accel.add_bias_activate(Z, np.zeros(2), "relu")
    assert Z.tolist() == [[0.0, 2.0]]


# ------------------------------------------------------------ whole fits
# A few epochs are enough to compare the kernels with NumPy, bit for bit: the
# fits stop at max_iter before they converge, on purpose.
short_fit = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:360] / 16, y[:360]


def _fit_both(make, X, y, **fit):
    def run(_):
        return make().fit(X, y, **fit)

    return _numpy_and_kernel(run)


def _assert_same_model(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_same_bits(p, q)
    assert a.loss_curve_ == b.loss_curve_
    assert a.n_iter_ == b.n_iter_


@short_fit
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam"},
        {"solver": "adam", "alpha": 0.0, "activation": "leaky_relu"},
        {"solver": "adam", "activation": ["relu", "identity"]},
        {"solver": "adam", "activation": "tanh"},
        {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": True},
        {"solver": "sgd", "momentum": 0.5, "nesterovs_momentum": False},
        {"solver": "sgd", "momentum": 0.0, "learning_rate": "invscaling"},
        {"solver": "adam", "dropout": 0.2},
        {"solver": "adam", "early_stopping": True, "n_iter_no_change": 2},
        {"solver": "lbfgs", "activation": "leaky_relu"},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_fit_identical_with_and_without_kernels(numba_on, digits, dtype, params):
    X, y = digits
    max_iter = 20 if params["solver"] == "lbfgs" else 4

    def make():
        return BackpropClassifier(
            hidden_layer_sizes=(16, 8), max_iter=max_iter, random_state=0, **params
        )

    a, b = _fit_both(make, X.astype(dtype), y)
    _assert_same_model(a, b)
    assert_same_bits(a.predict_proba(X), b.predict_proba(X))
    if params.get("early_stopping"):
        assert a.validation_scores_ == b.validation_scores_


@short_fit
def test_weighted_sparse_and_partial_fit_identical(numba_on, digits):
    X, y = digits
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))

    def make():
        return BackpropClassifier(hidden_layer_sizes=(12,), max_iter=3, random_state=0)

    _assert_same_model(*_fit_both(make, sp.csr_matrix(X), y, sample_weight=w))

    def partial(_):
        model = make()
        for _ in range(3):
            model.partial_fit(X, y, classes=np.unique(y))
        return model

    _assert_same_model(*_numpy_and_kernel(partial))


@short_fit
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_size", [1, 50])
def test_batches_of_one_sample_identical(numba_on, digits, batch_size, dtype):
    """Batches of one sample: batch_size=1, or the last of 201 samples in 50s.

    A single row is contiguous however it is stored, and NumPy sums it
    pairwise: the kernels must decline what they cannot repeat.
    """
    X, y = digits
    X, y = X[:201].astype(dtype), y[:201]

    def make():
        return BackpropClassifier(
            hidden_layer_sizes=(12,), batch_size=batch_size, max_iter=2,
            random_state=0,
        )  # fmt: skip

    _assert_same_model(*_fit_both(make, X, y))


@short_fit
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_logistic_regression_identical(numba_on, digits, solver, l1_ratio):
    X, y = digits

    def run(_):
        return LogisticRegressionGD(
            solver=solver, l1_ratio=l1_ratio, max_iter=5, random_state=0
        ).fit(X, y)

    a, b = _numpy_and_kernel(run)
    assert_same_bits(a.coef_, b.coef_)
    assert_same_bits(a.intercept_, b.intercept_)


def test_network_gradient_identical(numba_on):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5))
    Y = np.eye(3)[rng.integers(0, 3, 30)]
    net = Network([5, 7, 6, 3], activation=["leaky_relu", "relu"])
    net.initialize(rng)

    def run(_):
        loss = net.loss_and_gradient(X, Y, alpha=0.01)
        return loss, net.grad.copy(), net.forward(X)

    (la, ga, fa), (lb, gb, fb) = _numpy_and_kernel(run)
    assert la == lb
    assert_same_bits(ga, gb)
    assert_same_bits(fa, fb)
