"""Importing the package: the core needs no scikit-learn, the estimators load lazily."""

import subprocess
import sys

import pytest

import skbackprop


def _run(code):
    """Run ``code`` in a fresh interpreter (nothing imported yet); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("module", ["skbackprop", "skbackprop.core"])
def test_import_needs_no_sklearn(module):
    _run(
        f"import sys, {module}\n"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'\n"
        "assert 'skbackprop._mlp' not in sys.modules\n"
    )


def test_core_modules_need_no_sklearn():
    _run(
        "import sys\n"
        "import skbackprop.core.accel, skbackprop.core.ops, skbackprop.core.proximal\n"
        "import skbackprop.core.gradcheck\n"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'\n"
    )


def test_estimators_load_on_first_use():
    out = _run(
        "import sys\n"
        "from skbackprop import BackpropClassifier, LogisticRegressionGD\n"
        "import skbackprop\n"
        "print(BackpropClassifier.__module__, LogisticRegressionGD.__module__)\n"
        "print('sklearn' in sys.modules)\n"
    )
    assert out.split() == ["skbackprop._mlp", "skbackprop._logistic", "True"]


def test_public_names():
    assert skbackprop.__all__ == [
        "BackpropClassifier",
        "BackpropRegressor",
        "LogisticRegressionGD",
        "__version__",
    ]
    assert set(skbackprop.__all__) <= set(dir(skbackprop))
    assert skbackprop.BackpropClassifier.__name__ == "BackpropClassifier"
    assert skbackprop.BackpropRegressor.__name__ == "BackpropRegressor"
    assert isinstance(skbackprop.__version__, str)
    with pytest.raises(AttributeError, match="no attribute 'Missing'"):
        skbackprop.Missing  # noqa: B018
