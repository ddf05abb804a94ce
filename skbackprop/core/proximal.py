"""First-order solvers for a smooth cost plus an L1 penalty.

The solvers minimise, over a flat parameter vector ``x``::

    F(x) = f(x) + l1 * ||x[part]||_1

where ``f`` is smooth and given as ``fun_and_grad(x) -> (f, grad)`` (such as
:meth:`Network.fun_and_grad <skbackprop.core.Network.fun_and_grad>` bound to a
batch), and the L1 term acts on one part of the vector (a network's weights,
not its biases). The L1 term is handled by its proximal operator, the
soft-thresholding ``sign(x) * max(|x| - t, 0)``.

:func:`spectral_gradient`
    Proximal gradient descent with Barzilai-Borwein steps (the adaptive
    ``ABBmin`` rule of Frassoldati, Zanghirati and Zanni, 2008) and a
    nonmonotone backtracking line search (Grippo, Lampariello and Lucidi, 1986;
    SpaRSA of Wright, Nowak and Figueiredo, 2009 with a penalty). One cost and
    gradient evaluation per iteration in the usual case; optionally in a fixed
    metric (a preconditioner) when there is no L1 term.
:func:`fista`
    FISTA (Beck and Teboulle, 2009) with backtracking that may also lower the
    Lipschitz estimate, and adaptive gradient and function restarts
    (O'Donoghue and Candes, 2015). Two evaluations per iteration.
:class:`ProximalL1`
    The stochastic counterpart: wraps :class:`~skbackprop.core.optimizers.SGD`
    or :class:`~skbackprop.core.optimizers.Adam` so that every step is
    followed by the soft-thresholding that makes it a proximal step (in
    Adam's diagonal metric for Adam).

The two full-batch solvers stop when the largest entry of the minimum-norm
subgradient of ``F`` (the gradient itself where the L1 term is smooth) falls
below ``max(atol, tol * |F(x)|)``: a criterion on a first-order optimality
measure that does not depend on the step sizes the method happened to take. The
tolerance relative to the cost makes the rule independent of the scale of
``F`` and ties it to the relative accuracy of the objective. They also stop,
as converged, when only rounding errors are left: no step decreases the cost
any more, or (:func:`spectral_gradient`) the best cost has not moved beyond
its rounding error for 50 iterations.

Examples
--------
A least-squares problem with an L1 penalty on the first two coordinates:

>>> import numpy as np
>>> from skbackprop.core.proximal import spectral_gradient
>>> A = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
>>> b = np.array([4.0, 0.5, 3.0])
>>> def fun_and_grad(x):
...     r = A @ x - b
...     return 0.5 * r @ r, A.T @ r
>>> x = np.zeros(3)
>>> result = spectral_gradient(fun_and_grad, x, l1=1.0, l1_part=slice(0, 2),
...                            tol=1e-12)
>>> result.success, np.round(x, 6)
(True, array([1.75, 0.  , 1.  ]))
"""

from collections import deque

import numpy as np
from scipy.optimize import OptimizeResult

#: Sufficient-decrease constant of the line searches.
_SIGMA = 1e-4
#: Most halvings of the step in one line search before giving up.
_MAX_BACKTRACKS = 60
#: Iterations without a decrease of the best cost beyond its rounding error
#: after which the nonmonotone method stops: it is at its floating-point floor.
_MAX_STALLED = 50


def inplace_soft_threshold(x, threshold):
    """Soft-threshold ``x`` in place: ``x <- sign(x) * max(|x| - threshold, 0)``.

    The proximal operator of ``threshold * ||x||_1``.

    Parameters
    ----------
    x : ndarray
        Values, overwritten.
    threshold : float or ndarray
        Non-negative threshold, a scalar or one per entry.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    >>> inplace_soft_threshold(x, 1.0)
    >>> x
    array([-1.,  0.,  0.,  0.,  1.])
    """
    magnitude = np.abs(x)
    magnitude -= threshold
    np.maximum(magnitude, 0, out=magnitude)
    np.copysign(magnitude, x, out=x)


