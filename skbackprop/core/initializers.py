"""Weight initialisation schemes.

An initializer fills one layer's weights ``W`` (shape ``(fan_in, fan_out)``)
and biases ``b`` (shape ``(fan_out,)``) **in place**, drawing from the random
generator it is given. Both :class:`numpy.random.Generator` and the legacy
:class:`numpy.random.RandomState` (what :func:`sklearn.utils.check_random_state`
returns) are accepted: only their common methods ``uniform`` and ``normal`` are
used, so with the same ``RandomState`` the Glorot scheme draws exactly what
scikit-learn's ``MLPClassifier`` draws.

Examples
--------
>>> import numpy as np
>>> from skbackprop.core.initializers import INITIALIZERS
>>> W, b = np.empty((3, 2)), np.empty(2)
>>> INITIALIZERS["he_normal"](np.random.default_rng(0), W, b, "relu")
>>> b
array([0., 0.])
"""

import numpy as np


def glorot_uniform(rng, W, b, activation):
    """Glorot (Xavier) uniform initialisation, as ``MLPClassifier`` does it.

    Weights and biases are drawn from ``U(-r, r)`` with
    ``r = sqrt(6 / (fan_in + fan_out))``, or ``sqrt(2 / (fan_in + fan_out))``
    for the logistic activation (Glorot and Bengio, 2010).

    Parameters
    ----------
    rng : numpy.random.Generator or numpy.random.RandomState
        Source of randomness.
    W : ndarray of shape (fan_in, fan_out)
        Weights, overwritten.
    b : ndarray of shape (fan_out,)
        Biases, overwritten.
    activation : str
        The layer's activation name.
    """
    fan_in, fan_out = W.shape
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    W[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
    b[...] = rng.uniform(-bound, bound, fan_out)


def he_normal(rng, W, b, activation):
    """He initialisation: ``W ~ N(0, 2 / fan_in)``, zero biases.

    Suited to ReLU-like activations (He et al., 2015).
    """
    fan_in = W.shape[0]
    W[...] = rng.normal(0.0, np.sqrt(2.0 / fan_in), W.shape)
    b[...] = 0


def normal(rng, W, b, activation, scale=0.01):
    """Small random weights ``W ~ N(0, scale**2)`` and zero biases.

    The textbook's choice: small enough to keep sigmoid and tanh units out of
    saturation, random to break the symmetry between units.
    """
    W[...] = rng.normal(0.0, scale, W.shape)
    b[...] = 0


#: Initializers by name: ``init(rng, W, b, activation)`` fills W and b in place.
INITIALIZERS = {
    "glorot_uniform": glorot_uniform,
    "he_normal": he_normal,
    "normal": normal,
}
