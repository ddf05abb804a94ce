"""Optimizers that update a flat parameter vector in place, and step-size schedules.

Every stochastic optimizer has the same shape: it is built around the flat
parameter vector it owns the update of, and ``update(grad)`` takes one step
from the gradient (same layout). State (velocity, moments) is one vector each,
so a step is one pass of :mod:`~skbackprop.core.ops` (a compiled loop, or a
handful of vectorised NumPy operations) whatever the network's depth.
``reset_momentum()`` forgets the momentum (adaptive restart), and
``prox_threshold(strength, part)`` gives the soft-threshold that turns a step
into a proximal step of an L1 penalty
(:class:`~skbackprop.core.proximal.ProximalL1`).

Learning-rate schedules are separate small objects: the training loop asks a
schedule for the step size at the end of each epoch and, when progress stalls,
whether to lower it or stop. The optimizer only reads ``learning_rate``.

:func:`lbfgs` runs full-batch L-BFGS through :func:`scipy.optimize.minimize`
on the same flat vector.

Examples
--------
>>> import numpy as np
>>> from skbackprop.core.optimizers import SGD
>>> w = np.array([1.0, -2.0])
>>> opt = SGD(w, learning_rate=0.1, momentum=0.0)
>>> opt.update(np.array([1.0, 1.0]))
>>> w
array([ 0.9, -2.1])
"""

import contextlib
import math
import os
import threading

import numpy as np
import scipy
import scipy.optimize

