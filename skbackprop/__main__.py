"""``python -m skbackprop``: train, compare and save models from the command line.

By default it trains :class:`~skbackprop.BackpropClassifier` and
:class:`~skbackprop.LogisticRegressionGD` on the digits data that ships with
scikit-learn (no network connection needed), showing progress per epoch up
to the last and why training stopped, and prints their test accuracy, fit
time and iterations next to scikit-learn's ``MLPClassifier`` and
``LogisticRegression`` trained on the same split. With
``--csv PATH --target COLUMN`` it does the same on your own data; a target
of non-integer numbers (or ``--task regression``) trains
:class:`~skbackprop.BackpropRegressor` next to ``MLPRegressor`` and reports
the test R^2.

``--core`` runs the textbook loop written with :mod:`skbackprop.core` alone:
build the network, initialise it, then for every epoch and mini-batch a
forward pass, the cost, back-propagation and an Adam step.

Run ``python -m skbackprop --help`` for every option.
"""

import argparse
import csv
import difflib
import math
import os
import sys
import time
import warnings

import numpy as np

from skbackprop import __version__
from skbackprop.core import Adam, Network


# ------------------------------------------------------------- the core demo
def train_digits(
    hidden=(100,), epochs=20, batch_size=64, seed=0, out=None, progress=True
):
    """Train a ReLU network on digits with the core; return the test accuracy.

    Progress goes to ``out``, a text stream; ``None`` means ``sys.stdout`` at
    call time (a default of ``sys.stdout`` would be the one seen at import and
    ignore later redirection). ``progress=False`` leaves out the line per
    epoch.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

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
        if progress:
            print(f"epoch {epoch:3d}  loss {total / n:.5f}", file=out)
    elapsed = time.perf_counter() - start

    accuracy = float(np.mean(net.forward(X_test).argmax(axis=1) == y_test))
    print(
        f"test accuracy {accuracy:.4f} ({len(X_test)} images), "
        f"trained in {elapsed:.2f} s",
        file=out,
    )
    return accuracy


# ---------------------------------------------------------------- your data
class DataError(ValueError):
    """The data given on the command line cannot be used."""


# Written for a missing value by spreadsheets and data tools.
MISSING = {"", "na", "n/a", "nan", "null", "none"}


def _delimiter(header_line):
    """The comma, or else a semicolon or tab that separates the header's names."""
    if "," not in header_line:
        for delimiter in (";", "\t"):
            if delimiter in header_line:
                return delimiter
    return ","


def read_csv(path, target):
    """Read a CSV file with a header row; return ``(X, y, feature_names)``.

    Values are separated by commas or, in a file whose header has no comma,
    by semicolons or tabs. Every column but ``target`` must be numeric; the
    target may hold any labels (integers and other numbers are read as
    numbers). Raises :class:`DataError` naming the file, column and line at
    fault.
    """
    try:
        with open(path, newline="", encoding="utf-8") as f:
            delimiter = _delimiter(f.readline())
            f.seek(0)
            rows = list(csv.reader(f, delimiter=delimiter))
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    if not rows:
        raise DataError(f"{path} is empty")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if target not in header:
        close = difflib.get_close_matches(target, header, n=1)
        if not close:  # a difference of case only
            close = [h for h in header if h.lower() == target.lower()]
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise DataError(
            f"{path} has no column {target!r}; {hint}its columns are: "
            f"{', '.join(header)}"
        )
    if not body:
        raise DataError(f"{path} has a header but no data rows")
    t = header.index(target)
    features = [name for i, name in enumerate(header) if i != t]
    if not features:
        raise DataError(f"{path} has no feature columns besides {target!r}")
    X = np.empty((len(body), len(features)))
    y = []
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataError(
                f"{path}, line {line}: {len(row)} values for {len(header)} columns"
            )
        if row[t].strip().lower() in MISSING:
            raise DataError(
                f"{path}, line {line}: the target {target!r} is missing "
                f"(got {row[t]!r}); drop the row or fill it in"
            )
        y.append(row[t].strip())
        values = row[:t] + row[t + 1 :]
        for j, (name, value) in enumerate(zip(features, values)):
            if value.strip().lower() in MISSING:
                raise DataError(
                    f"{path}, line {line}: column {name!r} has a missing value "
                    f"(got {value!r}); features must all be numbers: drop the row "
                    "or fill it in"
                )
            try:
                X[line - 2, j] = float(value)
            except ValueError:
                hint = ""
                if delimiter != "," and "," in value:
                    hint = " (decimal commas are not read: use a decimal point)"
                raise DataError(
                    f"{path}, line {line}: column {name!r} is not numeric "
                    f"(got {value!r}); features must be numbers{hint}"
                ) from None
            if math.isinf(X[line - 2, j]):
                raise DataError(
                    f"{path}, line {line}: column {name!r} is infinite "
                    f"(got {value!r}); features must be finite numbers"
                )
    y = np.asarray(y)
    for dtype in (np.int64, np.float64):  # numbers stay numbers
        try:
            y = y.astype(dtype)
            break
        except ValueError:
            pass
    return X, y, features