def l1_norm(x, part=slice(None)):
    """``||x[part]||_1`` as a Python float."""
    return float(np.abs(x[part]).sum())


def optimality(x, grad, l1=0.0, part=slice(None)):
    """Largest entry of the minimum-norm subgradient of ``f + l1 ||x[part]||_1``.

    Zero exactly at a minimiser of a convex ``F``. Where ``x_j != 0`` the
    entry is ``grad_j + l1 * sign(x_j)``; where ``x_j = 0`` it is
    ``max(|grad_j| - l1, 0)``; outside ``part`` it is ``grad_j``.

    Parameters
    ----------
    x, grad : ndarray of shape (n,)
        The point and the gradient of ``f`` there.
    l1 : float, default=0.0
        Strength of the L1 term.
    part : slice, default=slice(None)
        The entries the L1 term applies to.

    Returns
    -------
    measure : float
    """
    if grad.size == 0:
        return 0.0
    if not l1:
        return float(np.abs(grad).max())
    xp, gp = x[part], grad[part]
    residual = np.where(
        xp != 0, np.abs(gp + l1 * np.sign(xp)), np.maximum(np.abs(gp) - l1, 0)
    )
    rest = np.abs(grad).copy()
    rest[part] = 0.0
    return float(max(residual.max(initial=0.0), rest.max()))


def _prox_step(x, grad, step, l1, part, out):
    """``out <- prox_{step * l1 ||.||_1}(x - step * grad)``."""
    np.multiply(grad, -step, out=out)
    out += x
    if l1:
        inplace_soft_threshold(out[part], step * l1)
    return out


def _result(x, fun, grad, nit, nfev, status, measure):
    messages = {
        0: "Optimality measure below the tolerance.",
        1: "Maximum number of iterations reached.",
        2: "No further decrease possible at floating-point precision.",
        3: "Stopped by the callback.",
    }
    return OptimizeResult(
        x=x,
        fun=fun,
        jac=grad,
        nit=nit,
        nfev=nfev,
        status=status,
        success=status in (0, 2),
        message=messages[status],
        optimality=measure,
    )


def _converged(measure, F, tol, atol):
    return measure <= max(atol, tol * abs(F))


def _negligible(d, x):
    """Whether the step ``d`` no longer changes ``x`` in floating point."""
    eps = np.finfo(x.dtype).eps
    return float(np.abs(d).max(initial=0.0)) <= 4 * eps * max(
        float(np.abs(x).max(initial=0.0)), eps
    )


