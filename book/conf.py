# Sphinx configuration of the book. The sources are the repository itself:
# the chapters' README.md and hints.md are the pages, as plain Markdown with
# their listings and diagrams written in (make listings, make diagrams), and
# the API reference comes from the headers.
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, "build", "book")
sys.path.insert(0, os.path.join(ROOT, "book", "ext"))
import repository  # noqa: E402

project = "Async C"
author = "The Async C authors"
copyright = "The Async C authors. Code: MIT licence; lessons and diagrams: CC BY-SA 4.0"
html_title = "Async C"
root_doc = master_doc = "book/index"

extensions = ["myst_parser", "breathe", "sphinx_copybutton",
              "course", "apipages", "alerts", "autolinks", "glossary_links", "hints", "pages",
              "svg_images", "coursemap", "furo_fixes"]

include_patterns = ["book/*.md", "book/api/*.md", "chapters/*/README.md", "chapters/*/hints.md"]
exclude_patterns = ["build", "solutions", "autograder", "bench", "runtime", "docs", "**/_build"]

primary_domain = "c"
highlight_language = "c"
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

breathe_projects = {"ac": os.path.join(BUILD, "doxygen", "xml")}
breathe_default_project = "ac"
breathe_domain_by_extension = {"h": "c"}
breathe_show_include = False


# Furo (Debian's python3 package `furo`): dark mode that follows the system
# and a toggle, a phone layout with the page's contents one tap away. The
# choice and why: docs/DESIGN.md, "The book".
html_theme = "furo"
html_logo = os.path.join(ROOT, "book", "static", "logo.svg")
html_favicon = os.path.join(ROOT, "book", "static", "favicon.svg")
html_static_path = [os.path.join(ROOT, "book", "static")]
html_css_files = ["course.css"]
html_extra_path = [os.path.join(ROOT, "book", "extra")]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = "%Y-%m-%d"  # per page, from git (book/ext/pages.py)
html_theme_options = {
    "source_edit_link": repository.edit_link("{filename}"),
    "footer_icons": [{"name": "Repository", "url": repository.URL, "class": "repository-link",
                      "html": repository.ICON}],
    "navigation_with_keys": True,
}
html_context = {"repository_url": repository.URL}

nitpicky = True
# The opaque structures behind the typedefs (ac_lock_s...) are deliberately
# undocumented: programs only ever see the typedef.
nitpick_ignore_regex = [("c:identifier", r"(uv_.*|u?int\d+_t|size_t|ssize_t|FILE|va_list|ac_\w+_s)"),
                        ("c:type", r"(uv_.*|u?int\d+_t|size_t|ssize_t|FILE)")]

templates_path = [os.path.join(ROOT, "book", "templates")]
html_sidebars = {"**": ["sidebar/brand.html", "sidebar/search.html", "sidebar/scroll-start.html",
                        "sidebar/navigation.html", "sidebar/downloads.html", "sidebar/scroll-end.html"]}
html_use_index = False  # Furo links no index; the API pages and the search are the way in
