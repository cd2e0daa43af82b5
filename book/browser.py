"""Headless Chromium, as the book's build (the PDF) and its test use it:
offline, with a profile of its own that is removed afterwards, and a time
limit on every run."""
import shutil
import subprocess
import tempfile

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--disable-features=Translate,MediaRouter"]


class Browser:
    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="book-chromium-")
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.profile, ignore_errors=True)

    def run(self, *args, timeout=120):
        """Chromium with ARGS; its completed process (stdout as text)."""
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", *args],
                              capture_output=True, text=True, timeout=timeout)
