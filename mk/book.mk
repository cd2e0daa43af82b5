# The book: `make book` writes the site to build/book/html (open
# build/book/html/index.html, or serve the folder). `make book-test` checks it.
BOOK_OUT := build/book/html
BOOK_PY := /usr/bin/python3

.PHONY: book book-deps book-test
book-deps:
	@bash scripts/deps.sh scripts/book-packages.txt

# -E: the pages the extension fills in (contents, API, status) depend on
# files Sphinx does not track, so every build reads everything anew.
# The status page: in the course's repository, the reference solutions as
# graded now; in a learner's, their own last grade run (make grade).
book: book-deps runtime
	@mkdir -p build/book/doxygen
	doxygen book/Doxyfile
ifneq ($(HAVE_SOLUTIONS),)
	@$(GRADE) grade --solutions --out build/grade/solutions > build/book/grade.log 2>&1 || \
	  { cat build/book/grade.log; exit 1; }
endif
	$(BOOK_PY) -m sphinx -q -E -W --keep-going -n -b html -c book -d build/book/doctrees . $(BOOK_OUT)

book-test: book
	@$(BOOK_PY) book/test_book.py $(BOOK_OUT)

TEST_TARGETS += book-test
