"""
Loss and validation curves, early stopping on your own validation set
=====================================================================

``fit(X, y, X_val=..., y_val=...)`` scores a validation set of your own after
every epoch: ``validation_loss_curve_`` and ``validation_scores_`` record it.
With ``early_stopping=True`` it decides when to stop, here on the validation
loss (``early_stopping_metric="loss"``), and the weights of the best epoch are
the ones kept.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skbackprop import BackpropClassifier

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(
    X / 16, y, test_size=0.3, random_state=0
)
X_train, y_train = X_train[:300], y_train[:300]  # a small training set overfits

clf = BackpropClassifier(
    (256,),
    learning_rate_init=0.01,
    alpha=0.0,
    early_stopping=True,
    early_stopping_metric="loss",
    n_iter_no_change=15,
    max_iter=300,
    random_state=0,
)
clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)
best = int(np.argmin(clf.validation_loss_curve_))
print(f"stopped after {clf.n_iter_} epochs; best epoch {best + 1}")
print(f"validation accuracy of the kept weights: {clf.score(X_val, y_val):.3f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
epochs = np.arange(1, clf.n_iter_ + 1)
ax1.plot(epochs, clf.loss_curve_, label="training loss")
ax1.plot(epochs, clf.validation_loss_curve_, label="validation loss")
ax1.axvline(best + 1, color="k", ls=":", label="best epoch (weights kept)")
ax1.set(xlabel="epoch", ylabel="log-loss", yscale="log")
ax1.legend()
ax2.plot(epochs, clf.validation_scores_, color="C1")
ax2.axvline(best + 1, color="k", ls=":")
ax2.set(xlabel="epoch", ylabel="validation accuracy")
fig.tight_layout()
plt.show()