# ----------------------------------------------------------------- progress
class EpochPrinter:
    """A scikit-learn callback printing the loss every few epochs."""

    def __init__(self, name, every, out):
        self.name, self.every, self.out = name, every, out
        self.last = 0  # the last epoch printed

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        curve = getattr(fitted_estimator, "loss_curve_", None)
        if context.task_name != "fit" and curve:
            k = len(curve)
            if k == 1 or k % self.every == 0:
                self._line(k, curve[-1])
        return False

    def _line(self, k, loss):
        print(f"  {self.name}: epoch {k:4d}  loss {loss:.5f}", file=self.out)
        self.last = k

    def finish(self, estimator, why):
        """After the fit: the last epoch, if not printed yet, and why it stopped."""
        curve = estimator.loss_curve_
        if len(curve) != self.last:
            self._line(len(curve), curve[-1])
        print(f"  {self.name}: stopped after {len(curve)} epochs: {why}", file=self.out)


def stop_reason(estimator, caught):
    """Why a fit stopped, in a word and in a sentence, from what it shows.

    The estimators do not report why they stopped; their ``n_iter_``, their
    ``max_iter`` and the warnings ``caught`` during the fit tell.
    """
    from sklearn.exceptions import ConvergenceWarning

    n_iter, max_iter = int(np.max(estimator.n_iter_)), estimator.max_iter
    warned = any(isinstance(w.message, ConvergenceWarning) for w in caught)
    if n_iter >= max_iter:
        why = f"max_iter={max_iter} reached" + (" before converging" if warned else "")
        return "max_iter", why
    if warned:
        return "not converged", "stopped before converging (ConvergenceWarning)"
    if getattr(estimator, "solver", None) in ("adam", "sgd", "gd") and hasattr(
        estimator, "hidden_layer_sizes"
    ):
        return "no improvement", (
            f"the training loss did not improve by more than tol={estimator.tol:g} "
            f"for {estimator.n_iter_no_change} consecutive epochs"
        )
    return "convergence", "converged"


# --------------------------------------------------------------------- main
OURS = ("BackpropClassifier", "BackpropRegressor", "LogisticRegressionGD")


def _mlp_params(args):
    params = {
        "hidden_layer_sizes": tuple(args.hidden),
        "activation": args.activation,
        "solver": args.solver,
        "alpha": args.alpha,
        "learning_rate_init": args.learning_rate_init,
        "max_iter": args.max_iter,
        "random_state": args.seed,
    }
    if args.batch_size is not None:
        params["batch_size"] = args.batch_size
    return params


def _scikit_learn_mlp(cls, params, solver):
    """scikit-learn's perceptron trained as ours (solver 'gd': one full batch)."""
    if solver == "gd":
        return cls(**{**params, "solver": "sgd", "batch_size": 10**9})
    return cls(**params)


