"""
The core by hand: forward, backward, gradient check, a training loop
====================================================================

:mod:`skbackprop.core` is usable on its own. Build a network, check its
backward pass against finite differences, then write the training loop
yourself: forward pass and cost, backward pass, gradient step.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris

from skbackprop.core import SGD, Network, check_gradient

X, y = load_iris(return_X_y=True)
X = (X - X.mean(axis=0)) / X.std(axis=0)
Y = np.eye(3)[y]  # one-hot targets for the softmax output
rng = np.random.default_rng(0)

# 1. structure, 2. initialise
net = Network([4, 8, 3], activation="tanh", loss="log_loss", out_activation="softmax")
net.initialize(rng)
print(f"{net.n_params} parameters in one vector; layer 0 weights: {net.coefs[0].shape}")

# the backward pass agrees with finite differences
print(f"gradient check: worst relative error {check_gradient(net, X[:20], Y[:20]):.1e}")

# 3. the loop: forward pass and cost, backward pass, gradient step
optimizer = SGD(net.params, learning_rate=0.1, momentum=0.9)
losses = []
for _ in range(60):
    order = rng.permutation(len(X))
    for batch in np.array_split(order, 10):
        loss = net.loss_and_gradient(X[batch], Y[batch], alpha=1e-3)
        optimizer.update(net.grad)
    losses.append(net.loss_and_gradient(X, Y, alpha=1e-3))
accuracy = np.mean(net.forward(X).argmax(axis=1) == y)
print(f"final loss {losses[-1]:.4f}, training accuracy {accuracy:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(np.arange(1, 61), losses)
ax.set(
    xlabel="epoch", ylabel="cost J", yscale="log", title="A hand-written training loop"
)
fig.tight_layout()
plt.show()
