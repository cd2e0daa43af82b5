#!/usr/bin/python3
"""The book's checks, after `make book`:

- nothing is loaded from the network (pages and stylesheets) and every
  local link resolves;
- every listing of a lesson is on its page exactly as in its source and
  highlighted in its language, every diagram of a lesson is shown, every
  `ac_*` name in the lessons links to its API entry, every exercise links
  to its hints, every mention of a chapter or of docs/DESIGN.md is a link,
  every lesson links the glossary;
- every page has its favicon, the repository link, "edit this page" and
  the date of its last change; the status page lists the exercises in
  lesson order;
- every public function and every field of every public structure of the
  headers has its entry in the API reference, and the search index has the
  lessons and the API but neither the hints nor function parameters;
- the course map lists the eleven chapters of the plan, and the PDF has
  every chapter;
- a real browser (headless Chromium, pages served over HTTP on 127.0.0.1)
  renders the landing page, one chapter, the API pages and the status page
  at 1280 and 390 px, light and dark: no page scrolls sideways at 390 px,
  diagrams keep legible text, the theme applies, and the page's contents are
  reachable on a phone. Screenshots go to build/book/screenshots for a
  person to look at. The status page shows the reference solutions' results
  in the course's repository, the learner's progress in theirs.

Usage: test_book.py SITE_DIR"""
import glob
import html as html_text
import html.parser
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "runtime", "tests"))
import lessons  # noqa: E402  (book/, next to this file)
import processes  # noqa: E402
from browser import Browser  # noqa: E402
from check_api import declarations, strip_comments  # noqa: E402

failures = 0


def check(ok, label, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f": {detail}"))
    failures += not ok


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def pages(site):
    return [p for p in glob.glob(os.path.join(site, "**", "*.html"), recursive=True) if "/_static/" not in p]


def offline_and_linked(site):
    external, broken = [], []
    for page in pages(site):
        text = read(page)
        for tag, url in re.findall(r'<(script|link|img|iframe|source)\b[^>]*?\b(?:src|href)="([^"]+)"', text):
            if re.match(r"(https?:)?//", url):
                external.append(f"{os.path.relpath(page, site)}: <{tag}> {url}")
        for url in re.findall(r'\b(?:href|src)="([^"#?]+)', text):
            if re.match(r"[a-z]+:", url) or url.startswith("//"):
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(page), urllib.parse.unquote(url)))
            if not os.path.exists(target):
                broken.append(f"{os.path.relpath(page, site)} -> {url}")
    for css in glob.glob(os.path.join(site, "**", "*.css"), recursive=True):
        for url in re.findall(r"""(?:@import\s+(?:url\()?|url\()\s*["']?([^"')\s]+)""", read(css)):
            if url.startswith("data:"):
                continue
            if re.match(r"(https?:)?//", url) or url.startswith("/"):
                external.append(f"{os.path.relpath(css, site)}: {url}")
            elif not os.path.exists(os.path.join(os.path.dirname(css), url.split("#")[0].split("?")[0])):
                broken.append(f"{os.path.relpath(css, site)} -> {url}")
    check(not external, "nothing is loaded from the network or the server's root", "\n".join(external[:20]))
    check(not broken, "every local link resolves", "\n".join(sorted(set(broken))[:20]))


class Elements(html.parser.HTMLParser):
    """Each <code> and <pre> of a page's article, with the tags around it."""

    def __init__(self):
        super().__init__()
        self.stack, self.codes, self.pres = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "meta", "link", "input", "hr", "wbr"):
            return
        self.stack.append((tag, dict(attrs).get("class", "")))
        if tag in ("code", "pre"):
            (self.codes if tag == "code" else self.pres).append({"stack": list(self.stack), "text": "", "spans": 0})

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        tags = [t for t, _ in self.stack]
        for kind, items in (("code", self.codes), ("pre", self.pres)):
            if kind in tags and items:
                items[-1]["text"] += data
                items[-1]["spans"] += tags[-1] == "span" and kind == "pre"


