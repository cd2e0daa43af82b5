"""Two repairs to Debian's build of Furo (furo 2022.12.07+dfsg), made to the
copy in the site's _static/ once the site is written:

- its stylesheet imports normalize.css from /javascript/ (where Debian's
  web server would serve the node-normalize.css package): the site ships
  that file itself and imports it from beside the stylesheet;
- its stylesheet lost the rule that gives the "auto" theme (the default)
  the dark colours when the system prefers dark, so the page stayed light
  while the listings turned dark: the rule is added again, made from the
  stylesheet's own dark colours.
"""
import os
import re
import shutil

NORMALIZE = "/usr/share/javascript/normalize.css/normalize.css"
IMPORT = "@import url(/javascript/normalize.css/normalize.css);"


def repair(css):
    css = css.replace(IMPORT, "@import url(../normalize.css);")
    if "prefers-color-scheme" not in css:
        dark = re.search(r'body\[data-theme="dark"\]\s*\{([^}]*)\}', css)
        if dark:
            css += ("\n@media not print { @media (prefers-color-scheme: dark) {\n"
                    f'  body:not([data-theme="light"]) {{{dark.group(1)}}}\n'
                    '  html body:not([data-theme="light"]) .only-light { display: none !important; }\n'
                    '  body:not([data-theme="light"]) .only-dark { display: block !important; }\n'
                    "} }\n")
    return css


def on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    static = os.path.join(app.outdir, "_static")
    path = os.path.join(static, "styles", "furo.css")
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        css = f.read()
    if IMPORT in css:
        shutil.copy(NORMALIZE, os.path.join(static, "normalize.css"))
    with open(path, "w", encoding="utf-8") as f:
        f.write(repair(css))


def setup(app):
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "version": "1"}
