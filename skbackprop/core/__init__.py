"""The backprop engine: pure NumPy, usable on its own.

The textbook loop, made fast::

    net = Network([n_features, 100, n_classes], activation="relu")  # structure
    net.initialize(rng)                                                # initialise
    opt = SGD(net.params, learning_rate=0.1)
    for X_batch, Y_batch in batches:
        loss = net.loss_and_gradient(X_batch, Y_batch)  # forward, cost, backward
        opt.update(net.grad)                            # gradient descent step

Modules: :mod:`~skbackprop.core.activations`, :mod:`~skbackprop.core.losses`,
:mod:`~skbackprop.core.network`, :mod:`~skbackprop.core.initializers`,
:mod:`~skbackprop.core.optimizers`, :mod:`~skbackprop.core.proximal`,
:mod:`~skbackprop.core.gradcheck`, and :mod:`~skbackprop.core.accel` (optional
compiled kernels for the elementwise passes, bit-identical to the NumPy code,
used when Numba is installed).
"""

from .activations import ACTIVATIONS, DERIVATIVES
from .gradcheck import check_gradient, numerical_gradient, relative_error
from .initializers import INITIALIZERS
from .losses import LOSSES, get_loss
from .network import Network
from .optimizers import SCHEDULES, SGD, Adam, lbfgs

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "INITIALIZERS",
    "LOSSES",
    "SCHEDULES",
    "SGD",
    "Adam",
    "Network",
    "check_gradient",
    "get_loss",
    "lbfgs",
    "numerical_gradient",
    "relative_error",
]
