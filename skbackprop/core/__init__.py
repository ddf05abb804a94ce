"""The backprop engine: pure NumPy, usable on its own.

The textbook loop, made fast::

    net = Network([n_features, 100, n_classes], activation="relu")  # structure
    net.initialize(rng)                                                # initialise
    opt = SGD(net.params, learning_rate=0.1)
    for X_batch, Y_batch in batches:
        loss = net.loss_and_gradient(X_batch, Y_batch)  # forward, cost, backward
        opt.update(net.grad)                            # gradient descent step

Modules:

- :mod:`~skbackprop.core.activations`: each activation beside its derivative;
- :mod:`~skbackprop.core.losses`: each loss beside its output-layer delta;
- :mod:`~skbackprop.core.network`: the flat parameter vector with its layer
  views, the forward and backward passes (dropout included);
- :mod:`~skbackprop.core.initializers`: weight initialisation schemes;
- :mod:`~skbackprop.core.optimizers`: SGD (with momentum), Adam, learning-rate
  schedules, L-BFGS;
- :mod:`~skbackprop.core.proximal`: soft-thresholding, full-batch solvers for
  a cost plus an L1 penalty, and :class:`~skbackprop.core.proximal.ProximalL1`
  for stochastic proximal steps;
- :mod:`~skbackprop.core.gradcheck`: finite-difference gradient checks;
- :mod:`~skbackprop.core.ops`: the elementwise passes of a training step, each
  run by a compiled kernel or by NumPy, chosen there and nowhere else;
- :mod:`~skbackprop.core.accel`: those kernels (bit-identical to the NumPy
  code, used when Numba is installed) and their switch.

The core imports NumPy and SciPy only, never scikit-learn, and nothing of the
rest of the package: the training loop (``skbackprop._training``) and the
estimators are built on it. Inside it, the network, the losses and the
optimizers ask :mod:`~skbackprop.core.ops` for each elementwise pass; only
``ops`` calls the kernels of :mod:`~skbackprop.core.accel`.
"""

from .activations import ACTIVATIONS, DERIVATIVES
from .gradcheck import check_gradient, numerical_gradient, relative_error
from .initializers import INITIALIZERS
from .losses import (
    LOSSES,
    ExpPoissonLoss,
    IdentityAbsoluteError,
    IdentityHuberLoss,
    IdentityPinballLoss,
    Loss,
    get_loss,
)
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
    "ExpPoissonLoss",
    "IdentityAbsoluteError",
    "IdentityHuberLoss",
    "IdentityPinballLoss",
    "Loss",
    "Network",
    "check_gradient",
    "get_loss",
    "lbfgs",
    "numerical_gradient",
    "relative_error",
]
