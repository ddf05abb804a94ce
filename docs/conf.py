"""Sphinx configuration of the skbackprop documentation."""

import os
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

import skbackprop

os.environ.setdefault("MPLBACKEND", "Agg")

project = "skbackprop"
author = "The skbackprop developers"
copyright = "2026, The skbackprop developers"
version = release = skbackprop.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
root_doc = "index"

autosummary_generate = True
# No "inherited-members" default: a default given as a bool replaces what a
# directive says, and class.rst chooses the inherited members itself.
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

html_theme = "pydata_sphinx_theme"
html_title = f"skbackprop {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    # No sg_execution_times.rst in the source tree: the timings go in the log.
    "write_computation_times": False,
}

suppress_warnings = ["config.cache"]

# The benchmark scripts' results live beside them, in Markdown.
BENCHMARKS_README = Path(__file__).resolve().parent.parent / "benchmarks" / "README.md"


class BenchmarkResults(SphinxDirective):
    """``benchmarks/README.md`` verbatim, or a note while it does not exist."""

    def run(self):
        if not BENCHMARKS_README.is_file():
            text = "benchmarks/README.md does not exist yet: run the scripts."
            return [nodes.paragraph(text=text)]
        self.env.note_dependency(str(BENCHMARKS_README))
        text = BENCHMARKS_README.read_text(encoding="utf-8")
        return [nodes.literal_block(text, text, language="markdown")]


def setup(app):
    app.add_directive("benchmark-results", BenchmarkResults)