def _models(args, regression=False):
    """(name, estimator, is_ours) pairs for the requested models."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from skbackprop import BackpropClassifier, BackpropRegressor

    mlp = _mlp_params(args)
    models = []
    if regression:
        if args.model == "logistic":
            raise DataError(
                "the target is continuous: LogisticRegressionGD is a classifier; "
                "use --model backprop (BackpropRegressor), or --task "
                "classification if the numbers are class labels"
            )
        models.append(("BackpropRegressor", BackpropRegressor(args.loss, **mlp), True))
        if args.compare and args.loss in ("squared_error", "poisson"):
            sk = _scikit_learn_mlp(
                MLPRegressor, {**mlp, "loss": args.loss}, args.solver
            )
            models.append(("MLPRegressor", sk, False))
        return models
    if args.model in ("both", "backprop"):
        models.append(("BackpropClassifier", BackpropClassifier(**mlp), True))
        if args.compare:
            sk = _scikit_learn_mlp(MLPClassifier, mlp, args.solver)
            models.append(("MLPClassifier", sk, False))
    if args.model in ("both", "logistic"):
        from skbackprop import LogisticRegressionGD

        ours = LogisticRegressionGD(C=args.C, max_iter=args.max_iter)
        models.append(("LogisticRegressionGD", ours, True))
        if args.compare:
            lr = LogisticRegression(C=args.C, max_iter=args.max_iter)
            models.append(("LogisticRegression", lr, False))
    return models


def _is_regression(y, task):
    """Whether to regress: ``--task``, or (auto) a target of non-integer numbers."""
    if task != "auto":
        return task == "regression"
    from sklearn.utils.multiclass import type_of_target

    return type_of_target(y) == "continuous"


def _split(X, y, test_size, seed, regression):
    """Split for testing, stratified by class where every class fits both parts.

    Returns ``X_train, X_test, y_train, y_test, why``: ``why`` says why a
    split of classes is not stratified, and is empty otherwise. Raises
    :class:`DataError` when there are too few rows to train and test.
    """
    from sklearn.model_selection import train_test_split

    n = len(y)
    n_test = math.ceil(test_size * n)
    n_train = n - n_test
    if regression:
        enough = n_train >= 2 and n_test >= 2
        need = "a regressor needs at least 2 training and 2 test rows (for R^2)"
    else:
        enough = n_train >= 2 and n_test >= 1
        need = (
            "a classifier needs at least 2 training rows (of 2 classes) and 1 test row"
        )
    if not enough:
        raise DataError(
            f"{n} rows are too few: --test-size {test_size} leaves {n_train} for "
            f"training and {n_test} for testing; {need}"
        )
    why = ""
    if not regression:
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() < 2:
            why = f"class {classes[counts.argmin()].item()!r} has a single row"
        elif min(n_train, n_test) < len(classes):
            part = "test" if n_test < n_train else "training"
            why = (
                f"the {min(n_train, n_test)} {part} rows cannot hold all "
                f"{len(classes)} classes"
            )
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=test_size,
        random_state=seed,
        stratify=None if regression or why else y,
    )
    if not regression and len(np.unique(y_train)) < 2:
        raise DataError(
            f"the {n_train} training rows hold one class only, "
            f"{y_train[0].item()!r}, because {why}; a classifier needs rows of "
            "at least 2 classes to train on: add rows of each class"
        )
    return X_train, X_test, y_train, y_test, why


def _plot(path, fitted):
    """One LossCurveDisplay per model with a loss curve, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skbackprop.plotting import LossCurveDisplay

    fitted = [(name, est) for name, est in fitted if getattr(est, "loss_curve_", None)]
    fig, axes = plt.subplots(1, len(fitted), figsize=(4.5 * len(fitted), 3.6))
    for ax, (name, est) in zip(np.atleast_1d(axes), fitted):
        LossCurveDisplay.from_estimator(est, ax=ax, name=name)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _kernel_line():
    """Whether the compiled kernels run; loads them first, so fit times are fair."""
    from skbackprop.core import accel

    if not accel.available():
        return (
            'compiled kernels: off (pip install "skbackprop[fast]" installs '
            "Numba: faster training, same results)"
        )
    start = time.perf_counter()
    if not accel.warm_up():
        return "compiled kernels: off (switched off)"
    import numba

    return (
        f"compiled kernels: on (Numba {numba.__version__}), loaded in "
        f"{time.perf_counter() - start:.2f} s before the timed fits"
    )


