"""
What the first layer learns
===========================

Each hidden unit of a network trained on the 8 x 8 digit images has one
weight per pixel, so ``coefs_[0][:, j]`` can be drawn as an image: the
template that unit ``j`` matches, red pixels pushing its activation up, blue
ones down. Below each template is the mean of the twenty training images that
excite the unit most, with the digits most common among them: units respond
to strokes shared by a few digits rather than to one digit each.

The pixels of the first and last columns are blank in almost every image.
Their weights get no gradient from the data, only from the L2 penalty
``alpha``, which shrinks them to zero: the white left and right edges of every
template.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skbackprop import BackpropClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
clf = BackpropClassifier(
    (16,),
    activation="tanh",
    alpha=1.0,
    learning_rate_init=0.01,
    max_iter=100,
    random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X_train, y_train)
print(f"16 hidden units, test accuracy {clf.score(X_test, y_test):.3f}")

W, b = clf.coefs_[0], clf.intercepts_[0]
hidden = np.tanh(X_train @ W + b)  # the first layer's activations

fig, axes = plt.subplots(4, 8, figsize=(9, 5.8), layout="constrained")
for j in range(W.shape[1]):
    row, col = 2 * (j // 8), j % 8
    limit = abs(W[:, j]).max()
    axes[row, col].imshow(W[:, j].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    top = np.argsort(hidden[:, j])[-20:]
    axes[row + 1, col].imshow(X_train[top].mean(axis=0).reshape(8, 8), cmap="gray_r")
    digits, counts = np.unique(y_train[top], return_counts=True)
    common = digits[np.argsort(counts)[::-1][:2]]
    title = "digit" + "s" * (len(common) > 1) + " " + ", ".join(map(str, common))
    axes[row + 1, col].set_title(title, fontsize=9)
    axes[row, col].set_title(f"unit {j}", fontsize=9)
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
for row, label in enumerate(["weights", "top 20 inputs"] * 2):
    axes[row, 0].set_ylabel(label)
fig.suptitle("First-layer weights (red: positive) and what excites each unit")
plt.show()
