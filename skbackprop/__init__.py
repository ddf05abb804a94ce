"""skbackprop: scikit-learn compatible neural networks trained by backpropagation."""

from ._logistic import LogisticRegressionGD
from ._mlp import BackpropClassifier
from ._version import __version__

__all__ = ["BackpropClassifier", "LogisticRegressionGD", "__version__"]
