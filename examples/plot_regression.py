"""
Robust and quantile regression: outliers, and a band around the signal
======================================================================

A noisy 1-D signal, ``sin(x) + 0.3 x``, whose noise grows from left to right,
and one point in twenty thrown far above it: outliers, as a faulty sensor
leaves them. :class:`~skbackprop.BackpropRegressor` fits the same network
with each of its losses.

The squared error (``MLPRegressor``'s default) squares the residuals, so
twenty outliers some four units off outweigh the 380 good points together:
its curve is pulled above the signal, most where the outliers crowd. The
absolute error grows only linearly with a residual, and the Huber loss is
quadratic up to ``huber_delta`` and linear beyond: both stay on the signal
(left).

The quantile (pinball) loss of ``quantile=q`` puts a fraction ``q`` of the
targets below the curve. Fitted at 0.1, 0.5 and 0.9, three networks draw a
band that holds about 80 % of the points and widens with the noise, as a
constant error bar cannot (right). These are the quantiles of all the
targets, outliers included: at the left, where four of the some forty points
with ``x < 1`` are outliers, the 0.9 curve rises towards them.
"""

import matplotlib.pyplot as plt
import numpy as np

from skbackprop import BackpropRegressor

rng = np.random.default_rng(0)
n_samples = 400
x = np.sort(rng.uniform(0, 10, n_samples))
signal = np.sin(x) + 0.3 * x
y = signal + rng.normal(scale=0.1 + 0.05 * x)  # the noise grows with x
outliers = rng.choice(n_samples, n_samples // 20, replace=False)
y[outliers] += rng.uniform(3, 6, len(outliers))
X = (x[:, None] - 5) / 3  # the input scaled to about [-1.7, 1.7]

params = dict(
    hidden_layer_sizes=(32, 32),
    activation="tanh",
    learning_rate_init=0.01,
    max_iter=1000,
    n_iter_no_change=50,  # the robust losses' curves are bumpy: be patient
    random_state=0,
)
fits = {
    loss: BackpropRegressor(loss, **params).fit(X, y)
    for loss in ["squared_error", "huber", "absolute_error"]
}
for loss, reg in fits.items():
    error = np.mean(np.abs(reg.predict(X) - signal))
    print(f"{loss:>14}: mean distance to the signal {error:.3f}")

quantiles = {
    q: BackpropRegressor("quantile", quantile=q, **params).fit(X, y)
    for q in [0.1, 0.5, 0.9]
}
below = {q: np.mean(y <= reg.predict(X)) for q, reg in quantiles.items()}
for q, share in below.items():
    print(f"quantile {q}: {share:.0%} of the targets below the curve")

# %%
# The outliers (red) pull the squared error up; the robust losses follow the
# signal (black, dashed). The quantile band widens with the noise.
grid = np.linspace(0, 10, 500)
X_grid = (grid[:, None] - 5) / 3
fig, (left, right) = plt.subplots(
    1, 2, figsize=(12, 4.4), sharey=True, layout="constrained"
)
for ax in (left, right):
    ax.scatter(x, y, s=6, color="0.6", label="data")
    ax.scatter(x[outliers], y[outliers], s=10, color="tab:red", label="outliers")
    ax.plot(grid, np.sin(grid) + 0.3 * grid, "k--", lw=1.5, label="signal")
    ax.set_xlabel("x")
for (loss, reg), color in zip(fits.items(), ["C0", "C2", "C4"]):
    left.plot(grid, reg.predict(X_grid), color=color, lw=2, label=f'loss="{loss}"')
left.set(ylabel="y", ylim=(-4, 9.5), title="Robust losses ignore the outliers")
left.legend(loc="lower center", ncol=2, fontsize=9)

low, median, high = (quantiles[q].predict(X_grid) for q in [0.1, 0.5, 0.9])
right.fill_between(grid, low, high, color="C1", alpha=0.25, label="0.1 to 0.9 band")
for q, curve, lw in [(0.1, low, 1), (0.5, median, 2), (0.9, high, 1)]:
    label = f"quantile={q}: {below[q]:.0%} below"
    right.plot(grid, curve, color="C1", lw=lw, label=label)
right.set_title("Quantile fits draw a band that widens with the noise")
right.legend(loc="lower center", ncol=2, fontsize=9)
plt.show()
