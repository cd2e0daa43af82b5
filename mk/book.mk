# The book: `make book` writes the site to build/book/html (open
# build/book/html/index.html, or serve the folder), with the whole book as
# one page (single/) and one PDF (async-c.pdf) in it; `make book-pdf` makes
# those two alone, as build/book/single/ and build/book/async-c.pdf.
# `make book-test` checks the site in a headless browser.
BOOK_OUT := build/book/html
BOOK_SINGLE := build/book/single
BOOK_PDF := build/book/async-c.pdf
BOOK_PY := /usr/bin/python3
# -E: the pages the extension fills in (contents, API, status) depend on
# files Sphinx does not track, so every build reads everything anew.
BOOK_SPHINX = $(BOOK_PY) -m sphinx -q -E -W --keep-going -n -c book -d build/book/doctrees-$(1) -b $(1)

.PHONY: book book-deps book-sources book-html book-pdf book-test
book-deps:
	@bash scripts/deps.sh scripts/book-packages.txt

# What the pages are made from besides the repository's files: the API's XML
# (complete, or the build stops) and the grader's results.
# The status page: in the course's repository, the reference solutions as
# graded now; in a learner's, their own last grade run (make grade).
book-sources: book-deps runtime
	@mkdir -p build/book/doxygen
	doxygen book/Doxyfile
	$(BOOK_PY) book/check_api_docs.py build/book/doxygen/xml

# The reference solutions are graded again only when something grading reads
# has changed since the last results (make grade-solutions writes the same
# file, so make test grades them once): a failed grade leaves no results.
ifneq ($(HAVE_SOLUTIONS),)
BOOK_GRADE := build/grade/solutions/results.json
book-sources: $(BOOK_GRADE)
# What the grader's own tests build (autograder/tests/fixture/build) is not
# a source.
$(BOOK_GRADE): $(shell find chapters solutions runtime autograder -type f -not -path '*/__pycache__/*' \
  -not -path '*/build/*' -not -path 'chapters/*/diagrams/*' -not -name README.md)  | deps
	@mkdir -p build/book
	@$(GRADE) grade --solutions --out build/grade/solutions > build/book/grade.log 2>&1 || \
	  { cat build/book/grade.log; rm -f $@; exit 1; }
endif

book-html: book-sources
	rm -rf $(BOOK_OUT)
	$(call BOOK_SPHINX,html) . $(BOOK_OUT)

book-pdf: book-sources
	rm -rf $(BOOK_SINGLE)
	$(call BOOK_SPHINX,singlehtml) -D root_doc=book/whole . $(BOOK_SINGLE)
	$(BOOK_PY) book/print_pdf.py $(BOOK_SINGLE)/book/whole.html $(BOOK_PDF)

# The site, with the single page and the PDF in it (the pages link to both).
book: book-html book-pdf
	cp -r $(BOOK_SINGLE) $(BOOK_OUT)/single
	cp $(BOOK_PDF) $(BOOK_OUT)/

book-test: book
	@$(BOOK_PY) book/test_book.py $(BOOK_OUT)

TEST_TARGETS += book-test