def lesson_pages(site):
    return sorted(glob.glob(os.path.join(site, "chapters", "*", "README.html")))


def highlighted_blocks(page):
    """(language, text) of every highlighted code block of a built page."""
    return [(lang, html_text.unescape(re.sub(r"<[^>]+>", "", body)))
            for lang, body in re.findall(r'<div class="highlight-([\w+-]+) notranslate"><div class="highlight">'
                                         r"<pre>(.*?)</pre>", read(page), re.S)]


def listings_shown(site):
    """Each listing of each lesson is on its page, exact and highlighted."""
    for md in lessons.lessons():
        page = os.path.join(site, os.path.relpath(md, lessons.ROOT)[:-3] + ".html")
        found = lessons.listings(md, read(md))
        if not found:
            continue
        blocks = highlighted_blocks(page) if os.path.exists(page) else []
        missing = []
        for line, source, region, _, language, _, _ in found:
            code = lessons.region(source, region)
            if (language, code if code.endswith("\n") else code + "\n") not in blocks:
                missing.append(f"{os.path.relpath(md, lessons.ROOT)}:{line} {os.path.relpath(source, lessons.ROOT)}"
                               f"{f' [{region}]' if region else ''} as {language}")
        check(not missing, f"{os.path.relpath(page, site)}: {len(found)} listings shown exactly, highlighted",
              "not shown as in their source: " + "; ".join(missing))


def lesson_links(site):
    """Listings highlighted, diagrams shown, API names linked, exercises
    linked to their hints."""
    unhighlighted, unlinked, no_hints, not_shown = [], [], [], []
    api_name = re.compile(r"\A((?:ac|AC)_\w*[A-Za-z0-9])(?![\w*<])")
    for page in lesson_pages(site):
        name = os.path.relpath(page, site)
        chapter = os.path.basename(os.path.dirname(page))
        for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", read(os.path.join(ROOT, "chapters", chapter, "README.md"))):
            if f'/{os.path.basename(image)}"' not in read(page):
                not_shown.append(f"{name}: {image}")
        manifest = os.path.join(ROOT, "chapters", chapter, "chapter.toml")
        if not os.path.exists(manifest):
            continue  # a lesson without exercises has no manifest
        with open(manifest, "rb") as f:
            for ex in tomllib.load(f).get("exercise", []):
                if not re.search(r'href="hints\.html#[^"]+"[^>]*>(?:<[^>]+>)*The hints for ' + ex["name"] + "<",
                                 read(page)):
                    no_hints.append(f"{name}: {ex['name']}")
    others = glob.glob(os.path.join(site, "chapters", "*", "hints.html")) + \
        [os.path.join(site, "book", page) for page in ("index.html", "glossary.html")]
    for page in lesson_pages(site) + sorted(others):
        p = Elements()
        p.feed(read(page))
        for pre in p.pres:
            classes = " ".join(c for _, c in pre["stack"])
            if "highlight" not in classes or ("highlight-c" in classes and pre["spans"] == 0):
                unhighlighted.append(f"{os.path.relpath(page, site)}: {pre['text'][:60]!r}")
        for code in p.codes:
            if any(t == "pre" for t, _ in code["stack"]):
                continue
            m = api_name.match(code["text"].strip())
            if m and not any(t == "a" for t, _ in code["stack"]):
                unlinked.append(f"{os.path.relpath(page, site)}: {m.group(1)}")
    check(not unhighlighted, "every listing of the lessons, hints and landing page is highlighted",
          "\n".join(unhighlighted[:20]))
    check(not unlinked, "every ac_ name in the lessons, hints, glossary and map links to the API reference",
          "\n".join(sorted(set(unlinked))[:30]))
    check(not no_hints, "every exercise links to its hints", "\n".join(no_hints))
    check(not not_shown, "every diagram of the lessons is shown", "\n".join(not_shown))
    sys.path.insert(0, os.path.join(ROOT, "autograder"))
    from grader import chapters, hints
    uncollapsed = []
    for ch in chapters.all_chapters():
        page = os.path.join(site, "chapters", ch.slug, "hints.html")
        want = sum(len(sec.levels) for sec in hints.sections(ch))
        got = read(page).count('<details class="hint"') if os.path.exists(page) else 0
        if want != got:
            uncollapsed.append(f"{ch.slug}: {got} collapsed of {want} levels")
    check(not uncollapsed, "every hint level is a collapsed block, as make hint reads them", "; ".join(uncollapsed))


