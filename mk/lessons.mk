# The lessons as learners read them: on GitHub, in an editor, and in the
# book, which shows the same Markdown. Listings and diagrams are committed,
# written from their sources by `make listings` and `make diagrams`; the
# checks fail when a lesson or a diagram no longer matches its source, or
# a lesson holds something GitHub cannot show (book/lessons.py).
LESSONS_PY := /usr/bin/python3

.PHONY: listings listings-check diagrams diagrams-check
listings:
	@$(LESSONS_PY) book/lessons.py update

listings-check:
	@$(LESSONS_PY) book/lessons.py check

# Graphviz draws the .dot files; the traces are recorded from programs of
# this build.
diagrams: book-deps $(RT_EXAMPLE_BIN)
	@$(LESSONS_PY) book/diagrams.py update --build $(BUILD)

diagrams-check: book-deps
	@$(LESSONS_PY) book/diagrams.py check

TEST_TARGETS += listings-check diagrams-check
