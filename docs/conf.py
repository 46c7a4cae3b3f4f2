"""Sphinx configuration of the series' website (`make site`; see docs/build_site.py, which stages the sources).

The notebooks are rendered from their committed outputs (myst-nb, nothing re-executed); math is typeset by a
MathJax copied from the pinned `sphinx-mathjax-offline` package, so no page loads anything from another host.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

project = "Imitation Learning, step by step"
author = "the Imitation Learning, step by step authors"
copyright = "the Imitation Learning, step by step authors"

extensions = ["myst_nb", "sphinx_copybutton"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
language = "en"

# ---- notebooks (myst-nb): committed outputs, never executed; widgets are replaced by static stand-ins beforehand
nb_execution_mode = "off"
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # no require.js / widget manager from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3  # `[text](#a-heading)` links inside a page resolve
suppress_warnings = ["myst.header"]  # notebooks number their sections freely (## 1. ..., ### ...)

# ---- math, offline: only the part of MathJax 3 that TeX input with CommonHTML output loads
mathjax_path = "mathjax/tex-chtml.js"
MATHJAX_PARTS = ["tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2", "a11y", "ui", "adaptors"]

# ---- copy buttons on code (cell inputs and code blocks), not on outputs
copybutton_selector = "div:not(.output) > div.highlight > pre"
copybutton_exclude = ".linenos, .gp, .go"

# ---- theme
html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["static"]
html_css_files = ["site.css"]
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "navigation_with_keys": False,
    "footer_content_items": ["author.html"],
}
html_context = {"default_mode": "light"}  # unset, the theme logs "Got invalid theme mode" as a console error
html_show_sourcelink = False
html_copy_source = True  # the download button offers each notebook's .ipynb


def _mathjax_dir() -> Path:
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "sphinx-mathjax-offline is not installed: run `make site` (it installs requirements-docs.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"


def _copy_mathjax(app, exception) -> None:
    """After a successful build, copy MathJax's TeX → CommonHTML parts into _static/mathjax/."""
    if exception is not None or app.builder.format != "html":
        return
    source, target = _mathjax_dir(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src, dst = source / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def setup(app) -> None:
    """Register the MathJax copy."""
    app.connect("build-finished", _copy_mathjax)