def asides(site):
    """What the lessons mark as asides is an admonition (GitHub's alerts,
    docs/chapter-format.md): no alert marker left as text, each common
    mistake a warning, the asyncio names of a chapter in a note rather than
    a paragraph of the text."""
    wrong, boxes = [], 0
    for page in lesson_pages(site):
        name = os.path.relpath(page, site)
        body = read(page).split("<article", 1)[-1].split("</article>", 1)[0]
        boxes += len(re.findall(r'<div class="[^"]*admonition">', body))
        text = html_text.unescape(re.sub(r"<pre.*?</pre>|<[^>]+>", "", body, flags=re.S))
        if re.search(r"\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", text):
            wrong.append(f"{name}: an alert marker shown as text")
        mistakes = re.search(r'<section id="common-mistakes">(.*?)</section>', body, re.S)
        if mistakes and ("<ul" in mistakes.group(1) or 'class="warning' not in mistakes.group(1)):
            wrong.append(f"{name}: the common mistakes are not warnings")
        outside = re.sub(r'<div class="[^"]*admonition">.*?</div>', "", body, flags=re.S)
        for aside in re.findall(r"<p>(?:<strong>)?(In (?:asyncio|Python)[^<]{0,20})", outside):
            wrong.append(f"{name}: {aside!r}... is a paragraph, not a note")
    check(boxes and not wrong, f"the lessons' asides are admonitions ({boxes}): common mistakes, asyncio notes",
          "\n".join(wrong))


def hints_off_the_path(site):
    """Paging on ("Next", "Previous") never leads into the hints: they are
    reached from each exercise."""
    wrong, links = [], 0
    for page in pages(site):
        for link in re.findall(r'<a class="(?:next|prev)-page" href="([^"]+)"', read(page)):
            links += 1
            if link.split("#")[0].endswith("hints.html"):
                wrong.append(f"{os.path.relpath(page, site)} -> {link}")
    check(links and not wrong, f"no Next or Previous link ({links}) leads into the hints", "\n".join(wrong))


def chapter_and_file_links(site):
    """Mentions of other chapters and of the repository's files are links."""
    unlinked = []
    for page in lesson_pages(site) + glob.glob(os.path.join(site, "chapters", "*", "hints.html")) + \
            glob.glob(os.path.join(site, "book", "*.html")):
        body = read(page).split('<article', 1)[-1].split('</article>', 1)[0]
        body = re.sub(r"<pre.*?</pre>|<a\b.*?</a>", "", body, flags=re.S)
        text = html_text.unescape(re.sub(r"<[^>]+>", "", body))
        for m in re.finditer(r"\b[Cc]hapters? \d\d\b|\bdocs/DESIGN\.md\b", text):
            unlinked.append(f"{os.path.relpath(page, site)}: {m.group(0)!r}")
    check(not unlinked, "chapters and docs/DESIGN.md are links wherever they are named",
          "\n".join(unlinked[:20]))