from . import ops


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum.

    With velocity ``v`` (zero at the start), one step is::

        v <- momentum * v - lr * grad
        w <- w + v                                  (classical momentum)
        w <- w + momentum * v - lr * grad           (Nesterov momentum)

    which is ``MLPClassifier``'s formulation.

    Parameters
    ----------
    params : ndarray
        The flat parameter vector, updated in place.
    learning_rate : float, default=0.1
        Step size ``lr``; may be changed between steps.
    momentum : float, default=0.9
        Momentum in ``[0, 1]``.
    nesterov : bool, default=True
        Use Nesterov's momentum.
    """

    def __init__(self, params, learning_rate=0.1, momentum=0.9, nesterov=True):
        self.params = params
        self.learning_rate = float(learning_rate)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocity = np.zeros_like(params)
        self.t = 0
        # scratch space of the NumPy step, allocated by its first call (the
        # compiled kernel needs none)
        self._workspace = ops.Workspace()

    def update(self, grad):
        """Take one step along ``-grad`` (in place)."""
        self.t += 1
        # Python floats: NumPy casts them to the vector's dtype, as the kernel does
        ops.sgd_step(
            self.params,
            grad,
            self.velocity,
            float(self.learning_rate),
            float(self.momentum),
            self.nesterov,
            self._workspace,
        )

    def reset_momentum(self):
        """Forget the momentum: zero the velocity, in place.

        Used for adaptive restart (O'Donoghue and Candes, 2015): when the
        objective goes up, the next step starts again from the gradient alone.
        """
        self.velocity[:] = 0.0

    def prox_threshold(self, strength, part):
        """The soft-threshold of a proximal step of ``strength * ||w[part]||_1``.

        A step followed by soft-thresholding ``params[part]`` by this
        threshold is the proximal step of the L1 penalty in the optimizer's
        metric: for SGD the plain one, ``learning_rate * strength``.

        Parameters
        ----------
        strength : float
            The L1 penalty's strength.
        part : slice
            The entries of ``params`` it applies to (unused: one threshold
            for all).

        Returns
        -------
        threshold : float
        """
        return self.learning_rate * strength

    def state(self):
        """Copies of the optimizer's state vectors and counters."""
        return {"velocity": self.velocity.copy(), "t": self.t}

    def rebind(self, params):
        """A copy of this optimizer, stepping the vector ``params`` instead."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.params = params
        new.velocity = self.velocity.copy()
        new._workspace = ops.Workspace()
        return new

    def __setstate__(self, state):
        self.__dict__.update(state)
        # scratch space is never state (a pickled workspace comes back empty);
        # an optimizer pickled with the former scratch attributes drops them
        self.__dict__.pop("_scratch", None)
        self.__dict__.pop("_update", None)
        if "_workspace" not in state:
            self._workspace = ops.Workspace()


class Adam:
    """Adam (Kingma and Ba, 2014) on a flat parameter vector.

    With first and second moments ``m`` and ``v`` (zero at the start) and step
    counter ``t``::

        m <- beta_1 m + (1 - beta_1) grad
        v <- beta_2 v + (1 - beta_2) grad**2
        w <- w - lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + eps)

    Parameters
    ----------
    params : ndarray
        The flat parameter vector, updated in place.
    learning_rate : float, default=0.001
        Base step size ``lr``; may be changed between steps (by a schedule).
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the moment estimates, in ``[0, 1)``.
    epsilon : float, default=1e-8
        Added to ``sqrt(v)`` for numerical stability.
    """

    def __init__(
        self, params, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        self.params = params
        self.learning_rate = float(learning_rate)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        # scratch space of the NumPy step, allocated by its first call (the
        # compiled kernel needs none)
        self._workspace = ops.Workspace()

    def update(self, grad):
        """Take one Adam step from ``grad`` (in place)."""
        b1, b2 = self.beta_1, self.beta_2
        self.t += 1
        # a Python float: NumPy casts it to the vector's dtype, as the kernel does
        step = float(self.learning_rate) * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        ops.adam_step(
            self.params,
            grad,
            self.m,
            self.v,
            b1,
            b2,
            step,
            float(self.epsilon),
            self._workspace,
        )

    def reset_momentum(self):
        """Forget the momentum: zero the first moment ``m``, in place.

        Used for adaptive restart (O'Donoghue and Candes, 2015): when the
        objective goes up, the next steps follow the new gradients alone. The
        second moment, the metric of the steps, is kept.
        """
        self.m[:] = 0.0

    def prox_threshold(self, strength, part):
        """The soft-thresholds of a proximal step of ``strength * ||w[part]||_1``.

        Adam's step is diagonally preconditioned: weight ``i`` moves by
        ``lr_t / (sqrt(v_i) + epsilon)`` times its bias-corrected moment, with
        ``lr_t = learning_rate * sqrt(1 - beta_2**t)``. Soft-thresholding each
        weight of ``params[part]`` by its own step size times ``strength``
        after :meth:`update` is the proximal step of the L1 penalty in that
        metric.

        Parameters
        ----------
        strength : float
            The L1 penalty's strength.
        part : slice
            The entries of ``params`` it applies to.

        Returns
        -------
        threshold : ndarray
            A new array, one threshold per entry of ``params[part]``.
        """
        # numpy scalars, as computed: a float64 scalar makes NumPy 2 compute
        # the division in float64 (and round once into a float32 vector)
        scale = self.learning_rate * np.sqrt(1 - self.beta_2**self.t)
        threshold = np.sqrt(self.v[part])
        threshold += self.epsilon
        np.divide(scale * strength, threshold, out=threshold)
        return threshold

    def state(self):
        """Copies of the optimizer's state vectors and counters."""
        return {"m": self.m.copy(), "v": self.v.copy(), "t": self.t}

    def rebind(self, params):
        """A copy of this optimizer, stepping the vector ``params`` instead."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.params = params
        new.m = self.m.copy()
        new.v = self.v.copy()
        new._workspace = ops.Workspace()
        return new

    __setstate__ = SGD.__setstate__


# --------------------------------------------------------------- schedules
class Constant:
    """A constant learning rate; stops training when progress stalls.

    Attributes
    ----------
    stop_reason : str
        Said (after the plateau message) when the schedule stops training.
    """

    stop_reason = ""

    def __init__(self, learning_rate_init):
        self.learning_rate_init = float(learning_rate_init)

    def epoch_end(self, learning_rate, epoch, t):
        """The learning rate for the next epoch.

        Parameters
        ----------
        learning_rate : float
            The current learning rate.
        epoch : int
            Number of epochs completed.
        t : int
            Number of samples seen so far.
        """
        return learning_rate

    def on_plateau(self, learning_rate):
        """Progress stalled: return a lower learning rate, or ``None`` to stop."""
        return None

    def __repr__(self):
        return f"{type(self).__name__}({self.learning_rate_init})"


class InvScaling(Constant):
    """``lr = learning_rate_init / (t + 1) ** power_t``, ``t`` samples seen."""

    def __init__(self, learning_rate_init, power_t=0.5):
        super().__init__(learning_rate_init)
        self.power_t = float(power_t)

    def epoch_end(self, learning_rate, epoch, t):
        return self.learning_rate_init / (t + 1) ** self.power_t


class Adaptive(Constant):
    """Constant until progress stalls, then divided by ``factor`` (default 5).

    Training stops once the rate would fall below ``min_learning_rate`` (1e-6):
    ``MLPClassifier``'s ``learning_rate='adaptive'``.
    """

    stop_reason = " Learning rate too small."

    def __init__(self, learning_rate_init, factor=5.0, min_learning_rate=1e-6):
        super().__init__(learning_rate_init)
        self.factor = float(factor)
        self.min_learning_rate = float(min_learning_rate)

    def on_plateau(self, learning_rate):
        if learning_rate <= self.min_learning_rate:
            return None
        return learning_rate / self.factor


class Step(Constant):
    """``lr = learning_rate_init * gamma ** (epoch // step_size)``."""

    def __init__(self, learning_rate_init, step_size=10, gamma=0.5):
        super().__init__(learning_rate_init)
        self.step_size = int(step_size)
        self.gamma = float(gamma)

    def epoch_end(self, learning_rate, epoch, t):
        return self.learning_rate_init * self.gamma ** (epoch // self.step_size)


class Cosine(Constant):
    """Cosine annealing from ``learning_rate_init`` to ``eta_min`` over ``n_epochs``.

    ``lr = eta_min + (lr_init - eta_min) * (1 + cos(pi * epoch / n_epochs)) / 2``,
    held at ``eta_min`` after ``n_epochs``.
    """

    def __init__(self, learning_rate_init, n_epochs=200, eta_min=0.0):
        super().__init__(learning_rate_init)
        self.n_epochs = int(n_epochs)
        self.eta_min = float(eta_min)

    def epoch_end(self, learning_rate, epoch, t):
        frac = min(epoch, self.n_epochs) / self.n_epochs
        return self.eta_min + (self.learning_rate_init - self.eta_min) * 0.5 * (
            1 + math.cos(math.pi * frac)
        )


#: Schedules by ``MLPClassifier``'s ``learning_rate`` names, and ours.
SCHEDULES = {
    "constant": Constant,
    "invscaling": InvScaling,
    "adaptive": Adaptive,
    "step": Step,
    "cosine": Cosine,
}


# ------------------------------------------------------------------ L-BFGS
def lbfgs(fun_and_grad, x0, *, max_iter=200, max_fun=15000, tol=1e-4, callback=None):
    """Minimise a smooth function of a flat vector with L-BFGS-B (no bounds).

    Parameters
    ----------
    fun_and_grad : callable
        ``fun_and_grad(x) -> (f, grad)``.
    x0 : ndarray of shape (n,)
        Starting point; overwritten with the solution.
    max_iter : int, default=200
        Maximum number of L-BFGS iterations.
    max_fun : int, default=15000
        Maximum number of function evaluations.
    tol : float, default=1e-4
        Stop when the projected gradient's largest entry is below ``tol``.
    callback : callable, default=None
        Called as ``callback(intermediate_result)`` after every iteration, with
        a :class:`scipy.optimize.OptimizeResult` holding ``x`` and ``fun``;
        raising :class:`StopIteration` ends the run early.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        ``x`` (also copied into ``x0``), ``fun``, ``nit``, ``nfev``,
        ``status`` and ``message``.

    Notes
    -----
    While it runs, SciPy's own BLAS (when it is not NumPy's, as with the
    wheels) is limited to one thread: its idle threads would otherwise compete
    with NumPy's for the cores between iterations.
    """
    if callback is not None:
        user_callback = callback

        # scipy passes the OptimizeResult only to a callback whose single
        # parameter is named ``intermediate_result`` (else just ``x``).
        def callback(intermediate_result):
            return user_callback(intermediate_result)

    with _scipy_blas_single_threaded():
        result = scipy.optimize.minimize(
            fun_and_grad,
            x0.copy(),
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
        )
    np.copyto(x0, result.x, casting="same_kind")
    return result


_SCIPY_BLAS = []  # [SciPy's own BLAS libraries (threadpoolctl) or None], on first use
_LIMIT_LOCK = threading.Lock()
# L-BFGS runs holding the limit; the thread counts it replaced; counts still
# to put back (a worker thread cannot raise what the main thread lowered).
_LIMIT = {"holders": 0, "saved": None, "pending": None}


@contextlib.contextmanager
def _scipy_blas_single_threaded():
    """Limit SciPy's own BLAS, when it is not NumPy's, to one thread.

    SciPy and NumPy wheels each bundle an OpenBLAS with its own thread pool.
    L-BFGS-B's vector operations run in SciPy's; its idle threads then spin
    on the cores that NumPy's threads need for the next gradient's matrix
    products, and both pools slow down several times over (a 64-100-10
    network on the digits: 10.6 ms per iteration against 3.5 ms on two
    cores; four fits in a thread pool: 3.3 times the wall time). The vector
    operations gain nothing from threads, so SciPy's pool is limited to one
    thread while any L-BFGS runs. A BLAS shared with NumPy is left alone, and
    so is everything without ``threadpoolctl``.

    The limit is process-wide, so runs in several threads share it: the
    first to start sets it, the last to end restores the caller's setting
    (each restoring its own would leave one thread for good, when they
    interleave). OpenBLAS ignores a worker thread raising a count the main
    thread lowered: such a count is put back when the main thread next ends
    an L-BFGS run.
    """
    if not _SCIPY_BLAS:
        _SCIPY_BLAS.append(_scipy_blas_libraries())
    libraries = _SCIPY_BLAS[0]
    if libraries is None:
        yield
        return
    with _LIMIT_LOCK:
        if _LIMIT["holders"] == 0:
            pending = _LIMIT["pending"]
            current = [lib.get_num_threads() for lib in libraries]
            _LIMIT["saved"] = current if pending is None else pending
            for lib in libraries:
                lib.set_num_threads(1)
        _LIMIT["holders"] += 1
    try:
        yield
    finally:
        with _LIMIT_LOCK:
            _LIMIT["holders"] -= 1
            if _LIMIT["holders"] == 0:
                saved = _LIMIT["saved"]
                for lib, n_threads in zip(libraries, saved):
                    lib.set_num_threads(n_threads)
                restored = [lib.get_num_threads() for lib in libraries] == saved
                _LIMIT["pending"] = None if restored else saved


def _scipy_blas_libraries():
    """SciPy's own BLAS libraries (threadpoolctl controllers), or None."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return None
    controller = ThreadpoolController()
    scipy_dir = os.path.realpath(os.path.dirname(scipy.__file__))
    numpy_dir = os.path.realpath(os.path.dirname(np.__file__))
    own = [
        lib
        for lib in controller.lib_controllers
        if lib.user_api == "blas"
        and os.path.realpath(lib.filepath).startswith(scipy_dir)
        and not os.path.realpath(lib.filepath).startswith(numpy_dir)
    ]
    return own or None
