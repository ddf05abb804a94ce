"""Fixtures shared by the test modules."""

import pytest

from skbackprop.core import accel


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