def page_chrome(site):
    """Every page of the site: the favicon, the repository, "edit this page",
    the date git last changed it; each lesson links the glossary; the status
    page lists the exercises in lesson order."""
    missing = []
    for page in pages(site):
        if os.path.relpath(page, site) in ("index.html", "search.html") or "/single/" in page:
            continue  # the redirect to book/index.html, the search form, the single page
        text = read(page)
        for what, pattern in (("favicon", r'<link rel="(?:shortcut )?icon" href="[^"]*favicon\.svg"'),
                              ("repository link", r'class="[^"]*repository-link'),
                              ("edit link", r'class="edit-this-page"'),
                              ("last updated", r"Last updated on \d{4}-\d\d-\d\d")):
            if not re.search(pattern, text):
                missing.append(f"{os.path.relpath(page, site)}: {what}")
    check(not missing, "every page has its favicon, repository and edit links and its date", "\n".join(missing[:20]))
    no_terms = [os.path.relpath(p, site) for p in lesson_pages(site) if "glossary.html#term-" not in read(p)]
    check(not no_terms, "every lesson links terms to the glossary", ", ".join(no_terms))
    status = read(os.path.join(site, "book", "status.html"))
    shown = re.findall(r"<td><p>(\d\d)</p></td>\s*<td><p><code[^>]*><span class=\"pre\">(\w+)</span>", status)
    order = []
    for manifest in sorted(glob.glob(os.path.join(ROOT, "chapters", "[0-9][0-9]-*", "chapter.toml"))):
        with open(manifest, "rb") as f:
            order += [(os.path.basename(os.path.dirname(manifest))[:2], ex["name"])
                      for ex in tomllib.load(f).get("exercise", [])]
    check(shown and shown == order, "the status page lists the exercises in lesson order", f"{shown} vs {order}")


def search_index(site):
    """The search finds lessons and API entries, not the hints nor every
    function's parameters."""
    text = read(os.path.join(site, "searchindex.js"))
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    hints = [d for d in index["docnames"] if d.endswith("/hints")]
    params = [t for t in index["objtypes"].values() if t.endswith("functionParam")]
    check(not hints and not params and "chapters/01-async-basics/README" in index["docnames"]
          and "ac_task_create" in json.dumps(index["objects"]),
          "the search index has the lessons and the API, not the hints nor parameters",
          f"hints {hints}, parameter types {params}")


def header_entries():
    """Every public function, and every field of every structure, that the
    headers declare: read from the headers, not from Doxygen."""
    functions, fields = set(), set()
    for header in glob.glob(os.path.join(ROOT, "runtime", "include", "ac", "*.h")):
        text = strip_comments(read(header))
        for decl in declarations(text):
            m = re.match(r"(?!typedef)(.*?)\b(ac_\w+)\s*\((.*)\)$", decl)
            if m:
                functions.add(m.group(2))
            s = re.match(r"typedef struct(?:\s+\w+)?\s*\{(.*)\}\s*(\w+)$", decl)
            if s:
                for member in s.group(1).split(";"):
                    names = re.findall(r"\(\s*\*\s*(\w+)\s*\)|(\w+)\s*(?:\[[^\]]*\])?\s*$", member.strip())
                    if names:
                        fields.add(f"{s.group(2)}.{names[-1][0] or names[-1][1]}")
    return functions, fields


def api_reference(site):
    text = "".join(read(p) for p in glob.glob(os.path.join(site, "book", "api", "*.html")))
    functions, fields = header_entries()
    missing = sorted(f for f in functions if f'id="c.{f}"' not in text)
    check(functions and not missing, f"the API reference has every public function ({len(functions)})",
          ", ".join(missing))
    missing = sorted(f for f in fields if f'id="c.{f}"' not in text)
    check(fields and not missing, f"the API reference has every field of every structure ({len(fields)})",
          ", ".join(missing))


def plain(text):
    """Text as said, whatever the typography: straight quotes, one space."""
    text = html_text.unescape(text).translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return " ".join(text.split())


