"""skbackprop: scikit-learn compatible neural networks trained by backpropagation.

The estimators are imported on first use (PEP 562): ``import skbackprop`` and
``import skbackprop.core`` stay fast and import no scikit-learn.
"""

import importlib

from ._version import __version__

__all__ = [
    "BackpropClassifier",
    "BackpropRegressor",
    "LogisticRegressionGD",
    "__version__",
]

# Public name -> the private module defining it.
_LAZY = {
    "BackpropClassifier": "._mlp",
    "BackpropRegressor": "._mlp",
    "LogisticRegressionGD": "._logistic",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted({*globals(), *__all__})
