"""Test-session set-up shared by the doctests and tests/."""

import os

# scikit-learn's check_array_api_input runs only when SciPy's array API support
# is on, and SciPy reads this variable once, when first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Figures drawn by doctests and tests go nowhere.
os.environ.setdefault("MPLBACKEND", "Agg")