def api_pages(site):
    """Each group's page starts with the header's overview of the group (its
    every paragraph) and its contents list names every entry on the page."""
    import xml.etree.ElementTree as ET
    xml = os.path.join(ROOT, "build", "book", "doxygen", "xml")
    wrong, groups = [], 0
    for path in sorted(glob.glob(os.path.join(xml, "group__*.xml"))):
        compound = ET.parse(path).getroot().find("compounddef")
        group = compound.find("compoundname").text
        page = os.path.join(site, "book", "api", f"{group}.html")
        if not os.path.exists(page):
            wrong.append(f"group {group}: no page")
            continue
        groups += 1
        html = read(page)
        body = html.split("<article", 1)[-1].split("</article>", 1)[0]
        overview = body.split('<section id="contents">', 1)[0]
        shown = plain(re.sub(r"<[^>]+>", "", overview))
        for para in compound.find("detaileddescription").findall("para"):
            said = plain("".join(para.itertext()))
            if said and said[:80] not in shown:
                wrong.append(f"{group}: the overview's paragraph {said[:50]!r}... is not at the page's head")
        contents = body.split('<section id="contents">', 1)[-1].split("</section>", 1)[0]
        listed = set(re.findall(r'href="#c\.(\w+)"', contents))
        entries = {e for e in re.findall(r'<dt class="sig sig-object c" id="c\.(\w+)"', body)}
        unlisted = sorted(entries - listed)
        if unlisted:
            wrong.append(f"{group}: the contents do not list {', '.join(unlisted)}")
    check(groups and not wrong, f"every API page ({groups}) starts with its header's overview and lists "
          "every entry in its contents", "\n".join(wrong))


def course_map(site):
    index = read(os.path.join(site, "book", "index.html"))
    cards = re.findall(r'<div class="chapter-card (available|planned) docutils container" id="chapter-(\d\d)"', index)
    with open(os.path.join(ROOT, "chapters", "plan.toml"), "rb") as f:
        plan = [c["number"] for c in tomllib.load(f)["chapter"]]
    numbers = [n for _, n in cards]
    check(len(plan) == 11 and numbers == plan, "the course map lists the eleven chapters of the plan",
          f"plan {plan}, map {numbers}")
    written = {os.path.basename(d)[:2] for d in glob.glob(os.path.join(ROOT, "chapters", "[0-9][0-9]-*"))
               if os.path.exists(os.path.join(d, "README.md"))}
    wrong = [n for state, n in cards if (state == "available") != (n in written)]
    check(not wrong, "the course map says which chapters exist", f"wrong for {wrong}")


