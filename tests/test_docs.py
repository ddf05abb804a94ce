"""The documentation builds with warnings as errors, every example executed."""

import doctest
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_without_warnings(tmp_path):
    # Build a copy, so generated pages and gallery output stay out of the tree.
    shutil.copytree(
        ROOT / "docs",
        tmp_path / "docs",
        ignore=shutil.ignore_patterns("_build", "auto_examples", "generated"),
    )
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    readme = ROOT / "benchmarks" / "README.md"  # shown by benchmarks.rst
    if readme.is_file():
        (tmp_path / "benchmarks").mkdir()
        shutil.copy(readme, tmp_path / "benchmarks")
    out = tmp_path / "html"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "-q",
            str(tmp_path / "docs"),
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    examples = sorted(p.stem for p in (ROOT / "examples").glob("plot_*.py"))
    assert examples, "no examples/plot_*.py found"
    images = tmp_path / "docs" / "auto_examples" / "images"
    for name in examples:  # every example ran and drew its figure
        assert (images / f"sphx_glr_{name}_001.png").stat().st_size > 10_000, name
        assert (out / "auto_examples" / f"{name}.html").exists()
    for page in [
        "index",
        "getting_started",
        "user_guide",
        "api",
        "reliability",
        "deploying",
        "scaling",
        "benchmarks",
        "changelog",
    ]:
        assert (out / f"{page}.html").exists(), page
    if readme.is_file():  # the benchmark results are on the benchmarks page
        assert "does not exist yet" not in (out / "benchmarks.html").read_text()
    api = (out / "generated" / "skbackprop.BackpropClassifier.html").read_text()
    assert "partial_fit" in api and "early_stopping_metric" in api


def test_deploying_page_examples_run(tmp_path, monkeypatch):
    """The examples of deploying.rst (its files are written to a temporary folder)."""
    pytest.importorskip("skops")
    monkeypatch.chdir(tmp_path)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(
        str(ROOT / "docs" / "deploying.rst"), module_relative=False, optionflags=flags
    )
    assert result.attempted > 10 and result.failed == 0