def spectral_gradient(
    fun_and_grad,
    x0,
    *,
    l1=0.0,
    l1_part=slice(None),
    precondition=None,
    step=1.0,
    max_iter=1000,
    tol=1e-5,
    atol=0.0,
    memory=10,
    callback=None,
):
    """Minimise ``f(x) + l1 ||x[l1_part]||_1`` by proximal spectral gradient steps.

    Each iteration takes the proximal gradient step
    ``z = prox_{step l1}(x - step * grad)`` (or ``z = x - step * M^{-1} grad``
    in the metric ``M`` of a preconditioner) and accepts it when ``F(z)`` is
    below the largest of the last ``memory`` costs minus a sufficient decrease,
    halving the step until it is. The next trial step is a Barzilai-Borwein
    step from ``s = z - x`` and ``r = grad(z) - grad(x)``: the long step
    ``s.s / s.r`` or, when the two Barzilai-Borwein steps disagree (ratio below
    ``tau``), the smallest short step ``s.r / r.r`` of the last five
    iterations (ABBmin). Such steps follow the local curvature and need no
    Lipschitz constant; the line search makes the method safe.

    Parameters
    ----------
    fun_and_grad : callable
        ``fun_and_grad(x) -> (f, grad)`` for the smooth part; the returned
        gradient must not be overwritten by later calls.
    x0 : ndarray of shape (n,)
        Starting point. Overwritten: it holds the last accepted iterate at
        every moment (also if the run is interrupted) and the solution at the
        end.
    l1 : float, default=0.0
        Strength of the L1 term.
    l1_part : slice, default=slice(None)
        The entries of ``x`` the L1 term applies to.
    precondition : callable, default=None
        ``precondition(grad) -> M^{-1} grad`` for a fixed symmetric positive
        definite metric ``M``, such as a quadratic upper bound of the Hessian
        of ``f``; then ``step=1`` is the step that bound guarantees. Only
        without an L1 term (the proximal step in a non-diagonal metric has no
        closed form).
    step : float, default=1.0
        The first trial step, ideally ``1 / L`` for a Lipschitz constant ``L``
        of the gradient (``1`` in a preconditioner's metric).
    max_iter : int, default=1000
        Maximum number of iterations (accepted steps).
    tol : float, default=1e-5
        Stop when the largest entry of the minimum-norm subgradient of ``F``
        is at most ``tol * |F(x)|`` ...
    atol : float, default=0.0
        ... or at most ``atol``.
    memory : int, default=10
        Number of past costs the nonmonotone line search compares with.
    callback : callable, default=None
        Called as ``callback(result)`` after every iteration with an
        :class:`~scipy.optimize.OptimizeResult` holding ``x`` (the iterate,
        not to be modified), ``fun``, ``nit`` and ``optimality``; raising
        :class:`StopIteration` ends the run.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        ``x`` (the array ``x0``), ``fun`` (``F(x)``), ``jac`` (the gradient of
        ``f``), ``nit``, ``nfev``, ``optimality``, ``status`` (0: converged,
        1: ``max_iter`` reached, 2: no decrease possible at the floating-point
        precision, which counts as converged, 3: stopped by the callback),
        ``success`` and ``message``.
    """
    if precondition is not None and l1:
        raise ValueError("A preconditioner cannot be combined with an L1 term.")
    x = x0
    f, g = fun_and_grad(x)
    F = f + l1 * l1_norm(x, l1_part) if l1 else f
    nfev = 1
    if not np.isfinite(F):
        raise FloatingPointError("the cost is not finite at the starting point")
    direction = g if precondition is None else precondition(g)
    history = deque([F], maxlen=max(int(memory), 1))
    best, last_progress = F, 0
    eps = float(np.finfo(x.dtype).eps)
    z = np.empty_like(x)
    step = float(step)
    step_min, step_max = step * 1e-12, step * 1e12
    short_steps = deque(maxlen=5)
    tau = 0.5
    status, nit = 1, 0
    measure = optimality(x, g, l1, l1_part)
    for nit in range(1, max_iter + 1):
        if _converged(measure, F, tol, atol):
            status, nit = 0, nit - 1
            break
        reference = max(history)
        for _ in range(_MAX_BACKTRACKS):
            _prox_step(x, direction, step, l1, l1_part, z)
            d = z - x
            if precondition is None:
                decrease = _SIGMA / step * float(d @ d)
            else:
                decrease = _SIGMA * step * float(g @ direction)
            fz, gz = fun_and_grad(z)
            nfev += 1
            Fz = fz + l1 * l1_norm(z, l1_part) if l1 else fz
            if Fz <= reference - decrease or _negligible(d, x):
                break
            step *= 0.5
        if not Fz <= reference - decrease:  # no acceptable step: at precision
            status = 2
            break
        r = gz - g
        new_direction = gz if precondition is None else precondition(gz)
        sr = float(d @ r)
        if sr > 0:
            if precondition is None:
                sMs, rMr = float(d @ d), float(r @ r)
            else:  # M d = -step * grad, and M^{-1} r from the two directions
                sMs = -step * float(d @ g)
                rMr = float(r @ (new_direction - direction))
            long_step, short_step = sMs / sr, sr / rMr if rMr > 0 else sMs / sr
            short_steps.append(short_step)
            if short_step < tau * long_step:
                step = min(short_steps)
                tau *= 0.9
            else:
                step = long_step
                tau *= 1.1
        else:  # no curvature information along d: try a longer step
            step *= 2.0
        step = min(max(step, step_min), step_max)
        np.copyto(x, z)
        f, g, F, direction = fz, gz, Fz, new_direction
        history.append(F)
        measure = optimality(x, g, l1, l1_part)
        if callback is not None:
            try:
                callback(_result(x, F, g, nit, nfev, 1, measure))
            except StopIteration:
                status = 3
                break
        if F < best - 10 * eps * abs(best):
            best, last_progress = F, nit
        elif nit - last_progress > _MAX_STALLED:
            status = 2  # only rounding errors left to descend
            break
    return _result(x, F, g, nit, nfev, status, measure)