def pdf(site):
    path = os.path.join(site, "async-c.pdf")
    if not os.path.exists(path):
        check(False, "the PDF exists", path)
        return
    from pypdf import PdfReader
    reader = PdfReader(path)
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    missing = []
    for readme in sorted(glob.glob(os.path.join(ROOT, "chapters", "[0-9][0-9]-*", "README.md"))):
        title = read(readme).splitlines()[0].lstrip("# ").strip()
        number = int(os.path.basename(os.path.dirname(readme))[:2])
        if " ".join(f"{number}. {title}".split()[:4]) not in text:
            missing.append(f"{number}. {title}")
    check(len(reader.pages) > 20 and not missing, f"the PDF has every chapter ({len(reader.pages)} pages)",
          f"missing {missing}")
    check("The runtime" in text and "ac_task_create" in text and "Glossary" in text and "Hints" in text,
          "the PDF has the API reference, the glossary and the hints")
    titles = []

    def walk(outline):
        for entry in outline:
            walk(entry) if isinstance(entry, list) else titles.append(entry.title)
    walk(reader.outline)
    check(any(t.startswith("1. ") for t in titles), f"the PDF has an outline ({len(titles)} entries)",
          f"{titles[:10]}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Loaded next to the site: opens each view asked (a page, a frame's width and
# height, a theme: Furo keeps the reader's choice in localStorage) in turn in
# a frame and writes what it measured, a list, into <pre id="results">. For a
# screenshot (shot=1), one view, with the frame left in place and no results.
HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}iframe{border:0}</style></head>
<body><pre id="results"></pre><script>
const q = new URLSearchParams(location.search);
const views = JSON.parse(q.get("views")), results = [];
function next() {
  if (results.length === views.length) {
    document.getElementById("results").textContent = JSON.stringify(results);
    if (q.get("shot")) document.getElementById("results").remove();
    return;
  }
  const v = views[results.length];
  localStorage.setItem("theme", v.theme);
  const frame = document.createElement("iframe");
  frame.style.width = v.w + "px"; frame.style.height = v.h + "px";
  frame.onload = () => setTimeout(() => {
    results.push(measure(frame));
    if (!q.get("shot")) frame.remove();
    next();
  }, 300);
  frame.src = v.page;
  document.body.prepend(frame);
}
function svgText(src) {  // smallest font size and the width of its view box
  const x = new XMLHttpRequest(); x.open("GET", src, false); x.send();
  const sizes = [...x.responseText.matchAll(/font-size="([\\d.]+)/g)].map(m => +m[1]);
  const box = x.responseText.match(/viewBox="[-\\d.]+[ ,]+[-\\d.]+[ ,]+([\\d.]+)/) ||
              x.responseText.match(/<svg[^>]*\\bwidth="([\\d.]+)/);
  return [Math.min(...sizes), box ? +box[1] : 0];
}
function measure(frame) {
  const d = frame.contentDocument, w = frame.contentWindow;
  const hasToc = !d.querySelector(".toc-drawer.no-toc");
  const tocShown = [...d.querySelectorAll("label[for='__toc']")].some(l => l.getBoundingClientRect().width > 0);
  const diagrams = [...d.querySelectorAll(".diagram img")].map(img => {
    const [font, box] = svgText(img.src);
    return {src: img.src.split("/").pop(), px: box ? font * img.getBoundingClientRect().width / box : 0};
  });
  return {
    title: d.title,
    scrollWidth: d.documentElement.scrollWidth, width: w.innerWidth,
    theme: d.body.dataset.theme,
    background: getComputedStyle(d.body).backgroundColor,
    tocReachable: !hasToc || tocShown, hasToc: hasToc,
    diagrams: diagrams,
    text: d.body.innerText,
  };
}
next();
</script></body></html>
"""


def status_must():
    """What the status page must say: whose results it shows."""
    if glob.glob(os.path.join(ROOT, "solutions", "*", "exercises")):
        return ["reference solutions", "Total:"]
    return ["exercises complete,"]


def dark(rgb):
    nums = [int(n) for n in re.findall(r"\d+", rgb)[:3]]
    return len(nums) == 3 and sum(nums) < 150


def browse(site):
    shots = os.path.join(ROOT, "build", "book", "screenshots")
    os.makedirs(shots, exist_ok=True)
    root = tempfile.mkdtemp(prefix="book-test-")
    os.symlink(os.path.abspath(site), os.path.join(root, "site"))
    with open(os.path.join(root, "harness.html"), "w") as f:
        f.write(HARNESS)
    port = free_port()
    server = processes.start(["/usr/bin/python3", "-m", "http.server", str(port), "--bind", "127.0.0.1",
                              "--directory", root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = os.path.basename(lesson_pages(site)[0].rsplit("/", 2)[1]) if lesson_pages(site) else None
    targets = [
        ("index", "book/index.html", ["Async C", "The course map", "Who it is for"]),
        ("chapter", f"chapters/{first}/README.html", ["Exercises", "Common mistakes"]),
        ("api", "book/api.html", ["The runtime", "Basics"]),
        ("api-task", "book/api/task.html", ["ac_task_create", "ac_task_opts_t", "stack_size"]),
        ("status", "book/status.html", status_must()),
    ]
    try:
        for _ in range(50):  # the server is up when it accepts a connection
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        views = [(name, path, must, width, height, theme) for name, path, must in targets
                 for width, height in ((1280, 1400), (390, 1500)) for theme in ("light", "dark")]
        # Every other page of the lessons and the reference, on a phone; the
        # lessons (their diagrams) at 1280 px too.
        shown = {path for _, path, _ in targets}
        others = [os.path.relpath(p, site) for p in lesson_pages(site) +
                  sorted(glob.glob(os.path.join(site, "book", "api", "*.html")))]
        views += [(path[:-5], path, [], width, height, "light") for path in others if path not in shown
                  for width, height in ((390, 1500), (1280, 1400)) if width < 500 or path.startswith("chapters/")]
        # The search, in the browser: it finds the lessons and the API, never the hints.
        views += [("search", f"search.html?q={q}", ["Search finished", must], 390, 1500, "light")
                  for q, must in (("cancellation", "3. Coroutines"), ("ac_task_create", "ac_task_create"))]
        with Browser() as b:
            measured = measure(b, port, [(path, width, height, theme) for _, path, _, width, height, theme in views])
            check(len(measured) == len(views), f"the browser measured every view ({len(views)})",
                  f"{len(measured)} measured")
            for (name, path, must, width, height, theme), r in zip(views, measured):
                judge(name, path, must, width, theme, r)
                if name == "search":
                    found = re.findall(r"found (\d+) page", r["text"])
                    check(found and int(found[0]) > 0 and "Hints for" not in r["text"],
                          f"a search ({path}) finds pages and no hints", r["text"][-600:])
            for name, path, _ in targets:
                for width, height in ((1280, 1400), (390, 1500)):
                    for theme in ("light", "dark"):
                        check(*screenshot(b, port, shots, name, path, width, height, theme))
            # The default theme follows the system's preference.
            r = measure(b, port, [("book/index.html", 1280, 900, "auto")], "--blink-settings=preferredColorScheme=0")
            check(r and dark(r[0]["background"]), "with no choice made, a system that prefers dark gets dark pages",
                  r and r[0]["background"])
    finally:
        processes.stop(server)
        subprocess.run(["rm", "-rf", root])


def harness_url(port, views, shot=False):
    views = [{"page": f"/site/{path}", "w": width, "h": height, "theme": theme}
             for path, width, height, theme in views]
    query = urllib.parse.urlencode({"views": json.dumps(views), **({"shot": 1} if shot else {})})
    return f"http://127.0.0.1:{port}/harness.html?{query}"


def measure(b, port, views, *flags):
    """What the harness measured of each view (path, width, height, theme)."""
    dom = b.run(*flags, f"--virtual-time-budget={8000 + 2000 * len(views)}", "--dump-dom",
                harness_url(port, views), timeout=120 + 10 * len(views)).stdout
    m = re.search(r'<pre id="results">(.*?)</pre>', dom, re.S)
    if not m or not m.group(1).strip():
        return []
    return json.loads(html_text.unescape(m.group(1)))


def judge(name, path, must, width, theme, r):
    label = f"{name} at {width} px, {theme}"
    missing = [m for m in must if m not in r["text"]]
    check("Async C" in r["title"] and not missing, f"{label} renders ({path})",
          f"title {r['title']!r}, missing {missing}")
    check(r["theme"] == theme and dark(r["background"]) == (theme == "dark"), f"{label}: the theme applies",
          f"data-theme {r['theme']}, background {r['background']}")
    if width < 500:
        check(r["scrollWidth"] <= r["width"], f"{label}: no sideways scrolling",
              f"page {r['scrollWidth']} px wide in a {r['width']} px window")
        check(r["tocReachable"], f"{label}: the page's contents are one tap away")
    small = [f"{d['src']}: {d['px']:.1f} px" for d in r["diagrams"] if d["px"] < 9]
    if r["diagrams"]:
        check(not small, f"{label}: diagrams' text is legible ({len(r['diagrams'])} diagrams)", "; ".join(small))


def screenshot(b, port, shots, name, path, width, height, theme):
    png = os.path.join(shots, f"{name}-{width}-{theme}.png")
    if os.path.exists(png):
        os.remove(png)
    # All compositing done before the picture, or parts of it come out blank.
    b.run("--virtual-time-budget=8000", "--run-all-compositor-stages-before-draw", f"--screenshot={png}",
          f"--window-size={width},{height}", harness_url(port, [(path, width, height, theme)], shot=True))
    return (f"{name} at {width} px, {theme}: screenshot saved ({png})",
            os.path.exists(png) and os.path.getsize(png) > 10000)


def main(site):
    check(lesson_pages(site), "the chapters' pages exist", "no chapters/*/README.html in the site")
    offline_and_linked(site)
    listings_shown(site)
    lesson_links(site)
    chapter_and_file_links(site)
    page_chrome(site)
    api_reference(site)
    api_pages(site)
    asides(site)
    hints_off_the_path(site)
    search_index(site)
    course_map(site)
    pdf(site)
    browse(site)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
