"""
Digits: BackpropClassifier next to MLPClassifier
================================================

The same network, the same solver, the same ``random_state``: the two
estimators learn the same weights (their loss curves lie on each other) and
reach the same test accuracy; the figure also shows their fit times.
"""

import time
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skbackprop import BackpropClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)

results = {}
for cls in (BackpropClassifier, MLPClassifier):
    model = cls(hidden_layer_sizes=(100,), max_iter=40, random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    results[cls.__name__] = (model, time.perf_counter() - start)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
for (name, (model, seconds)), style in zip(results.items(), ["-", "--"]):
    ax1.plot(
        model.loss_curve_, style, label=f"{name}: {model.score(X_test, y_test):.3f}"
    )
    ax2.barh(name, seconds)
    print(
        f"{name}: test accuracy {model.score(X_test, y_test):.4f}, fit {seconds:.3f} s"
    )
ax1.set(
    xlabel="epoch", ylabel="training loss", yscale="log", title="Loss (test accuracy)"
)
ax1.legend()
ax2.set(xlabel="fit time (s)", title="Fit time, 40 epochs")
fig.tight_layout()
plt.show()
