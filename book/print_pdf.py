#!/usr/bin/python3
"""Print the book's single page (Sphinx's singlehtml build) to one PDF with
headless Chromium: A4, the hints open, an outline from the headings.

Usage: print_pdf.py SINGLE_PAGE.html OUT.pdf"""
import os
import sys

from browser import Browser


def main(page, out):
    if os.path.exists(out):
        os.remove(out)
    with Browser() as b:
        done = b.run("--no-pdf-header-footer", "--generate-pdf-document-outline",
                     "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
                     f"--print-to-pdf={out}", "file://" + os.path.abspath(page), timeout=300)
    if not os.path.exists(out) or os.path.getsize(out) < 10000:
        sys.exit(f"print_pdf: Chromium wrote no PDF to {out}:\n{done.stderr[-2000:]}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
