"""skbackprop: scikit-learn compatible neural networks trained by backpropagation."""

from ._mlp import BackpropClassifier
from ._version import __version__

__all__ = ["BackpropClassifier", "__version__"]
