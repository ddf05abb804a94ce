"""Tests for skbackprop.core.optimizers: closed-form updates, schedules, L-BFGS."""

import math
import os

import numpy as np
import pytest
import scipy
from scipy.optimize import OptimizeResult
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer
from threadpoolctl import threadpool_info

from skbackprop.core import SCHEDULES, SGD, Adam, Network, lbfgs
from skbackprop.core.optimizers import Adaptive, Constant, Cosine, InvScaling, Step

# Every test twice: the NumPy code, and the compiled kernels (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("numpy_and_kernels")


N_STEPS = 5


def _grads(n=N_STEPS, size=6, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=size) for _ in range(n)]


# ----------------------------------------------------------------------- SGD
@pytest.mark.parametrize(
    "momentum, nesterov", [(0.0, False), (0.0, True), (0.9, False), (0.5, True)]
)
def test_sgd_closed_form(momentum, nesterov):
    w0 = np.linspace(-1, 1, 6)
    w = w0.copy()
    opt = SGD(w, learning_rate=0.1, momentum=momentum, nesterov=nesterov)
    ref_w, ref_v = w0.copy(), np.zeros(6)
    for k, g in enumerate(_grads()):
        lr = 0.1 if k < 3 else 0.05  # the learning rate may change between steps
        opt.learning_rate = lr
        opt.update(g)
        if momentum == 0:
            ref_w = ref_w - lr * g
        else:
            ref_v = momentum * ref_v - lr * g
            if nesterov:
                ref_w = ref_w + momentum * ref_v - lr * g
            else:
                ref_w = ref_w + ref_v
        np.testing.assert_allclose(w, ref_w, rtol=1e-14, atol=1e-15)
    assert opt.params is w and opt.t == N_STEPS


def test_sgd_first_steps_by_hand():
    w = np.array([1.0])
    opt = SGD(w, learning_rate=0.5, momentum=0.5, nesterov=False)
    opt.update(np.array([1.0]))  # v = -0.5, w = 0.5
    opt.update(np.array([1.0]))  # v = -0.25 - 0.5 = -0.75, w = -0.25
    assert w[0] == pytest.approx(-0.25)
    w = np.array([1.0])
    opt = SGD(w, learning_rate=0.5, momentum=0.5, nesterov=True)
    opt.update(np.array([1.0]))  # v = -0.5, w = 1 + 0.5 * -0.5 - 0.5 = 0.25
    assert w[0] == pytest.approx(0.25)


