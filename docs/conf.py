"""Sphinx configuration of the sk-swat documentation.

Build it from the repository root with

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``SK_SWAT_DOCS_QUICK=1`` makes the gallery examples and the user-guide figures
use small iteration counts, so that the whole build runs in a few minutes on
a small CPU machine (CI does this); without it they use the real defaults.
"""

import os
import sys
from pathlib import Path

import sk_swat

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "sphinxext"))

import sk_swat_docs  # noqa: E402  (docs/sphinxext/sk_swat_docs.py)

# -- Project -----------------------------------------------------------------------------------

project = "sk-swat"
author = "the sk-swat developers"
copyright = "2025, the sk-swat developers"
release = sk_swat.__version__
version = release

# -- General -----------------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",
    "sk_swat_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
# benchmarks/ is written by `python -m benchmarks.cornn` (its summary.md is pulled into benchmarks.rst, not
# built as a page of its own); _generated/ holds the include files that sk_swat_docs writes.
exclude_patterns = ["_build", "_generated", "benchmarks", "sphinxext", "Thumbs.db", ".DS_Store"]
default_role = "literal"
pygments_style = "sphinx"
smartquotes = False  # keep "--option" and quotes in commands and model cards as written

# The models are tiny: one torch thread is as fast, and much faster on a small shared machine.
sk_swat_docs.one_torch_thread()

# -- autodoc / autosummary / numpydoc ---------------------------------------------------------

autosummary_generate = True
autosummary_imported_members = False
# extra_repr (the torch.nn.Module hook) and config_class (transformers) carry their libraries' docstrings.
autodoc_default_options = {"exclude-members": "extra_repr, config_class"}
autodoc_typehints = "none"
autodoc_member_order = "groupwise"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Validate the docstrings of everything the API reference documents. Left out: a summary on the
# first line (GL01), an extended summary (ES01), See Also (SA01), an Examples section (EX01: the
# public names are checked by tests/test_docstrings.py; methods and properties need none), names
# for return values (RT02), and punctuation of summaries and descriptions (SS05, PR09, RT05).
numpydoc_validation_checks = {"all", "GL01", "ES01", "SA01", "EX01", "RT02", "SS05", "PR09", "RT05"}
numpydoc_validation_exclude = sk_swat_docs.VALIDATION_EXCLUDE

# -- sphinx-gallery ----------------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "sk_swat_docs.ExampleOrder",
    "doc_module": ("sk_swat",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sk_swat": None},
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_signature": False,
    "min_reported_time": 1,
}

# -- matplotlib plot directive (user-guide figures) -------------------------------------------

plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.autolayout": False}

# -- HTML --------------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sk-swat {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "install": [], "quickstart": [], "changelog": [], "benchmarks": []}
html_show_sourcelink = False
