"""Fixtures shared by the test modules, and the property tests' settings."""

import os

import pytest
from hypothesis import settings

from skbackprop.core import accel

# CI (CI=true) draws the same examples on every run, so that its verdict is
# reproducible and never a matter of luck; elsewhere each run draws new
# examples, to find what the earlier ones missed.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(params=["numpy", "kernels"])
def numpy_and_kernels(request):
    """Run a test twice: the NumPy code, then the compiled kernels.

    Modules opt in with ``pytestmark = pytest.mark.usefixtures(...)``. The
    kernels need Numba, which the ``test`` extra installs.
    """
    if request.param == "kernels" and not accel.available():
        pytest.skip("Numba is not installed")
    with accel.enabled(request.param == "kernels"):
        yield request.param