@pytest.mark.parametrize(
    "momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)]
)
def test_sgd_matches_sklearn(momentum, nesterov):
    net = Network([4, 5, 3]).initialize(np.random.default_rng(0))
    ours = SGD(net.params, learning_rate=0.2, momentum=momentum, nesterov=nesterov)
    theirs_params = [p.copy() for p in net.coefs + net.intercepts]
    theirs = SGDOptimizer(
        theirs_params, learning_rate_init=0.2, momentum=momentum, nesterov=nesterov
    )
    for g in _grads(size=net.n_params, seed=1):
        net.grad[:] = g
        ours.update(net.grad)
        theirs.update_params(theirs_params, net.coef_grads + net.intercept_grads)
    for mine, ref in zip(net.coefs + net.intercepts, theirs_params):
        np.testing.assert_allclose(mine, ref, rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------------- Adam
def test_adam_closed_form():
    w0 = np.linspace(-1, 1, 6)
    w = w0.copy()
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-3
    opt = Adam(w, learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps)
    m, v, ref = np.zeros(6), np.zeros(6), w0.copy()
    for t, g in enumerate(_grads(), start=1):
        opt.update(g)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        ref = ref - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(w, ref, rtol=1e-13)
        np.testing.assert_allclose(opt.m, m, rtol=1e-13)
        np.testing.assert_allclose(opt.v, v, rtol=1e-13)
    assert opt.t == N_STEPS and opt.params is w


def test_adam_bias_correction():
    """With epsilon=0 the step is exactly lr * m_hat / sqrt(v_hat) (the paper's)."""
    w = np.zeros(3)
    opt = Adam(w, learning_rate=0.1, epsilon=0.0)
    g = np.array([2.0, -0.5, 1e-3])
    opt.update(g)
    # first step: m_hat = g and v_hat = g**2, so every weight moves by lr
    np.testing.assert_allclose(w, -0.1 * np.sign(g), rtol=1e-12)
    m_hat, v_hat = g.copy(), g**2
    g2 = np.array([1.0, 1.0, -1.0])
    opt.update(g2)
    m = 0.9 * (0.1 * g) + 0.1 * g2
    v = 0.999 * (0.001 * g**2) + 0.001 * g2**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    np.testing.assert_allclose(w, -0.1 * np.sign(g) - 0.1 * m_hat / np.sqrt(v_hat))


def test_adam_matches_sklearn():
    net = Network([4, 5, 3], activation="tanh").initialize(np.random.default_rng(2))
    ours = Adam(net.params, learning_rate=0.01)
    theirs_params = [p.copy() for p in net.coefs + net.intercepts]
    theirs = AdamOptimizer(theirs_params, learning_rate_init=0.01)
    for g in _grads(n=20, size=net.n_params, seed=3):
        net.grad[:] = g
        ours.update(net.grad)
        theirs.update_params(theirs_params, net.coef_grads + net.intercept_grads)
    for mine, ref in zip(net.coefs + net.intercepts, theirs_params):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------- both: in place, dtype
def _make(kind, w):
    return SGD(w, learning_rate=0.1) if kind == "sgd" else Adam(w, learning_rate=0.1)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_update_in_place_keeps_dtype(kind, dtype):
    net = Network([3, 4, 2], dtype=dtype).initialize(np.random.default_rng(0))
    views = net.coefs + net.intercepts
    before = net.params.copy()
    opt = _make(kind, net.params)

    def state_vectors():  # scratch space (private, allocated on use) aside
        return [
            a
            for k, a in vars(opt).items()
            if isinstance(a, np.ndarray) and not k.startswith("_")
        ]

    state = state_vectors()
    for g in _grads(size=net.n_params):
        net.grad[:] = g
        opt.update(net.grad)
    assert opt.params is net.params
    assert all(np.shares_memory(v, net.params) for v in views)
    assert not np.allclose(net.params, before)
    assert all(a.dtype == dtype for a in [net.params, *state])
    # the state vectors are updated in place, never replaced
    after = state_vectors()
    assert len(after) == len(state) and all(a is b for a, b in zip(after, state))
    scratch = [a for a in vars(opt).values() if isinstance(a, np.ndarray)]
    assert all(a.dtype == dtype for a in scratch)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_state_and_rebind(kind):
    w = np.linspace(-1, 1, 6)
    opt = _make(kind, w)
    grads = _grads()
    for g in grads[:2]:
        opt.update(g)
    snapshot = opt.state()
    assert snapshot["t"] == 2
    w2 = w.copy()
    new = opt.rebind(w2)
    assert new.params is w2 and new.t == 2
    for g in grads[2:]:
        new.update(g)
    # the original's state did not move
    for key, value in snapshot.items():
        np.testing.assert_array_equal(opt.state()[key], value)
    # and continuing the original gives what the rebound copy got
    for g in grads[2:]:
        opt.update(g)
    np.testing.assert_array_equal(w, w2)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_reset_momentum_zeroes_it_in_place(kind):
    w = np.linspace(-1, 1, 6)
    opt = _make(kind, w)
    for g in _grads(n=3):
        opt.update(g)
    momentum = opt.m if kind == "adam" else opt.velocity
    other = [opt.v.copy()] if kind == "adam" else []
    assert np.any(momentum != 0)
    opt.reset_momentum()
    assert (opt.m if kind == "adam" else opt.velocity) is momentum
    np.testing.assert_array_equal(momentum, 0.0)
    if kind == "adam":  # the second moment, the metric, is kept
        np.testing.assert_array_equal(opt.v, other[0])
    # the next step starts from the gradient alone
    g = _grads(n=1, seed=4)[0]
    before = w.copy()
    opt.update(g)
    if kind == "sgd":  # Nesterov, v = -lr g: w + mu v - lr g
        np.testing.assert_allclose(w, before - 0.1 * g * (1 + 0.9), rtol=1e-14)


def test_sgd_prox_threshold_is_the_step_size_times_the_strength():
    opt = SGD(np.zeros(4), learning_rate=0.3)
    assert opt.prox_threshold(2.0, slice(0, 2)) == pytest.approx(0.6, rel=1e-15)
    opt.learning_rate = 0.01
    assert opt.prox_threshold(2.0, slice(0, 2)) == pytest.approx(0.02, rel=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_prox_threshold_is_each_weights_step_size(dtype):
    w = np.zeros(6, dtype=dtype)
    opt = Adam(w, learning_rate=0.01, epsilon=1e-3)
    for g in _grads(n=3):
        opt.update(g.astype(dtype))
    part = slice(1, 5)
    v = opt.v.copy()
    threshold = opt.prox_threshold(0.5, part)
    assert threshold.shape == (4,) and threshold.dtype == dtype
    assert not np.shares_memory(threshold, opt.v)
    np.testing.assert_array_equal(opt.v, v)
    expected = (
        0.01 * math.sqrt(1 - 0.999**3) * 0.5 / (np.sqrt(v[part].astype(float)) + 1e-3)
    )
    rtol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(threshold, expected, rtol=rtol)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_scratch_space_is_not_pickled(kind):
    import pickle

    opt = _make(kind, np.zeros(200))
    empty = len(pickle.dumps(opt))
    for g in _grads(size=200):
        opt.update(g)
    again = pickle.loads(pickle.dumps(opt))
    assert len(pickle.dumps(opt)) == empty
    for key, value in opt.state().items():
        np.testing.assert_array_equal(again.state()[key], value)
    g = _grads(n=1, size=200, seed=9)[0]
    opt.update(g)
    again.update(g)
    np.testing.assert_array_equal(again.params, opt.params)


# ------------------------------------------------------------------ schedules
def test_schedules_registry():
    assert SCHEDULES == {
        "constant": Constant,
        "invscaling": InvScaling,
        "adaptive": Adaptive,
        "step": Step,
        "cosine": Cosine,
    }
    assert repr(Step(0.1)) == "Step(0.1)"


def test_constant():
    s = Constant(0.1)
    assert s.epoch_end(0.07, epoch=5, t=1000) == 0.07
    assert s.on_plateau(0.1) is None


@pytest.mark.parametrize("power_t", [0.5, 0.25])
def test_invscaling_matches_formula_and_sklearn(power_t):
    s = InvScaling(0.3, power_t=power_t)
    sk = SGDOptimizer([np.zeros(1)], 0.3, lr_schedule="invscaling", power_t=power_t)
    for t in (0, 1, 10, 1234):
        sk.iteration_ends(t)
        lr = s.epoch_end(0.3, epoch=1, t=t)
        assert lr == pytest.approx(0.3 / (t + 1) ** power_t, rel=1e-15)
        assert lr == pytest.approx(sk.learning_rate, rel=1e-15)
    assert s.on_plateau(0.3) is None


def test_adaptive_divides_by_five_then_stops():
    s = Adaptive(1e-3)
    sk = SGDOptimizer([np.zeros(1)], 1e-3, lr_schedule="adaptive")
    assert s.epoch_end(1e-3, epoch=3, t=100) == 1e-3  # constant between plateaus
    lr, rates = 1e-3, []
    while True:
        new = s.on_plateau(lr)
        stop = sk.trigger_stopping("", verbose=False)
        assert stop == (new is None)
        if new is None:
            break
        assert new == pytest.approx(lr / 5) == pytest.approx(sk.learning_rate)
        lr = new
        rates.append(lr)
    # 1e-3 / 5**k: 2e-4, 4e-5, 8e-6, 1.6e-6, 3.2e-7; stop once <= 1e-6
    np.testing.assert_allclose(rates, 1e-3 / 5.0 ** np.arange(1, 6))
    assert s.on_plateau(1e-6) is None
    assert s.on_plateau(1.01e-6) == pytest.approx(1.01e-6 / 5)


def test_step():
    s = Step(0.8, step_size=10, gamma=0.5)
    expected = {0: 0.8, 9: 0.8, 10: 0.4, 19: 0.4, 25: 0.2, 30: 0.1}
    for epoch, lr in expected.items():
        assert s.epoch_end(None, epoch=epoch, t=0) == pytest.approx(lr)


def test_cosine():
    s = Cosine(0.5, n_epochs=100, eta_min=0.1)
    assert s.epoch_end(None, epoch=0, t=0) == pytest.approx(0.5)
    assert s.epoch_end(None, epoch=50, t=0) == pytest.approx(0.3)
    assert s.epoch_end(None, epoch=25, t=0) == pytest.approx(
        0.1 + 0.4 * (1 + math.cos(math.pi / 4)) / 2
    )
    assert s.epoch_end(None, epoch=100, t=0) == pytest.approx(0.1)
    assert s.epoch_end(None, epoch=250, t=0) == pytest.approx(0.1)
    lrs = [s.epoch_end(None, epoch=e, t=0) for e in range(101)]
    assert np.all(np.diff(lrs) < 0)


# --------------------------------------------------------------------- lbfgs
def _quadratic(seed=0, n=8):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(n, n))
    A = M @ M.T + n * np.eye(n)
    b = rng.normal(size=n)
    calls = []

    def fun_and_grad(x):
        calls.append(x.copy())
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    return fun_and_grad, np.linalg.solve(A, b), calls


def test_lbfgs_minimises_quadratic_in_place():
    fun_and_grad, solution, _ = _quadratic()
    x0 = np.zeros_like(solution)
    result = lbfgs(fun_and_grad, x0, tol=1e-10)
    assert result.success
    np.testing.assert_array_equal(x0, result.x)
    # L-BFGS-B also stops once f decreases by less than factr * epsmch
    # (about 2.2e-9, relative), so f is the minimum to about that precision
    np.testing.assert_allclose(x0, solution, rtol=1e-3)
    f_min = fun_and_grad(solution)[0]
    assert 0 <= result.fun - f_min < 1e-8 * abs(f_min)


def test_lbfgs_respects_max_iter():
    fun_and_grad, solution, _ = _quadratic(seed=1, n=30)
    x0 = np.zeros_like(solution)
    result = lbfgs(fun_and_grad, x0, max_iter=2, tol=1e-12)
    assert result.nit == 2 and not result.success
    assert not np.allclose(x0, solution, rtol=1e-3)
    x1 = np.zeros_like(solution)
    assert lbfgs(fun_and_grad, x1, max_fun=3, tol=1e-12).nfev <= 4


def test_lbfgs_callback_gets_result_and_can_stop():
    fun_and_grad, solution, _ = _quadratic(seed=2, n=30)
    seen = []

    def callback(res):
        assert isinstance(res, OptimizeResult)
        seen.append((res.x.copy(), res.fun))
        if len(seen) == 3:
            raise StopIteration

    x0 = np.zeros_like(solution)
    result = lbfgs(fun_and_grad, x0, tol=1e-12, callback=callback)
    assert len(seen) == 3 and result.nit == 3
    np.testing.assert_array_equal(x0, seen[-1][0])
    assert result.fun == seen[-1][1]
    assert not np.allclose(x0, solution, rtol=1e-3)
    # fun decreases along the iterations
    assert seen[0][1] > seen[1][1] > seen[2][1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lbfgs_trains_a_small_network(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(dtype)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR-like: needs the hidden layer
    Y = np.eye(2, dtype=dtype)[y]
    net = Network([3, 8, 2], activation="tanh", dtype=dtype).initialize(rng)
    params = net.params
    start = net.loss_and_gradient(X, Y, alpha=1e-4)

    def fun_and_grad(x):
        return net.fun_and_grad(x, X, Y, alpha=1e-4)

    result = lbfgs(fun_and_grad, net.params, max_iter=300)
    assert net.params is params and net.params.dtype == dtype
    np.testing.assert_allclose(net.params, result.x.astype(dtype))
    final = net.loss_and_gradient(X, Y, alpha=1e-4)
    assert final == pytest.approx(result.fun, rel=1e-4)
    assert final < 0.2 * start
    assert np.mean(net.forward(X).argmax(axis=1) == y) >= 0.95


def _scipy_blas_threads():
    """SciPy's own BLAS thread counts (not NumPy's), as threadpoolctl reads them."""
    scipy_dir = os.path.realpath(os.path.dirname(scipy.__file__))
    numpy_dir = os.path.realpath(os.path.dirname(np.__file__))
    return [
        info["num_threads"]
        for info in threadpool_info()
        if info["user_api"] == "blas"
        and os.path.realpath(info["filepath"]).startswith(scipy_dir)
        and not os.path.realpath(info["filepath"]).startswith(numpy_dir)
    ]


def test_lbfgs_runs_scipy_blas_on_one_thread_and_restores_it():
    # SciPy's idle BLAS threads would compete with NumPy's for the cores.
    # (In the main thread; tests/test_reliability.py checks that fits in
    # worker threads, with the main thread's or without, restore the counts.)
    fun_and_grad, _, _ = _quadratic()
    lbfgs(fun_and_grad, np.zeros(8))  # SciPy's BLAS is loaded
    before = _scipy_blas_threads()
    assert before  # SciPy's wheels bring their own OpenBLAS (test extra)
    seen = []

    def watched(x):
        seen.append(_scipy_blas_threads())
        return fun_and_grad(x)

    lbfgs(watched, np.zeros(8), tol=1e-12)
    assert seen and all(counts == [1] * len(before) for counts in seen)
    assert _scipy_blas_threads() == before
