"""
What the first layer learns
===========================

Each hidden unit of a network trained on the 8 x 8 digit images has one
weight per pixel: drawn as an image, ``coefs_[0][:, j]`` shows the pattern
that unit responds to: strokes and blobs of the digits.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from skbackprop import BackpropClassifier

X, y = load_digits(return_X_y=True)
clf = BackpropClassifier((32,), alpha=1e-2, learning_rate_init=0.01, max_iter=100,
                         random_state=0).fit(X / 16, y)  # fmt: skip
print(f"training accuracy {clf.score(X / 16, y):.3f}")

W = clf.coefs_[0]
fig, axes = plt.subplots(4, 8, figsize=(8, 4.4))
limit = abs(W).max()
for j, ax in enumerate(axes.ravel()):
    ax.imshow(W[:, j].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("First-layer weights of 32 hidden units (red: positive)")
fig.tight_layout()
plt.show()
