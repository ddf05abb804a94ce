"""Cost of one call on a small batch: partial_fit and the predict methods.

Where a model learns from a stream, or answers one request at a time, a call
handles a few rows and its cost is the estimator's own work around the
arithmetic: checking the input, encoding the labels, setting up the step.
On digits (64 features, 10 classes; the default 64-100-10 ReLU network,
no hidden layer for logistic regression), each row of the tables times one
call in turn for every contender, inside each repeat:

partial_fit (batches of 1, 10, 100 rows; one step per call)
    ours      BackpropClassifier, LogisticRegressionGD(solver="sgd"),
              BackpropRegressor
    sklearn   MLPClassifier, SGDClassifier(loss="log_loss"), MLPRegressor
    step      the arithmetic alone, through skbackprop.core:
              Network.loss_and_gradient and the optimizer's update (Adam;
              SGD with Nesterov momentum for the linear model) on the batch
    validate  one call of scikit-learn's validate_data(X, y) on the fitted
              model: the input checks alone, as scikit-learn makes them

predict_proba and predict (1, 10, 1,000 rows)
    ours      BackpropClassifier, LogisticRegressionGD, BackpropRegressor
    sklearn   MLPClassifier, LogisticRegression, MLPRegressor
    forward   the forward pass alone: Network.forward with the same weights
              (the probabilities; predict also picks the labels)

It prints the median time per call over the repeats (us), and the medians
of the per-repeat ratios: sklearn / ours, ours / step (or forward), and ours
/ (step + validate). BLAS runs on one thread by default (``--threads``), for
all contenders: a call on a few rows gains nothing from a second one, and
timings of a shared machine stay comparable. Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python benchmarks/bench_call_overhead.py --repeats 15
"""

import argparse
import time
import warnings

import numpy as np
from _common import BackpropClassifier, MLPClassifier, machine_facts, median
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neural_network import MLPRegressor
from sklearn.utils.validation import validate_data
from threadpoolctl import threadpool_limits

from skbackprop import BackpropRegressor, LogisticRegressionGD
from skbackprop.core import SGD, Adam, Network

BLOCK_SECONDS = 0.02  # each contender's share of a repeat


def data():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def cycling(X, *arrays, size):
    """A call giving the next ``size`` rows of ``X`` and ``arrays``, in a cycle."""
    starts = range(0, X.shape[0] - size + 1, size)
    batches = [(X[s : s + size], *(a[s : s + size] for a in arrays)) for s in starts]
    state = {"k": 0}

    def next_batch():
        state["k"] = (state["k"] + 1) % len(batches)
        return batches[state["k"]]

    return next_batch


# ------------------------------------------------------------ contenders
def partial_fit_contenders(kind, X, y, size):
    """``{name: call}`` for one row of the partial_fit table."""
    classes = np.unique(y)
    if kind == "classifier":
        ours = BackpropClassifier(random_state=0)
        theirs = MLPClassifier(random_state=0)
        layers, activation, loss, out = [64, 100, 10], "relu", "log_loss", "softmax"
        targets = y
    elif kind == "logistic":
        ours = LogisticRegressionGD(solver="sgd", random_state=0)
        theirs = SGDClassifier(loss="log_loss", random_state=0)
        layers, activation, loss, out = [64, 10], "relu", "log_loss", "softmax"
        targets = y
    else:
        ours = BackpropRegressor(random_state=0)
        theirs = MLPRegressor(random_state=0)
        layers, activation, loss, out = (
            [64, 100, 1],
            "relu",
            "squared_error",
            "identity",
        )
        targets = y / 9.0
    first = slice(0, 200)
    if kind == "regressor":
        ours.partial_fit(X[first], targets[first])
        theirs.partial_fit(X[first], targets[first])
    else:
        ours.partial_fit(X[first], targets[first], classes=classes)
        theirs.partial_fit(X[first], targets[first], classes=classes)

    network = Network(layers, activation, loss, out)
    network.initialize(np.random.RandomState(0))
    if kind == "logistic":
        optimizer = SGD(network.params, 0.01, momentum=0.9, nesterov=True)
    else:
        optimizer = Adam(network.params, 0.001)
    Y = np.eye(10)[y] if out == "softmax" else targets[:, None]
    check = {"accept_sparse": ["csr", "csc"], "dtype": (np.float64, np.float32)}
    if kind != "logistic":
        check["multi_output"] = True
    if kind == "regressor":
        check["y_numeric"] = True

    batch = cycling(X, targets, Y, size=size)

    def call_ours():
        X_b, t_b, _ = batch()
        ours.partial_fit(X_b, t_b)

    def call_theirs():
        X_b, t_b, _ = batch()
        theirs.partial_fit(X_b, t_b)

    def call_step():
        X_b, _, Y_b = batch()
        network.loss_and_gradient(X_b, Y_b, None, 1e-4)
        optimizer.update(network.grad)

    def call_validate():
        X_b, t_b, _ = batch()
        validate_data(ours, X_b, t_b, reset=False, **check)

    return {
        "ours": call_ours,
        "sklearn": call_theirs,
        "step": call_step,
        "validate": call_validate,
    }


