"""scikit-learn's estimator checks over every estimator and solver variant."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import BackpropClassifier

# The checks fit tiny data sets with the default max_iter: stopping there
# without converging is expected, and what they check is the API.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [
    BackpropClassifier(),
    BackpropClassifier(solver="sgd"),
    BackpropClassifier(solver="lbfgs"),
    BackpropClassifier(solver="gd"),
    *(
        BackpropClassifier(activation=name)
        for name in ("identity", "logistic", "leaky_relu")
    ),
    # With Glorot's initial weights, tanh units saturate on the unscaled inputs
    # (|x| ~ 40) of check_class_weight_classifiers and training stalls; small
    # initial weights keep them in their linear range.
    BackpropClassifier(activation="tanh", init="normal"),
    BackpropClassifier(activation=["tanh", "relu"], hidden_layer_sizes=(20, 10)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
