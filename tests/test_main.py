"""Tests for ``python -m skbackprop``: the core demo (--core) and the command line."""

import io
import os
import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

import skbackprop
from skbackprop import __version__
from skbackprop.__main__ import main, train_digits

EPOCH_LINE = re.compile(r"^epoch +(\d+) +loss (\d+\.\d+)$", re.MULTILINE)
ACCURACY_LINE = re.compile(r"^test accuracy (\d\.\d{4}) \((\d+) images\)", re.MULTILINE)


def _check_report(text, epochs):
    assert text.startswith(f"skbackprop {__version__}: network [64, ")
    found = EPOCH_LINE.findall(text)
    assert [int(e) for e, _ in found] == list(range(1, epochs + 1))
    losses = [float(loss) for _, loss in found]
    assert losses[0] < 2.5  # a start near log(10) = 2.30, the chance level
    assert all(b < a for a, b in pairwise(losses))  # training progresses
    (accuracy, n_test), *rest = ACCURACY_LINE.findall(text)
    assert not rest and int(n_test) == 450  # a quarter of 1797 images
    return float(accuracy)


def test_main_prints_losses_and_accuracy(capsys):
    assert main(["--core", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert _check_report(out, epochs=2) > 0.8
    assert "network [64, 100, 10]" in out


def test_main_options(capsys):
    args = ["--core", "--epochs", "3", "--hidden", "16", "8", "--core-batch-size", "32"]
    args += ["--seed", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "network [64, 16, 8, 10]" in out
    assert _check_report(out, epochs=3) > 0.5


def test_core_quiet_leaves_out_the_epochs(capsys):
    assert main(["--core", "--epochs", "2", "--hidden", "8", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "epoch" not in out
    assert out.startswith(f"skbackprop {__version__}: network [64, 8, 10]")
    assert ACCURACY_LINE.search(out)


def test_train_digits_writes_to_given_stream_and_is_reproducible(capsys):
    first, second = io.StringIO(), io.StringIO()
    acc = train_digits(hidden=(8,), epochs=1, seed=3, out=first)
    assert acc == train_digits(hidden=(8,), epochs=1, seed=3, out=second)
    assert isinstance(acc, float) and 0.0 <= acc <= 1.0
    assert _check_report(first.getvalue(), epochs=1) == pytest.approx(acc, abs=1e-4)
    strip = re.compile(r"trained in .* s")
    assert strip.sub("", first.getvalue()) == strip.sub("", second.getvalue())
    assert capsys.readouterr().out == ""


def _python_dash_m(*args):
    """Run ``python -m skbackprop`` on the package these tests import."""
    root = str(Path(skbackprop.__file__).parents[1])
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": root if not path else root + os.pathsep + path}
    return subprocess.run(
        [sys.executable, "-m", "skbackprop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_python_dash_m():
    proc = _python_dash_m("--core", "--epochs", "2", "--hidden", "32")
    assert proc.returncode == 0, proc.stderr
    assert _check_report(proc.stdout, epochs=2) > 0.8


@pytest.mark.parametrize(
    "args, message",
    [
        (["--core", "--epochs", "0"], "must be positive"),
        (["--core", "--core-batch-size", "-1"], "must be positive"),
        (["--batch-size", "0"], "must be positive"),
        (["--hidden", "10", "0"], "must be positive"),
        (["--epochs", "two"], "invalid int value"),
        (["--hidden"], "expected at least one argument"),
        (["--learning-rate", "0.1"], "unrecognized arguments"),
        (["--csv", "x.csv"], "--csv and --target go together"),
        (["--test-size", "1.5"], "--test-size"),
        (["--C", "0"], "--C"),
        (["--solver", "newton"], "invalid choice"),
        (["--core", "--csv", "d.csv", "--target", "y"], "does not take --csv"),
        (["--core", "--plot", "loss.png"], "does not take --plot"),
        (["--core", "--save", "model.joblib"], "does not take --save"),
        (["--core", "--model", "logistic"], "does not take --model"),
        (["--core", "--max-iter", "3"], "does not take --max-iter; use --epochs"),
        (["--core", "--no-compare"], "does not take --no-compare"),
        (["--epochs", "3"], "--epochs is for --core; the models take --max-iter"),
    ],
)
def test_bad_arguments_exit_with_usage_error(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "usage: python -m skbackprop" in captured.err
    assert message in captured.err
    assert "epoch" not in captured.out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == __version__


# ------------------------------------------------------------ the command line
FAST = ["--max-iter", "5", "--hidden", "16", "--quiet"]


def _table(out):
    rows = re.findall(r"^(\w+) +(-?\d+\.\d{4}) +(\d+\.\d{3})", out, re.MULTILINE)
    return {name: (float(acc), float(t)) for name, acc, t in rows}


# --max-iter keeps the command line quick: its fits stop before converging
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_default_run_compares_with_scikit_learn(capsys):
    assert main(["--max-iter", "20", "--hidden", "32"]) == 0
    out = capsys.readouterr().out
    table = _table(out)
    assert set(table) == {
        "BackpropClassifier",
        "MLPClassifier",
        "LogisticRegressionGD",
        "LogisticRegression",
    }
    assert all(acc > 0.85 for acc, _ in table.values())
    # the same network, the same random_state: the same predictions
    assert table["BackpropClassifier"][0] == table["MLPClassifier"][0]
    assert "1347 training and 450 test samples, 64 features, 10 classes" in out
    assert "BackpropClassifier: epoch    2  loss" in out  # progress


# --max-iter keeps the command line quick: its fits stop before converging
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kernels", [True, False])
def test_run_says_whether_the_compiled_kernels_run(capsys, kernels):
    from skbackprop.core import accel

    with accel.enabled(kernels):
        main(["--model", "backprop", "--no-compare", *FAST])
    out = capsys.readouterr().out
    if kernels and accel.available():
        assert re.search(r"compiled kernels: on \(Numba [\d.]+\), loaded in", out)
    elif accel.available():
        assert "compiled kernels: off (switched off)" in out
    else:
        assert 'compiled kernels: off (pip install "skbackprop[fast]"' in out


def test_progress_and_quiet(capsys):
    main(["--model", "backprop", "--no-compare", "--max-iter", "10", "--hidden", "8"])
    out = capsys.readouterr().out
    assert [int(k) for k in re.findall(r"epoch +(\d+)", out)] == list(range(1, 11))
    main(["--model", "backprop", "--no-compare", *FAST])
    assert "epoch" not in capsys.readouterr().out


def test_max_iter_applies_to_every_model(capsys):
    assert main(["--model", "logistic", "--max-iter", "3"]) == 0
    out = capsys.readouterr().out
    epochs = re.findall(r"LogisticRegressionGD: epoch +(\d+)", out)
    assert [int(k) for k in epochs] == [1, 2, 3]
    # both stop before converging, and the table says so
    assert _stops(out) == {
        "LogisticRegressionGD": (3, "max_iter"),
        "LogisticRegression": (3, "max_iter"),
    }


def _stops(out):
    """The table's iterations and stop reasons, by model."""
    rows = re.findall(
        r"^(\w+) +-?\d+\.\d{4} +\d+\.\d{3} +(\d+)  (.+)$", out, re.MULTILINE
    )
    return {name: (int(n_iter), why) for name, n_iter, why in rows}


def test_progress_ends_with_the_last_epoch_and_why_training_stopped(capsys):
    # every other epoch is printed (max_iter // 10), and the last one, 25
    args = ["--model", "backprop", "--no-compare"]
    assert main([*args, "--hidden", "8", "--max-iter", "25"]) == 0
    out = capsys.readouterr().out
    epochs = [int(k) for k in re.findall(r"epoch +(\d+)  loss", out)]
    assert epochs == [1, *range(2, 25, 2), 25]
    assert "BackpropClassifier: stopped after 25 epochs: max_iter=25 reached " in out
    assert _stops(out) == {"BackpropClassifier": (25, "max_iter")}

    # a learning rate too large for progress: the loss stops improving
    assert main([*args, "--hidden", "4", "--learning-rate-init", "0.5"]) == 0
    out = capsys.readouterr().out
    (n_iter, why), *_ = _stops(out).values()
    assert why == "no improvement" and n_iter < 200
    assert f"epoch {n_iter:4d}  loss" in out
    assert (
        f"stopped after {n_iter} epochs: the training loss did not improve by more "
        "than tol=0.0001 for 10 consecutive epochs"
    ) in out


def test_converged_fits_say_so(capsys):
    assert main(["--model", "logistic", "--no-compare"]) == 0
    out = capsys.readouterr().out
    ((n_iter, why),) = _stops(out).values()
    assert why == "convergence" and n_iter < 200
    assert f"LogisticRegressionGD: epoch {n_iter:4d}  loss" in out
    assert f"LogisticRegressionGD: stopped after {n_iter} epochs: converged" in out


def _write_csv(path, text):
    path.write_text(text)
    return str(path)


def test_csv_data(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    lines = ["a,b,label,c"] + [
        f"{x[0]},{x[1]},{lab},{x[2]}" for x, lab in zip(X, labels)
    ]
    path = _write_csv(tmp_path / "data.csv", "\n".join(lines) + "\n")
    args = ["--csv", path, "--target", "label", "--model", "logistic", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "60 training and 20 test samples, 3 features, 2 classes" in out
    assert _table(out)["LogisticRegressionGD"][0] >= 0.85


def _regression_csv(tmp_path, n=120):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    price = 3.5 * X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=n) + 10
    lines = ["a,price,b,c"] + [f"{x[0]},{p},{x[1]},{x[2]}" for x, p in zip(X, price)]
    return _write_csv(tmp_path / "prices.csv", "\n".join(lines) + "\n")


# --max-iter keeps the command line quick: its fits stop before converging
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_csv_continuous_target_is_regressed(tmp_path, capsys):
    path = _regression_csv(tmp_path)
    args = ["--csv", path, "--target", "price", "--quiet", "--hidden", "16"]
    assert main([*args, "--max-iter", "300", "--learning-rate-init", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "90 training and 30 test samples, 3 features, a continuous target" in out
    assert "test R^2" in out
    table = _table(out)
    assert set(table) == {"BackpropRegressor", "MLPRegressor"}
    assert table["BackpropRegressor"][0] > 0.9
    # the same model as scikit-learn's, so the same test score
    assert table["BackpropRegressor"][0] == table["MLPRegressor"][0]
    # a loss scikit-learn does not have: nothing to compare with
    assert main([*args, "--max-iter", "20", "--loss", "huber"]) == 0
    assert set(_table(capsys.readouterr().out)) == {"BackpropRegressor"}


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--model", "logistic"], "LogisticRegressionGD is a classifier"),
        (["--task", "classification", "--loss", "huber"], "--loss huber is for"),
        (["--loss", "poisson"], None),
    ],
)
def test_csv_regression_errors_are_clear(tmp_path, capsys, extra, message):
    path = _regression_csv(tmp_path)
    if message is None:  # poisson with negative values
        path = _write_csv(tmp_path / "neg.csv", "a,y\n1,-2.5\n2,3.5\n3,1.5\n4,0.5\n")
        message = "--loss poisson needs a target without negative values"
    target = "price" if "prices" in path else "y"
    assert main(["--csv", path, "--target", target, *FAST, *extra]) == 2
    assert message in capsys.readouterr().err


def test_csv_labels_forced_to_regression_must_be_numbers(tmp_path, capsys):
    path = _write_csv(tmp_path / "d.csv", "a,y\n1,x\n2,z\n3,x\n4,z\n")
    assert main(["--csv", path, "--target", "y", "--task", "regression", *FAST]) == 2
    assert "--task regression needs a numeric target" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, target, message",
    [
        (None, "y", "no such file"),
        ("a,b,y\n1,2,x\n3,4,z\n", "label", "has no column 'label'"),
        ("a,b,y\n1,oops,x\n3,4,z\n", "y", "line 2: column 'b' is not numeric"),
        ("a,b,y\n1,2\n", "y", "line 2: 2 values for 3 columns"),
        ("a,b,y\n", "y", "no data rows"),
        ("", "y", "is empty"),
        ("a,y\nnan,x\n1,z\n", "y", "line 2: column 'a' has a missing value"),
        ("a,b,y\n1,,x\n3,4,z\n", "y", "column 'b' has a missing value (got '')"),
        ("a,b,y\n1,2,x\n3,NA,z\n", "y", "line 3: column 'b' has a missing value"),
        ("a,b,y\n1,2,\n3,4,z\n", "y", "line 2: the target 'y' is missing"),
        ("a,y\n-inf,x\n1,z\n", "y", "line 2: column 'a' is infinite"),
        ("a,b,label\n1,2,x\n", "lable", "did you mean 'label'? its columns are: a,"),
        ("a,b,Label\n1,2,x\n", "LABEL", "did you mean 'Label'?"),
        ("a;y\n1,5;x\n2,5;z\n", "y", "decimal commas are not read"),
        ("a,y\n1,x\n2,x\n3,x\n", "y", "at least 2 classes"),
        ("a,y\n1,x\n2,z\n", "y", "2 rows are too few: --test-size 0.25 leaves 1"),
        ("a,y\n1,x\n2,x\n3,z\n", "y", "the 2 training rows hold one class only"),
        ("a,y\n1,1.5\n2,2.5\n3,3.5\n4,1.2\n", "y", "a regressor needs at least 2"),
    ],
)
def test_csv_errors_are_clear(tmp_path, capsys, content, target, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    assert main(["--csv", str(path), "--target", target, *FAST]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m skbackprop: error: ")
    assert message in err


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_separated_by_semicolons_or_tabs(tmp_path, capsys, delimiter):
    rows = [f"{i}{delimiter}{i % 3}{delimiter}{'xz'[i % 2]}" for i in range(12)]
    text = delimiter.join(["a", "b", "y"]) + "\n" + "\n".join(rows) + "\n"
    path = _write_csv(tmp_path / "d.csv", text)
    args = ["--csv", path, "--target", "y", "--model", "logistic", "--quiet"]
    assert main([*args, "--no-compare"]) == 0
    assert "9 training and 3 test samples, 2 features, 2 classes" in (
        capsys.readouterr().out
    )


def test_split_not_stratified_when_a_class_cannot_be(tmp_path, capsys):
    labels = "xxzzwwx"  # 7 rows: the 2 test rows cannot hold 3 classes
    rows = [f"{i},{label}" for i, label in enumerate(labels)]
    path = _write_csv(tmp_path / "d.csv", "a,y\n" + "\n".join(rows) + "\n")
    assert main(["--csv", path, "--target", "y", "--model", "logistic", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "5 training and 2 test samples, 1 features, 3 classes" in out
    assert "the split is not stratified: the 2 test rows cannot hold all 3" in out


# --max-iter keeps the command line quick: its fits stop before converging
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_plot_and_save(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    import joblib
    from sklearn.datasets import load_digits

    png, model = tmp_path / "loss.png", tmp_path / "model.joblib"
    args = ["--model", "backprop", "--max-iter", "40", "--quiet"]
    args += ["--plot", str(png), "--save", str(model)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pipe = joblib.load(model)
    X, y = load_digits(return_X_y=True)
    assert type(pipe[-1]).__name__ == "BackpropClassifier"
    assert pipe.score(X, y) > 0.9
    assert "saved to" in out


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    options = "--csv --target --task --loss --model --hidden --solver --alpha"
    options += " --learning-rate-init"
    options += " --max-iter --batch-size --C --plot --save --quiet --core --no-compare"
    for option in options.split():
        assert option in out


def test_plot_without_matplotlib_fails_before_training(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    with pytest.raises(SystemExit) as exc:
        main(["--model", "logistic", "--plot", str(tmp_path / "loss.png")])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "--plot needs matplotlib: pip install 'skbackprop[plot]'" in captured.err
    assert captured.out == ""  # nothing trained


@pytest.mark.parametrize("option", ["--plot", "--save"])
def test_output_into_a_missing_folder_fails_before_training(option, tmp_path, capsys):
    path = tmp_path / "missing" / "out.png"
    with pytest.raises(SystemExit) as exc:
        main(["--model", "logistic", option, str(path)])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert f"{option} {path}: no such folder {str(path.parent)!r}" in captured.err
    assert captured.out == ""


def test_output_onto_a_folder_fails_before_training(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--model", "logistic", "--save", str(tmp_path)])
    assert exc.value.code == 2
    assert "is a folder; give a file name" in capsys.readouterr().err
