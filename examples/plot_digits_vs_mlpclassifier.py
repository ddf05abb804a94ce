"""
Digits: BackpropClassifier next to MLPClassifier
================================================

The same network, the same solver, the same ``random_state``: the two
estimators learn the same weights (their loss curves lie on each other) and
reach the same test accuracy. The fit times are the medians of five fits,
taken in turn so that both meet the same load on the machine, with the
matrix products on one BLAS thread (as in ``benchmarks/``): on a busy machine
threads that wait for each other make timings unreadable.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from skbackprop import BackpropClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)

models, times = {}, {"BackpropClassifier": [], "MLPClassifier": []}
for _ in range(5):
    for cls in (BackpropClassifier, MLPClassifier):
        model = cls(hidden_layer_sizes=(100,), max_iter=40, random_state=0)
        start = time.perf_counter()
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            warnings.simplefilter("ignore", ConvergenceWarning)  # 40 epochs only
            model.fit(X_train, y_train)
        times[cls.__name__].append(time.perf_counter() - start)
        models[cls.__name__] = model

ours, theirs = models["BackpropClassifier"], models["MLPClassifier"]
difference = max(abs(a - b).max() for a, b in zip(ours.coefs_, theirs.coefs_))
print(f"largest difference between the weights: {difference:.1e}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for (name, model), style in zip(models.items(), ["-", "--"]):
    accuracy = model.score(X_test, y_test)
    seconds = np.median(times[name])
    epochs = np.arange(1, model.n_iter_ + 1)
    ax1.plot(epochs, model.loss_curve_, style, label=f"{name}: {accuracy:.3f}")
    bar = ax2.barh(name, seconds)
    ax2.bar_label(bar, [f" {seconds:.2f} s"])
    print(f"{name}: test accuracy {accuracy:.4f}, median fit time {seconds:.3f} s")
ax1.set(xlabel="epoch", ylabel="training loss", yscale="log", title="Loss curves")
ax1.legend(title="test accuracy")
ax2.set(xlabel="seconds, one BLAS thread", title="Fit time, 40 epochs (median of 5)")
ax2.margins(x=0.2)
plt.show()
