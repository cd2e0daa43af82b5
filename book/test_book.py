#!/usr/bin/python3
"""The book's checks, after `make book`: nothing loaded from the network,
every local link resolves, every listing of a lesson is on its page exactly
as in its source and highlighted in its language, and a real browser renders
the index, every chapter (showing each of its diagrams), the API page and the
status page (headless Chromium, pages served over HTTP on 127.0.0.1), with
screenshots saved under build/book/screenshots for a person to look at. The
status page shows the reference solutions' results in the course's
repository, the learner's progress in theirs.

Usage: test_book.py SITE_DIR"""
import glob
import html as html_text
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
import lessons  # noqa: E402  (book/, next to this file)
import processes  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
failures = 0


def check(ok, label, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f": {detail}"))
    failures += not ok


def offline_and_linked(site):
    external, broken = [], []
    for page in glob.glob(os.path.join(site, "**", "*.html"), recursive=True):
        if "/_static/" in page:  # the theme's templates, not pages
            continue
        with open(page, encoding="utf-8") as f:
            html = f.read()
        for tag, url in re.findall(r'<(script|link|img|iframe|source)\b[^>]*?\b(?:src|href)="([^"]+)"', html):
            if re.match(r"(https?:)?//", url):
                external.append(f"{os.path.relpath(page, site)}: <{tag}> {url}")
        for url in re.findall(r'\b(?:href|src)="([^"#?]+)', html):
            if re.match(r"[a-z]+:", url) or url.startswith("//"):
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(page), urllib.parse.unquote(url)))
            if not os.path.exists(target):
                broken.append(f"{os.path.relpath(page, site)} -> {url}")
    check(not external, "nothing is loaded from the network", "\n".join(external[:20]))
    check(not broken, "every local link resolves", "\n".join(sorted(set(broken))[:20]))


def highlighted_blocks(page):
    """(language, text) of every highlighted code block of a built page."""
    with open(page, encoding="utf-8") as f:
        html = f.read()
    return [(lang, html_text.unescape(re.sub(r"<[^>]+>", "", body)))
            for lang, body in re.findall(r'<div class="highlight-([\w+-]+) notranslate"><div class="highlight">'
                                         r"<pre>(.*?)</pre>", html, re.S)]


def listings_shown(site):
    """Each listing of each lesson is on its page, exact and highlighted."""
    for md in lessons.lessons():
        page = os.path.join(site, os.path.relpath(md, lessons.ROOT)[:-3] + ".html")
        with open(md, encoding="utf-8") as f:
            found = lessons.listings(md, f.read())
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chapter_pages(site):
    """Every chapter's page, with what it must show: listings, the sidebar,
    and each diagram the lesson shows."""
    pages = []
    for html in sorted(glob.glob(os.path.join(site, "chapters", "*", "README.html"))):
        chapter = os.path.basename(os.path.dirname(html))
        with open(os.path.join("chapters", chapter, "README.md"), encoding="utf-8") as f:
            lesson = f.read()
        images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", lesson)
        must = ["highlight-c", "bd-sidebar"] + [f'/{os.path.basename(i)}"' for i in images]
        pages.append((f"chapter-{chapter[:2]}", os.path.relpath(html, site), must))
    check(pages, "the chapters' pages exist", "no chapters/*/README.html in the site")
    return pages


def status_must():
    """What the status page must say: whose results it shows."""
    if glob.glob(os.path.join("solutions", "*", "exercises")):
        return ["reference solutions", "Total:"]
    return ["exercises complete,"]


def browse(site):
    port = free_port()
    server = processes.start(["/usr/bin/python3", "-m", "http.server", str(port), "--bind", "127.0.0.1",
                              "--directory", site], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shots = os.path.join("build", "book", "screenshots")
    os.makedirs(shots, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="book-chromium-")
    try:
        for _ in range(50):  # the server is up when it accepts a connection
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        pages = [
            ("index", "book/index.html", ["Async C", "Async basics"]),
            ("api", "book/api.html", ["ac_loop_run", "ac_queue_get"]),
            ("status", "book/status.html", status_must()),
        ] + chapter_pages(site)
        for name, path, must in pages:
            url = f"http://127.0.0.1:{port}/{path}"
            base = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}"]
            dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
            title = re.search(r"<title>(.*?)</title>", dom, re.S)
            missing = [m for m in must if m not in dom]
            check(title and "Async C" in title.group(1) and not missing,
                  f"{name} page renders ({path})", f"title {title.group(1) if title else None!r}, missing {missing}")
            png = os.path.join(shots, f"{name}.png")
            subprocess.run([*base, f"--screenshot={png}", "--window-size=1280,1400", url],
                           capture_output=True, timeout=120)
            check(os.path.exists(png) and os.path.getsize(png) > 10000, f"{name} screenshot saved ({png})")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        processes.stop(server)


def main(site):
    offline_and_linked(site)
    listings_shown(site)
    browse(site)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