def run(args, out=None):
    """Train, compare, report; returns ``{model name: test score}``.

    The score is the accuracy of classifiers, the R^2 of regressors.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skbackprop._callbacks import HAS_CALLBACKS

    out = sys.stdout if out is None else out
    if args.csv is None:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        source = "the digits data shipped with scikit-learn"
    else:
        X, y, _ = read_csv(args.csv, args.target)
        source = args.csv
    regression = _is_regression(y, args.task)
    if regression:
        try:
            y = y.astype(np.float64)
        except ValueError:
            raise DataError(
                f"--task regression needs a numeric target, got {y[:3].tolist()}..."
            ) from None
        if args.loss == "poisson" and (y < 0).any():
            raise DataError("--loss poisson needs a target without negative values")
        what = "a continuous target"
    else:
        if args.loss != "squared_error":
            raise DataError(
                f"--loss {args.loss} is for regression; the target holds classes "
                "(--task regression if its numbers are values)"
            )
        classes = np.unique(y)
        if len(classes) < 2:
            raise DataError(
                f"the target needs at least 2 classes, got {classes.tolist()}"
            )
        what = f"{len(classes)} classes"
    X_train, X_test, y_train, y_test, unstratified = _split(
        X, y, args.test_size, args.seed, regression
    )
    print(
        f"skbackprop {__version__}: {len(X_train)} training and {len(X_test)} test "
        f"samples, {X.shape[1]} features, {what} from {source}",
        file=out,
    )

    if unstratified:
        print(f"the split is not stratified: {unstratified}", file=out)
    print(_kernel_line(), file=out)

    results, fitted = {}, []
    for name, est, ours in _models(args, regression):
        printer = None
        if ours and args.progress and HAS_CALLBACKS and hasattr(est, "set_callbacks"):
            printer = EpochPrinter(name, max(1, args.max_iter // 10), out)
            est.set_callbacks(printer)
        pipe = make_pipeline(StandardScaler(), est)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pipe.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        stopped_by, why = stop_reason(est, caught)
        if printer is not None:
            printer.finish(est, why)
        notes = sorted(
            {
                type(w.message).__name__
                for w in caught
                if not isinstance(w.message, ConvergenceWarning)  # in stopped_by
            }
        )
        note = f"  ({', '.join(notes)})" if notes else ""
        results[name] = float(pipe.score(X_test, y_test))
        fitted.append(
            (name, est, pipe, elapsed, int(np.max(est.n_iter_)), stopped_by + note)
        )

    score = "test R^2" if regression else "test accuracy"
    print(
        f"\n{'model':<22}{score:>15}{'fit time (s)':>15}{'iterations':>12}  stopped by",
        file=out,
    )
    for name, _, _, elapsed, n_iter, stopped_by in fitted:
        row = f"{name:<22}{results[name]:>15.4f}{elapsed:>15.3f}{n_iter:>12d}"
        print(f"{row}  {stopped_by}", file=out)

    if args.plot:
        _plot(args.plot, [(name, est) for name, est, *_ in fitted])
        print(f"loss curves written to {args.plot}", file=out)
    if args.save:
        import joblib

        name, est, pipe, *_ = fitted[0]  # ours come first
        est.__dict__.pop("_skl_callbacks", None)  # they hold the output stream
        joblib.dump(pipe, args.save)
        print(
            f"{name} pipeline (StandardScaler + model) saved to {args.save}", file=out
        )
    return results


def build_parser():
    """The command line's argument parser."""
    p = argparse.ArgumentParser(
        prog="python -m skbackprop",
        allow_abbrev=False,
        description=(
            "Train neural networks by backpropagation and compare them with "
            "scikit-learn. Without --csv it uses the digits data shipped with "
            "scikit-learn (no download). Features are standardised (StandardScaler) "
            "before training."
        ),
    )
    data = p.add_argument_group("data")
    data.add_argument("--csv", metavar="PATH",
                      help="your own data: a CSV file with a header row, "
                      "separated by commas (or semicolons or tabs); all "
                      "columns but the target must be numeric")  # fmt: skip
    data.add_argument("--target", metavar="COLUMN",
                      help="the column of --csv holding the class labels or "
                      "the values to predict")  # fmt: skip
    data.add_argument("--task", choices=["auto", "classification", "regression"],
                      default="auto",
                      help="classify or regress; auto (default) regresses a "
                      "target of non-integer numbers")  # fmt: skip
    data.add_argument("--test-size", type=float, default=0.25, metavar="F",
                      help="fraction of samples held out for testing "
                      "(default 0.25)")  # fmt: skip
    data.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    model = p.add_argument_group("models")
    model.add_argument("--model", choices=["both", "backprop", "logistic"],
                       default="both",
                       help="BackpropClassifier (BackpropRegressor for a "
                       "continuous target), LogisticRegressionGD, or both "
                       "(default)")  # fmt: skip
    model.add_argument("--no-compare", dest="compare", action="store_false",
                       help="do not train scikit-learn's MLPClassifier, "
                       "MLPRegressor and LogisticRegression "
                       "for comparison")  # fmt: skip
    model.add_argument("--loss", default="squared_error",
                       choices=["squared_error", "poisson", "absolute_error",
                                "huber", "quantile"],
                       help="BackpropRegressor's loss "
                       "(default squared_error)")  # fmt: skip
    model.add_argument("--hidden", type=int, nargs="+", default=[100], metavar="N",
                       help="hidden layer sizes (default 100)")  # fmt: skip
    model.add_argument("--activation", default="relu",
                       choices=["identity", "logistic", "tanh", "relu"],
                       help="hidden activation (default relu)")  # fmt: skip
    model.add_argument("--solver", default="adam",
                       choices=["adam", "sgd", "lbfgs", "gd"],
                       help="the network's solver (default adam)")  # fmt: skip
    model.add_argument("--alpha", type=float, default=1e-4,
                       help="L2 penalty of the network (default 1e-4)")  # fmt: skip
    model.add_argument("--learning-rate-init", type=float, default=1e-3,
                       metavar="LR",
                       help="initial learning rate (default 1e-3)")  # fmt: skip
    model.add_argument("--max-iter", type=int, default=200, metavar="N",
                       help="maximum epochs (or iterations) of every model "
                       "trained (default 200)")  # fmt: skip
    model.add_argument("--batch-size", type=int, default=None, metavar="N",
                       help="mini-batch size "
                       "(default min(200, n_samples))")  # fmt: skip
    model.add_argument("--C", type=float, default=1.0,
                       help="inverse regularisation of the logistic models "
                       "(default 1.0)")  # fmt: skip

    output = p.add_argument_group("output")
    output.add_argument("--quiet", dest="progress", action="store_false",
                        help="no progress lines")  # fmt: skip
    output.add_argument("--plot", metavar="PNG",
                        help="write the training loss curves to this image "
                        "(needs matplotlib)")  # fmt: skip
    output.add_argument("--save", metavar="PATH",
                        help="save the first skbackprop model trained (a "
                        "StandardScaler + model pipeline) with joblib")  # fmt: skip

    core = p.add_argument_group("the core demo")
    core.add_argument("--core", action="store_true",
                      help="instead, run the textbook training loop written with "
                      "skbackprop.core alone on digits; it takes --hidden, "
                      "--epochs, --core-batch-size, --seed and --quiet "
                      "only")  # fmt: skip
    core.add_argument("--epochs", type=int, default=20,
                      help="--core: epochs (default 20)")  # fmt: skip
    core.add_argument("--core-batch-size", type=int, default=64, metavar="N",
                      help="--core: mini-batch size (default 64)")  # fmt: skip
    p.add_argument("--version", action="version", version=__version__)
    return p