def fista(
    fun_and_grad,
    x0,
    *,
    l1=0.0,
    l1_part=slice(None),
    step=1.0,
    max_iter=1000,
    tol=1e-5,
    atol=0.0,
    callback=None,
):
    """Minimise ``f(x) + l1 ||x[l1_part]||_1`` by FISTA with adaptive restart.

    With ``x_0 = y_0`` and ``t_0 = 1``, each iteration takes a proximal
    gradient step from the extrapolated point ``y``, with the largest step
    ``1 / L`` that satisfies the quadratic upper bound
    ``f(z) <= f(y) + grad(y).(z - y) + L/2 ||z - y||^2`` (backtracking doubles
    ``L``; each iteration first tries ``0.9 L``, so the step can grow again)::

        x_{k+1} = prox_{l1 / L}(y_k - grad(y_k) / L)
        t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2
        y_{k+1} = x_{k+1} + (t_k - 1) / t_{k+1} (x_{k+1} - x_k)

    The momentum restarts (``t = 1``, ``y = x``) when the step turns against
    the last one (``(y_k - x_{k+1}).(x_{k+1} - x_k) > 0``) or the cost goes up:
    adaptive restart recovers linear convergence on strongly convex problems.

    Parameters
    ----------
    fun_and_grad, x0, l1, l1_part, step, max_iter, tol, atol, callback
        As for :func:`spectral_gradient`; ``step`` is the first ``1 / L``.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        As for :func:`spectral_gradient`.
    """
    x = x0
    fy, gy = fun_and_grad(x)
    nfev = 1
    F = fy + l1 * l1_norm(x, l1_part) if l1 else fy
    if not np.isfinite(F):
        raise FloatingPointError("the cost is not finite at the starting point")
    g = gy  # the gradient at x, for the stopping rule
    y = x.copy()
    z = np.empty_like(x)
    lipschitz = 1.0 / float(step)
    t = 1.0
    status, nit = 1, 0
    measure = optimality(x, g, l1, l1_part)
    for nit in range(1, max_iter + 1):
        if _converged(measure, F, tol, atol):
            status, nit = 0, nit - 1
            break
        lipschitz *= 0.9
        for _ in range(_MAX_BACKTRACKS):
            _prox_step(y, gy, 1.0 / lipschitz, l1, l1_part, z)
            d = z - y
            fz, gz = fun_and_grad(z)
            nfev += 1
            quadratic = 0.5 * lipschitz * float(d @ d)
            if quadratic > 1e3 * np.finfo(x.dtype).eps * max(abs(fy), abs(fz)):
                fits = fz <= fy + float(gy @ d) + quadratic
            else:
                # The bound's quadratic term is lost in the rounding errors of
                # the costs: test it through the gradients instead, which
                # convexity allows (f(z) - f(y) - g(y).d <= (g(z) - g(y)).d).
                fits = float((gz - gy) @ d) <= quadratic
            if fits or _negligible(d, y):
                break
            lipschitz *= 2.0
        Fz = fz + l1 * l1_norm(z, l1_part) if l1 else fz
        if not np.isfinite(Fz):
            status = 2
            break
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        if float((y - z) @ (z - x)) > 0 or Fz > F:
            if _negligible(z - x, x) and Fz >= F:
                status = 2
                break
            t_next = 1.0
            np.copyto(y, z)
            fy, gy = fz, gz
        else:
            np.multiply(z - x, (t - 1.0) / t_next, out=y)
            y += z
            fy, gy = fun_and_grad(y)
            nfev += 1
        np.copyto(x, z)
        F, g, t = Fz, gz, t_next
        measure = optimality(x, g, l1, l1_part)
        if callback is not None:
            try:
                callback(_result(x, F, g, nit, nfev, 1, measure))
            except StopIteration:
                status = 3
                break
    return _result(x, F, g, nit, nfev, status, measure)


