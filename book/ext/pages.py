"""What every page shows about its source: the date git last changed it
("Last updated", in the footer) and "edit this page", which for an API
page is the header it is generated from; `<!-- repository-link -->`
becomes a link to the repository (book/ext/repository.py), and
`<!-- whole-book-links -->` links to the PDF and the single page."""
import os
import subprocess

import apipages
import repository

ROOT = apipages.ROOT
_dates = None


def last_changed():
    """{path: YYYY-MM-DD of the last commit that changed it}, from one git log."""
    global _dates
    if _dates is None:
        _dates = {}
        try:
            out = subprocess.run(["git", "-C", ROOT, "log", "--format=@%cs", "--name-only"],
                                 capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        date = None
        for line in out.splitlines():
            if line.startswith("@"):
                date = line[1:]
            elif line and line not in _dates:
                _dates[line] = date
    return _dates


def source_of(docname, suffix):
    return apipages.source_header(docname) or docname + suffix


def on_page_context(app, pagename, templatename, context, doctree):
    if doctree is None or pagename not in app.env.all_docs:
        return
    suffix = os.path.splitext(app.env.doc2path(pagename, False))[1]
    source = source_of(pagename, suffix)
    context["last_updated"] = last_changed().get(source)  # None (not shown) until first committed
    context["theme_source_edit_link"] = repository.edit_link(source).replace("{", "{{").replace("}", "}}")


def whole_book_links(builder):
    """The PDF and the single page, from the index (book/index.html; in the
    single page itself, single/book/whole.html)."""
    if builder == "singlehtml":
        return 'The whole book is also one <a class="reference external" href="../../async-c.pdf">PDF</a>.'
    return ('The whole book is also one <a class="reference external" href="../async-c.pdf">PDF</a>, '
            'and one <a class="reference external" href="../single/book/whole.html">single page</a>.')


def on_source_read(app, docname, source):
    link = f'<a class="reference external repository-link" href="{repository.URL}">{repository.URL}</a>'
    source[0] = source[0].replace("<!-- repository-link -->", link)
    source[0] = source[0].replace("<!-- whole-book-links -->", whole_book_links(app.builder.name))


def single_page_chrome(app):
    """The single page (and so the PDF) has no search page to point to, nor
    the site's root page, and its brand links to its own top."""
    if app.builder.name == "singlehtml":
        app.builder.search = False
        app.config.html_extra_path = []  # the site's redirect to book/index.html
        app.config.html_sidebars = {"**": ["sidebar/brand-single.html", "sidebar/scroll-start.html",
                                           "sidebar/navigation.html", "sidebar/downloads.html",
                                           "sidebar/scroll-end.html"]}


def single_page_links(app, exception):
    """Sphinx's single page points its internal links at the root document's
    path ("book/index.html#x"), which from that very file, one folder down,
    leads nowhere: they become "#x"."""
    if exception is not None or app.builder.name != "singlehtml":
        return
    page = os.path.join(app.outdir, app.config.root_doc + ".html")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    text = text.replace(f'href="{os.path.basename(app.config.root_doc)}.html#', 'href="#')
    text = text.replace(f'href="{app.config.root_doc}.html#', 'href="#')
    with open(page, "w", encoding="utf-8") as f:
        f.write(text)


def setup(app):
    app.connect("builder-inited", single_page_chrome)
    app.connect("build-finished", single_page_links)
    app.connect("source-read", on_source_read)
    app.connect("html-page-context", on_page_context)
    return {"parallel_read_safe": True, "version": "1"}
