"""Tests for ``python -m skbackprop``, the digits demo."""

import io
import re
import subprocess
import sys
from itertools import pairwise

import pytest

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
    assert main(["--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert _check_report(out, epochs=2) > 0.8
    assert "network [64, 100, 10]" in out


def test_main_options(capsys):
    args = ["--epochs", "3", "--hidden", "16", "8", "--batch-size", "32", "--seed", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "network [64, 16, 8, 10]" in out
    assert _check_report(out, epochs=3) > 0.5


def test_train_digits_writes_to_given_stream_and_is_reproducible(capsys):
    first, second = io.StringIO(), io.StringIO()
    acc = train_digits(hidden=(8,), epochs=1, seed=3, out=first)
    assert acc == train_digits(hidden=(8,), epochs=1, seed=3, out=second)
    assert isinstance(acc, float) and 0.0 <= acc <= 1.0
    assert _check_report(first.getvalue(), epochs=1) == pytest.approx(acc, abs=1e-4)
    strip = re.compile(r"trained in .* s")
    assert strip.sub("", first.getvalue()) == strip.sub("", second.getvalue())
    assert capsys.readouterr().out == ""


def test_python_dash_m():
    proc = subprocess.run(
        [sys.executable, "-m", "skbackprop", "--epochs", "2", "--hidden", "32"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert _check_report(proc.stdout, epochs=2) > 0.8


@pytest.mark.parametrize(
    "args, message",
    [
        (["--epochs", "0"], "must be positive"),
        (["--batch-size", "-1"], "must be positive"),
        (["--hidden", "10", "0"], "must be positive"),
        (["--epochs", "two"], "invalid int value"),
        (["--hidden"], "expected at least one argument"),
        (["--learning-rate", "0.1"], "unrecognized arguments"),
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
