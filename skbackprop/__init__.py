"""skbackprop: scikit-learn compatible neural networks trained by backpropagation."""

from ._version import __version__

__all__ = ["__version__"]
