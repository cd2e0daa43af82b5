"""Where the book's sources live, for the links every page carries (the
repository, "edit this page", the design record): the repository the book
is built from, as the reader can reach it.

In order: BOOK_REPOSITORY (a URL), GitHub Actions' GITHUB_SERVER_URL and
GITHUB_REPOSITORY (the published book), the `origin` remote when it is a
GitHub URL (a learner's or an instructor's clone); otherwise the work tree
itself, as a file: URL, so the links of a book built from a local clone
open that clone's files.
"""
import os
import re
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _origin():
    try:
        out = subprocess.run(["git", "-C", ROOT, "remote", "get-url", "origin"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.match(r"(?:https://|git@|ssh://git@)github\.com[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", out)
    return f"https://github.com/{m.group(1)}/{m.group(2)}" if m else None


def _url():
    if os.environ.get("BOOK_REPOSITORY"):
        return os.environ["BOOK_REPOSITORY"].rstrip("/")
    if os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{os.environ['GITHUB_REPOSITORY']}"
    return _origin() or "file://" + ROOT


URL = _url()
ON_WEB = not URL.startswith("file:")
BRANCH = os.environ.get("GITHUB_REF_NAME") or "main"


def file_link(path):
    """A file of the repository, to read."""
    return f"{URL}/blob/{BRANCH}/{path}" if ON_WEB else f"{URL}/{path}"


def edit_link(path):
    """A file of the repository, to edit (the file itself for a local clone)."""
    return f"{URL}/edit/{BRANCH}/{path}" if ON_WEB else f"{URL}/{path}"


# A folder with a branch: the footer's repository link.
ICON = ('<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" '
        'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">'
        '<path d="M3 6.5A1.5 1.5 0 0 1 4.5 5h4l2 2h9A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15'
        'A1.5 1.5 0 0 1 3 17.5z"/><circle cx="9" cy="15" r="1.3"/><circle cx="15" cy="11" r="1.3"/>'
        '<path d="M9 13.7V11M9 11c0 2 6 0 6 0"/></svg>')