def _check_outputs(parser, args):
    """Refuse a ``--plot`` or ``--save`` that could only fail after training."""
    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            parser.error("--plot needs matplotlib: pip install 'skbackprop[plot]'")
    for option, path in (("--plot", args.plot), ("--save", args.save)):
        if path is None:
            continue
        folder = os.path.dirname(path) or os.curdir
        if os.path.isdir(path):
            parser.error(f"{option} {path}: is a folder; give a file name")
        if not os.path.isdir(folder):
            parser.error(f"{option} {path}: no such folder {folder!r}")
        if not os.access(folder, os.W_OK):
            parser.error(f"{option} {path}: cannot write into {folder!r}")


# What --core uses, and a hint for what it does not that has a --core twin.
_CORE_OPTIONS = {"core", "hidden", "epochs", "core_batch_size", "seed", "progress"}
_CORE_TWINS = {"max_iter": "--epochs", "batch_size": "--core-batch-size"}


def _check_core(parser, args):
    """Refuse options that the run does not use, rather than ignore them."""
    given = {
        action.dest: action.option_strings[0]
        for action in parser._actions
        if action.option_strings
        and action.default != argparse.SUPPRESS  # --help, --version
        and getattr(args, action.dest, None) != action.default
    }
    if args.core:
        for dest, option in given.items():
            if dest not in _CORE_OPTIONS:
                twin = _CORE_TWINS.get(dest)
                hint = f"; use {twin}" if twin else ""
                parser.error(
                    f"--core trains its own network on digits: it does not take "
                    f"{option}{hint}"
                )
    else:
        for dest, twin in (
            ("epochs", "--max-iter"),
            ("core_batch_size", "--batch-size"),
        ):
            if dest in given:
                parser.error(f"{given[dest]} is for --core; the models take {twin}")


def main(argv=None):
    """Entry point of ``python -m skbackprop``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if min(args.hidden) < 1 or args.max_iter < 1 or args.epochs < 1:
        parser.error("--hidden, --max-iter and --epochs must be positive")
    if args.core_batch_size < 1 or (
        args.batch_size is not None and args.batch_size < 1
    ):
        parser.error("batch sizes must be positive")
    if not 0 < args.test_size < 1:
        parser.error("--test-size must be between 0 and 1")
    if args.C <= 0 or args.alpha < 0 or args.learning_rate_init <= 0:
        parser.error("--C and --learning-rate-init must be positive, --alpha >= 0")
    if (args.csv is None) != (args.target is None):
        parser.error("--csv and --target go together")
    _check_core(parser, args)
    _check_outputs(parser, args)
    if args.core:
        train_digits(
            tuple(args.hidden),
            args.epochs,
            args.core_batch_size,
            args.seed,
            progress=args.progress,
        )
        return 0
    try:
        run(args)
    except DataError as exc:
        print(f"python -m skbackprop: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
