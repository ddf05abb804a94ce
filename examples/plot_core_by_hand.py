"""
The core by hand: forward, backward, gradient check, a training loop
====================================================================

:mod:`skbackprop.core` is usable on its own. Build a network, run a forward
pass, check the backward pass against finite differences, then write the
training loop yourself: forward pass and cost, backward pass, gradient step.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris

from skbackprop.core import SGD, Network, check_gradient, numerical_gradient

X, y = load_iris(return_X_y=True)
X = (X - X.mean(axis=0)) / X.std(axis=0)
Y = np.eye(3)[y]  # one-hot targets for the softmax output
rng = np.random.default_rng(0)

# 1. structure, 2. initialise
net = Network([4, 8, 3], activation="tanh", loss="log_loss", out_activation="softmax")
net.initialize(rng)
print(f"{net.n_params} parameters in one vector; layer 0 weights {net.coefs[0].shape}")

# the forward pass: one row of class probabilities per sample
print("probabilities of the first sample:", net.forward(X[:1]).round(3))

# %%
# The backward pass, checked
# --------------------------
# :meth:`~skbackprop.core.Network.loss_and_gradient` runs the forward pass,
# computes the cost and backpropagates it into ``net.grad``, the gradient of
# every parameter in the layout of ``net.params``. Finite differences of the
# cost give the same numbers; :func:`~skbackprop.core.check_gradient` does
# this comparison in one call.
X_check, Y_check = X[:20], Y[:20]
net.loss_and_gradient(X_check, Y_check, alpha=1e-3)
backprop = net.grad.copy()


def cost(params):  # reads net.params, which numerical_gradient perturbs
    return net.loss_and_gradient(X_check, Y_check, alpha=1e-3)


finite_differences = numerical_gradient(cost, net.params)
error = check_gradient(net, X_check, Y_check, alpha=1e-3)
print(f"gradient check: worst relative error {error:.1e}")

# %%
# A hand-written training loop
# ----------------------------
# Mini-batch SGD with momentum: ten batches per epoch in a new random order.
optimizer = SGD(net.params, learning_rate=0.1, momentum=0.9)
losses = []
for _ in range(60):
    for batch in np.array_split(rng.permutation(len(X)), 10):
        net.loss_and_gradient(X[batch], Y[batch], alpha=1e-3)  # forward, backward
        optimizer.update(net.grad)  # w <- w + v, v <- momentum v - lr grad
    losses.append(net.loss_and_gradient(X, Y, alpha=1e-3))  # cost of the epoch
accuracy = np.mean(net.forward(X).argmax(axis=1) == y)
print(f"final cost {losses[-1]:.4f}, training accuracy {accuracy:.3f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
limit = abs(finite_differences).max() * 1.1
ax1.plot([-limit, limit], [-limit, limit], color="0.7", lw=1)
ax1.scatter(finite_differences, backprop, s=12)
ax1.set(
    xlabel="finite differences",
    ylabel="backpropagation (net.grad)",
    title=f"Gradient of {net.n_params} parameters: relative error {error:.1e}",
    aspect="equal",
)
ax2.plot(np.arange(1, len(losses) + 1), losses)
ax2.set(xlabel="epoch", ylabel="cost J", yscale="log", title="The training loop")
plt.show()