def predict_contenders(kind, method, X, y, size):
    """``{name: call}`` for one row of the predict table."""
    train = slice(0, 1000)
    if kind == "logistic":
        ours = LogisticRegressionGD(random_state=0).fit(X[train], y[train])
        theirs = LogisticRegression().fit(X[train], y[train])
        network = Network([64, 10], "relu", "log_loss", "softmax")
        network.set_weights([ours.coef_.T], [ours.intercept_])
    else:
        if kind == "regressor":
            ours, theirs = BackpropRegressor, MLPRegressor
            targets, loss, out = y / 9.0, "squared_error", "identity"
        else:
            ours, theirs = BackpropClassifier, MLPClassifier
            targets, loss, out = y, "log_loss", "softmax"
        ours = ours(max_iter=20, random_state=0).fit(X[train], targets[train])
        theirs = theirs(max_iter=20, random_state=0).fit(X[train], targets[train])
        network = Network([64, 100, ours.n_outputs_], "relu", loss, out)
        network.set_weights(ours.coefs_, ours.intercepts_)
    ours, theirs = getattr(ours, method), getattr(theirs, method)
    batch = cycling(X, size=size)
    return {
        "ours": lambda: ours(batch()[0]),
        "sklearn": lambda: theirs(batch()[0]),
        "forward": lambda: network.forward(batch()[0]),
    }


# ---------------------------------------------------------------- timing
def per_call(call, n_calls):
    start = time.perf_counter()
    for _ in range(n_calls):
        call()
    return (time.perf_counter() - start) / n_calls


def measure(contenders, repeats):
    """Seconds per call, ``{name: [one value per repeat]}``, contenders alternated."""
    names = list(contenders)
    n_calls = {}
    for name in names:  # warm up, then calls for a block of BLOCK_SECONDS
        per_call(contenders[name], 3)
        n_calls[name] = max(3, int(BLOCK_SECONDS / per_call(contenders[name], 5)))
    times = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(per_call(contenders[name], n_calls[name]))
    return times


def ratio(times, top, bottom):
    """Median, minimum and maximum of the per-repeat ratios ``top / bottom``."""
    values = np.asarray(top(times)) / np.asarray(bottom(times))
    return median(values), values.min(), values.max()


def us(seconds):
    return f"{seconds * 1e6:.0f}" if seconds >= 1e-5 else f"{seconds * 1e6:.1f}"


def spread(r):
    return f"**{r[0]:.2f}x** ({r[1]:.2f}-{r[2]:.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    with threadpool_limits(args.threads, user_api="blas"):
        print(machine_facts())
        print(f"BLAS threads in this run: {args.threads}")
        run(args.repeats)


def run(repeats):
    X, y = data()
    names = {
        "classifier": ("BackpropClassifier", "MLPClassifier"),
        "logistic": ("LogisticRegressionGD", "SGDClassifier"),
        "regressor": ("BackpropRegressor", "MLPRegressor"),
    }

    print(f"\npartial_fit: us per call, medians of {repeats} repeats\n")
    print(
        "| ours | rows | ours us | sklearn us | step us | validate us "
        "| sklearn / ours | ours / step | ours / (step + validate) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind in names:
        for size in (1, 10, 100):
            t = measure(partial_fit_contenders(kind, X, y, size), repeats)
            m = {name: median(v) for name, v in t.items()}
            fast = ratio(t, lambda t: t["sklearn"], lambda t: t["ours"])
            step = ratio(t, lambda t: t["ours"], lambda t: t["step"])
            bound = ratio(
                t,
                lambda t: t["ours"],
                lambda t: np.add(t["step"], t["validate"]),
            )
            print(
                f"| {names[kind][0]} vs {names[kind][1]} | {size} | {us(m['ours'])} "
                f"| {us(m['sklearn'])} | {us(m['step'])} | {us(m['validate'])} "
                f"| {spread(fast)} | {step[0]:.2f} | {bound[0]:.2f} |",
                flush=True,
            )

    print(f"\npredict: us per call, medians of {repeats} repeats\n")
    print(
        "| ours | method | rows | ours us | sklearn us | forward us "
        "| sklearn / ours | ours / forward |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    sklearn_names = dict(names, logistic=("LogisticRegressionGD", "LogisticRegression"))
    methods = [
        ("classifier", "predict_proba"),
        ("classifier", "predict"),
        ("logistic", "predict_proba"),
        ("logistic", "predict"),
        ("regressor", "predict"),
    ]
    for kind, method in methods:
        for size in (1, 10, 1000):
            t = measure(predict_contenders(kind, method, X, y, size), repeats)
            m = {name: median(v) for name, v in t.items()}
            fast = ratio(t, lambda t: t["sklearn"], lambda t: t["ours"])
            forward = ratio(t, lambda t: t["ours"], lambda t: t["forward"])
            print(
                f"| {sklearn_names[kind][0]} vs {sklearn_names[kind][1]} | {method} "
                f"| {size} | {us(m['ours'])} | {us(m['sklearn'])} "
                f"| {us(m['forward'])} | {spread(fast)} | {forward[0]:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