class ProximalL1:
    """A stochastic optimizer whose steps are proximal steps of an L1 penalty.

    Minimises ``f(w) + strength * ||w[part]||_1`` by stochastic proximal
    gradient steps: every :meth:`update` takes the wrapped optimizer's step on
    the gradient of ``f``, then soft-thresholds ``params[part]`` by
    ``optimizer.prox_threshold(strength, part)``, the threshold that makes the
    pair the proximal step of the penalty in the optimizer's metric:
    ``learning_rate * strength`` for SGD, each weight's own step size times
    ``strength`` for Adam. Weights the penalty drives to zero are exactly
    zero after every step.

    Parameters
    ----------
    optimizer : SGD or Adam
        The optimizer of the smooth part, with ``update(grad)``,
        ``prox_threshold(strength, part)`` and ``reset_momentum()``.
    strength : float
        The L1 penalty's strength, in the units of the cost.
    part : slice
        The entries of the parameter vector the penalty applies to (a
        network's weights, ``slice(0, n_coefs)``, not its biases).

    Attributes
    ----------
    optimizer : SGD or Adam
        The wrapped optimizer.
    params : ndarray
        The flat parameter vector the optimizer updates.
    t : int
        Steps taken.
    learning_rate : float
        The wrapped optimizer's learning rate (reads and writes go to it).

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop.core import SGD
    >>> from skbackprop.core.proximal import ProximalL1
    >>> w = np.array([1.0, 0.05, 2.0])
    >>> opt = ProximalL1(SGD(w, learning_rate=0.1, momentum=0.0), 1.0, slice(0, 2))
    >>> opt.update(np.array([0.0, 0.0, 0.0]))  # threshold 0.1 on w[:2]
    >>> w
    array([0.9, 0. , 2. ])
    """

    def __init__(self, optimizer, strength, part):
        self.optimizer = optimizer
        self.strength = strength
        self.part = part

    @property
    def learning_rate(self):
        """The wrapped optimizer's learning rate."""
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.optimizer.learning_rate = value

    @property
    def params(self):
        """The parameter vector, updated in place."""
        return self.optimizer.params

    @property
    def t(self):
        """Steps taken."""
        return self.optimizer.t

    def update(self, grad):
        """One step of the optimizer on ``grad``, then the L1 penalty's prox."""
        optimizer = self.optimizer
        optimizer.update(grad)
        inplace_soft_threshold(
            optimizer.params[self.part],
            optimizer.prox_threshold(self.strength, self.part),
        )

    def reset_momentum(self):
        """Forget the wrapped optimizer's momentum (adaptive restart)."""
        self.optimizer.reset_momentum()

    def state(self):
        """Copies of the wrapped optimizer's state vectors and counters."""
        return self.optimizer.state()

    def rebind(self, params):
        """A copy stepping the vector ``params`` instead (same penalty)."""
        return type(self)(self.optimizer.rebind(params), self.strength, self.part)

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.optimizer!r}, {self.strength!r}, "
            f"{self.part!r})"
        )
