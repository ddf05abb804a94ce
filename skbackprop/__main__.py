"""``python -m skbackprop``: train a network on the digits data and report.

The textbook loop, written with :mod:`skbackprop.core` alone: build the
network, initialise it, then for every epoch and mini-batch do a forward pass,
compute the cost, back-propagate and take an Adam step. Prints the loss per
epoch and the test accuracy. The digits data ships with scikit-learn, so this
runs without a network connection.
"""

import argparse
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skbackprop import __version__
from skbackprop.core import Adam, Network


def train_digits(hidden=(100,), epochs=20, batch_size=64, seed=0, out=None):
    """Train a ReLU network on digits with the core; return the test accuracy.

    Progress goes to ``out``, a text stream; ``None`` means ``sys.stdout`` at
    call time (a default of ``sys.stdout`` would be the one seen at import and
    ignore later redirection).
    """
    if out is None:
        out = sys.stdout
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)  # pixels are 0..16
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y
    )
    n_classes = 10
    Y_train = np.eye(n_classes, dtype=np.float32)[y_train]
    rng = np.random.default_rng(seed)

    # 1. structure, 2. initialise
    net = Network(
        [X.shape[1], *hidden, n_classes],
        activation="relu",
        out_activation="softmax",
        dtype=np.float32,
    )
    net.initialize(rng)
    optimizer = Adam(net.params, learning_rate=3e-3)
    print(
        f"skbackprop {__version__}: network {net.layer_sizes}, "
        f"{net.n_params} parameters, {len(X_train)} training images",
        file=out,
    )

    start = time.perf_counter()
    n = len(X_train)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            # 3. forward, cost, backward (chain rule) -> net.grad
            loss = net.loss_and_gradient(X_train[idx], Y_train[idx], alpha=1e-4)
            # 4. update the parameters by gradient descent
            optimizer.update(net.grad)
            total += loss * len(idx)
        print(f"epoch {epoch:3d}  loss {total / n:.5f}", file=out)
    elapsed = time.perf_counter() - start

    accuracy = float(np.mean(net.forward(X_test).argmax(axis=1) == y_test))
    print(
        f"test accuracy {accuracy:.4f} ({len(X_test)} images), "
        f"trained in {elapsed:.2f} s",
        file=out,
    )
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skbackprop",
        description="Train a neural network by backpropagation on the digits "
        "data shipped with scikit-learn and report its test accuracy.",
    )
    parser.add_argument("--epochs", type=int, default=20, help="epochs (default 20)")
    parser.add_argument(
        "--hidden",
        type=int,
        nargs="+",
        default=[100],
        help="hidden layer sizes (default 100)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=64, help="mini-batch size (default 64)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--version", action="version", version=__version__)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or min(args.hidden) < 1:
        parser.error("--epochs, --batch-size and --hidden must be positive")
    train_digits(tuple(args.hidden), args.epochs, args.batch_size, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
