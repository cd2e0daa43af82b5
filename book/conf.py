# Sphinx configuration of the book. The sources are the repository itself:
# the chapters' README.md and hints.md are the pages, as plain Markdown with
# their listings and diagrams written in (make listings, make diagrams), and
# the API reference comes from the headers.
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, "build", "book")
sys.path.insert(0, os.path.join(ROOT, "book", "ext"))

project = "Async C"
author = "The Async C authors"
copyright = "The Async C authors. Code: MIT licence; lessons and diagrams: CC BY-SA 4.0"
html_title = "Async C"
root_doc = master_doc = "book/index"

extensions = ["myst_parser", "breathe", "sphinx_copybutton", "sphinx_panels", "course"]

include_patterns = ["book/*.md", "chapters/*/README.md", "chapters/*/hints.md"]
exclude_patterns = ["build", "solutions", "autograder", "bench", "runtime", "docs", "**/_build"]

primary_domain = "c"
highlight_language = "c"
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

breathe_projects = {"ac": os.path.join(BUILD, "doxygen", "xml")}
breathe_default_project = "ac"
breathe_domain_by_extension = {"h": "c"}
breathe_show_include = False

panels_add_bootstrap_css = False

html_theme = "sphinx_book_theme"
html_theme_options = {"home_page_in_toc": True, "show_navbar_depth": 1}
html_static_path = []
html_extra_path = [os.path.join(ROOT, "book", "extra")]

nitpicky = True
# The opaque structures behind the typedefs (ac_lock_s...) are deliberately
# undocumented: programs only ever see the typedef.
nitpick_ignore_regex = [("c:identifier", r"(uv_.*|u?int\d+_t|size_t|ssize_t|FILE|va_list|ac_\w+_s)"),
                        ("c:type", r"(uv_.*|u?int\d+_t|size_t|ssize_t|FILE)")]
